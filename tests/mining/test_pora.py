"""PoRA rules, each checked against an explicit byte layout or a hand-computed value."""

import hashlib
import itertools
import random
from collections.abc import Callable

import pytest

from zerog.crypto import keccak256
from zerog.errors import InvalidInput, InvalidProof
from zerog.mining import (
    PoraHit,
    RecallRange,
    compute_batch_nonce,
    compute_initial_target,
    compute_miner_id,
    compute_mixed_seal,
    compute_pad_seed,
    compute_pora_hash,
    compute_quality,
    compute_recall_chunk_offset,
    compute_recall_position,
    compute_recall_range,
    compute_scale_x64,
    compute_scratchpad,
    compute_scratchpad_and_mix,
    compute_subtask_digest,
    compute_subtask_index,
    compute_subtask_start,
    compute_target_quality,
    is_in_subtask_window,
    run_pora_iteration,
    seal_chunk,
    search_chunk,
    unseal,
    verify_pora_answer,
)
from zerog.spec import (
    BHASHES_PER_SCRATCHPAD,
    BHASHES_PER_SEAL,
    BYTES_PER_SCRATCHPAD,
    BYTES_PER_SEAL,
    BYTES_PER_SECTOR,
    BYTES_PER_SEGMENT,
    MAX_MINING_LENGTH_SECTORS,
    SEALS_PER_PAD,
    SECTORS_PER_PRICING_CHUNK,
    ShardConfig,
)

FULL_MASK = (1 << 64) - 1
MINER_ID = keccak256(b"minerId")
NONCE = keccak256(b"nonce")
SUBTASK = keccak256(b"subtask")
UNSHARDED = RecallRange(0, 16384, 0, FULL_MASK)


