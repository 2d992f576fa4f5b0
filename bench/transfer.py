"""Upload and download throughput over loopback: zerog's client against the official 0G Python SDK, same run.

A fresh devnet (anvil, 4 storage nodes, an indexer; peer auto-sync off so background copies do not skew the
numbers) serves both. Each side uploads its own 64 MiB random files (end to end: hashing, the chain tx, waiting
for the nodes, sending, waiting for finalization) and downloads them back (zerog verifies every segment against
the root; the SDK does not verify), best of 3 downloads each. Two settings:
- one node: everything goes to and comes from one full node;
- 4-node devnet: through the indexer, 2 replicas (zerog spreads downloads over every node holding the file).
The SDK runs in its own virtualenv and times itself, so interpreter start-up is not counted.
Goals (issue 3): zerog >= 5x the SDK both ways, and a verified download >= 200 MB/s.
"""

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from zerog.client import UploadOptions, download_file, upload_file
from zerog.devnet import devnet_down, devnet_up, find_free_port

ROOT = Path(__file__).resolve().parents[1]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
RUNNER = ROOT / "tests" / "interop" / "sdk_runner.py"
UPLOAD_GOAL, DOWNLOAD_GOAL_MBS = 5.0, 200.0
DOWNLOAD_RUNS = 3
"""Downloads are repeated and the best kept, for both sides (the machine is shared and noisy)."""


@dataclass
class Row:
    setting: str
    zerog_up: float
    sdk_up: float
    zerog_down: float
    sdk_down: float
    phases: dict[str, float]


def sdk(*args: str) -> dict[str, object]:
    result = subprocess.run(
        [str(SDK_PYTHON), str(RUNNER), *args], capture_output=True, text=True, check=False, timeout=900
    )
    if result.returncode != 0:
        sys.exit(f"the SDK failed: {result.stderr[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if "error" in data:
        sys.exit(f"the SDK failed: {data['error']}")
    return dict(data)


def make_file(directory: Path, name: str, mib: int, seed: int) -> Path:
    path = directory / name
    path.write_bytes(random.Random(seed).randbytes(mib << 20))
    return path


async def zerog_round(
    path: Path, out: Path, info: dict[str, object], target: dict[str, object], replicas: int
) -> tuple[float, float, dict[str, float]]:
    started = time.perf_counter()
    result = await upload_file(
        path,
        rpc_url=str(info["rpc_url"]),
        private_key=str(info["key"]),
        flow_address=str(info["flow"]),
        nodes=target.get("nodes", ()),  # type: ignore[arg-type]
        indexer=target.get("indexer"),  # type: ignore[arg-type]
        options=UploadOptions(replicas=replicas),
    )
    up = time.perf_counter() - started
    down = float("inf")
    for _ in range(DOWNLOAD_RUNS):
        out.unlink(missing_ok=True)
        started = time.perf_counter()
        await download_file(result.root, out, nodes=target.get("nodes", ()), indexer=target.get("indexer"))  # type: ignore[arg-type]
        down = min(down, time.perf_counter() - started)
        if out.read_bytes() != path.read_bytes():
            sys.exit("zerog downloaded different bytes")
    return up, down, result.phases


def sdk_round(path: Path, out: Path, info: dict[str, object], target: str, replicas: int) -> tuple[float, float]:
    uploaded = sdk(
        "upload",
        str(info["rpc_url"]),
        str(info["flow"]),
        str(info["sdk_key"]),
        str(path),
        target,
        "--replicas",
        str(replicas),
    )
    down = float("inf")
    for _ in range(DOWNLOAD_RUNS):
        out.unlink(missing_ok=True)
        downloaded = sdk("download", str(uploaded["root"]), str(out), target)
        down = min(down, float(downloaded["seconds"]))  # type: ignore[arg-type]
        if out.read_bytes() != path.read_bytes():
            sys.exit("the SDK downloaded different bytes")
    return float(uploaded["seconds"]), down  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=64)
    args = parser.parse_args()
    if not SDK_PYTHON.exists():
        sys.exit("the official SDK venv is missing: run 'make bench' (it installs .venv-sdk)")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        devnet = work / "devnet"
        network = devnet_up(devnet, port=find_free_port(), fresh=True, auto_sync=False, mining=False)
        try:
            info: dict[str, object] = {
                "rpc_url": network.rpc_url,
                "flow": network.contract("Flow"),
                "key": network.accounts[1].private_key,
                "sdk_key": network.accounts[2].private_key,
            }
            node = network.services["storage_nodes"][0]["url"]
            indexer = network.services["indexer"][0]["url"]
            settings = [
                ("1 node", {"nodes": (node,)}, f"nodes={node}", 1),
                ("4-node devnet, 2 replicas", {"indexer": indexer}, f"indexer={indexer}", 2),
            ]
            for number, (name, target, sdk_target, replicas) in enumerate(settings):
                ours = make_file(work, f"zerog-{number}.bin", args.mib, seed=10 + number)
                theirs = make_file(work, f"sdk-{number}.bin", args.mib, seed=20 + number)
                up, down, phases = asyncio.run(zerog_round(ours, work / "zerog-out.bin", info, target, replicas))
                sdk_up, sdk_down = sdk_round(theirs, work / "sdk-out.bin", info, sdk_target, replicas)
                rows.append(Row(name, up, sdk_up, down, sdk_down, phases))
                for path in (ours, theirs, work / "zerog-out.bin", work / "sdk-out.bin"):
                    path.unlink(missing_ok=True)
        finally:
            devnet_down(devnet)
    report(rows, args.mib)


def report(rows: list[Row], mib: int) -> None:
    mb = mib * 1.048576
    print(f"storage transfer, {mib} MiB files over loopback (MB/s; ratio = zerog / official Python SDK 0.4.0)")
    print(f"  {'setting':<28}{'upload zerog':>13}{'SDK':>8}{'ratio':>8}   {'download zerog':>15}{'SDK':>8}{'ratio':>8}")
    for row in rows:
        up_ratio, down_ratio = row.sdk_up / row.zerog_up, row.sdk_down / row.zerog_down
        print(
            f"  {row.setting:<28}{mb / row.zerog_up:>13.1f}{mb / row.sdk_up:>8.1f}{up_ratio:>7.1f}x"
            f"   {mb / row.zerog_down:>15.1f}{mb / row.sdk_down:>8.1f}{down_ratio:>7.1f}x"
        )
    for row in rows:
        spent = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in row.phases.items())
        print(f"  zerog upload time, {row.setting}: {spent}")
    best_down = max(mb / row.zerog_down for row in rows)
    worst_up = min(row.sdk_up / row.zerog_up for row in rows)
    worst_down = min(row.sdk_down / row.zerog_down for row in rows)
    print(
        f"  goals: upload >= {UPLOAD_GOAL:.0f}x: {'met' if worst_up >= UPLOAD_GOAL else 'NOT met'} "
        f"({worst_up:.1f}x); download >= {UPLOAD_GOAL:.0f}x: {'met' if worst_down >= UPLOAD_GOAL else 'NOT met'} "
        f"({worst_down:.1f}x); verified download >= {DOWNLOAD_GOAL_MBS:.0f} MB/s: "
        f"{'met' if best_down >= DOWNLOAD_GOAL_MBS else 'NOT met'} ({best_down:.0f} MB/s)"
    )


if __name__ == "__main__":
    main()
