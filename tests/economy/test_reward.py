"""ChunkLinearReward arithmetic: fee splits over pricing chunks, linear release, half-of-claimable payouts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerog.economy import (
    ChunkFill,
    ChunkRewardState,
    add_reward,
    apply_fill_reward,
    claim_mine_reward,
    claim_mine_reward_detailed,
    compute_fill_reward,
    compute_first_rewardable_chunk,
    compute_releasable,
    compute_release_seconds,
    compute_released,
    compute_reward_deadline,
    is_deadline_passed,
)
from zerog.errors import InvalidInput
from zerog.spec import SECTORS_PER_PRICING_CHUNK

P = SECTORS_PER_PRICING_CHUNK
FULL = ChunkRewardState(locked_reward=1000, start_time=100, last_update=100)


def test_release_seconds_use_31_day_months() -> None:
    assert compute_release_seconds(3) == 8_035_200
    with pytest.raises(InvalidInput):
        compute_release_seconds(0)


def test_released_is_linear_and_capped() -> None:
    assert compute_released(1000, 0, 10**9, 100) == 0  # not full yet
    assert compute_released(1000, 100, 100, 1000) == 0
    assert compute_released(1000, 100, 600, 1000) == 500
    assert compute_released(10, 100, 101, 3) == 3  # floor(10 / 3)
    assert compute_released(1000, 100, 5000, 1000) == 1000


# --- fillReward ---


def test_a_fill_inside_one_chunk_gets_the_whole_rest() -> None:
    split = compute_fill_reward(0, 1000, 1_000_000, 0)
    assert split.service_fee == 0
    assert split.fills == (ChunkFill(0, 1_000_000, False),)


def test_the_service_fee_is_taken_first() -> None:
    split = compute_fill_reward(0, 1000, 1_000_000, 500)
    assert split.service_fee == 50_000
    assert split.fills == (ChunkFill(0, 950_000, False),)


def test_a_fill_that_ends_on_the_boundary_completes_the_chunk() -> None:
    assert compute_fill_reward(P - 1000, 1000, 7, 0).fills == (ChunkFill(0, 7, True),)
    # Aligned start, one whole chunk: the split lands in chunk 1 only.
    assert compute_fill_reward(P, P, 9, 0).fills == (ChunkFill(1, 9, True),)


def test_a_fill_across_a_boundary_is_split_by_sectors() -> None:
    # feePerChunk = 3000 * P / 3000 = P; first gets P * 1000 / P, last P * 2000 / P.
    split = compute_fill_reward(P - 1000, 3000, 3000, 0)
    assert split.fills == (ChunkFill(0, 1000, True), ChunkFill(1, 2000, False))


def test_a_fill_across_three_chunks_pays_the_middle_a_whole_chunk_fee() -> None:
    split = compute_fill_reward(P - 10, P + 20, P + 20, 0)
    assert split.fills == (ChunkFill(0, 10, True), ChunkFill(1, P, True), ChunkFill(2, 10, False))
    assert split.distributed == P + 20


def test_rounding_can_leave_dust_in_the_contract() -> None:
    # feePerChunk = P / 2; each side gets (P / 2) * 1 / P = 0.
    split = compute_fill_reward(P - 1, 2, 1, 0)
    assert split.fills == (ChunkFill(0, 0, True), ChunkFill(1, 0, False))


def test_two_whole_chunks_each_get_half() -> None:
    split = compute_fill_reward(0, 2 * P, 10_001, 0)
    assert split.fills == (ChunkFill(0, 5000, True), ChunkFill(1, 5000, True))


@pytest.mark.parametrize(
    ("before", "sectors", "amount", "bps"), [(0, 0, 1, 0), (-1, 1, 1, 0), (0, 1, -1, 0), (0, 1, 10_000, 10_001)]
)
def test_bad_fills_are_rejected(before: int, sectors: int, amount: int, bps: int) -> None:
    with pytest.raises(InvalidInput):
        compute_fill_reward(before, sectors, amount, bps)


def test_apply_fill_reward_adds_and_finalizes() -> None:
    states = apply_fill_reward({}, compute_fill_reward(P - 1000, 3000, 3000, 0), now=500)
    assert states == {
        0: ChunkRewardState(locked_reward=1000, start_time=500, last_update=500),
        1: ChunkRewardState(locked_reward=2000),
    }
    states = apply_fill_reward(states, compute_fill_reward(P + 2000, P - 2000, 5, 0), now=900)
    assert states[1] == ChunkRewardState(locked_reward=2005, start_time=900, last_update=900)
    with pytest.raises(InvalidInput, match="Reward item has been initialized"):
        apply_fill_reward(states, compute_fill_reward(P - 10, 5, 1, 0), now=901)


def test_add_reward_bounds() -> None:
    with pytest.raises(InvalidInput, match="Reward overflow"):
        add_reward(ChunkRewardState(), 1 << 128, False, 1)
    with pytest.raises(InvalidInput):
        add_reward(ChunkRewardState(locked_reward=(1 << 128) - 1), 1, False, 1)


# --- claimMineReward ---


def test_each_hit_pays_half_of_what_is_claimable() -> None:
    payout, state = claim_mine_reward(FULL, now=600, release_seconds=1000, base_reward=0, base_reward_pool=0)
    assert payout == 250  # 500 released, half paid
    assert state == ChunkRewardState(500, 250, 250, start_time=100, last_update=600)
    payout, state = claim_mine_reward(state, now=600, release_seconds=1000, base_reward=0, base_reward_pool=0)
    assert payout == 125  # nothing new released
    assert state == ChunkRewardState(500, 125, 375, start_time=100, last_update=600)
    payout, state = claim_mine_reward(state, now=1100, release_seconds=1000, base_reward=0, base_reward_pool=0)
    assert payout == 312  # 500 more released: claimable 625, half rounded down
    assert state == ChunkRewardState(0, 313, 687, start_time=100, last_update=1100)
    assert state.total == 1000


def test_base_reward_is_paid_while_the_window_is_open_and_capped_by_the_pool() -> None:
    open_claim = claim_mine_reward_detailed(FULL, 600, 1000, base_reward=40, base_reward_pool=100)
    assert (open_claim.chunk_reward, open_claim.base_reward, open_claim.payout) == (250, 40, 290)
    assert claim_mine_reward_detailed(FULL, 600, 1000, base_reward=40, base_reward_pool=30).base_reward == 30
    # The window is open while startTime + releaseSeconds > now.
    assert claim_mine_reward_detailed(FULL, 1099, 1000, base_reward=40, base_reward_pool=100).base_reward == 40
    assert claim_mine_reward_detailed(FULL, 1100, 1000, base_reward=40, base_reward_pool=100).base_reward == 0


def test_a_chunk_that_is_not_full_pays_nothing_at_first() -> None:
    partial = ChunkRewardState(locked_reward=1000)
    claim = claim_mine_reward_detailed(partial, 10**9, 1000, base_reward=40, base_reward_pool=100)
    assert (claim.chunk_reward, claim.base_reward) == (0, 0)
    assert claim.state == ChunkRewardState(locked_reward=1000, last_update=10**9)


def test_a_second_claim_on_a_chunk_that_is_not_full_releases_its_pool() -> None:
    # Reward.sol only tests lastUpdate == 0; after one claim, time since startTime = 0 exceeds the window.
    claimed_once = ChunkRewardState(locked_reward=1000, last_update=10**9)
    assert compute_releasable(claimed_once, 10**9 + 1, 1000) == 1000
    payout, state = claim_mine_reward(claimed_once, 10**9 + 1, 1000, 0, 0)
    assert payout == 500
    assert state == ChunkRewardState(0, 500, 500, start_time=0, last_update=10**9 + 1)


def test_deadlines_and_the_first_rewardable_chunk() -> None:
    assert compute_reward_deadline(ChunkRewardState(), 1000) == 0
    assert compute_reward_deadline(FULL, 1000) == 1100
    assert not is_deadline_passed(FULL, 1100, 1000)
    assert is_deadline_passed(FULL, 1101, 1000)
    assert not is_deadline_passed(ChunkRewardState(), 10**9, 1000)
    assert compute_first_rewardable_chunk(lambda index: index < 3000) == 3000
    assert compute_first_rewardable_chunk(lambda index: index < 1024) == 1024
    assert compute_first_rewardable_chunk(lambda _index: False) == 0


def test_state_fields_are_bounded() -> None:
    with pytest.raises(InvalidInput):
        ChunkRewardState(locked_reward=1 << 128)
    with pytest.raises(InvalidInput):
        ChunkRewardState(start_time=1 << 40)


# --- properties ---

amounts = st.integers(min_value=0, max_value=10**30)


@given(
    before=st.integers(min_value=0, max_value=1 << 40),
    sectors=st.integers(min_value=1, max_value=50 * P),
    amount=amounts,
    bps=st.integers(min_value=0, max_value=10_000),
)
def test_a_fill_distributes_the_rest_over_contiguous_chunks(before: int, sectors: int, amount: int, bps: int) -> None:
    split = compute_fill_reward(before, sectors, amount, bps)
    rest = amount - split.service_fee
    assert 0 <= split.service_fee <= amount
    assert split.distributed <= rest
    assert rest - split.distributed <= sectors // P + 2
    indexes = [fill.pricing_index for fill in split.fills]
    assert indexes == list(range(before // P, (before + sectors - 1) // P + 1))
    assert all(fill.finalizes for fill in split.fills[:-1])
    assert split.fills[-1].finalizes == ((before + sectors) % P == 0)


@given(
    total=st.integers(min_value=0, max_value=(1 << 128) - 1),
    start=st.integers(min_value=0, max_value=1 << 35),
    elapsed=st.integers(min_value=0, max_value=1 << 35),
    more=st.integers(min_value=0, max_value=1 << 30),
    release=st.integers(min_value=1, max_value=1 << 30),
)
def test_released_never_exceeds_total_and_never_decreases(
    total: int, start: int, elapsed: int, more: int, release: int
) -> None:
    now = start + elapsed
    released = compute_released(total, start, now, release)
    assert 0 <= released <= total
    assert released <= compute_released(total, start, now + more, release)


@given(
    locked=st.integers(min_value=0, max_value=10**24),
    start=st.integers(min_value=1, max_value=1 << 32),
    gaps=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12),
    release=st.integers(min_value=1, max_value=10**7),
)
def test_claims_conserve_the_pool(locked: int, start: int, gaps: list[int], release: int) -> None:
    state = ChunkRewardState(locked_reward=locked, start_time=start, last_update=start)
    now, paid = start, 0
    for gap in gaps:
        now += gap
        payout, state = claim_mine_reward(state, now, release, 0, 0)
        paid += payout
        assert state.distributed_reward == paid
        assert state.total == locked
        assert state.claimable_reward >= payout  # half, rounded down, is paid; the rest stays
    assert paid <= compute_released(locked, start, now, release)
