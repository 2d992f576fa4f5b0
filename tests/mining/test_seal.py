"""Sealing: the mask chain of 0G's `zgs_seal` and the contract's `MineLib.unseal`."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.crypto import keccak256
from zerog.errors import InvalidInput
from zerog.mining import compute_seal_mask, seal, seal_chunk, unseal, unseal_chunk
from zerog.spec import BYTES_PER_SEAL, BYTES_PER_UNIT, SECTORS_PER_SEAL, UNITS_PER_SEAL

MINER_ID = keccak256(b"minerId")
CONTEXT = keccak256(b"44")

hashes = st.binary(min_size=32, max_size=32)
seal_data = st.one_of(
    st.binary(max_size=96).map(lambda head: head.ljust(BYTES_PER_SEAL, b"\0")),
    st.integers(min_value=0, max_value=2**64).map(lambda seed: random.Random(seed).randbytes(BYTES_PER_SEAL)),
)
seal_sectors = st.integers(min_value=0, max_value=(1 << 40) - 1).map(lambda n: n * SECTORS_PER_SEAL)


def _words(data: bytes) -> list[bytes]:
    return [data[i : i + BYTES_PER_UNIT] for i in range(0, len(data), BYTES_PER_UNIT)]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _seal_as_mine_spec(data: bytes, miner_id: bytes, context: bytes, sector: int) -> list[bytes]:
    """The TypeScript `seal` of 0G's test/mine.spec.ts: the mask input is the previous sealed word."""
    mask_input = miner_id + context + sector.to_bytes(32, "big")
    sealed = []
    for word in _words(data):
        sealed.append(_xor(word, keccak256(mask_input)))
        mask_input = sealed[-1]
    return sealed


def _unseal_as_minelib(sealed: bytes, miner_id: bytes, context: bytes, sector: int) -> bytes:
    """`MineLib.unseal`: word 0 by the abi-encoded key, word i by keccak of sealed word i - 1."""
    words = _words(sealed)
    out = [_xor(words[0], keccak256(miner_id + context + sector.to_bytes(32, "big")))]
    out += [_xor(words[i], keccak256(words[i - 1])) for i in range(1, UNITS_PER_SEAL)]
    return b"".join(out)


def test_first_mask_is_keccak_of_the_rust_mask_seed_layout() -> None:
    # zgs_seal::compute_first_mask_seed: [0:32] miner id, [32:64] context, [88:96] sector as a big-endian u64.
    seed = bytearray(96)
    seed[0:32] = MINER_ID
    seed[32:64] = CONTEXT
    seed[88:96] = (16 * 12345).to_bytes(8, "big")
    assert compute_seal_mask(MINER_ID, CONTEXT, 16 * 12345) == keccak256(bytes(seed))


def test_sealing_zeros_gives_the_bare_mask_chain() -> None:
    sealed = _words(seal(bytes(BYTES_PER_SEAL), MINER_ID, CONTEXT, 32))
    assert sealed[0] == compute_seal_mask(MINER_ID, CONTEXT, 32)
    for j in range(1, UNITS_PER_SEAL):
        assert sealed[j] == keccak256(sealed[j - 1])


def test_seal_matches_the_mine_spec_reference() -> None:
    data = random.Random(7).randbytes(BYTES_PER_SEAL)
    assert seal(data, MINER_ID, CONTEXT, 176) == b"".join(_seal_as_mine_spec(data, MINER_ID, CONTEXT, 176))


def test_unseal_matches_minelib() -> None:
    sealed = random.Random(8).randbytes(BYTES_PER_SEAL)
    assert unseal(sealed, MINER_ID, CONTEXT, 176) == _unseal_as_minelib(sealed, MINER_ID, CONTEXT, 176)


def test_sealing_depends_on_miner_context_and_sector() -> None:
    data = bytes(range(256)) * 16
    base = seal(data, MINER_ID, CONTEXT, 0)
    assert seal(data, keccak256(b"other miner"), CONTEXT, 0) != base
    assert seal(data, MINER_ID, keccak256(b"other epoch"), 0) != base
    assert seal(data, MINER_ID, CONTEXT, 16) != base


@pytest.mark.parametrize(
    ("data", "miner_id", "context", "sector"),
    [
        (bytes(BYTES_PER_SEAL - 1), MINER_ID, CONTEXT, 0),
        (bytes(BYTES_PER_SEAL), MINER_ID[:31], CONTEXT, 0),
        (bytes(BYTES_PER_SEAL), MINER_ID, CONTEXT + b"\0", 0),
        (bytes(BYTES_PER_SEAL), MINER_ID, CONTEXT, 8),
        (bytes(BYTES_PER_SEAL), MINER_ID, CONTEXT, -16),
    ],
)
def test_bad_seal_input_is_rejected(data: bytes, miner_id: bytes, context: bytes, sector: int) -> None:
    with pytest.raises(InvalidInput):
        seal(data, miner_id, context, sector)
    with pytest.raises(InvalidInput):
        unseal(data, miner_id, context, sector)


def test_seal_chunk_keys_each_seal_by_its_own_sector() -> None:
    data = random.Random(9).randbytes(3 * BYTES_PER_SEAL)
    sealed = seal_chunk(data, MINER_ID, CONTEXT, 1024)
    for i in range(3):
        part = slice(i * BYTES_PER_SEAL, (i + 1) * BYTES_PER_SEAL)
        assert sealed[part] == seal(data[part], MINER_ID, CONTEXT, 1024 + 16 * i)
    assert unseal_chunk(sealed, MINER_ID, CONTEXT, 1024) == data


def test_seal_chunk_rejects_partial_seals_and_misaligned_starts() -> None:
    with pytest.raises(InvalidInput):
        seal_chunk(bytes(BYTES_PER_SEAL + 32), MINER_ID, CONTEXT, 0)
    with pytest.raises(InvalidInput):
        unseal_chunk(bytes(BYTES_PER_SEAL), MINER_ID, CONTEXT, 4)
    assert seal_chunk(b"", MINER_ID, CONTEXT, 0) == b""


@settings(max_examples=40, deadline=None)
@given(data=seal_data, miner_id=hashes, context=hashes, sector=seal_sectors)
def test_unseal_inverts_seal(data: bytes, miner_id: bytes, context: bytes, sector: int) -> None:
    assert unseal(seal(data, miner_id, context, sector), miner_id, context, sector) == data


@settings(max_examples=40, deadline=None)
@given(data=seal_data, word=st.integers(min_value=0, max_value=UNITS_PER_SEAL - 1), bit=st.integers(0, 255))
def test_a_flipped_sealed_bit_spoils_only_its_word_and_the_next(data: bytes, word: int, bit: int) -> None:
    # Why the contract can unseal one seal cheaply: word j depends only on sealed words j and j - 1.
    sealed = bytearray(seal(data, MINER_ID, CONTEXT, 0))
    sealed[word * BYTES_PER_UNIT + bit // 8] ^= 1 << (bit % 8)
    spoiled = _words(unseal(bytes(sealed), MINER_ID, CONTEXT, 0))
    original = _words(data)
    changed = {j for j in range(UNITS_PER_SEAL) if spoiled[j] != original[j]}
    assert word in changed
    assert changed <= {word, word + 1}
