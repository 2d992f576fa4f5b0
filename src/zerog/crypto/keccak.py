"""Ethereum keccak-256 (not NIST SHA3-256: the padding differs) and the two hash purposes 0G's trees use.

0G has no domain separation: a leaf is keccak(sector bytes) and a parent is keccak(left || right), which is what
Solidity's `keccak256(abi.encode(l, r))` computes for two bytes32.

The batch functions (`hash_leaves`, `hash_level`, `hash_tree`) run on the native core (`zerog.native._keccak`,
AVX-512 / AVX2 / scalar C, GIL released) when it was built, else on the pure-Python reference below, which is
always present: set ZEROG_NO_NATIVE=1 to force it. Tests check both give identical bytes.
"""

import os
from collections.abc import Callable

from sha3 import keccak_256

__all__ = [
    "NATIVE",
    "hash_leaves",
    "hash_leaves_reference",
    "hash_level",
    "hash_level_reference",
    "hash_pair",
    "hash_tree",
    "hash_tree_reference",
    "keccak256",
]

Buffer = bytes | bytearray | memoryview


def keccak256(data: Buffer) -> bytes:
    """keccak-256 of `data` (Ethereum's hash)."""
    digest: bytes = keccak_256(data).digest()
    return digest


def hash_pair(left: bytes, right: bytes) -> bytes:
    """A Merkle parent: keccak256(left || right)."""
    digest: bytes = keccak_256(left + right).digest()
    return digest


def hash_leaves_reference(data: Buffer, leaf_size: int) -> bytes:
    """Hash consecutive `leaf_size`-byte leaves of `data`; returns the 32-byte digests concatenated."""
    view = memoryview(data)
    return b"".join([keccak_256(view[i : i + leaf_size]).digest() for i in range(0, len(view), leaf_size)])


def hash_level_reference(level: bytes) -> bytes:
    """One level up a 0G tree: hash adjacent pairs of 32-byte nodes, promote an odd last node unchanged."""
    view = memoryview(level)
    pairs_end = (len(level) // 64) * 64
    parents = b"".join([keccak_256(view[i : i + 64]).digest() for i in range(0, pairs_end, 64)])
    return parents + level[pairs_end:]


def hash_tree_reference(data: Buffer, leaf_size: int) -> bytes:
    """Root of the left-balanced tree over the `leaf_size`-byte leaves of `data` (at least one leaf)."""
    level = hash_leaves_reference(data, leaf_size)
    while len(level) > 32:
        level = hash_level_reference(level)
    return level


def _use_native() -> bool:
    if os.environ.get("ZEROG_NO_NATIVE"):
        return False
    try:
        from zerog.native import _keccak  # noqa: F401
    except ImportError:
        return False
    return True


NATIVE = _use_native()
"""Whether the native core is in use."""

hash_leaves: Callable[[Buffer, int], bytes] = hash_leaves_reference
hash_level: Callable[[bytes], bytes] = hash_level_reference
hash_tree: Callable[[Buffer, int], bytes] = hash_tree_reference
if NATIVE:
    from zerog.native import _keccak

    hash_leaves, hash_level, hash_tree = _keccak.hash_leaves, _keccak.hash_level, _keccak.tree_root
