"""Hypothesis properties of PoRA: recalls stay in the miner's range and shard, the contract's partial recomputation
equals the full scratchpad, and targets move the right way with shards and difficulty."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.mining import (
    RecallRange,
    compute_batch_nonce,
    compute_mixed_seal,
    compute_recall_chunk_offset,
    compute_recall_range,
    compute_scale_x64,
    compute_scratchpad,
    compute_scratchpad_and_mix,
    compute_subtask_index,
    compute_target_quality,
    search_chunk,
)
from zerog.spec import (
    BYTES_PER_SEAL,
    MAX_MINING_LENGTH_SECTORS,
    SECTORS_PER_PRICING_CHUNK,
    SECTORS_PER_SEGMENT,
    ShardConfig,
)

hashes = st.binary(min_size=32, max_size=32)
pad_seeds = st.binary(min_size=64, max_size=64)
shards = st.integers(min_value=0, max_value=6).flatmap(
    lambda bits: st.integers(min_value=0, max_value=(1 << bits) - 1).map(lambda i: ShardConfig(i, 1 << bits))
)
flow_lengths = st.one_of(
    st.integers(min_value=SECTORS_PER_SEGMENT * 64, max_value=1 << 22),
    st.integers(min_value=1 << 22, max_value=1 << 45),
)
targets = st.integers(min_value=0, max_value=(1 << 256) - 1)


@settings(max_examples=300)
@given(seed=hashes, flow_length=flow_lengths, shard=shards, start=st.integers(min_value=0, max_value=1 << 45))
def test_recall_lands_on_a_segment_of_the_miners_shard_inside_its_range(
    seed: bytes, flow_length: int, shard: ShardConfig, start: int
) -> None:
    recall_range = compute_recall_range(flow_length, shard, start_position=start)
    recall_range.validate(flow_length, 64)
    offset = compute_recall_chunk_offset(seed, recall_range)
    position = recall_range.start_position + offset * SECTORS_PER_SEGMENT
    assert offset % shard.num_shard == shard.shard_id
    # The range starts on a pricing chunk (2^15 segments), so the flow segment is in the shard too.
    assert shard.holds_segment(position // SECTORS_PER_SEGMENT)
    if offset * SECTORS_PER_SEGMENT <= recall_range.mine_length:
        assert recall_range.start_position <= position <= recall_range.start_position + recall_range.mine_length
    if recall_range.mine_length % (SECTORS_PER_SEGMENT * shard.num_shard) == 0:
        # A window of whole shard groups always recalls a full segment inside it.
        assert position + SECTORS_PER_SEGMENT <= recall_range.start_position + recall_range.mine_length


@settings(max_examples=200)
@given(flow_length=st.integers(min_value=SECTORS_PER_SEGMENT, max_value=1 << 48), shard=shards)
def test_node_range_is_the_full_window_the_contract_requires(flow_length: int, shard: ShardConfig) -> None:
    recall_range = compute_recall_range(flow_length, shard)
    recall_range.validate(flow_length, shard.num_shard)
    assert recall_range.start_position % SECTORS_PER_PRICING_CHUNK == 0
    assert recall_range.mine_length <= MAX_MINING_LENGTH_SECTORS * shard.num_shard
    assert recall_range.num_shards == shard.num_shard


@settings(max_examples=25, deadline=None)
@given(pad_seed=pad_seeds, seal_offset=st.integers(min_value=0, max_value=63), data_seed=st.integers(0, 2**32))
def test_partial_recomputation_equals_full_scratchpad(pad_seed: bytes, seal_offset: int, data_seed: int) -> None:
    sealed = random.Random(data_seed).randbytes(BYTES_PER_SEAL)
    scratchpad, recall_seed = compute_scratchpad(pad_seed)
    assert compute_scratchpad_and_mix(sealed, seal_offset, pad_seed) == (
        recall_seed,
        compute_mixed_seal(sealed, scratchpad, seal_offset),
    )


@settings(max_examples=20, deadline=None)
@given(pad_seed=pad_seeds, data_seed=st.integers(0, 2**32), low=targets, high=targets)
def test_a_higher_target_keeps_every_hit_of_a_lower_one(pad_seed: bytes, data_seed: int, low: int, high: int) -> None:
    low, high = min(low, high), max(low, high)
    scratchpad, _ = compute_scratchpad(pad_seed)
    chunk = random.Random(data_seed).randbytes(8 * BYTES_PER_SEAL)
    hits_low = search_chunk(pad_seed, scratchpad, chunk, low)
    hits_high = search_chunk(pad_seed, scratchpad, chunk, high)
    assert set(hits_low) <= set(hits_high)
    assert all(quality <= low for _, quality in hits_low)


@settings(max_examples=300)
@given(flow_length=st.integers(min_value=64, max_value=1 << 48), bits=st.integers(0, 6), target=targets)
def test_sharding_never_makes_the_target_easier(flow_length: int, bits: int, target: int) -> None:
    scale = compute_scale_x64(flow_length, 1 << bits)
    assert scale >= 1 << 64
    assert compute_target_quality(target, scale) <= target
    if bits:
        fewer = compute_scale_x64(flow_length, 1 << (bits - 1))
        assert fewer <= scale
        assert compute_target_quality(target, fewer) >= compute_target_quality(target, scale)


@settings(max_examples=300)
@given(low=targets, high=targets, scale=st.integers(min_value=1 << 64, max_value=1 << 80))
def test_target_quality_grows_with_the_pora_target(low: int, high: int, scale: int) -> None:
    low, high = min(low, high), max(low, high)
    assert compute_target_quality(low, scale) <= compute_target_quality(high, scale)


@given(context=hashes, miner_id=hashes, n_subtasks=st.integers(min_value=1, max_value=1 << 20))
def test_subtask_index_is_in_range(context: bytes, miner_id: bytes, n_subtasks: int) -> None:
    assert 0 <= compute_subtask_index(context, miner_id, n_subtasks) < n_subtasks


@given(nonce=hashes, index=st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_batch_nonce_is_an_involution_touching_only_the_first_8_bytes(nonce: bytes, index: int) -> None:
    batched = compute_batch_nonce(nonce, index)
    assert compute_batch_nonce(batched, index) == nonce
    assert batched[8:] == nonce[8:]


@given(mask=st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_num_shards_is_a_power_of_two(mask: int) -> None:
    shards_ = RecallRange(0, 1024, 0, mask).num_shards
    assert shards_ & (shards_ - 1) == 0
