"""File-root throughput: zerog against the official 0G Python SDK (`0g-storage-sdk`), measured in the same run.

All hash the same 64 MiB file from disk (page cache warm) and must agree on the root: zerog's pure-Python path
(safe-pysha3, ZEROG_NO_NATIVE=1), zerog's native core (C, SIMD lanes chosen at run time), and the SDK. Each runs
in its own process and times only the hashing, so interpreter start-up is not counted; the SDK runs in its own
virtualenv (.venv-sdk) because it installs top-level modules. A second baseline is one keccak stream over the same
bytes in memory (hashlib.sha3_256: the same permutation, so the most one core gets from scalar code).
Goals: pure-Python zerog >= 8x the SDK (issue 2); the native core >= 50x the SDK and >= 0.85x one keccak stream.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
GOAL_RATIO = 8.0
GOAL_NATIVE_RATIO = 50.0
GOAL_NATIVE_VS_STREAM = 0.85


ZEROG_TIMER = """
import json, sys, time
from pathlib import Path
from zerog.client import compute_file_tree
from zerog.crypto.keccak import NATIVE
best, root = float("inf"), ""
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    tree = compute_file_tree(Path(sys.argv[1]))
    best = min(best, time.perf_counter() - start)
    root = "0x" + tree.root.hex()
print(json.dumps({"root": root, "seconds": best, "native": NATIVE}))
"""


def time_zerog(path: Path, runs: int, *, native: bool) -> tuple[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "ZEROG_NO_NATIVE"}
    if not native:
        env["ZEROG_NO_NATIVE"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", ZEROG_TIMER, str(path), str(runs)], capture_output=True, text=True, check=True, env=env
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if data["native"] != native:
        sys.exit("the native core is not built: run 'make install' with a C compiler")
    return data["root"], data["seconds"]


SHA3_TIMER = """
import hashlib, json, sys, time
from pathlib import Path
data = Path(sys.argv[1]).read_bytes()
best = float("inf")
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    hashlib.sha3_256(data).digest()
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best}))
"""


def time_sha3_stream(path: Path, runs: int) -> float:
    """Seconds for one hashlib.sha3_256 stream over the file's bytes, already in memory."""
    result = subprocess.run(
        [sys.executable, "-c", SHA3_TIMER, str(path), str(runs)], capture_output=True, text=True, check=True
    )
    seconds: float = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


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
        python_root, python_s = time_zerog(path, args.runs, native=False)
        native_root, native_s = time_zerog(path, args.runs, native=True)
        stream_s = time_sha3_stream(path, args.runs)
        sdk_root, sdk_s = time_sdk(path, max(1, args.runs - 1))
    if len({python_root, native_root, sdk_root}) != 1:
        sys.exit(f"roots differ: zerog {python_root} / {native_root}, SDK {sdk_root}")
    mb = args.mib * 1.048576
    ratio = sdk_s / python_s
    print(f"file root of {args.mib} MiB, best of {args.runs} (zerog) / {max(1, args.runs - 1)} (SDK) runs")
    print(f"  0g-storage-sdk 0.4.0 (baseline)         {mb / sdk_s:8.1f} MB/s  ({sdk_s:.2f} s)")
    print(
        f"  zerog, pure Python (safe-pysha3)        {mb / python_s:8.1f} MB/s  {ratio:6.1f}x  (goal >= "
        f"{GOAL_RATIO:.0f}x: {_verdict(ratio, GOAL_RATIO)})"
    )
    native_ratio, stream_ratio = sdk_s / native_s, stream_s / native_s
    print(
        f"  zerog, native core ({_lanes()} SIMD lanes)       {mb / native_s:8.1f} MB/s  {native_ratio:6.1f}x  (goal >= "
        f"{GOAL_NATIVE_RATIO:.0f}x: {_verdict(native_ratio, GOAL_NATIVE_RATIO)})"
    )
    print(f"  sha3-256, one stream in memory          {mb / stream_s:8.1f} MB/s  (scalar keccak-f, the per-core limit)")
    print(
        f"  native core / one keccak stream                       {stream_ratio:6.2f}x  (goal >= "
        f"{GOAL_NATIVE_VS_STREAM}x: {_verdict(stream_ratio, GOAL_NATIVE_VS_STREAM)})"
    )
    print(f"  root {python_root} (identical)")


def _verdict(ratio: float, goal: float) -> str:
    return "met" if ratio >= goal else "NOT met"


def _lanes() -> int:
    try:
        from zerog.native import _keccak
    except ImportError:
        return 0
    return _keccak.simd_lanes()


if __name__ == "__main__":
    main()
