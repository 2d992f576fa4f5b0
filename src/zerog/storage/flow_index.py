"""The node's view of the whole flow: where every entry's subtrees sit, the flow root after each tx, and sector
proofs against any of those roots (zgs_getSectorProof).

Above an entry's own subtree, every sibling on a sector's path to the flow root is a union of whole placed
subtrees (entries' nodes and zero padding) or lies past the flow's end, so its root comes from the chain's
submission nodes alone. Inside the entry the siblings come from data this node holds: sector hashes within a
256 KiB segment, and the stored file proof between the segment and the entry's node root.
"""

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from zerog.crypto.flow import FlowTree, compute_entry_start, next_align
from zerog.crypto.keccak import hash_leaves, hash_level, hash_pair
from zerog.crypto.merkle import MerkleProof
from zerog.errors import InvalidInput, NotFound
from zerog.spec import BYTES_PER_SECTOR, FLOW_FIRST_LEAF, SECTORS_PER_SEGMENT, SEGMENT_TREE_HEIGHT, ZERO_HASHES
from zerog.storage.types import TxRecord

__all__ = ["FlowIndex", "Placement"]


@dataclass(frozen=True, slots=True)
class Placement:
    """A perfect subtree placed in the flow: an entry's node, a zero pad, or the dummy sector 0."""

    start: int
    height: int
    root: bytes
    tx_seq: int | None
    """The entry it belongs to; None for padding and the dummy sector."""
    node_offset: int = 0
    """First sector of this node within its file (entries only)."""


SegmentReader = Callable[[int], bytes]
"""Reads a whole 256 KiB flow segment from the store (zeros where nothing is held)."""


