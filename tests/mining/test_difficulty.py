"""Difficulty: Mine.sol's initial target and per-epoch adjustment, in exact integers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerog.errors import InvalidInput
from zerog.mining import (
    MAX_PORA_TARGET,
    adjust_target,
    compute_expected_scaled_target,
    compute_initial_target,
    compute_max_pora_target,
)

SCALED_40 = 40 << 16  # a target whose scaled value (>> 16) is 40


def test_initial_target_is_max_over_difficulty() -> None:
    assert compute_initial_target(1) == MAX_PORA_TARGET
    assert compute_initial_target(180000) == MAX_PORA_TARGET // 180000
    with pytest.raises(InvalidInput):
        compute_initial_target(0)


def test_max_target_follows_min_difficulty() -> None:
    assert compute_max_pora_target(None) == MAX_PORA_TARGET
    assert compute_max_pora_target(0) == MAX_PORA_TARGET
    assert compute_max_pora_target(1000) == MAX_PORA_TARGET // 1000


def test_on_target_epoch_keeps_the_target() -> None:
    assert adjust_target(SCALED_40, 10, 10) == SCALED_40


def test_too_many_submissions_lower_the_target_by_a_1_over_20_step() -> None:
    # expected = 40 * 10 / 20 = 20; adjusted = (40 * 19 + 20) / 20 = 39.
    assert compute_expected_scaled_target(SCALED_40, 10, 20) == 20
    assert adjust_target(SCALED_40, 10, 20) == 39 << 16


def test_too_few_submissions_raise_the_target() -> None:
    # expected = 40 * 10 / 5 = 80; adjusted = (760 + 80) / 20 = 42.
    assert adjust_target(SCALED_40, 10, 5) == 42 << 16


def test_an_epoch_without_submissions_doubles_the_target_at_most() -> None:
    assert compute_expected_scaled_target(SCALED_40, 10, 0) == MAX_PORA_TARGET >> 16
    assert adjust_target(SCALED_40, 10, 0) == 80 << 16


def test_ratio_one_jumps_to_the_expected_target_within_the_clamp() -> None:
    # mine.spec.ts sets difficultyAdjustRatio to 1: the target jumps straight to the expected value, clamped.
    assert adjust_target(SCALED_40, 10, 20, adjust_ratio=1) == 20 << 16
    assert adjust_target(SCALED_40, 1, 1000, adjust_ratio=1) == 20 << 16  # expected 0, clamped to 40 / 2
    assert adjust_target(SCALED_40, 1000, 1, adjust_ratio=1) == 80 << 16  # expected 40000, clamped to 40 * 2


def test_the_low_16_bits_are_dropped() -> None:
    assert adjust_target(SCALED_40 + 0xFFFF, 10, 10) == SCALED_40


def test_the_target_never_exceeds_the_u256_range_or_the_min_difficulty_cap() -> None:
    assert adjust_target(MAX_PORA_TARGET, 10, 0) == MAX_PORA_TARGET - 0xFFFF
    assert adjust_target(MAX_PORA_TARGET // 1000, 10, 0, min_difficulty=1000) == MAX_PORA_TARGET // 1000


def test_overflow_and_bad_parameters_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        adjust_target(MAX_PORA_TARGET, 1 << 40, 1)
    with pytest.raises(InvalidInput):
        adjust_target(SCALED_40, 10, 10, adjust_ratio=0)
    with pytest.raises(InvalidInput):
        adjust_target(-1, 10, 10)
    with pytest.raises(InvalidInput):
        adjust_target(SCALED_40, 10, -1)


targets = st.integers(min_value=0, max_value=MAX_PORA_TARGET)
counts = st.integers(min_value=0, max_value=1000)


@given(
    target=targets,
    target_submissions=counts,
    current=counts,
    ratio=st.integers(1, 100),
    min_difficulty=st.none() | st.integers(1, 1 << 64),
)
def test_a_step_stays_within_half_and_double(
    target: int, target_submissions: int, current: int, ratio: int, min_difficulty: int | None
) -> None:
    scaled = target >> 16
    new = adjust_target(target, target_submissions, current, ratio, min_difficulty)
    cap = compute_max_pora_target(min_difficulty)
    assert new <= cap
    assert new <= min(scaled * 2, MAX_PORA_TARGET >> 16) << 16
    assert new >= min((scaled // 2) << 16, cap)
    if new < cap:
        assert new & 0xFFFF == 0


@given(target=targets, target_submissions=counts, fewer=counts, more=counts)
def test_more_submissions_never_raise_the_target(target: int, target_submissions: int, fewer: int, more: int) -> None:
    fewer, more = min(fewer, more), max(fewer, more)
    assert adjust_target(target, target_submissions, more) <= adjust_target(target, target_submissions, fewer)
