"""The native PoRA and sealing fast paths give the pure core's bytes exactly, on every SIMD path.

The pure twins (`zerog.mining.pora`, `zerog.mining.seal`) are the reference. Batch sizes are chosen to exercise
full 8-lane and 4-lane batches, short batches (spare lanes repeat a message) and the scalar remainder.
"""

import hashlib
import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.errors import InvalidInput
from zerog.mining import native, pora
from zerog.mining.seal import seal_chunk, unseal_chunk
from zerog.spec import BYTES_PER_SCRATCHPAD, BYTES_PER_SEAL

core = pytest.importorskip("zerog.native._keccak")
pytestmark = pytest.mark.skipif(not native.is_available(), reason="the native core is disabled (ZEROG_NO_NATIVE)")

MAX_QUALITY = (1 << 256) - 1


def _random_pad(rng: random.Random) -> tuple[bytes, bytes]:
    pad_seed = rng.randbytes(64)
    scratchpad, _ = pora.compute_scratchpad(pad_seed)
    return pad_seed, scratchpad


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600))
def test_blake2b512_matches_hashlib(data: bytes) -> None:
    assert core.blake2b512(data) == hashlib.blake2b(data).digest()


@pytest.mark.parametrize("msg_len", [1, 8, 64, 127, 128, 129, 256, 4224])
def test_blake2b512_many_matches_hashlib(msg_len: int) -> None:
    rng = random.Random(msg_len)
    for count in (0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17):
        data = rng.randbytes(msg_len * count)
        expected = b"".join(hashlib.blake2b(data[i : i + msg_len]).digest() for i in range(0, len(data), msg_len))
        assert core.blake2b512_many(data, msg_len) == expected, count


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 8, 9, 13])
def test_pads_match_the_pure_core(count: int) -> None:
    rng = random.Random(count)
    miner_id, subtask, range_digest = rng.randbytes(32), rng.randbytes(32), rng.randbytes(32)
    nonces = [rng.randbytes(32) for _ in range(count)]
    pads = native.compute_pora_pads(miner_id, nonces, subtask, range_digest)
    assert [pad.nonce for pad in pads] == nonces
    for pad in pads:
        pad_seed = pora.compute_pad_seed(miner_id, pad.nonce, subtask, range_digest)
        scratchpad, recall_seed = pora.compute_scratchpad(pad_seed)
        assert (pad.pad_seed, bytes(pad.scratchpad), pad.recall_seed) == (pad_seed, scratchpad, recall_seed)
    assert native.compute_scratchpad(pads[-1].pad_seed) == (bytes(pads[-1].scratchpad), pads[-1].recall_seed)


