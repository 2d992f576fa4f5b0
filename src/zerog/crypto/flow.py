"""The flow: 0G's global log of sectors, and its incremental Merkle tree as the Flow contract keeps it.

Rules (FlowTreeLib.sol):
- sector 0 is a dummy leaf, the literal bytes32(0); the flow starts with length 1;
- an entry starts at its largest node's alignment, 2^h0; if that start is not on a 1024-sector segment boundary and
  the entry would cross one, the entry moves to the next segment boundary, so every entry either starts a segment
  or fits inside one;
- each node is placed at the next multiple of 2^h; skipped sectors are zero sectors (leaf keccak(0^256));
- the root is that of the perfect tree of height ceil(log2(length)) with zero subtrees to the right of the data.

This model keeps one pending left sibling per level (`_branch`), so appending and computing the root cost O(log).
"""

from collections.abc import Sequence

from zerog.crypto.keccak import hash_pair
from zerog.errors import InvalidInput
from zerog.spec import FLOW_FIRST_LEAF, MAX_SUBMISSION_DEPTH, SECTORS_PER_SEGMENT
from zerog.spec.zeros import ZERO_HASHES

__all__ = ["FlowTree", "compute_entry_start", "next_align"]


def next_align(length: int, height: int) -> int:
    """The smallest multiple of 2^height that is >= length."""
    step = 1 << height
    return -(-length // step) * step


def compute_entry_start(flow_length: int, first_height: int, entry_sectors: int) -> int:
    """Where the next entry's first node lands: aligned to 2^h0, moved to a segment start if it would straddle one."""
    start = next_align(flow_length, first_height)
    if (
        start % SECTORS_PER_SEGMENT
        and start // SECTORS_PER_SEGMENT != (start + entry_sectors - 1) // SECTORS_PER_SEGMENT
    ):
        start = next_align(start, SECTORS_PER_SEGMENT.bit_length() - 1)
    return start


class FlowTree:
    """The flow's incremental Merkle tree; `root` equals the Flow contract's root at the same length."""

    def __init__(self) -> None:
        self._length = 0
        self._branch: list[bytes | None] = [None] * (MAX_SUBMISSION_DEPTH + 1)
        self._insert(FLOW_FIRST_LEAF, 0)

    @property
    def length(self) -> int:
        """Sectors in the flow, the dummy sector 0 included."""
        return self._length

    def append_entry(self, nodes: Sequence[tuple[int, bytes]]) -> int:
        """Append one submission's nodes (height, root), largest first; return the sector its first node starts at."""
        if not nodes:
            raise InvalidInput("an entry has at least one node")
        sectors = sum(1 << height for height, _ in nodes)
        start = compute_entry_start(self._length, nodes[0][0], sectors)
        self._pad_to(start)
        for height, root in nodes:
            self._pad_to(next_align(self._length, height))
            self._insert(root, height)
        return start

    def append_subtree(self, root: bytes, height: int) -> None:
        """Place one perfect subtree of 2^height sectors at the current length (which must be aligned to it)."""
        self._insert(root, height)

    def root(self) -> bytes:
        """Root of the perfect tree of height ceil(log2(length)), zero-padded on the right."""
        height = (self._length - 1).bit_length()
        if self._length == 1 << height:
            node = self._branch[height]
            if node is None:  # pragma: no cover - a full tree always has its root in the branch
                raise AssertionError("flow tree lost its root")
            return node
        node = ZERO_HASHES[0]
        for level in range(height):
            if self._length >> level & 1:
                left = self._branch[level]
                if left is None:  # pragma: no cover - a set bit always has a pending left node
                    raise AssertionError("flow tree lost a left node")
                node = hash_pair(left, node)
            else:
                node = hash_pair(node, ZERO_HASHES[level])
        return node

    def _pad_to(self, target: int) -> None:
        """Fill [length, target) with zero subtrees, each the largest aligned block that fits."""
        while self._length < target:
            height = min((self._length & -self._length).bit_length() - 1, (target - self._length).bit_length() - 1)
            self._insert(ZERO_HASHES[height], height)

    def _insert(self, root: bytes, height: int) -> None:
        """Place a perfect subtree of 2^height sectors at the current length, which must be aligned to it."""
        if self._length % (1 << height):
            raise InvalidInput(f"a height-{height} node cannot start at sector {self._length}")
        node, level = root, height
        while self._length >> level & 1:
            left = self._branch[level]
            if left is None:  # pragma: no cover - a set bit always has a pending left node
                raise AssertionError("flow tree lost a left node")
            node = hash_pair(left, node)
            self._branch[level] = None
            level += 1
        self._branch[level] = node
        self._length += 1 << height
