"""The Submission record a client sends to `Flow.submit`, with the contract's validity rules and its digest.

Two ABIs exist (0g-storage.md §1.5): the current `((length, tags, nodes), submitter)` and the legacy
`(length, tags, nodes)`; both carry the same `SubmissionData`, which is also what the `Submit` event logs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from zerog.codec.address import to_checksum_address
from zerog.crypto.file_tree import FileTree
from zerog.crypto.keccak import keccak256
from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_SECTOR, MAX_SUBMISSION_DEPTH, MAX_SUBMISSION_HEIGHT_SPAN

__all__ = ["Submission", "SubmissionNode", "build_submission"]

ZERO_ADDRESS = bytes(20)


@dataclass(frozen=True, slots=True)
class SubmissionNode:
    """A perfect subtree of the file: 2^height sectors under `root`."""

    root: bytes
    """32-byte subtree root."""
    height: int
    """log2 of the sectors it covers (the 0G node stores depth = height + 1)."""


@dataclass(frozen=True, slots=True)
class Submission:
    """What `Flow.submit` records for one file (one log entry)."""

    length: int
    """Exact file size in bytes."""
    tags: bytes
    """Opaque bytes; the KV layer puts sha256("STREAM") and stream ids here."""
    nodes: tuple[SubmissionNode, ...]
    """Subtree roots in strictly decreasing height."""
    submitter: bytes = field(default=ZERO_ADDRESS)
    """20-byte address the current ABI records as the submitter (clients put their own)."""

    @property
    def sectors(self) -> int:
        """Sectors the entry occupies in the flow, flow padding included: what the fee is charged on."""
        return sum(1 << node.height for node in self.nodes)

    def compute_fee(self, price_per_sector: int) -> int:
        """Fee in wei: sectors x the market's price per sector."""
        return self.sectors * price_per_sector

    def compute_digest(self) -> bytes:
        """keccak256 of the packed node roots: the `Submit` event's `identity`. Not the file root."""
        return keccak256(b"".join(node.root for node in self.nodes))

    def validate(self) -> None:
        """Raise `InvalidInput` where `SubmissionLibrary.valid` would revert "Invalid submission"."""
        problem = find_submission_problem(self)
        if problem:
            raise InvalidInput(f"invalid submission: {problem}")

    def to_abi(self) -> tuple[tuple[int, bytes, list[tuple[bytes, int]]], str]:
        """Arguments of the current `submit(((uint256,bytes,(bytes32,uint256)[]),address))`."""
        return self.to_legacy_abi(), to_checksum_address(self.submitter)

    def to_legacy_abi(self) -> tuple[int, bytes, list[tuple[bytes, int]]]:
        """Arguments of the legacy `submit((uint256,bytes,(bytes32,uint256)[]))`, the `SubmissionData`."""
        return (self.length, self.tags, [(node.root, node.height) for node in self.nodes])

    @classmethod
    def from_abi_data(cls, data: Sequence[Any], submitter: bytes = ZERO_ADDRESS) -> "Submission":
        """Build from a decoded `SubmissionData` tuple (as a `Submit` event logs it)."""
        length, tags, nodes = data
        return cls(int(length), bytes(tags), tuple(SubmissionNode(bytes(r), int(h)) for r, h in nodes), submitter)


def find_submission_problem(submission: Submission) -> str:
    """What makes a submission invalid to the contract, or "" if nothing does (SubmissionLibrary.valid)."""
    nodes = submission.nodes
    if not nodes:
        return "no nodes"
    if any(len(node.root) != 32 for node in nodes):
        return "node roots are 32 bytes"
    heights = [node.height for node in nodes]
    if heights[0] >= MAX_SUBMISSION_DEPTH:
        return f"height {heights[0]} exceeds {MAX_SUBMISSION_DEPTH - 1}"
    if any(lower >= upper for upper, lower in pairwise(heights)):
        return "heights must strictly decrease"
    if heights[-1] < 0 or heights[0] - heights[-1] >= MAX_SUBMISSION_HEIGHT_SPAN:
        return f"heights span {heights[0] - heights[-1] + 1} levels (max {MAX_SUBMISSION_HEIGHT_SPAN})"
    capacity = submission.sectors
    if submission.length > capacity * BYTES_PER_SECTOR:
        return f"{submission.length} bytes exceed the {capacity} sectors of the nodes"
    # The smallest capacity the padding rule would have chosen for `length` bytes.
    if capacity < 1 << MAX_SUBMISSION_HEIGHT_SPAN:
        last_capacity = capacity - 1
    elif len(nodes) == 1:
        last_capacity = capacity - (capacity >> MAX_SUBMISSION_HEIGHT_SPAN)
    else:
        last_capacity = capacity - (1 << (heights[0] - MAX_SUBMISSION_HEIGHT_SPAN + 1))
    if submission.length <= last_capacity * BYTES_PER_SECTOR:
        return f"{submission.length} bytes are over-padded to {capacity} sectors"
    return ""


def build_submission(tree: FileTree, tags: bytes = b"", submitter: bytes = ZERO_ADDRESS) -> Submission:
    """The submission of a file whose tree was computed."""
    if len(submitter) != 20:
        raise InvalidInput("a submitter is a 20-byte address")
    nodes = tuple(SubmissionNode(root, height) for height, root in tree.nodes)
    return Submission(tree.size, bytes(tags), nodes, submitter)
