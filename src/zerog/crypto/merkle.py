"""0G's Merkle rules: flow padding, submission nodes, the left-balanced tree, and `{lemma, path}` proofs.

The tree over n leaves pairs adjacent nodes level by level and promotes an odd last node unchanged (never
duplicated, never hashed with zero). That is the RFC 6962 shape: the left subtree holds the largest power of two
below n. Leaves are keccak(256-byte sector); parents keccak(left || right). See docs/specs/storage-formats.md.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from zerog.crypto.keccak import hash_level, hash_pair
from zerog.errors import InvalidInput, InvalidProof
from zerog.spec import (
    BYTES_PER_SECTOR,
    MAX_SUBMISSION_HEIGHT_SPAN,
    PADDING_DIVISOR,
    SECTORS_PER_SEGMENT,
    SEGMENT_TREE_HEIGHT,
)
from zerog.spec.zeros import ZERO_HASHES

__all__ = [
    "MerkleProof",
    "compute_chunk_count",
    "compute_merkle_root",
    "compute_padded_chunk_count",
    "compute_proof",
    "compute_segment_count",
    "compute_submission_heights",
    "fold_peaks",
    "next_pow2",
    "verify_proof",
    "verify_rear_padding",
]


def next_pow2(n: int) -> int:
    """The smallest power of two >= n (n >= 1)."""
    return 1 << (n - 1).bit_length()


def compute_chunk_count(size_bytes: int) -> int:
    """Chunks (256-byte sectors) a file of `size_bytes` occupies; the last one is zero-padded."""
    if size_bytes <= 0:
        raise InvalidInput("a file has at least one byte")
    return -(-size_bytes // BYTES_PER_SECTOR)


def compute_padded_chunk_count(chunks: int) -> int:
    """Chunks after flow padding: a whole power of two, else a multiple of next_pow2/16 (min 1)."""
    if chunks <= 0:
        raise InvalidInput("a file has at least one chunk")
    np2 = next_pow2(chunks)
    if np2 == chunks:
        return chunks
    step = 1 if np2 < PADDING_DIVISOR else np2 // PADDING_DIVISOR
    return -(-chunks // step) * step


def compute_submission_heights(padded_chunks: int) -> list[int]:
    """Heights of the submission nodes: the binary decomposition of the padded size, largest first."""
    if padded_chunks <= 0:
        raise InvalidInput("a submission covers at least one chunk")
    heights = [h for h in range(padded_chunks.bit_length() - 1, -1, -1) if padded_chunks >> h & 1]
    # The padding rule guarantees this; a violation means `padded_chunks` was not flow-padded.
    if heights[0] - heights[-1] >= MAX_SUBMISSION_HEIGHT_SPAN:
        raise InvalidInput(f"{padded_chunks} chunks is not a flow-padded size")
    return heights


def compute_segment_count(padded_chunks: int) -> int:
    """Segments (leaves of the segment tree) of a file: ceil(padded / 1024); the last may be short."""
    return -(-padded_chunks // SECTORS_PER_SEGMENT)


def compute_merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Root of the left-balanced tree over 32-byte leaf hashes."""
    if not leaves:
        raise InvalidInput("a Merkle tree has at least one leaf")
    level = b"".join(leaves)
    while len(level) > 32:
        level = hash_level(level)
    return level


def fold_peaks(peaks: Sequence[bytes]) -> bytes:
    """The tree root from its perfect subtrees (largest first): fold right to left, root = H(peak, root).

    This is how a 0G node derives a file root from the on-chain submission nodes.
    """
    if not peaks:
        raise InvalidInput("no subtree roots to fold")
    root = peaks[-1]
    for peak in reversed(peaks[:-1]):
        root = hash_pair(peak, root)
    return root


