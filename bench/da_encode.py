"""DA encode throughput: `encode_blob` against raw ckzg calls on the same ckzg blobs, measured in the same run.

The baseline is the bare ckzg work a DA blob needs, one call after another in this process: a commitment and the
128 cells and proofs per ckzg blob (`blob_to_kzg_commitment` + `compute_cells_and_kzg_proofs`). `encode_blob` adds
padding, field mapping, row assembly and the data root; with `encoder_pool(2)` it spreads the ckzg blobs over two
worker processes (ckzg holds the GIL, so threads cannot). The pool is started once, outside the timing, as a
disperser would; its start-up is reported apart. Goal: pooled encode on 2 cores >= 0.8x the raw calls' throughput.
The largest size is MAX_DATA_BYTES (256 ckzg blobs, 31 MiB): 32 MiB itself is over 0G's limit.
"""

import argparse
import random
import time

import ckzg

from zerog.crypto import kzg
from zerog.da.encoding import MAX_DATA_BYTES, encode_blob, encoder_pool, pad_payload, split_blobs

GOAL_RATIO = 0.8
MIB = 1 << 20


def time_raw(blobs: list[bytes]) -> float:
    setup = kzg.load_trusted_setup()
    start = time.perf_counter()
    for blob in blobs:
        ckzg.blob_to_kzg_commitment(blob, setup)
        ckzg.compute_cells_and_kzg_proofs(blob, setup)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mib", type=float, nargs="+", default=[1.0, 31.0])
    args = parser.parse_args()
    start = time.perf_counter()
    kzg.load_trusted_setup()
    print(f"trusted setup (precompute {kzg.SETUP_PRECOMPUTE}): {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    with encoder_pool(2) as pool:
        list(pool.map(time.sleep, [0.1, 0.1]))  # two overlapping tasks start both workers (and their setups)
        print(f"encoder pool of 2 started in {time.perf_counter() - start:.2f} s")
        ratios = []
        for size_mib in args.sizes_mib:
            size = min(int(size_mib * MIB), MAX_DATA_BYTES)
            data = random.Random(size).randbytes(size)
            blobs = split_blobs(pad_payload(data))
            raw = time_raw(blobs)
            start = time.perf_counter()
            single = encode_blob(data)
            serial = time.perf_counter() - start
            start = time.perf_counter()
            pooled_blob = encode_blob(data, pool)
            pooled = time.perf_counter() - start
            assert pooled_blob == single
            ratio = raw / pooled
            ratios.append(ratio)
            print(
                f"{size / MIB:6.2f} MiB, {len(blobs):3d} ckzg blobs:"
                f" raw ckzg {raw:6.2f} s ({raw / len(blobs):.3f} s/blob)"
                f" | encode_blob 1 process {serial:6.2f} s ({raw / serial:.2f}x raw)"
                f" | encode_blob pool(2) {pooled:6.2f} s ({ratio:.2f}x raw, {size / MIB / pooled:.2f} MiB/s)"
            )
    verdict = "met" if min(ratios) >= GOAL_RATIO else "NOT met"
    print(f"goal pooled encode >= {GOAL_RATIO}x raw ckzg: {verdict} (worst {min(ratios):.2f}x)")


if __name__ == "__main__":
    main()
