"""`SegmentWithProof`, the unit of upload and verified download, and its JSON form (0G's zgs_* shape).

A file's data segment i holds 256 KiB, except the last data segment, which is trimmed to whole chunks (the last
chunk zero-padded). Its proof is against the file root, over the segment tree of ceil(padded / 1024) leaves.
"""

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from zerog.codec.proof import parse_proof_bytes, parse_proof_json, proof_to_bytes, proof_to_json
from zerog.crypto.file_tree import FileTree, compute_segment_root
from zerog.crypto.merkle import (
    MerkleProof,
    compute_chunk_count,
    compute_padded_chunk_count,
    compute_segment_count,
    verify_proof,
    verify_rear_padding,
)
from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_SECTOR, BYTES_PER_SEGMENT, SECTORS_PER_SEGMENT
from zerog.spec.types import parse_fixed_bytes

__all__ = [
    "SegmentWithProof",
    "compute_data_segment_count",
    "compute_segment_data_size",
    "encode_base64",
    "parse_base64",
    "parse_segment_binary",
    "parse_segment_json",
    "segment_to_binary",
    "slice_segment",
    "verify_segment",
]


def compute_data_segment_count(file_size: int) -> int:
    """Segments that hold file data (the only ones ever uploaded): ceil(size / 256 KiB)."""
    return -(-file_size // BYTES_PER_SEGMENT)


def compute_segment_data_size(file_size: int, index: int) -> int:
    """Bytes of data segment `index` on the wire: 256 KiB, or the rest rounded up to whole chunks for the last."""
    count = compute_data_segment_count(file_size)
    if not 0 <= index < count:
        raise InvalidInput(f"segment index {index} out of range for {count} data segments")
    if index < count - 1:
        return BYTES_PER_SEGMENT
    rest = file_size - index * BYTES_PER_SEGMENT
    return -(-rest // BYTES_PER_SECTOR) * BYTES_PER_SECTOR


def slice_segment(data: bytes, index: int) -> bytes:
    """Data segment `index` of a whole file in memory, in its wire form (last chunk zero-padded)."""
    size = compute_segment_data_size(len(data), index)
    piece = data[index * BYTES_PER_SEGMENT : index * BYTES_PER_SEGMENT + size]
    return piece + bytes(size - len(piece))


@dataclass(frozen=True, slots=True)
class SegmentWithProof:
    """One data segment of a file with its proof against the file root."""

    root: bytes
    """The file root."""
    data: bytes
    index: int
    """Segment index within the file."""
    proof: MerkleProof
    file_size: int

    @classmethod
    def from_tree(cls, tree: FileTree, index: int, data: bytes) -> "SegmentWithProof":
        """The segment `index` of a file whose tree kept its segment roots; `data` is the wire-form segment."""
        return cls(tree.root, data, index, tree.segment_proof(index), tree.size)

    def to_json(self) -> dict[str, Any]:
        return {
            "root": "0x" + self.root.hex(),
            "data": encode_base64(self.data),
            "index": self.index,
            "proof": proof_to_json(self.proof),
            "fileSize": self.file_size,
        }


def verify_segment(segment: SegmentWithProof) -> None:
    """The 0G node's checks: index in range, exact data size, proof to the root at its position, zero padding."""
    data_segments = compute_data_segment_count(segment.file_size)
    if not 0 <= segment.index < data_segments:
        raise InvalidInput(f"segment index {segment.index} out of range for {data_segments} data segments")
    if len(segment.data) != compute_segment_data_size(segment.file_size, segment.index):
        raise InvalidInput(
            f"segment {segment.index} must be {compute_segment_data_size(segment.file_size, segment.index)} bytes, "
            f"got {len(segment.data)}"
        )
    padded = compute_padded_chunk_count(compute_chunk_count(segment.file_size))
    proof_leaves = compute_segment_count(padded)
    expected_chunks = min(SECTORS_PER_SEGMENT, padded - segment.index * SECTORS_PER_SEGMENT)
    leaf = compute_segment_root(segment.data, expected_chunks)
    verify_proof(segment.proof, leaf, segment.root, segment.index, proof_leaves)
    verify_rear_padding(segment.proof, proof_leaves, data_segments)


def encode_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def parse_base64(value: object, what: str = "data") -> bytes:
    """Strict standard base64 (what 0G's nodes and SDKs send)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a base64 string")
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{what} is not valid base64: {exc}") from exc


def parse_segment_json(value: object) -> SegmentWithProof:
    """Validate an untrusted `SegmentWithProof` JSON object (shape only; `verify_segment` checks the maths)."""
    if not isinstance(value, dict):
        raise InvalidInput("a segment is a JSON object")
    missing = {"root", "data", "index", "proof", "fileSize"} - set(value)
    if missing:
        raise InvalidInput(f"segment is missing {sorted(missing)}")
    index, file_size = value["index"], value["fileSize"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise InvalidInput("segment index must be a non-negative integer")
    if not isinstance(file_size, int) or isinstance(file_size, bool) or file_size <= 0:
        raise InvalidInput("fileSize must be a positive integer")
    root = value["root"]
    if not isinstance(root, str):
        raise InvalidInput("root must be 0x-hex")
    return SegmentWithProof(
        root=parse_fixed_bytes(root, 32, "root"),
        data=parse_base64(value["data"]),
        index=index,
        proof=parse_proof_json(value["proof"]),
        file_size=file_size,
    )


_BINARY_MAGIC = b"ZGS1"


def segment_to_binary(segment: SegmentWithProof) -> bytes:
    """zerog's binary segment form (no base64, no JSON): magic "ZGS1", root (32), file size (u64),
    index (u64), proof length (u16), proof (`proof_to_bytes`), then the data."""
    proof = proof_to_bytes(segment.proof)
    return b"".join(
        [
            _BINARY_MAGIC,
            segment.root,
            segment.file_size.to_bytes(8, "big"),
            segment.index.to_bytes(8, "big"),
            len(proof).to_bytes(2, "big"),
            proof,
            segment.data,
        ]
    )


def parse_segment_binary(raw: bytes) -> SegmentWithProof:
    """Validate the binary form's shape (`verify_segment` checks the maths)."""
    if len(raw) < 54 or raw[:4] != _BINARY_MAGIC:
        raise InvalidInput("not a binary segment")
    proof_length = int.from_bytes(raw[52:54], "big")
    if len(raw) < 54 + proof_length:
        raise InvalidInput("truncated binary segment")
    file_size = int.from_bytes(raw[36:44], "big")
    if file_size <= 0:
        raise InvalidInput("fileSize must be positive")
    return SegmentWithProof(
        root=raw[4:36],
        data=raw[54 + proof_length :],
        index=int.from_bytes(raw[44:52], "big"),
        proof=parse_proof_bytes(raw[54 : 54 + proof_length]),
        file_size=file_size,
    )