@dataclass(frozen=True, slots=True)
class MerkleProof:
    """A 0G Merkle proof, the `{lemma, path}` JSON of zgs_* RPCs."""

    lemma: tuple[bytes, ...]
    """[leaf, siblings bottom-up..., root]; a single-leaf tree has just [root]."""
    path: tuple[bool, ...]
    """path[i] is True when the node at level i is a left child (its sibling lemma[i+1] is on the right)."""

    @property
    def root(self) -> bytes:
        return self.lemma[-1]

    @property
    def leaf(self) -> bytes:
        return self.lemma[0]


def compute_proof(leaves: Sequence[bytes], index: int) -> MerkleProof:
    """Proof that `leaves[index]` is in the left-balanced tree over `leaves`."""
    if not 0 <= index < len(leaves):
        raise InvalidInput(f"leaf index {index} out of range for {len(leaves)} leaves")
    level = list(leaves)
    siblings: list[bytes] = []
    path: list[bool] = []
    position = index
    while len(level) > 1:
        if position % 2 == 1:
            siblings.append(level[position - 1])
            path.append(False)
        elif position + 1 < len(level):
            siblings.append(level[position + 1])
            path.append(True)
        # else: an odd last node is promoted, contributing no sibling at this level.
        level = [hash_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)] + (
            [level[-1]] if len(level) % 2 else []
        )
        position //= 2
    if not siblings:
        return MerkleProof((level[0],), ())
    return MerkleProof((leaves[index], *siblings, level[0]), tuple(path))


def _compute_proof_position(path: Sequence[bool], leaf_count: int) -> int:
    """The leaf position a path addresses in a tree of `leaf_count` leaves; walks from the top."""
    position, remaining = 0, leaf_count
    for is_left in reversed(path):
        if remaining <= 1:
            raise InvalidProof("proof is longer than the tree is deep")
        left_size = next_pow2(remaining) // 2
        if is_left:
            remaining = left_size
        else:
            position += left_size
            remaining -= left_size
    if remaining != 1:
        raise InvalidProof("proof is shorter than the tree is deep")
    return position


def verify_proof(proof: MerkleProof, leaf: bytes, root: bytes, position: int, leaf_count: int) -> None:
    """Check that `proof` places `leaf` at `position` of a `leaf_count`-leaf tree with `root`; raise if not."""
    if not proof.path:
        if len(proof.lemma) != 1:
            raise InvalidProof("a proof without path has exactly one lemma entry")
    elif len(proof.lemma) != len(proof.path) + 2:
        raise InvalidProof("lemma must hold the leaf, one sibling per path step, and the root")
    if any(len(node) != 32 for node in proof.lemma):
        raise InvalidProof("every lemma entry is 32 bytes")
    if proof.lemma[0] != leaf:
        raise InvalidProof("proof is for another leaf")
    if proof.lemma[-1] != root:
        raise InvalidProof("proof is for another root")
    if _compute_proof_position(proof.path, leaf_count) != position:
        raise InvalidProof(f"proof does not address position {position} of {leaf_count}")
    node = leaf
    for sibling, is_left in zip(proof.lemma[1:-1], proof.path, strict=True):
        node = hash_pair(node, sibling) if is_left else hash_pair(sibling, node)
    if node != root:
        raise InvalidProof("proof does not hash to the root")


def verify_rear_padding(proof: MerkleProof, segment_count: int, data_segment_count: int) -> None:
    """Every right-hand sibling wholly in the flow padding must be the zero subtree (0G node rule).

    Without this a prover could attach non-zero data behind the file end that the node would never see.
    """
    remaining, position = segment_count, 0
    for step, is_left in enumerate(reversed(proof.path)):
        subtree = next_pow2(remaining) // 2
        if not is_left:
            position += subtree
            remaining -= subtree
            continue
        remaining = subtree
        if position + subtree >= data_segment_count:
            expected = ZERO_HASHES[subtree.bit_length() - 1 + SEGMENT_TREE_HEIGHT]
            if proof.lemma[len(proof.lemma) - 2 - step] != expected:
                raise InvalidProof("invalid proof node value in the padding range")
