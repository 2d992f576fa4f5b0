"""A file's 0G Merkle tree, computed segment by segment in constant memory.

Bytes are fed in any pieces; each 256 KiB segment is hashed as soon as it is complete and pushed onto a stack of
perfect subtrees (peaks). At the end the peaks are exactly the submission nodes, and folding them right to left
gives the file root, the same root as the left-balanced tree over all flow-padded chunks. Keeping the segment
roots (32 bytes per 256 KiB) is optional; they are needed only to build per-segment proofs.
"""

from dataclasses import dataclass
from typing import TypeAlias

from zerog.crypto.keccak import hash_leaves, hash_pair, hash_tree
from zerog.crypto.merkle import (
    MerkleProof,
    compute_chunk_count,
    compute_merkle_root,
    compute_padded_chunk_count,
    compute_proof,
    compute_segment_count,
    fold_peaks,
)
from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_SECTOR, BYTES_PER_SEGMENT, SECTORS_PER_SEGMENT, SEGMENT_TREE_HEIGHT
from zerog.spec.zeros import ZERO_CHUNK_HASH, ZERO_HASHES

Buffer: TypeAlias = bytes | bytearray | memoryview

__all__ = ["FileTree", "FileTreeBuilder", "build_file_tree", "compute_segment_root"]


@dataclass(frozen=True, slots=True)
class FileTree:
    """What a client needs to submit and upload a file."""

    size: int
    """File size in bytes."""
    chunks: int
    """256-byte chunks holding data."""
    padded_chunks: int
    """Chunks after flow padding; the padding is zero and paid for."""
    root: bytes
    """The file (data) root used by every zgs_* RPC."""
    nodes: tuple[tuple[int, bytes], ...]
    """Submission nodes as (height, subtree root), largest first."""
    segment_roots: tuple[bytes, ...] | None
    """Roots of every segment of the proof tree (data and padding), if kept."""

    @property
    def segment_count(self) -> int:
        """Leaves of the segment tree, padding segments included."""
        return compute_segment_count(self.padded_chunks)

    @property
    def data_segment_count(self) -> int:
        """Segments holding file data; only these are ever uploaded."""
        return compute_segment_count(self.chunks)

    def segment_proof(self, index: int) -> MerkleProof:
        """Proof of segment `index` against the file root."""
        if self.segment_roots is None:
            raise InvalidInput("this tree was built without segment roots; rebuild with keep_segment_roots")
        return compute_proof(self.segment_roots, index)


def compute_segment_root(segment: Buffer, expected_chunks: int = SECTORS_PER_SEGMENT) -> bytes:
    """Root of one segment: chunk leaves (last chunk zero-padded) plus zero-chunk leaves up to `expected_chunks`."""
    if not 0 < expected_chunks <= SECTORS_PER_SEGMENT:
        raise InvalidInput(f"a segment holds 1..{SECTORS_PER_SEGMENT} chunks, not {expected_chunks}")
    if len(segment) > expected_chunks * BYTES_PER_SECTOR:
        raise InvalidInput(f"{len(segment)} bytes do not fit {expected_chunks} chunks")
    if len(segment) == BYTES_PER_SEGMENT:
        return hash_tree(segment, BYTES_PER_SECTOR)
    return compute_merkle_root(_chunk_leaves(segment, expected_chunks))


def _chunk_leaves(segment: Buffer, expected_chunks: int) -> list[bytes]:
    tail = -len(segment) % BYTES_PER_SECTOR
    hashes = hash_leaves(bytes(segment) + bytes(tail), BYTES_PER_SECTOR)
    leaves = [hashes[i : i + 32] for i in range(0, len(hashes), 32)]
    return leaves + [ZERO_CHUNK_HASH] * (expected_chunks - len(leaves))


class _Peaks:
    """Roots of the perfect subtrees covering the chunks appended so far (a Merkle mountain range)."""

    def __init__(self) -> None:
        self.heights: list[int] = []
        self.roots: list[bytes] = []

    def push(self, height: int, root: bytes) -> None:
        while self.heights and self.heights[-1] == height:
            self.heights.pop()
            root = hash_pair(self.roots.pop(), root)
            height += 1
        self.heights.append(height)
        self.roots.append(root)


