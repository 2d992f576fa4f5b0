"""DA encode throughput and signer verify rate: zerog against raw ckzg calls on the same data, in the same run.

Encode. Baseline: the bare ckzg work a DA blob needs (`blob_to_kzg_commitment` + `compute_cells_and_kzg_proofs`
per ckzg blob) mapped one ckzg blob at a time over a pool of 2 worker processes that do only those calls and
send nothing back: the most two processes get from ckzg. zerog is `encode_blob(data, encoder_pool(2))`, which also
pads and maps to field elements, ships every cell and proof back to the parent, assembles the 128 rows and hashes
the encoded blob into the data root. Both pools are started (and their KZG setups loaded) before any timing, as a
disperser would. A second reference is the 1-process raw rate x 2 (perfect scaling; CPU time of a 16-blob sample),
which two processes on 2 cores cannot quite reach (they share caches and memory bandwidth).
Wall time on a shared machine moves with others' load, so CPU seconds (this process and the workers, from /proc)
are printed too: their ratio shows the work zerog adds, and CPU / wall the parallelism each run got.
Goal: zerog pooled encode >= 0.8x the raw 2-process throughput.

Verify. A signer owning 1/4 of a quorum's rows checks its 32 rows with `verify_rows` (one
`verify_cell_kzg_proof_batch` over 32 x k cells, plus commitment and shape checks); baseline: the same ckzg batch
call on the same cells with the argument lists built beforehand. One process (a signer verifies in one thread).

Sizes: 1 MiB (9 ckzg blobs) and MAX_DATA_BYTES, 0G's largest blob (256 ckzg blobs, 31.0 MiB: 32 MiB itself is
over the limit). Times are the best of `--runs` for small sizes and one run for the largest (each takes ~30 s).
"""

import argparse
import multiprocessing
import os
import random
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

import ckzg

from zerog.crypto import kzg
from zerog.da.encoding import (
    CELLS_PER_BLOB,
    MAX_DATA_BYTES,
    EncodedBlob,
    encode_blob,
    encoder_pool,
    pad_payload,
    split_blobs,
    verify_rows,
)

GOAL_RATIO = 0.8
MIB = 1 << 20
WORKERS = 2
SIGNER_SHARE = 4
"""A signer owning 1/4 of the quorum's 128 rows verifies 32 of them."""
T = TypeVar("T")
SAMPLE_BLOBS = 16
"""ckzg blobs timed in one process for the 1-process reference (all of them when fewer)."""
LARGE_BLOBS = 64
"""From this many ckzg blobs up, a measurement is taken once (it lasts seconds and noise matters less)."""


def raw_extend(blob: bytes) -> None:
    """The ckzg work of one ckzg blob, results dropped (runs in a raw pool worker)."""
    setup = kzg.load_trusted_setup()
    ckzg.blob_to_kzg_commitment(blob, setup)
    ckzg.compute_cells_and_kzg_proofs(blob, setup)


def run_raw(pool: ProcessPoolExecutor, blobs: list[bytes]) -> None:
    """The raw ckzg work of every ckzg blob, one task per ckzg blob as `encode_blob` submits them."""
    for _ in pool.map(raw_extend, blobs):
        pass


def raw_pool() -> ProcessPoolExecutor:
    """A pool like `encoder_pool`: spawned workers with the setup loaded."""
    return ProcessPoolExecutor(
        max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn"), initializer=kzg.load_trusted_setup
    )


def start(pool: ProcessPoolExecutor) -> None:
    list(pool.map(time.sleep, [0.2] * WORKERS))  # overlapping tasks start every worker (and load its setup)