def _seed_for(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _pad_and_scratchpad(nonce: bytes = NONCE, recall_range: RecallRange = UNSHARDED) -> tuple[bytes, bytes, bytes]:
    pad_seed = compute_pad_seed(MINER_ID, nonce, SUBTASK, recall_range.digest())
    scratchpad, recall_seed = compute_scratchpad(pad_seed)
    return pad_seed, scratchpad, recall_seed


# --- miner id and subtasks ---


def test_miner_id_is_keccak_of_the_packed_encoding() -> None:
    block_hash = keccak256(b"parent")
    sender = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    packed = block_hash + sender + bytes.fromhex("000000000000002a")  # uint64 42, 8 bytes big-endian
    assert len(packed) == 60
    assert compute_miner_id(block_hash, sender, 42) == keccak256(packed)
    # abi.encode (32-byte words) would be a different id.
    assert compute_miner_id(block_hash, sender, 42) != keccak256(block_hash + bytes(12) + sender + (42).to_bytes(32))


@pytest.mark.parametrize(("sender", "seed"), [(bytes(19), 1), (bytes(20), -1), (bytes(20), 1 << 64)])
def test_miner_id_rejects_bad_input(sender: bytes, seed: int) -> None:
    with pytest.raises(InvalidInput):
        compute_miner_id(bytes(32), sender, seed)


def test_subtask_index_start_window_and_digest() -> None:
    context = keccak256(b"context")
    word = int.from_bytes(keccak256(context + MINER_ID), "big")
    assert compute_subtask_index(context, MINER_ID, 4) == word % 4
    assert compute_subtask_index(context, MINER_ID, 1) == 0
    with pytest.raises(InvalidInput):
        compute_subtask_index(context, MINER_ID, 0)
    assert compute_subtask_start(1000, 2, 800) == 2600
    # Answers count in blocks (start, start + targetMineBlocks].
    assert not is_in_subtask_window(2600, 2600, 750)
    assert is_in_subtask_window(2601, 2600, 750)
    assert is_in_subtask_window(3350, 2600, 750)
    assert not is_in_subtask_window(3351, 2600, 750)
    block_hash = keccak256(b"block 2600")
    assert compute_subtask_digest(context, block_hash) == keccak256(context + block_hash)


# --- recall range ---


def test_range_digest_is_four_abi_words_and_matches_the_rust_layout() -> None:
    recall_range = RecallRange(3 * SECTORS_PER_PRICING_CHUNK, 1 << 36, 5, FULL_MASK - 7)
    words = [(3 << 25).to_bytes(32), (1 << 36).to_bytes(32), (5).to_bytes(32), (FULL_MASK - 7).to_bytes(32)]
    assert recall_range.digest() == keccak256(b"".join(words))
    # recall_range.rs: [0u8; 24] ++ u64 big-endian, in the order start, length, shard id, shard mask.
    rust = b"".join(bytes(24) + v.to_bytes(8, "big") for v in (3 << 25, 1 << 36, 5, FULL_MASK - 7))
    assert recall_range.digest() == keccak256(rust)


@pytest.mark.parametrize(("mask", "shards"), [(FULL_MASK, 1), (FULL_MASK - 1, 2), (FULL_MASK - 7, 8), (0, 1 << 64)])
def test_num_shards_counts_zero_bits_of_the_mask(mask: int, shards: int) -> None:
    assert RecallRange(0, 1024, 0, mask).num_shards == shards


@pytest.mark.parametrize(
    "fields", [(-1, 1024, 0, 0), (0, 1 << 256, 0, 0), (0, 1024, 1 << 64, 0), (0, 1024, 0, -1), (0, 1024, 0, 1 << 64)]
)
def test_recall_range_fields_are_bounded(fields: tuple[int, int, int, int]) -> None:
    with pytest.raises(InvalidInput):
        RecallRange(*fields)


def test_too_many_shards_fail_validation() -> None:
    recall_range = RecallRange(0, 4096, 1, FULL_MASK - 63)
    recall_range.validate(4096, 64)
    with pytest.raises(InvalidInput, match="Exceeding the allowed number of shards"):
        recall_range.validate(4096, 32)


def test_node_range_for_a_small_flow_is_every_whole_segment() -> None:
    recall_range = compute_recall_range(5000, ShardConfig(0, 1))
    assert recall_range == RecallRange(0, 4096, 0, FULL_MASK)


def test_node_range_for_a_large_flow_is_capped_at_8_tib_per_shard() -> None:
    flow = MAX_MINING_LENGTH_SECTORS + 3 * SECTORS_PER_PRICING_CHUNK + 7
    assert compute_recall_range(flow, ShardConfig(0, 1)) == RecallRange(0, MAX_MINING_LENGTH_SECTORS, 0, FULL_MASK)
    # A configured start moves the window but stays on a pricing-chunk boundary inside the flow.
    moved = compute_recall_range(flow, ShardConfig(0, 1), start_position=2 * SECTORS_PER_PRICING_CHUNK + 5)
    assert moved.start_position == 2 * SECTORS_PER_PRICING_CHUNK
    far = compute_recall_range(flow, ShardConfig(0, 1), start_position=1 << 40)
    assert far.start_position == 3 * SECTORS_PER_PRICING_CHUNK
    for recall_range in (moved, far):
        recall_range.validate(flow, 1)


def test_node_range_for_a_shard() -> None:
    recall_range = compute_recall_range(1 << 40, ShardConfig(5, 8))
    assert recall_range == RecallRange(0, 8 * MAX_MINING_LENGTH_SECTORS, 5, FULL_MASK - 7)
    assert recall_range.num_shards == 8
    recall_range.validate(1 << 40, 32)


def test_a_flow_without_a_whole_segment_cannot_be_mined() -> None:
    with pytest.raises(InvalidInput):
        compute_recall_range(1023, ShardConfig(0, 1))


# --- pad seed, scratchpad, recall position ---


def test_pad_seed_is_blake2b_512_of_the_four_words() -> None:
    range_digest = UNSHARDED.digest()
    expected = hashlib.blake2b(MINER_ID + NONCE + SUBTASK + range_digest, digest_size=64).digest()
    assert compute_pad_seed(MINER_ID, NONCE, SUBTASK, range_digest) == expected
    with pytest.raises(InvalidInput):
        compute_pad_seed(MINER_ID, NONCE[:31], SUBTASK, range_digest)


def test_scratchpad_is_the_keccak_pair_chain() -> None:
    pad_seed, scratchpad, recall_seed = _pad_and_scratchpad()
    assert len(scratchpad) == BYTES_PER_SCRATCHPAD == 64 * 1024
    cells = [scratchpad[i : i + 64] for i in range(0, BYTES_PER_SCRATCHPAD, 64)]
    first = keccak256(pad_seed)
    assert cells[0] == first + keccak256(first + pad_seed[32:])
    for previous, cell in itertools.pairwise(cells):
        assert cell[:32] == keccak256(previous)
        assert cell[32:] == keccak256(cell[:32] + previous[32:])
    assert recall_seed == keccak256(cells[-1])


def test_scratchpad_matches_the_mine_spec_reference() -> None:
    # test/mine.spec.ts makeScratchPad: BHASHES_PER_PAD rounds of scratchPadItemHashV2.
    pad_seed, scratchpad, recall_seed = _pad_and_scratchpad()
    item = pad_seed
    answer = []
    for _ in range(BHASHES_PER_SCRATCHPAD):
        first_hash = keccak256(item)
        item = first_hash + keccak256(first_hash + item[32:])
        answer.append(item)
    assert b"".join(answer) == scratchpad
    assert recall_seed == keccak256(answer[-1])


@pytest.mark.parametrize("seal_offset", range(64))
def test_contract_partial_recomputation_equals_the_full_scratchpad(seal_offset: int) -> None:
    pad_seed, scratchpad, recall_seed = _pad_and_scratchpad()
    sealed = random.Random(seal_offset).randbytes(BYTES_PER_SEAL)
    partial_seed, mixed = compute_scratchpad_and_mix(sealed, seal_offset, pad_seed)
    assert partial_seed == recall_seed
    assert mixed == compute_mixed_seal(sealed, scratchpad, seal_offset)
    # mine.spec.ts mixData: unit i is masked by half (i & 1) of cell (sealOffset % 16) * 64 + (i >> 1).
    cells = [scratchpad[i : i + 64] for i in range(0, BYTES_PER_SCRATCHPAD, 64)]
    for unit in (0, 1, 77, 127):
        cell = cells[(seal_offset % SEALS_PER_PAD) * BHASHES_PER_SEAL + (unit >> 1)]
        mask = cell[32 * (unit & 1) : 32 * (unit & 1) + 32]
        assert mixed[32 * unit : 32 * unit + 32] == bytes(
            a ^ b for a, b in zip(sealed[32 * unit : 32 * unit + 32], mask, strict=True)
        )


def test_recall_chunk_offset_applies_mask_and_shard_id() -> None:
    sharded = RecallRange(SECTORS_PER_PRICING_CHUNK, 16384, 3, FULL_MASK - 7)  # 16 segments, 8 shards
    assert compute_recall_chunk_offset(_seed_for(5 + 16 * 1000), sharded) == 3  # 5 & ~7 | 3
    assert compute_recall_chunk_offset(_seed_for(13), sharded) == 11  # 13 & ~7 | 3
    assert compute_recall_position(_seed_for(13), sharded) == SECTORS_PER_PRICING_CHUNK + 11 * 1024
    assert compute_recall_position(_seed_for(9), UNSHARDED) == 9 * 1024


def test_recall_past_the_range_is_rejected_like_the_contract() -> None:
    # 0G's "out of bound sharded info test": 5 segments, shard id 7 of 8: the offset is always 7.
    recall_range = RecallRange(0, 5120, 7, FULL_MASK - 7)
    with pytest.raises(InvalidInput, match="Recall position out of bound"):
        compute_recall_position(_seed_for(2), recall_range)


def test_recall_bound_is_inclusive_like_the_contract() -> None:
    # `require(chunkOffset * SECTORS_PER_LOAD <= mineLength)`: the offset just past a 3-segment range passes.
    recall_range = RecallRange(0, 3072, 3, FULL_MASK - 3)
    assert compute_recall_position(_seed_for(1), recall_range) == 3072


def test_a_range_without_a_segment_has_no_recall() -> None:
    with pytest.raises(InvalidInput):
        compute_recall_chunk_offset(_seed_for(1), RecallRange(0, 1000, 0, FULL_MASK))


# --- quality and target ---


def test_mixing_xors_the_matching_scratchpad_piece() -> None:
    _, scratchpad, _ = _pad_and_scratchpad()
    sealed = random.Random(3).randbytes(BYTES_PER_SEAL)
    for index in (0, 15, 16, 37, 63):
        piece = scratchpad[(index % 16) * BYTES_PER_SEAL : (index % 16 + 1) * BYTES_PER_SEAL]
        mixed = compute_mixed_seal(sealed, scratchpad, index)
        assert mixed == bytes(a ^ b for a, b in zip(sealed, piece, strict=True))
        assert compute_mixed_seal(mixed, scratchpad, index) == sealed


def test_pora_hash_is_blake2b_512_of_index_seed_zeros_and_data_truncated() -> None:
    pad_seed, _, _ = _pad_and_scratchpad()
    mixed = random.Random(4).randbytes(BYTES_PER_SEAL)
    message = (11).to_bytes(32, "big") + pad_seed + bytes(32) + mixed
    assert len(message) == 4224
    digest = hashlib.blake2b(message, digest_size=64).digest()
    assert compute_pora_hash(11, pad_seed, mixed) == digest[:32]
    assert compute_quality(11, pad_seed, mixed) == int.from_bytes(digest[:32], "big")
    # pora.rs feeds the same bytes piecewise: [0; 24] ++ usize big-endian, pad seed, [0; 32], data.
    hasher = hashlib.blake2b(digest_size=64)
    for part in (bytes(24), (11).to_bytes(8, "big"), pad_seed, bytes(32), mixed):
        hasher.update(part)
    assert hasher.digest()[:32] == compute_pora_hash(11, pad_seed, mixed)


@pytest.mark.parametrize(
    ("flow_length", "num_shards", "scale"),
    [
        (16384, 1, 1 << 64),
        (16384, 8, 8 << 64),
        (1000, 2, 2 << 64),
        (1001, 2, (1001 << 64) // 500),
        (1 << 36, 4, 2 << 64),  # 2^35 unsharded cap over 2^34 per shard
        (1 << 40, 4, 1 << 64),  # both capped at 2^35
    ],
)
def test_scale_x64(flow_length: int, num_shards: int, scale: int) -> None:
    assert compute_scale_x64(flow_length, num_shards) == scale


def test_scale_x64_needs_a_sector_per_shard() -> None:
    with pytest.raises(InvalidInput):
        compute_scale_x64(7, 8)
    with pytest.raises(InvalidInput):
        compute_scale_x64(1024, 0)


def test_target_quality() -> None:
    easiest = compute_initial_target(1)
    assert compute_target_quality(easiest, 1 << 64) == (1 << 256) - (1 << 64)
    assert compute_target_quality(easiest, 8 << 64) == (1 << 253) - (1 << 64)
    assert compute_target_quality(10 << 64, 3 << 64) == 3 << 64


# --- one iteration ---


def _chunk_loader(chunk: bytes, calls: list[int]) -> Callable[[int], bytes | None]:
    def load(sector: int) -> bytes | None:
        calls.append(sector)
        return chunk

    return load


def test_search_chunk_reports_every_seal_under_the_target() -> None:
    pad_seed, scratchpad, _ = _pad_and_scratchpad()
    chunk = random.Random(5).randbytes(BYTES_PER_SEGMENT)
    qualities = [
        compute_quality(i, pad_seed, compute_mixed_seal(chunk[i * 4096 : (i + 1) * 4096], scratchpad, i))
        for i in range(64)
    ]
    assert search_chunk(pad_seed, scratchpad, chunk, (1 << 256) - 1) == list(enumerate(qualities))
    threshold = sorted(qualities)[2]
    assert search_chunk(pad_seed, scratchpad, chunk, threshold) == [
        (i, q) for i, q in enumerate(qualities) if q <= threshold
    ]
    assert len(search_chunk(pad_seed, scratchpad, chunk, threshold)) == 3
    # The last chunk of the flow may be shorter than 64 seals.
    assert search_chunk(pad_seed, scratchpad, chunk[: 3 * 4096], (1 << 256) - 1) == list(enumerate(qualities[:3]))


@pytest.mark.parametrize("size", [100, BYTES_PER_SEGMENT + BYTES_PER_SEAL])
def test_search_chunk_rejects_partial_or_oversized_chunks(size: int) -> None:
    pad_seed, scratchpad, _ = _pad_and_scratchpad()
    with pytest.raises(InvalidInput):
        search_chunk(pad_seed, scratchpad, bytes(size), 0)


def test_iteration_loads_the_recalled_chunk_and_returns_the_first_hit() -> None:
    pad_seed, scratchpad, recall_seed = _pad_and_scratchpad()
    position = compute_recall_position(recall_seed, UNSHARDED)
    chunk = random.Random(6).randbytes(BYTES_PER_SEGMENT)
    qualities = [
        compute_quality(i, pad_seed, compute_mixed_seal(chunk[i * 4096 : (i + 1) * 4096], scratchpad, i))
        for i in range(64)
    ]
    best = min(range(64), key=qualities.__getitem__)
    calls: list[int] = []
    hit = run_pora_iteration(MINER_ID, NONCE, SUBTASK, UNSHARDED, _chunk_loader(chunk, calls), qualities[best])
    assert calls == [position]
    assert hit == PoraHit(NONCE, position + 16 * best, best, qualities[best])
    easiest = run_pora_iteration(MINER_ID, NONCE, SUBTASK, UNSHARDED, _chunk_loader(chunk, []), (1 << 256) - 1)
    assert easiest == PoraHit(NONCE, position, 0, qualities[0])
    below = min(qualities) - 1
    assert run_pora_iteration(MINER_ID, NONCE, SUBTASK, UNSHARDED, _chunk_loader(chunk, []), below) is None


def test_iteration_without_the_data_is_no_hit() -> None:
    assert run_pora_iteration(MINER_ID, NONCE, SUBTASK, UNSHARDED, lambda _sector: None, (1 << 256) - 1) is None


def test_iteration_never_loads_a_recall_the_contract_rejects() -> None:
    recall_range = RecallRange(0, 5120, 7, FULL_MASK - 7)
    calls: list[int] = []
    hit = run_pora_iteration(MINER_ID, NONCE, SUBTASK, recall_range, _chunk_loader(bytes(4096), calls), 1 << 255)
    assert hit is None
    assert calls == []


def test_an_iteration_hit_verifies_as_the_contract_computes_it() -> None:
    chunk = random.Random(10).randbytes(BYTES_PER_SEGMENT)
    hit = run_pora_iteration(MINER_ID, NONCE, SUBTASK, UNSHARDED, lambda _sector: chunk, (1 << 256) - 1)
    assert hit is not None
    # Verify a seal other than the first, as the contract would for an answer naming it.
    for seal_offset in (hit.seal_offset, 37):
        sealed_seal = chunk[seal_offset * BYTES_PER_SEAL : (seal_offset + 1) * BYTES_PER_SEAL]
        position = hit.recall_position - 16 * hit.seal_offset + 16 * seal_offset
        output = verify_pora_answer(MINER_ID, NONCE, SUBTASK, UNSHARDED, position, seal_offset, sealed_seal)
        pad_seed, scratchpad, _ = _pad_and_scratchpad()
        mixed = compute_mixed_seal(sealed_seal, scratchpad, seal_offset)
        assert output == compute_pora_hash(seal_offset, pad_seed, mixed)
    assert (
        int.from_bytes(
            verify_pora_answer(MINER_ID, NONCE, SUBTASK, UNSHARDED, hit.recall_position, 0, chunk[:BYTES_PER_SEAL]),
            "big",
        )
        == hit.quality
    )


def test_a_wrong_recall_position_or_empty_miner_fails_verification() -> None:
    chunk = bytes(BYTES_PER_SEAL)
    _, _, recall_seed = _pad_and_scratchpad()
    position = compute_recall_position(recall_seed, UNSHARDED)
    with pytest.raises(InvalidProof, match="Incorrect recall position"):
        verify_pora_answer(MINER_ID, NONCE, SUBTASK, UNSHARDED, position + 16, 0, chunk)
    with pytest.raises(InvalidInput, match="Miner ID cannot be empty"):
        verify_pora_answer(bytes(32), NONCE, SUBTASK, UNSHARDED, position, 0, chunk)


def test_batch_nonce_xors_the_little_endian_index_into_the_first_bytes() -> None:
    nonce = bytes(range(32))
    assert compute_batch_nonce(nonce, 0) == nonce
    assert compute_batch_nonce(nonce, 0x0102) == bytes([0 ^ 0x02, 1 ^ 0x01]) + nonce[2:]
    with pytest.raises(InvalidInput):
        compute_batch_nonce(nonce, 1 << 64)


def test_mine_spec_scenario_miner_and_contract_agree() -> None:
    """test/mine.spec.ts makeTestData with its fixed inputs; the block hash, which Hardhat supplies there, is fixed."""
    miner_id, nonce, sealed_context = keccak256(b"minerId"), keccak256(b"nonce"), keccak256(b"44")
    block_digest = keccak256(b"a block hash")
    context_digest = keccak256(block_digest + keccak256(b"a flow root") + (16384).to_bytes(32, "big"))
    subtask_digest = compute_subtask_digest(context_digest, block_digest)
    # Sector p of the mock flow is 256 bytes whose first byte is p (mod 256).
    flow = b"".join(bytes([p % 256]) + bytes(BYTES_PER_SECTOR - 1) for p in range(16384))

    def load(sector: int) -> bytes:
        return seal_chunk(flow[sector * 256 : sector * 256 + BYTES_PER_SEGMENT], miner_id, sealed_context, sector)

    hit = run_pora_iteration(miner_id, nonce, subtask_digest, UNSHARDED, load, (1 << 256) - 1)
    assert hit is not None
    chunk_start = hit.recall_position
    seal_offset = 11
    recall_position = chunk_start + 16 * seal_offset
    sealed_seal = load(chunk_start)[seal_offset * BYTES_PER_SEAL : (seal_offset + 1) * BYTES_PER_SEAL]
    unsealed = unseal(sealed_seal, miner_id, sealed_context, recall_position)
    assert unsealed == flow[recall_position * 256 : recall_position * 256 + BYTES_PER_SEAL]
    output = verify_pora_answer(miner_id, nonce, subtask_digest, UNSHARDED, recall_position, seal_offset, sealed_seal)
    pad_seed = compute_pad_seed(miner_id, nonce, subtask_digest, UNSHARDED.digest())
    _, mixed = compute_scratchpad_and_mix(sealed_seal, seal_offset, pad_seed)
    blake = hashlib.blake2b((11).to_bytes(32, "big") + pad_seed + bytes(32) + mixed, digest_size=64).digest()
    assert output == blake[:32]