@pytest.mark.parametrize("seals", [0, 1, 3, 4, 5, 8, 13, 63, 64])
def test_search_matches_the_pure_core(seals: int) -> None:
    """Every seal of a short or full chunk, then targets that keep 0, some, or all of them."""
    rng = random.Random(seals)
    pad_seed, scratchpad = _random_pad(rng)
    chunk = rng.randbytes(BYTES_PER_SEAL * seals)
    everything = native.search_chunk(pad_seed, scratchpad, chunk, MAX_QUALITY)
    assert everything == pora.search_chunk(pad_seed, scratchpad, chunk, MAX_QUALITY)
    assert [index for index, _ in everything] == list(range(seals))
    for target in sorted(quality for _, quality in everything)[:: max(1, seals // 4)]:
        # the target equal to a quality keeps that seal: the rule is quality <= target
        hits = native.search_chunk(pad_seed, scratchpad, chunk, target)
        assert hits == pora.search_chunk(pad_seed, scratchpad, chunk, target)
        assert hits == [(index, quality) for index, quality in everything if quality <= target]
    assert native.search_chunk(pad_seed, scratchpad, chunk, 0) == []


def test_search_reads_views_into_a_batch() -> None:
    """The batch hands out memoryviews of one buffer; a view searches like the bytes it shows."""
    rng = random.Random(7)
    pads = native.compute_pora_pads(rng.randbytes(32), [rng.randbytes(32) for _ in range(3)], bytes(32), bytes(32))
    chunk = memoryview(rng.randbytes(BYTES_PER_SEAL * 70))[: BYTES_PER_SEAL * 64]
    for pad in pads:
        assert native.search_chunk(pad.pad_seed, pad.scratchpad, chunk, MAX_QUALITY // 3) == pora.search_chunk(
            pad.pad_seed, bytes(pad.scratchpad), bytes(chunk), MAX_QUALITY // 3
        )


@pytest.mark.parametrize("seals", [0, 1, 2, 4, 5, 8, 9, 17])
def test_seal_and_unseal_match_the_pure_core(seals: int) -> None:
    rng = random.Random(seals)
    data, miner_id, context = rng.randbytes(BYTES_PER_SEAL * seals), rng.randbytes(32), rng.randbytes(32)
    first_sector = 16 * rng.randrange(1 << 40)
    sealed = native.seal_chunk(data, miner_id, context, first_sector)
    assert sealed == seal_chunk(data, miner_id, context, first_sector)
    assert native.unseal_chunk(sealed, miner_id, context, first_sector) == data
    assert native.unseal_chunk(sealed, miner_id, context, first_sector) == unseal_chunk(
        sealed, miner_id, context, first_sector
    )


def test_sectors_past_64_bits_take_the_pure_path() -> None:
    """The C code keys seals by u64 sectors; larger (u256) sectors give the same bytes through the pure core."""
    rng = random.Random(3)
    data, miner_id, context = rng.randbytes(BYTES_PER_SEAL * 3), rng.randbytes(32), rng.randbytes(32)
    for first_sector in ((1 << 64) - 32, (1 << 64) - 48, 1 << 100):
        sealed = native.seal_chunk(data, miner_id, context, first_sector)
        assert sealed == seal_chunk(data, miner_id, context, first_sector)
        assert native.unseal_chunk(sealed, miner_id, context, first_sector) == data


def test_a_batch_finds_the_same_first_hit_as_the_pure_iterations() -> None:
    rng = random.Random(11)
    flow = rng.randbytes(BYTES_PER_SEAL * 64 * 4)  # four 256 KiB chunks, recalled by position
    recall_range = pora.RecallRange(start_position=0, mine_length=4 * 1024, shard_id=0, shard_mask=(1 << 64) - 1)

    def load(position: int) -> bytes | None:
        start = position * 256
        return flow[start : start + BYTES_PER_SEAL * 64] or None

    miner_id, subtask = rng.randbytes(32), rng.randbytes(32)
    found = 0
    for trial in range(6):
        nonces = [rng.randbytes(32) for _ in range(9)]
        target = MAX_QUALITY // (3000 if trial % 2 else 10**9)
        expected = next(
            (hit for n in nonces if (hit := pora.run_pora_iteration(miner_id, n, subtask, recall_range, load, target))),
            None,
        )
        assert native.run_pora_batch(miner_id, nonces, subtask, recall_range, load, target) == expected
        found += expected is not None
    assert found  # the easy targets hit at least once, so the hit path is compared too


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: native.compute_scratchpad(bytes(63)), "a pad seed is 64 bytes, got 63"),
        (lambda: native.search_chunk(bytes(65), bytes(BYTES_PER_SCRATCHPAD), b"", 0), "a pad seed is 64 bytes"),
        (lambda: native.search_chunk(bytes(64), bytes(16384), b"", 0), "a scratchpad is 65536 bytes, got 16384"),
        (lambda: native.search_chunk(bytes(64), bytes(BYTES_PER_SCRATCHPAD), bytes(4097), 0), "whole seals"),
        (lambda: native.search_chunk(bytes(64), bytes(BYTES_PER_SCRATCHPAD), bytes(4096 * 65), 0), "up to 64"),
        (lambda: native.search_chunk(bytes(64), bytes(BYTES_PER_SCRATCHPAD), b"", -1), "u256"),
        (lambda: native.search_chunk(bytes(64), bytes(BYTES_PER_SCRATCHPAD), b"", 1 << 256), "u256"),
        (lambda: native.seal_chunk(bytes(100), bytes(32), bytes(32), 0), "multiple of 4096"),
        (lambda: native.seal_chunk(bytes(4096), bytes(32), bytes(32), 8), "multiple of 16 sectors"),
        (lambda: native.seal_chunk(bytes(4096), bytes(32), bytes(32), -16), "multiple of 16 sectors"),
        (lambda: native.unseal_chunk(bytes(4096), bytes(31), bytes(32), 0), "a miner id is 32 bytes, got 31"),
        (lambda: native.unseal_chunk(bytes(4096), bytes(32), bytes(33), 0), "a context digest is 32 bytes"),
        (lambda: native.compute_pora_pads(bytes(32), [bytes(31)], bytes(32), bytes(32)), "a nonce is 32 bytes"),
    ],
)
def test_bad_arguments_are_refused(call: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        call()  # type: ignore[operator]


def test_the_core_checks_sizes_itself() -> None:
    """Direct callers of the extension get a ValueError naming the argument, not a crash or a wrong answer."""
    pad = bytes(BYTES_PER_SCRATCHPAD)
    cases = [
        (lambda: core.pora_scratchpad(bytes(65)), "pad_seed must be 64 bytes, got 65"),
        (lambda: core.pora_iterate(bytes(32), bytes(32), bytes(31), b""), "range_digest must be 32 bytes"),
        (lambda: core.pora_iterate(bytes(32), bytes(32), bytes(32), bytes(33)), "whole 32-byte nonces"),
        (lambda: core.pora_search(bytes(64), pad[1:], b"", bytes(32)), "scratchpad must be 65536 bytes"),
        (lambda: core.pora_search(bytes(64), pad, bytes(4096 * 65), bytes(32)), "up to 64 whole 4096-byte seals"),
        (lambda: core.pora_search(bytes(64), pad, b"", bytes(31)), "target"),
        (lambda: core.seal_chunk(bytes(4095), bytes(32), bytes(32), 0), "whole 4096-byte seals"),
        (lambda: core.unseal_chunk(bytes(8192), bytes(32), bytes(32), (1 << 64) - 16), "fit in 64 bits"),
        (lambda: core.seal_chunk(bytes(4096), bytes(32), bytes(32), -16), "first_sector must be a u64"),
        (lambda: core.seal_chunk(bytes(4096), bytes(32), bytes(32), 1 << 64), "first_sector must be a u64"),
        (lambda: core.blake2b512_many(b"abc", 2), "multiple of a positive msg_len"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


SIMD_SCRIPT = """
import hashlib, random
from zerog.native import _keccak
from zerog.mining import native, pora
from zerog.mining.seal import seal_chunk, unseal_chunk
assert native.is_available()
rng = random.Random(5)
for count in (1, 3, 4, 7, 9):
    data = rng.randbytes(4224 * count)
    assert _keccak.blake2b512_many(data, 4224) == b"".join(
        hashlib.blake2b(data[i : i + 4224]).digest() for i in range(0, len(data), 4224))
miner, subtask, rd = rng.randbytes(32), rng.randbytes(32), rng.randbytes(32)
nonces = [rng.randbytes(32) for _ in range(9)]
for pad in native.compute_pora_pads(miner, nonces, subtask, rd):
    seed = pora.compute_pad_seed(miner, pad.nonce, subtask, rd)
    assert (pad.pad_seed, bytes(pad.scratchpad), pad.recall_seed) == (seed, *pora.compute_scratchpad(seed))
chunk = rng.randbytes(4096 * 64)
for seals in (13, 64):
    got = native.search_chunk(pad.pad_seed, pad.scratchpad, chunk[: 4096 * seals], 2**256 - 1)
    assert got == pora.search_chunk(pad.pad_seed, bytes(pad.scratchpad), chunk[: 4096 * seals], 2**256 - 1)
for seals in (1, 7, 13):
    assert native.seal_chunk(chunk[: 4096 * seals], miner, subtask, 4096) == seal_chunk(
        chunk[: 4096 * seals], miner, subtask, 4096)
    assert native.unseal_chunk(chunk[: 4096 * seals], miner, subtask, 4096) == unseal_chunk(
        chunk[: 4096 * seals], miner, subtask, 4096)
print(native.simd_lanes())
"""


@pytest.mark.parametrize("level", ["0", "1", "2"])
def test_every_simd_path_agrees(level: str) -> None:
    """Scalar, AVX2 and AVX-512 (where the CPU has them), each pinned in a fresh process."""
    env = {**os.environ, "ZEROG_NATIVE_SIMD": level}
    env.pop("ZEROG_NO_NATIVE", None)
    result = subprocess.run([sys.executable, "-c", SIMD_SCRIPT], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lanes = int(result.stdout)
    assert lanes <= {"0": 1, "1": 4, "2": 8}[level]


def test_no_native_runs_the_pure_twins() -> None:
    script = (
        "from zerog.mining import native\n"
        "assert not native.is_available() and native.simd_lanes() == 1\n"
        "pads = native.compute_pora_pads(bytes(32), [bytes(32)], bytes(32), bytes(32))\n"
        "assert native.compute_scratchpad(pads[0].pad_seed) == (bytes(pads[0].scratchpad), pads[0].recall_seed)\n"
        "print(native.compute_scratchpad(pads[0].pad_seed)[1].hex())\n"
    )
    env = {**os.environ, "ZEROG_NO_NATIVE": "1"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    pads = native.compute_pora_pads(bytes(32), [bytes(32)], bytes(32), bytes(32))
    assert result.stdout.strip() == pads[0].recall_seed.hex()
