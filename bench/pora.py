"""PoRA mining and sealing throughput: zerog's native core against the pure-Python core, measured in the same run.

An iteration is what a miner does per nonce: pad seed, 64 KiB scratchpad, recall position, and the quality hashes
of the 64 seals of the recalled 256 KiB sealed chunk (already in memory; the target is 0, so no iteration stops
early). The pure core (`zerog.mining.pora.run_pora_iteration`) is the baseline; the native core
(`zerog.mining.native.run_pora_batch`, batches of 8 nonces) runs once per SIMD path this CPU has, each in its own
process with ZEROG_NATIVE_SIMD pinned. Then: two threads mining at once (the C code releases the GIL) as a ratio to
one, and sealing / unsealing MB/s. Machines are shared and noisy: read the ratios, not the absolute numbers.
Goal (issue: native PoRA): >= 3,300 iterations/s per core natively, about 2x 0G's Rust node.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable

GOAL_ITERATIONS = 3300
BATCH = 8
CHUNKS_IN_MEMORY = 16
SEAL_MIB_NATIVE = 8
SEAL_KIB_PURE = 256
PATHS = {"0": "scalar C", "1": "AVX2", "2": "AVX-512"}


def _best_rate(work: Callable[[], int], seconds: float, runs: int) -> float:
    """Units per second of `work()` (which returns the units it did), best of `runs` runs of about `seconds`."""
    best = 0.0
    for _ in range(runs):
        done, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds or done == 0:
            done += work()
        best = max(best, done / elapsed)
    return best


def _mining_setup() -> tuple[bytes, bytes, object, Callable[[int], memoryview]]:
    from zerog.mining import pora

    rng = random.Random(1)
    flow = memoryview(rng.randbytes(CHUNKS_IN_MEMORY * 256 * 1024))
    recall_range = pora.RecallRange(0, CHUNKS_IN_MEMORY * 1024, 0, (1 << 64) - 1)

    def load(position: int) -> memoryview:
        return flow[position * 256 : position * 256 + 256 * 1024]

    return rng.randbytes(32), rng.randbytes(32), recall_range, load


def worker(kind: str, seconds: float, runs: int) -> dict[str, float]:
    """Run one measurement in this process; the parent picks the implementation through the environment."""
    from zerog.mining import native, pora
    from zerog.mining.seal import seal_chunk as pure_seal_chunk
    from zerog.mining.seal import unseal_chunk as pure_unseal_chunk

    miner_id, subtask, recall_range, load = _mining_setup()
    nonces = [random.Random(i).randbytes(32) for i in range(BATCH)]
    assert isinstance(recall_range, pora.RecallRange)

    def native_batch() -> int:
        assert native.run_pora_batch(miner_id, nonces, subtask, recall_range, load, 0) is None  # type: ignore[arg-type]
        return BATCH

    if kind == "pure":
        counter = iter(range(1 << 62))

        def pure_iteration() -> int:
            nonce = next(counter).to_bytes(32, "big")
            assert pora.run_pora_iteration(miner_id, nonce, subtask, recall_range, load, 0) is None  # type: ignore[arg-type]
            return 1

        data = random.Random(2).randbytes(SEAL_KIB_PURE * 1024)
        sealed = pure_seal_chunk(data, miner_id, subtask, 0)
        return {
            "iterations": _best_rate(pure_iteration, seconds, runs),
            "seal": _best_rate(lambda: len(pure_seal_chunk(data, miner_id, subtask, 0)), seconds, runs),
            "unseal": _best_rate(lambda: len(pure_unseal_chunk(sealed, miner_id, subtask, 0)), seconds, runs),
        }
    if not native.is_available():
        sys.exit("the native core is not built: run 'make install' with a C compiler")
    result = {"lanes": float(native.simd_lanes()), "iterations": _best_rate(native_batch, seconds, runs)}
    if kind == "native-full":
        pads = native.compute_pora_pads(miner_id, nonces, subtask, recall_range.digest())
        chunk = load(0)
        result["scratchpad_us"] = 1e6 / _best_rate(
            lambda: len(native.compute_pora_pads(miner_id, nonces, subtask, recall_range.digest())), seconds, runs
        )
        result["search_us"] = 1e6 / _best_rate(
            lambda: len(native.search_chunk(pads[0].pad_seed, pads[0].scratchpad, chunk, 0)) + 1, seconds, runs
        )
        result["threads1"], result["threads2"] = _thread_scaling(native_batch, seconds, runs)
        data = random.Random(2).randbytes(SEAL_MIB_NATIVE * 1024 * 1024)
        sealed = native.seal_chunk(data, miner_id, subtask, 0)
        result["seal"] = _best_rate(lambda: len(native.seal_chunk(data, miner_id, subtask, 0)), seconds, runs)
        result["unseal"] = _best_rate(lambda: len(native.unseal_chunk(sealed, miner_id, subtask, 0)), seconds, runs)
    return result


def _in_threads(work: Callable[[], int], count: int, seconds: float) -> float:
    """Units per second of `count` threads each running `work` for about `seconds`."""
    done = [0] * count
    start = time.perf_counter()

    def run(slot: int) -> None:
        while time.perf_counter() - start < seconds:
            done[slot] += work()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - start)


def _thread_scaling(work: Callable[[], int], seconds: float, runs: int) -> tuple[float, float]:
    """Best rates of one and of two threads, measured alternately so both see the same neighbours."""
    one = two = 0.0
    for _ in range(max(runs, 5)):
        one = max(one, _in_threads(work, 1, seconds / 2))
        two = max(two, _in_threads(work, 2, seconds / 2))
    return one, two


def measure(kind: str, seconds: float, runs: int, env_update: dict[str, str]) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("ZEROG_NO_NATIVE", "ZEROG_NATIVE_SIMD")}
    env.update(env_update)
    result = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--seconds", str(seconds), "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.6, help="length of one timed run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measurement; the best counts")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.seconds, args.runs)))
        return

    pure = measure("pure", args.seconds, args.runs, {"ZEROG_NO_NATIVE": "1"})
    full = measure("native-full", args.seconds, args.runs, {})
    paths: dict[int, tuple[str, dict[str, float]]] = {}
    for level, name in PATHS.items():
        result = measure("native", args.seconds, args.runs, {"ZEROG_NATIVE_SIMD": level})
        paths.setdefault(int(result["lanes"]), (name, result))  # a CPU without AVX-512 repeats AVX2: keep one

    base = pure["iterations"]
    print(f"PoRA iterations per second, one core, best of {args.runs} runs (pad seed + 64 KiB scratchpad + recall")
    print("position + 64 quality hashes over a 256 KiB sealed chunk in memory)")
    print(f"  zerog, pure Python (baseline)           {base:8.0f} it/s")
    for lanes, (name, result) in sorted(paths.items()):
        rate = result["iterations"]
        label = f"{name} ({lanes} lanes)" if lanes > 1 else name
        print(f"  zerog, native {label:<25} {rate:8.0f} it/s  {rate / base:6.1f}x")
    rate = full["iterations"]
    verdict = "met" if rate >= GOAL_ITERATIONS else "NOT met"
    print(f"  native default: goal >= {GOAL_ITERATIONS} it/s per core: {verdict} ({rate:.0f} it/s)")
    print(f"  native per nonce: scratchpad {full['scratchpad_us']:.0f} us, search {full['search_us']:.0f} us")
    print(
        f"  native, 2 threads (GIL released)        {full['threads2']:8.0f} it/s  "
        f"{full['threads2'] / full['threads1']:6.2f}x one thread ({os.cpu_count()} CPUs)"
    )
    print("sealing (4 KiB seals, 128 chained keccaks each; unsealing hashes every word independently)")
    for op in ("seal", "unseal"):
        print(f"  {f'{op:<6} pure Python (baseline)':<38} {pure[op] / 1e6:8.2f} MB/s")
        native_name = f"{op:<6} native ({int(full['lanes'])} lanes)"
        print(f"  {native_name:<38} {full[op] / 1e6:8.1f} MB/s  {full[op] / pure[op]:6.0f}x")


if __name__ == "__main__":
    main()
