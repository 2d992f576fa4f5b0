"""Distinct types for domain ids, so that a chunk index cannot be passed where a segment index is meant."""

from dataclasses import dataclass
from typing import NewType

from zerog.errors import InvalidInput

DataRoot = NewType("DataRoot", bytes)
"""A file's 0G Merkle root (32 bytes)."""
FlowRoot = NewType("FlowRoot", bytes)
"""The root of the whole flow (the on-chain log) at some length."""
TxSeq = NewType("TxSeq", int)
"""A log entry's sequence number: the Flow contract's `submissionIndex`, counting from 0."""
ChunkIndex = NewType("ChunkIndex", int)
"""A 256-byte chunk (sector) index within a file."""
SegmentIndex = NewType("SegmentIndex", int)
"""A 256 KiB segment index within a file."""
SectorIndex = NewType("SectorIndex", int)
"""A sector index within the flow."""


@dataclass(frozen=True, slots=True)
class ShardConfig:
    """A node's shard: it stores flow segment `s` iff `s % num_shard == shard_id`."""

    shard_id: int
    """This node's residue."""
    num_shard: int
    """A power of two."""

    def __post_init__(self) -> None:
        if self.num_shard <= 0 or self.num_shard & (self.num_shard - 1):
            raise InvalidInput(f"num_shard must be a power of two, got {self.num_shard}")
        if not 0 <= self.shard_id < self.num_shard:
            raise InvalidInput(f"shard_id must be in [0, {self.num_shard}), got {self.shard_id}")

    @classmethod
    def parse(cls, text: str) -> "ShardConfig":
        """Parse 0G's `shard_position` string, "id/num"."""
        try:
            shard_id, num_shard = (int(part) for part in text.split("/"))
        except ValueError as exc:
            raise InvalidInput(f"shard position must look like 'id/num', got {text!r}") from exc
        return cls(shard_id, num_shard)

    def holds_segment(self, flow_segment: int) -> bool:
        """Whether this shard stores the given flow segment."""
        return flow_segment % self.num_shard == self.shard_id


def parse_fixed_bytes(value: bytes | str, size: int, what: str) -> bytes:
    """Validate exactly `size` bytes, given raw or as hex (with or without 0x, any case)."""
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            value = bytes.fromhex(text)
        except ValueError as exc:
            raise InvalidInput(f"{what} must be {size} bytes of hex, got {text[:80]!r}") from exc
    if len(value) != size:
        raise InvalidInput(f"{what} must be {size} bytes, got {len(value)}")
    return bytes(value)


def bytes_to_root(value: bytes | str) -> DataRoot:
    """Validate a 32-byte root given as bytes or 0x-hex."""
    return DataRoot(parse_fixed_bytes(value, 32, "a root"))
