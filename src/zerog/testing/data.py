"""Deterministic test data."""

import random

__all__ = ["pattern_bytes", "random_bytes"]


def pattern_bytes(size: int) -> bytes:
    """The reference vectors' pattern: byte i is (7i + 3) mod 256."""
    return bytes((i * 7 + 3) % 256 for i in range(size))


def random_bytes(size: int, seed: int) -> bytes:
    """`size` pseudo-random bytes from `seed`."""
    return random.Random(seed).randbytes(size)