def timed(work: Callable[[], T]) -> tuple[float, T]:
    """(seconds, result) of `work()`."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(work: Callable[[], T], pool: ProcessPoolExecutor) -> tuple[float, float, T]:
    """(wall seconds, CPU seconds of this process and the pool's workers, result) of `work()`.

    CPU time counts the work done whatever else the machine runs, so its ratio is steadier than the wall's.
    """
    pids = list(getattr(pool, "_processes", None) or {})  # the workers' pids (a private attribute)
    before = time.process_time() + sum(map(process_cpu_seconds, pids))
    seconds, result = timed(work)
    return seconds, time.process_time() + sum(map(process_cpu_seconds, pids)) - before, result


def one_process_per_blob(blobs: list[bytes]) -> float:
    """CPU seconds per ckzg blob of the raw calls in this process, over a sample (CPU time: others' load on the
    machine inflates it far less than wall time)."""
    sample = blobs[:SAMPLE_BLOBS]
    started = time.process_time()
    for blob in sample:
        raw_extend(blob)
    return (time.process_time() - started) / len(sample)


def verify_share(blob: EncodedBlob, runs: int) -> tuple[tuple[float, float], tuple[float, float], int, int]:
    """((wall, cpu) of zerog, (wall, cpu) of raw ckzg, rows, cells) to verify one signer's share of `blob`."""
    rows = blob.rows[::SIGNER_SHARE]
    k = blob.blob_count
    commitments = [blob.commitments[i] for _ in rows for i in range(k)]
    indices = [row.index for row in rows for _ in range(k)]
    cells = [row.cell(i) for row in rows for i in range(k)]
    proofs = [row.proof(i) for row in rows for i in range(k)]
    setup = kzg.load_trusted_setup()
    ours, raw = [], []
    for _ in range(runs):  # alternate, so both see the same neighbours
        cpu = time.process_time()
        seconds, ok = timed(lambda: ckzg.verify_cell_kzg_proof_batch(commitments, indices, cells, proofs, setup))
        raw.append((seconds, time.process_time() - cpu))
        assert ok
        cpu = time.process_time()
        seconds, _ = timed(lambda: verify_rows(blob.commitments, rows))
        ours.append((seconds, time.process_time() - cpu))
    return min(ours), min(raw), len(rows), len(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mib", type=float, nargs="+", default=[1.0, 31.0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each small measurement; the best counts")
    args = parser.parse_args()
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (others' work skews every time)")
    setup_s, _ = timed(kzg.load_trusted_setup)
    print(f"trusted setup (precompute {kzg.SETUP_PRECOMPUTE}) loaded in {setup_s:.2f} s")
    encode_rows, verify_table = [], []
    with encoder_pool(WORKERS) as pool, raw_pool() as raw_workers:
        started = time.perf_counter()
        start(pool)
        start(raw_workers)
        print(f"2 pools of {WORKERS} workers started in {time.perf_counter() - started:.2f} s (not timed below)")
        for size_mib in args.sizes_mib:
            size = min(int(size_mib * MIB), MAX_DATA_BYTES)
            data = random.Random(size).randbytes(size)
            blobs = split_blobs(pad_payload(data))
            runs = 1 if len(blobs) >= LARGE_BLOBS else args.runs
            raw_runs, our_runs, encoded = [], [], None
            for _ in range(runs):  # alternate, so both see the same neighbours
                raw_wall, raw_cpu, _ = measured(partial(run_raw, raw_workers, blobs), raw_workers)
                raw_runs.append((raw_wall, raw_cpu))
                wall, cpu, encoded = measured(partial(encode_blob, data, pool), pool)
                our_runs.append((wall, cpu))
            assert encoded is not None
            assert len(encoded.rows) == CELLS_PER_BLOB
            per_blob = one_process_per_blob(blobs)
            encode_rows.append((size, len(blobs), min(raw_runs), min(our_runs), per_blob * len(blobs) / WORKERS))
            verify_table.append((size, len(blobs), *verify_share(encoded, 1 if len(blobs) >= LARGE_BLOBS else 5)))

    print()
    print(f"DA encode throughput, MiB/s of input data, {WORKERS} workers on {os.cpu_count()} CPUs")
    print("  wall = seconds to encode; cpu = CPU seconds of the parent and both workers; ratio = raw / zerog")
    print(
        f"  {'size':>9} {'ckzg':>5} | {'raw ckzg pool(2) wall, cpu':>27} | {'zerog encode_blob pool(2)':>27} |"
        f" {'ratio wall':>10} {'cpu':>5} | {'ref: raw 1-proc x2':>19} {'ratio':>6}"
    )
    worst = worst_cpu = float("inf")
    for size, count, (raw, raw_cpu), (ours, our_cpu), ideal in encode_rows:
        mib = size / MIB
        worst, worst_cpu = min(worst, raw / ours), min(worst_cpu, raw_cpu / our_cpu)
        print(
            f"  {mib:6.2f}MiB {count:5d} | {raw:6.2f} s {mib / raw:6.2f} MiB/s {raw_cpu:6.1f} |"
            f" {ours:6.2f} s {mib / ours:6.2f} MiB/s {our_cpu:6.1f} | {raw / ours:9.2f}x {raw_cpu / our_cpu:4.2f}x |"
            f" {ideal:6.2f} s {mib / ideal:5.2f} MiB/s {ideal / ours:5.2f}x"
        )
    parallelism = ", ".join(
        f"{size / MIB:.0f} MiB raw {raw_cpu / raw:.2f} zerog {our_cpu / ours:.2f}"
        for size, _, (raw, raw_cpu), (ours, our_cpu), _ in encode_rows
    )
    print(f"  parallelism got (cpu / wall, at most {WORKERS}): {parallelism}")
    verdict = "met" if worst >= GOAL_RATIO else "NOT met"
    print(
        f"  goal zerog pooled encode >= {GOAL_RATIO}x raw ckzg pool(2) throughput: {verdict}"
        f" (worst wall ratio {worst:.2f}x; CPU-time ratio {worst_cpu:.2f}x)"
    )

    print()
    print(f"DA signer verify rate: one signer's 1/{SIGNER_SHARE} share (every {SIGNER_SHARE}th row), one process")
    print("  wall seconds and rates; ratio = raw / zerog, of wall and of CPU time")
    print(
        f"  {'size':>9} {'rows':>5} {'cells':>6} | {'raw verify_cell_kzg_proof_batch':>31} |"
        f" {'zerog verify_rows':>39} | {'ratio wall':>10} {'cpu':>5}"
    )
    for size, _, (ours, our_cpu), (raw, raw_cpu), rows, cells in verify_table:
        print(
            f"  {size / MIB:6.2f}MiB {rows:5d} {cells:6d} | {raw:7.3f} s {cells / raw:8.0f} cells/s{'':>5} |"
            f" {ours:7.3f} s {rows / ours:7.1f} rows/s {cells / ours:6.0f} cells/s |"
            f" {raw / ours:9.2f}x {raw_cpu / our_cpu:4.2f}x"
        )
    per_cell = statistics.median(ours / cells for _, _, (ours, _), _, _, cells in verify_table)
    print(f"  zerog: {per_cell * 1e3:.3f} ms per cell (median over sizes)")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
