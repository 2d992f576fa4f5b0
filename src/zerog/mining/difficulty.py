"""PoRA difficulty: the target a PoRA output must not exceed, and how `PoraMine` moves it at each new epoch.

The contract keeps `poraTarget` (a u256; higher is easier). On the first submission of a new epoch it moves the
target a 1/n step (n = `difficultyAdjustRatio`, 20) towards the target that would have produced `targetSubmissions`
answers last epoch, clamped to [target/2, 2 target], and never above `MAX / minDifficulty`. All of it runs on
`target >> 16` so the products cannot overflow, and the result is shifted back, clearing the low 16 bits.

Source: 0g-storage-contracts `contracts/miner/Mine.sol` (0gfoundation be704852): `initialize`,
`_adjustDifficultyOnNewEpoch`, `_adjustDifficultyInner`, `_maxPoraTarget`.
"""

from zerog.errors import InvalidInput

__all__ = [
    "DEFAULT_DIFFICULTY_ADJUST_RATIO",
    "MAX_PORA_TARGET",
    "adjust_target",
    "compute_expected_scaled_target",
    "compute_initial_target",
    "compute_max_pora_target",
]

MAX_PORA_TARGET = (1 << 256) - 1
"""type(uint).max: the easiest target (every output passes)."""
DEFAULT_DIFFICULTY_ADJUST_RATIO = 20
"""`difficultyAdjustRatio` set by `initialize`."""
_SCALE_BITS = 16
_U256_LIMIT = 1 << 256


def _require_u256(value: int, what: str) -> None:
    if not 0 <= value < _U256_LIMIT:
        raise InvalidInput(f"{what} is a u256, got {value}")


def compute_initial_target(difficulty: int) -> int:
    """The target a deployment starts with: type(uint).max / difficulty."""
    if not 0 < difficulty < _U256_LIMIT:
        raise InvalidInput(f"a difficulty is a positive u256, got {difficulty}")
    return MAX_PORA_TARGET // difficulty


def compute_max_pora_target(min_difficulty: int | None) -> int:
    """The highest target allowed: type(uint).max / minDifficulty, or type(uint).max when it is unset (0)."""
    if not min_difficulty:
        return MAX_PORA_TARGET
    if not 0 < min_difficulty < _U256_LIMIT:
        raise InvalidInput(f"a minimum difficulty is a u256, got {min_difficulty}")
    return MAX_PORA_TARGET // min_difficulty


def compute_expected_scaled_target(target: int, target_submissions: int, current_submissions: int) -> int:
    """The scaled target that would have met the goal: (target >> 16) * targetSubmissions / currentSubmissions.

    With no submission at all last epoch it is type(uint).max >> 16 (the target rises as fast as allowed).
    """
    _require_u256(target, "a PoRA target")
    if target_submissions < 0 or current_submissions < 0:
        raise InvalidInput("submission counts are non-negative")
    if current_submissions == 0:
        return MAX_PORA_TARGET >> _SCALE_BITS
    # Math.mulDiv: exact floor((a * b) / c), reverting only if the result overflows.
    expected = (target >> _SCALE_BITS) * target_submissions // current_submissions
    if expected >= _U256_LIMIT:
        raise InvalidInput("the expected target overflows a u256: the contract would revert")
    return expected


def adjust_target(
    target: int,
    target_submissions: int,
    current_submissions: int,
    adjust_ratio: int = DEFAULT_DIFFICULTY_ADJUST_RATIO,
    min_difficulty: int | None = None,
) -> int:
    """The new `poraTarget` after an epoch that saw `current_submissions` answers (Mine.sol, exact integers).

    scaled = target >> 16; adjusted = (scaled * (n - 1) + expected) / n, clamped to [scaled / 2, scaled * 2] and to
    type(uint).max >> 16; new = adjusted << 16, capped at type(uint).max / minDifficulty.
    """
    if adjust_ratio < 1:
        raise InvalidInput(f"the adjust ratio is at least 1, got {adjust_ratio}")
    scaled_expected = compute_expected_scaled_target(target, target_submissions, current_submissions)
    scaled = target >> _SCALE_BITS
    numerator = scaled * (adjust_ratio - 1) + scaled_expected
    if numerator >= _U256_LIMIT:
        raise InvalidInput("the difficulty step overflows a u256: the contract would revert")
    adjusted = numerator // adjust_ratio
    adjusted = min(adjusted, scaled * 2)
    adjusted = max(adjusted, scaled // 2)
    adjusted = min(adjusted, MAX_PORA_TARGET >> _SCALE_BITS)
    return min(adjusted << _SCALE_BITS, compute_max_pora_target(min_difficulty))
