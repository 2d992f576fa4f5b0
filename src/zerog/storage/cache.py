"""The pre-tx cache: segments of small files uploaded before the node has synced their log entry.

0G's clients may upload a file of up to 10 MiB before its `Submit` transaction is mined ("fast mode"); the node
keeps the verified segments in memory, keyed by root, until log sync sees the tx, then writes them. Entries
expire, and the total is bounded so a flood of uploads for txs that never come cannot exhaust memory.
"""

import time
from dataclasses import dataclass, field

from zerog.codec.segment import SegmentWithProof
from zerog.errors import InvalidInput

__all__ = ["PreTxCache"]


@dataclass
class _CachedFile:
    file_size: int
    created: float
    segments: dict[int, SegmentWithProof] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        return sum(len(s.data) for s in self.segments.values())


class PreTxCache:
    """Bounded, expiring map root -> verified segments."""

    def __init__(self, *, max_file_bytes: int, max_total_bytes: int, expiration_s: float) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self.expiration_s = expiration_s
        self._files: dict[bytes, _CachedFile] = {}
        self._total = 0

    @property
    def total_bytes(self) -> int:
        return self._total

    def contains(self, root: bytes) -> bool:
        self._expire()
        return root in self._files

    def add(self, segment: SegmentWithProof) -> bool:
        """Keep a verified segment; False if it was already cached. Raises if the file or the cache is too big."""
        self._expire()
        if segment.file_size > self.max_file_bytes:
            raise InvalidInput("caching of large file when tx is unavailable is not supported")
        entry = self._files.get(segment.root)
        if entry is not None and entry.file_size != segment.file_size:
            raise InvalidInput("file size differs from the segments already cached for this root")
        if entry is not None and segment.index in entry.segments:
            return False
        if self._total + len(segment.data) > self.max_total_bytes:
            raise InvalidInput("the pre-tx cache is full; retry once the log entry is synced")
        if entry is None:
            entry = self._files[segment.root] = _CachedFile(segment.file_size, time.monotonic())
        entry.segments[segment.index] = segment
        self._total += len(segment.data)
        return True

    def pop(self, root: bytes, file_size: int) -> list[SegmentWithProof]:
        """Take the cached segments of a file whose tx arrived (those of another size are dropped)."""
        entry = self._files.pop(root, None)
        if entry is None:
            return []
        self._total -= entry.bytes
        return list(entry.segments.values()) if entry.file_size == file_size else []

    def _expire(self) -> None:
        deadline = time.monotonic() - self.expiration_s
        for root in [r for r, e in self._files.items() if e.created < deadline]:
            self._total -= self._files.pop(root).bytes