class FlowIndex:
    """Rebuilt from the synced txs at start, appended to by log sync, cut back on reorgs."""

    def __init__(self) -> None:
        self._tree = FlowTree()  # holds the dummy sector 0 already
        self._placements: list[Placement] = [Placement(0, 0, FLOW_FIRST_LEAF, None)]
        self._starts: list[int] = [0]
        self._lengths_by_root: dict[bytes, int] = {self._tree.root(): 1}
        self._roots_by_length: dict[int, bytes] = {1: self._tree.root()}
        self._cache: dict[tuple[int, int], bytes] = {}

    @property
    def length(self) -> int:
        return self._tree.length

    def root(self) -> bytes:
        return self._tree.root()

    def append(self, tx: TxRecord) -> None:
        """Place the next entry exactly as the Flow contract did."""
        start = compute_entry_start(self._tree.length, tx.nodes[0][0], tx.sectors)
        if start != tx.start_entry_index:
            raise InvalidInput(f"tx {tx.seq} starts at sector {tx.start_entry_index}, the flow model says {start}")
        self._pad_to(start)
        offset = 0
        for height, root in tx.nodes:
            self._pad_to(next_align(self._tree.length, height))
            self._add(Placement(self._tree.length, height, root, tx.seq, offset))
            offset += 1 << height
        self._lengths_by_root[self._tree.root()] = self._tree.length
        self._roots_by_length[self._tree.length] = self._tree.root()

    def length_of_root(self, root: bytes) -> int:
        """The flow length at which the flow had this root (after some tx)."""
        try:
            return self._lengths_by_root[root]
        except KeyError as exc:
            raise NotFound(f"flow root 0x{root.hex()} is not one this node has seen") from exc

    def _pad_to(self, target: int) -> None:
        while self._tree.length < target:
            length = self._tree.length
            height = min((length & -length).bit_length() - 1, (target - length).bit_length() - 1)
            self._add(Placement(length, height, ZERO_HASHES[height], None))

    def _add(self, placement: Placement) -> None:
        self._tree.append_subtree(placement.root, placement.height)
        self._placements.append(placement)
        self._starts.append(placement.start)

    def placement_at(self, sector: int) -> Placement:
        if not 0 <= sector < self._tree.length:
            raise InvalidInput(f"sector {sector} is outside the flow [0, {self._tree.length})")
        return self._placements[bisect_right(self._starts, sector) - 1]

    def entry_segments(self, flow_segment: int, length: int) -> set[tuple[int, int]]:
        """(tx seq, file segment) of every entry's data in flow segment `flow_segment` of the flow cut at `length`.

        Nodes are aligned to their size, so the part of a node inside one flow segment is inside one file segment.
        """
        first = flow_segment * SECTORS_PER_SEGMENT
        end = min(first + SECTORS_PER_SEGMENT, length, self._tree.length)
        found: set[tuple[int, int]] = set()
        index = bisect_right(self._starts, first) - 1
        while index < len(self._placements) and self._placements[index].start < end:
            placement = self._placements[index]
            if placement.tx_seq is not None:
                sector = max(placement.start, first)
                found.add((placement.tx_seq, (placement.node_offset + sector - placement.start) // SECTORS_PER_SEGMENT))
            index += 1
        return found

    def subtree_root(self, start: int, height: int, length: int) -> bytes:
        """Root of the aligned range [start, start + 2^height) of the flow cut at `length` sectors."""
        if start >= length:
            return ZERO_HASHES[height]
        complete = start + (1 << height) <= length
        if complete and (cached := self._cache.get((start, height))) is not None:
            return cached
        placement = self.placement_at(start)
        if placement.start == start and placement.height == height and complete:
            root = placement.root
        elif placement.height >= height:
            raise NotFound("this range lies inside an entry; its hashes come from the data")
        else:
            half = 1 << (height - 1)
            left = self.subtree_root(start, height - 1, length)
            root = hash_pair(left, self.subtree_root(start + half, height - 1, length))
        if complete:
            self._cache[(start, height)] = root
        return root

    def sector_proof(
        self,
        sector: int,
        length: int,
        read_segment: SegmentReader,
        file_proof: Callable[[int, int], MerkleProof | None],
    ) -> MerkleProof:
        """Proof of flow sector `sector` against the flow root at `length` sectors (0G's `{lemma, path}`).

        `file_proof(tx_seq, file_segment)` returns the stored proof of a held file segment, or None.
        """
        if not 0 <= sector < length <= self._tree.length:
            raise InvalidInput(f"sector {sector} is outside the flow [0, {length})")
        placement = self.placement_at(sector)
        node_proof = MerkleProof((), ())
        if placement.tx_seq is not None:
            # This node must hold the entry's segment holding the sector: its data and its file proof.
            node_proof = self._node_proof(placement.tx_seq, placement, sector, file_proof)
        height = (length - 1).bit_length()
        flow_segment = sector // SECTORS_PER_SEGMENT
        segment_levels = self._segment_levels(flow_segment, length, read_segment)
        position = sector % SECTORS_PER_SEGMENT
        leaf = segment_levels[0][position * 32 : position * 32 + 32]
        siblings: list[bytes] = []
        path: list[bool] = []
        for level in range(height):
            is_left = (sector >> level) & 1 == 0
            sibling_start = ((sector >> level) ^ 1) << level
            if level < placement.height and level < SEGMENT_TREE_HEIGHT:
                index = (sibling_start % SECTORS_PER_SEGMENT) >> level
                sibling = segment_levels[level][index * 32 : index * 32 + 32]
            elif level < placement.height:
                # Inside a node above the segment: from the file proof, or zeros inside a padding subtree.
                is_data = placement.tx_seq is not None
                sibling = node_proof.lemma[1 + level - SEGMENT_TREE_HEIGHT] if is_data else ZERO_HASHES[level]
            else:
                sibling = self.subtree_root(sibling_start, level, length)
            siblings.append(sibling)
            path.append(is_left)
        root = self._roots_by_length.get(length)
        if root is None:
            raise NotFound(f"no flow root recorded at length {length}")
        if not siblings:
            return MerkleProof((leaf,), ())
        return MerkleProof((leaf, *siblings, root), tuple(path))

    def _segment_levels(self, flow_segment: int, length: int, read_segment: SegmentReader) -> list[bytes]:
        """Hash levels 0..10 of one flow segment as the flow saw it at `length` sectors."""
        first = flow_segment * SECTORS_PER_SEGMENT
        data = bytearray(read_segment(flow_segment))
        valid = max(0, min(SECTORS_PER_SEGMENT, length - first))
        data[valid * BYTES_PER_SECTOR :] = bytes(len(data) - valid * BYTES_PER_SECTOR)
        level = bytearray(hash_leaves(bytes(data), BYTES_PER_SECTOR))
        # Sectors that belong to no entry (padding, the dummy sector) have fixed leaves, whatever the store says.
        for sector in range(first, first + valid):
            placement = self.placement_at(sector)
            if placement.tx_seq is None:
                leaf = FLOW_FIRST_LEAF if sector == 0 else ZERO_HASHES[0]
                offset = (sector - first) * 32
                level[offset : offset + 32] = leaf
        levels = [bytes(level)]
        for _ in range(SEGMENT_TREE_HEIGHT):
            levels.append(hash_level(levels[-1]))
        return levels

    def _node_proof(
        self, tx_seq: int, placement: Placement, sector: int, file_proof: Callable[[int, int], MerkleProof | None]
    ) -> MerkleProof:
        file_segment = (placement.node_offset + sector - placement.start) // SECTORS_PER_SEGMENT
        proof = file_proof(tx_seq, file_segment)
        if proof is None:
            raise NotFound(f"segment {file_segment} of tx {tx_seq} is not held by this node")
        return proof
