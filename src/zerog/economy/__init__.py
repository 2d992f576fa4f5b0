"""Pure fee and reward formulas of 0G storage (the reward contract's arithmetic, no I/O)."""

from zerog.economy.reward import (
    BPS_DENOMINATOR,
    ChunkFill,
    ChunkRewardState,
    FillRewardSplit,
    MineRewardClaim,
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
