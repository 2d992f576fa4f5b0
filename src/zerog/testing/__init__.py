"""Harnesses for tests: a fresh local chain with zerog's contracts, and seeded test data."""

from zerog.testing.chain import LocalChain, start_local_chain
from zerog.testing.data import pattern_bytes, random_bytes

__all__ = ["LocalChain", "pattern_bytes", "random_bytes", "start_local_chain"]
