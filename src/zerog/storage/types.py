"""Records the storage node keeps: a log entry (tx) as synced from the chain, and its local status."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from zerog.codec.segment import compute_data_segment_count
from zerog.crypto.merkle import fold_peaks
from zerog.errors import InvalidInput
from zerog.spec import SECTORS_PER_SEGMENT, ShardConfig

__all__ = ["STREAM_TAG", "TxRecord", "TxStatus", "parse_stream_ids"]

STREAM_TAG = hashlib.sha256(b"STREAM").digest()
"""Tags starting with this mark a KV (StreamData) entry; 32-byte stream ids follow."""


def parse_stream_ids(tags: bytes) -> tuple[int, ...]:
    """The stream ids a KV entry's tags name, or () for an ordinary file."""
    if not tags.startswith(STREAM_TAG) or (len(tags) - 32) % 32:
        return ()
    return tuple(int.from_bytes(tags[i : i + 32], "big") for i in range(32, len(tags), 32))


@dataclass(frozen=True, slots=True)
class TxRecord:
    """One log entry as the Flow contract recorded it."""

    seq: int
    data_root: bytes
    """File root, folded from the submission nodes (0G's `nodes_to_root`)."""
    size: int
    """File size in bytes."""
    start_entry_index: int
    """First flow sector."""
    nodes: tuple[tuple[int, bytes], ...]
    """Submission nodes (height, root)."""
    tags: bytes
    sender: str
    block_number: int
    block_hash: bytes
    tx_hash: str

    @classmethod
    def from_submission(
        cls,
        seq: int,
        size: int,
        start: int,
        nodes: tuple[tuple[int, bytes], ...],
        tags: bytes,
        sender: str,
        block_number: int,
        block_hash: bytes,
        tx_hash: str,
    ) -> "TxRecord":
        if not nodes:
            raise InvalidInput("a tx has at least one node")
        return cls(
            seq,
            fold_peaks([root for _, root in nodes]),
            size,
            start,
            nodes,
            tags,
            sender,
            block_number,
            block_hash,
            tx_hash,
        )

    @property
    def sectors(self) -> int:
        return sum(1 << height for height, _ in self.nodes)

    @property
    def data_segment_count(self) -> int:
        return compute_data_segment_count(self.size)

    @property
    def stream_ids(self) -> tuple[int, ...]:
        return parse_stream_ids(self.tags)

    def flow_segment(self, index: int) -> int:
        """The flow segment holding file segment `index` (entries start a segment or fit inside one)."""
        return self.start_entry_index // SECTORS_PER_SEGMENT + index

    def sector_offset(self, index: int) -> int:
        """Sector offset of file segment `index` inside its flow segment (non-zero only for small entries)."""
        return self.start_entry_index % SECTORS_PER_SEGMENT if index == 0 else 0

    def segments_in_shard(self, shard: ShardConfig) -> list[int]:
        """File segment indices this shard stores."""
        return [i for i in range(self.data_segment_count) if shard.holds_segment(self.flow_segment(i))]

    def to_json(self) -> dict[str, Any]:
        """0G's `Transaction` JSON (camelCase; merkleNodes as [depth = height + 1, root])."""
        return {
            "streamIds": [hex(stream) for stream in self.stream_ids],
            "data": [],
            "dataMerkleRoot": "0x" + self.data_root.hex(),
            "merkleNodes": [[height + 1, "0x" + root.hex()] for height, root in self.nodes],
            "startEntryIndex": self.start_entry_index,
            "size": self.size,
            "seq": self.seq,
        }

    def encode(self) -> bytes:
        return json.dumps(
            {
                "seq": self.seq,
                "root": self.data_root.hex(),
                "size": self.size,
                "start": self.start_entry_index,
                "nodes": [[h, r.hex()] for h, r in self.nodes],
                "tags": self.tags.hex(),
                "sender": self.sender,
                "block": self.block_number,
                "block_hash": self.block_hash.hex(),
                "tx_hash": self.tx_hash,
            }
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> "TxRecord":
        d = json.loads(raw)
        return cls(
            d["seq"],
            bytes.fromhex(d["root"]),
            d["size"],
            d["start"],
            tuple((h, bytes.fromhex(r)) for h, r in d["nodes"]),
            bytes.fromhex(d["tags"]),
            d["sender"],
            d["block"],
            bytes.fromhex(d["block_hash"]),
            d["tx_hash"],
        )


@dataclass(frozen=True, slots=True)
class TxStatus:
    """What this node holds of a tx."""

    finalized: bool = False
    """Every data segment of this node's shard is stored."""
    uploaded_segments: int = 0
    """Data segments of this tx stored here."""
    pruned: bool = False

    def encode(self) -> bytes:
        return bytes([self.finalized | (self.pruned << 1)]) + self.uploaded_segments.to_bytes(8, "big")

    @classmethod
    def decode(cls, raw: bytes) -> "TxStatus":
        return cls(bool(raw[0] & 1), int.from_bytes(raw[1:9], "big"), bool(raw[0] & 2))
