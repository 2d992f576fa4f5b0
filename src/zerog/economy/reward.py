"""Storage fees and mining rewards: the exact integer arithmetic of 0G's `ChunkLinearReward`.

An upload's fee, less the treasury's service fee, is spread over the 8 GiB pricing chunks the upload fills, in
proportion to the sectors it puts in each (`fillReward`). A chunk's pool starts its release clock when the chunk is
completely filled; from then on it releases linearly over `releaseSeconds` (lifetimeMonth * 31 days). Each PoRA hit
that recalls a sector of the chunk moves what has been released into `claimable` and pays the miner half of it, plus
`baseReward` from the donated pool while the chunk's window is still open (`claimMineReward`).

Sources: 0g-storage-contracts `contracts/reward/ChunkRewardBase.sol` (0gfoundation c86c05e1: `fillReward` with the
service fee, `claimMineReward`), `ChunkLinearReward.sol` (releaseSeconds version: `_baseReward`, `rewardDeadline`,
`firstRewardableChunk`), `Reward.sol` (`Reward` struct of uint128/uint40 fields, `addReward`, `updateReward`,
`linearDecayReward`, `claimReward`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from zerog.errors import InvalidInput
from zerog.spec import SECONDS_PER_MONTH, SECTORS_PER_PRICING_CHUNK

__all__ = [
    "BPS_DENOMINATOR",
    "ChunkFill",
    "ChunkRewardState",
    "FillRewardSplit",
    "MineRewardClaim",
    "add_reward",
    "apply_fill_reward",
    "claim_mine_reward",
    "claim_mine_reward_detailed",
    "compute_fill_reward",
    "compute_first_rewardable_chunk",
    "compute_releasable",
    "compute_release_seconds",
    "compute_released",
    "compute_reward_deadline",
    "is_deadline_passed",
]

BPS_DENOMINATOR = 10_000
"""`serviceFeeRateBps` is in basis points of the fee."""
_U128_LIMIT = 1 << 128
_U40_LIMIT = 1 << 40


@dataclass(frozen=True, slots=True)
class ChunkRewardState:
    """One pricing chunk's reward record: the contract's `Reward` struct."""

    locked_reward: int = 0
    """Fees not yet released (uint128)."""
    claimable_reward: int = 0
    """Released and not yet paid out (uint128)."""
    distributed_reward: int = 0
    """Paid to miners so far (uint128)."""
    start_time: int = 0
    """When the chunk was completely filled and its release clock started; 0 while it is not full (uint40)."""
    last_update: int = 0
    """When a finalizing fill or a claim last touched the record; 0 if never (uint40)."""

    def __post_init__(self) -> None:
        for value, limit, what in (
            (self.locked_reward, _U128_LIMIT, "locked reward"),
            (self.claimable_reward, _U128_LIMIT, "claimable reward"),
            (self.distributed_reward, _U128_LIMIT, "distributed reward"),
            (self.start_time, _U40_LIMIT, "start time"),
            (self.last_update, _U40_LIMIT, "last update"),
        ):
            if not 0 <= value < limit:
                raise InvalidInput(f"{what} out of range: {value}")

    @property
    def total(self) -> int:
        """Every fee the chunk ever received: locked + claimable + distributed."""
        return self.locked_reward + self.claimable_reward + self.distributed_reward


@dataclass(frozen=True, slots=True)
class ChunkFill:
    """The part of one upload's fee that goes to one pricing chunk."""

    pricing_index: int
    """The pricing chunk: flow sector // 2^25."""
    amount: int
    """Wei added to the chunk's locked reward."""
    finalizes: bool
    """Whether this upload completes the chunk, which starts its release clock."""


@dataclass(frozen=True, slots=True)
class FillRewardSplit:
    """How `fillReward` divides one payment."""

    service_fee: int
    """Sent to the treasury: amount * serviceFeeRateBps / 10000."""
    fills: tuple[ChunkFill, ...]
    """Per pricing chunk, in flow order."""

    @property
    def distributed(self) -> int:
        """Wei credited to chunks; integer division can leave a few wei of the rest in the contract."""
        return sum(fill.amount for fill in self.fills)


