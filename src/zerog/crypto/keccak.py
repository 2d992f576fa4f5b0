"""Ethereum keccak-256 (not NIST SHA3-256: the padding differs) and the two hash purposes 0G's trees use.

0G has no domain separation: a leaf is keccak(sector bytes) and a parent is keccak(left || right), which is what
Solidity's `keccak256(abi.encode(l, r))` computes for two bytes32.
"""

from sha3 import keccak_256

__all__ = ["hash_leaves", "hash_level", "hash_pair", "keccak256"]


def keccak256(data: bytes | bytearray | memoryview) -> bytes:
    """keccak-256 of `data` (Ethereum's hash)."""
    digest: bytes = keccak_256(data).digest()
    return digest


def hash_pair(left: bytes, right: bytes) -> bytes:
    """A Merkle parent: keccak256(left || right)."""
    digest: bytes = keccak_256(left + right).digest()
    return digest


def hash_leaves(data: bytes | bytearray | memoryview, leaf_size: int) -> bytes:
    """Hash consecutive `leaf_size`-byte leaves of `data`; returns the 32-byte digests concatenated.

    `len(data)` must be a multiple of `leaf_size`. Works on a memoryview so no leaf is copied.
    """
    view = memoryview(data)
    return b"".join([keccak_256(view[i : i + leaf_size]).digest() for i in range(0, len(view), leaf_size)])


def hash_level(level: bytes) -> bytes:
    """One level up a 0G tree: hash adjacent pairs of 32-byte nodes, promote an odd last node unchanged."""
    view = memoryview(level)
    pairs_end = (len(level) // 64) * 64
    parents = b"".join([keccak_256(view[i : i + 64]).digest() for i in range(0, pairs_end, 64)])
    return parents + level[pairs_end:]
