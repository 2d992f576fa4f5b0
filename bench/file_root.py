"""File-root throughput: zerog against the official 0G Python SDK (`0g-storage-sdk`), measured in the same run.

Both hash the same 64 MiB file from disk (page cache warm) and must agree on the root. The SDK runs in its own
virtualenv (.venv-sdk) because it installs top-level modules; its time is measured inside that process, so
interpreter start-up is not counted. Goal (issue 2): zerog >= 8x the SDK in pure Python.
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zerog.client import compute_file_tree

ROOT = Path(__file__).resolve().parents[1]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
GOAL_RATIO = 8.0


def time_zerog(path: Path, runs: int) -> tuple[str, float]:
    best, root = float("inf"), ""
    for _ in range(runs):
        start = time.perf_counter()
        tree = compute_file_tree(path)
        best = min(best, time.perf_counter() - start)
        root = "0x" + tree.root.hex()
    return root, best


def time_sdk(path: Path, runs: int) -> tuple[str, float]:
    result = subprocess.run(
        [str(SDK_PYTHON), str(Path(__file__).with_name("sdk_file_root.py")), str(path), str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return data["root"], data["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=64, help="file size in MiB")
    parser.add_argument("--runs", type=int, default=3, help="runs per implementation; the best counts")
    args = parser.parse_args()
    if not SDK_PYTHON.exists():
        sys.exit("the official SDK venv is missing: run 'make bench' (it installs .venv-sdk)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.bin"
        path.write_bytes(random.Random(2).randbytes(args.mib * 1024 * 1024))
        ours_root, ours_s = time_zerog(path, args.runs)
        sdk_root, sdk_s = time_sdk(path, max(1, args.runs - 1))
    if ours_root != sdk_root:
        sys.exit(f"roots differ: zerog {ours_root}, SDK {sdk_root}")
    ours_mbs, sdk_mbs = args.mib * 1.048576 / ours_s, args.mib * 1.048576 / sdk_s
    ratio = sdk_s / ours_s
    print(f"file root of {args.mib} MiB, best of {args.runs} (zerog) / {max(1, args.runs - 1)} (SDK) runs")
    print(f"  zerog (pure Python, safe-pysha3)   {ours_mbs:8.1f} MB/s  ({ours_s:.2f} s)")
    print(f"  0g-storage-sdk 0.4.0               {sdk_mbs:8.1f} MB/s  ({sdk_s:.2f} s)")
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(f"  ratio                              {ratio:8.1f}x  (goal >= {GOAL_RATIO:.0f}x: {verdict})")
    print(f"  root {ours_root} (identical)")


if __name__ == "__main__":
    main()