class FileTreeBuilder:
    """Feed a file's bytes in order with `update`, then `finish` for its tree. Memory is O(log size)."""

    def __init__(self, size: int, *, keep_segment_roots: bool = True) -> None:
        self._size = size
        self._chunks = compute_chunk_count(size)
        self._padded_chunks = compute_padded_chunk_count(self._chunks)
        self._segment_count = compute_segment_count(self._padded_chunks)
        self._buffer = bytearray()
        self._received = 0
        self._next_segment = 0
        self._peaks = _Peaks()
        self._segment_roots: list[bytes] | None = [] if keep_segment_roots else None

    @property
    def bytes_received(self) -> int:
        return self._received

    def update(self, data: Buffer) -> None:
        """Append the next bytes of the file."""
        if self._received + len(data) > self._size:
            raise InvalidInput(f"more than the declared {self._size} bytes were fed")
        self._received += len(data)
        if not self._buffer and len(data) % BYTES_PER_SEGMENT == 0:
            view = memoryview(data)
            for offset in range(0, len(view), BYTES_PER_SEGMENT):
                self._add_full_segment(view[offset : offset + BYTES_PER_SEGMENT])
            return
        self._buffer += data
        full = len(self._buffer) - len(self._buffer) % BYTES_PER_SEGMENT
        view = memoryview(self._buffer)
        for offset in range(0, full, BYTES_PER_SEGMENT):
            self._add_full_segment(view[offset : offset + BYTES_PER_SEGMENT])
        view.release()
        del self._buffer[:full]

    def finish(self) -> FileTree:
        """The tree, once exactly `size` bytes were fed."""
        if self._received != self._size:
            raise InvalidInput(f"fed {self._received} bytes of a {self._size}-byte file")
        if self._buffer:
            self._add_last_data_segment(bytes(self._buffer))
            self._buffer.clear()
        while self._next_segment < self._segment_count:
            self._add_segment_root(ZERO_HASHES[SEGMENT_TREE_HEIGHT], SEGMENT_TREE_HEIGHT)
        return FileTree(
            size=self._size,
            chunks=self._chunks,
            padded_chunks=self._padded_chunks,
            root=fold_peaks(self._peaks.roots),
            nodes=tuple(zip(self._peaks.heights, self._peaks.roots, strict=True)),
            segment_roots=None if self._segment_roots is None else tuple(self._segment_roots),
        )

    def _expected_chunks(self, segment: int) -> int:
        return min(SECTORS_PER_SEGMENT, self._padded_chunks - segment * SECTORS_PER_SEGMENT)

    def _add_full_segment(self, segment: Buffer) -> None:
        # A segment full of data is never short: padding only ever follows the last data chunk.
        self._add_segment_root(compute_segment_root(segment), SEGMENT_TREE_HEIGHT)

    def _add_last_data_segment(self, segment: bytes) -> None:
        expected = self._expected_chunks(self._next_segment)
        if expected == SECTORS_PER_SEGMENT:
            padded = segment.ljust(BYTES_PER_SEGMENT, b"\0")
            self._add_segment_root(compute_segment_root(padded), SEGMENT_TREE_HEIGHT)
            return
        # A short last segment contributes its own small perfect subtrees (the low submission nodes).
        leaves = _chunk_leaves(segment, expected)
        for leaf in leaves:
            self._peaks.push(0, leaf)
        if self._segment_roots is not None:
            self._segment_roots.append(compute_merkle_root(leaves))
        self._next_segment += 1

    def _add_segment_root(self, root: bytes, height: int) -> None:
        self._peaks.push(height, root)
        if self._segment_roots is not None:
            self._segment_roots.append(root)
        self._next_segment += 1


def build_file_tree(data: bytes, *, keep_segment_roots: bool = True) -> FileTree:
    """The tree of an in-memory file."""
    builder = FileTreeBuilder(len(data), keep_segment_roots=keep_segment_roots)
    builder.update(data)
    return builder.finish()