@dataclass(frozen=True, slots=True)
class MineRewardClaim:
    """What one PoRA hit pays and how it leaves the chunk's record."""

    chunk_reward: int
    """Half of the chunk's claimable reward after the release."""
    base_reward: int
    """From the donated base-reward pool: baseReward while the window is open, capped by the pool."""
    state: ChunkRewardState
    """The chunk's record after the claim."""

    @property
    def payout(self) -> int:
        """The beneficiary's credit in the pull-payment escrow."""
        return self.chunk_reward + self.base_reward


def compute_release_seconds(lifetime_months: int) -> int:
    """The release window of a chunk's pool: lifetimeMonth * 31 days (src/utils/constructor_args.ts)."""
    if lifetime_months <= 0:
        raise InvalidInput(f"a lifetime is at least one month, got {lifetime_months}")
    return lifetime_months * SECONDS_PER_MONTH


def compute_released(total: int, start_time: int, now: int, release_seconds: int) -> int:
    """Released by `now` from a pool of `total`: total * (now - start) / releaseSeconds, at most total.

    A chunk that is not yet full (start_time 0) has released nothing.
    """
    if release_seconds <= 0:
        raise InvalidInput(f"a release window is positive, got {release_seconds}")
    if total < 0 or now < start_time:
        raise InvalidInput("a pool is non-negative and time does not run backwards")
    if start_time == 0:
        return 0
    return min(total * (now - start_time) // release_seconds, total)


def compute_releasable(state: ChunkRewardState, now: int, release_seconds: int) -> int:
    """What a claim at `now` moves from locked to claimable (`linearDecayReward`).

    expected = min(total * (now - startTime) / releaseSeconds, total); the result is expected minus what was
    released before, or 0. The contract only tests `lastUpdate == 0`, so a chunk that was claimed before it was
    full (startTime 0, lastUpdate set) counts its time from 0 and releases its whole pool at the next claim; this
    mirrors that behaviour.
    """
    if release_seconds <= 0:
        raise InvalidInput(f"a release window is positive, got {release_seconds}")
    if state.last_update == 0:
        return 0
    if now < state.start_time:
        raise InvalidInput(f"now ({now}) is before the chunk's start time ({state.start_time})")
    released = state.claimable_reward + state.distributed_reward
    expected = min(state.total * (now - state.start_time) // release_seconds, state.total)
    return max(expected - released, 0)


def add_reward(state: ChunkRewardState, amount: int, finalize: bool, now: int) -> ChunkRewardState:
    """A fill of `amount` into one chunk (`addReward`); `finalize` starts the release clock at `now`."""
    if not 0 <= amount < _U128_LIMIT:
        raise InvalidInput(f"Reward overflow: {amount}")
    if state.start_time != 0:
        raise InvalidInput("Reward item has been initialized: the chunk is already full")
    if state.locked_reward + amount >= _U128_LIMIT:
        raise InvalidInput("locked reward overflows a uint128: the contract would revert")
    if finalize:
        return replace(state, locked_reward=state.locked_reward + amount, start_time=now, last_update=now)
    return replace(state, locked_reward=state.locked_reward + amount)


def compute_fill_reward(before_length: int, sectors: int, amount: int, service_fee_bps: int) -> FillRewardSplit:
    """Split one payment for `sectors` appended after `before_length` over pricing chunks (`fillReward`).

    feePerChunk = rest * 2^25 / sectors; a single chunk gets the whole rest; otherwise the first and last chunks
    get feePerChunk * (their sectors) / 2^25 and every chunk between gets feePerChunk. Every chunk but the last is
    completed by the upload; the last is completed only if the upload ends exactly on its boundary.
    """
    if before_length < 0 or sectors <= 0 or amount < 0 or service_fee_bps < 0:
        raise InvalidInput("a fill covers at least one sector after a non-negative flow length, for a non-negative fee")
    service_fee = amount * service_fee_bps // BPS_DENOMINATOR
    if service_fee > amount:
        raise InvalidInput(f"a service fee of {service_fee_bps} bps exceeds the payment: the contract would revert")
    rest = amount - service_fee
    fee_per_chunk = rest * SECTORS_PER_PRICING_CHUNK // sectors
    after_length = before_length + sectors

    first_length = SECTORS_PER_PRICING_CHUNK - before_length % SECTORS_PER_PRICING_CHUNK
    first_index = (before_length + first_length) // SECTORS_PER_PRICING_CHUNK - 1
    last_length = (after_length - 1) % SECTORS_PER_PRICING_CHUNK + 1
    last_index = (after_length - last_length) // SECTORS_PER_PRICING_CHUNK
    finalize_last = after_length == (last_index + 1) * SECTORS_PER_PRICING_CHUNK

    if first_index == last_index:
        return FillRewardSplit(service_fee, (ChunkFill(first_index, rest, finalize_last),))
    fills = [ChunkFill(first_index, fee_per_chunk * first_length // SECTORS_PER_PRICING_CHUNK, True)]
    fills += [ChunkFill(index, fee_per_chunk, True) for index in range(first_index + 1, last_index)]
    fills.append(ChunkFill(last_index, fee_per_chunk * last_length // SECTORS_PER_PRICING_CHUNK, finalize_last))
    return FillRewardSplit(service_fee, tuple(fills))


def apply_fill_reward(
    states: Mapping[int, ChunkRewardState], split: FillRewardSplit, now: int
) -> dict[int, ChunkRewardState]:
    """The chunk records after a fill: `add_reward` on every chunk the split names (missing ones start empty)."""
    updated = dict(states)
    for fill in split.fills:
        current = updated.get(fill.pricing_index, ChunkRewardState())
        updated[fill.pricing_index] = add_reward(current, fill.amount, fill.finalizes, now)
    return updated


def claim_mine_reward_detailed(
    state: ChunkRewardState, now: int, release_seconds: int, base_reward: int, base_reward_pool: int
) -> MineRewardClaim:
    """One PoRA hit in a chunk (`claimMineReward`): release, pay half of claimable, add the base reward.

    The base reward is `base_reward` while startTime + releaseSeconds > now, capped by the donated pool; the pool
    shrinks by `MineRewardClaim.base_reward`.
    """
    if base_reward < 0 or base_reward_pool < 0:
        raise InvalidInput("base reward and pool are non-negative")
    if now >= _U40_LIMIT:
        raise InvalidInput(f"a timestamp is a uint40, got {now}")
    releasable = compute_releasable(state, now, release_seconds)
    claimable = state.claimable_reward + releasable
    chunk_reward = claimable // 2
    after = replace(
        state,
        locked_reward=state.locked_reward - releasable,
        claimable_reward=claimable - chunk_reward,
        distributed_reward=state.distributed_reward + chunk_reward,
        last_update=now,
    )
    approved = base_reward if after.start_time + release_seconds > now else 0
    return MineRewardClaim(chunk_reward, min(approved, base_reward_pool), after)


def claim_mine_reward(
    state: ChunkRewardState, now: int, release_seconds: int, base_reward: int, base_reward_pool: int
) -> tuple[int, ChunkRewardState]:
    """(payout, new state) of one PoRA hit in a chunk; see `claim_mine_reward_detailed` for the pool's share."""
    claim = claim_mine_reward_detailed(state, now, release_seconds, base_reward, base_reward_pool)
    return claim.payout, claim.state


def compute_reward_deadline(state: ChunkRewardState, release_seconds: int) -> int:
    """When a chunk's reward window closes: startTime + releaseSeconds, or 0 while it is not full."""
    return 0 if state.start_time == 0 else state.start_time + release_seconds


def is_deadline_passed(state: ChunkRewardState, now: int, release_seconds: int) -> bool:
    """Whether a full chunk's window has closed (deadline < now); nodes may prune such data."""
    deadline = compute_reward_deadline(state, release_seconds)
    return deadline != 0 and deadline < now


def compute_first_rewardable_chunk(deadline_passed: Callable[[int], bool]) -> int:
    """The first pricing chunk whose window is still open (`firstRewardableChunk`).

    `deadline_passed(index)` answers for one chunk; windows close in flow order, so the contract doubles an upper
    bound from 1024 and then bisects.
    """
    low, high = 0, 1024
    while deadline_passed(high):
        low, high = high, high * 2
    while low < high:
        middle = low + (high - low) // 2
        if deadline_passed(middle):
            low = middle + 1
        else:
            high = middle
    return low
