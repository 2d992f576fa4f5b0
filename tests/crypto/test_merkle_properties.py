"""Hypothesis properties of 0G's trees: proofs verify, any flipped bit fails, the segment-wise root is the root."""

from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.crypto import (
    FileTree,
    build_file_tree,
    compute_chunk_count,
    compute_merkle_root,
    compute_padded_chunk_count,
    compute_proof,
    compute_segment_root,
    keccak256,
    verify_proof,
    verify_rear_padding,
)
from zerog.crypto.merkle import MerkleProof
from zerog.errors import InvalidProof
from zerog.spec import BYTES_PER_SECTOR, BYTES_PER_SEGMENT, SECTORS_PER_SEGMENT

sizes = st.integers(min_value=1, max_value=6 * BYTES_PER_SEGMENT + 5000)


def _file(size: int, seed: int) -> bytes:
    return (seed.to_bytes(8, "big") * (size // 8 + 1))[:size]


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


def _segment_root(data: bytes, tree: FileTree, index: int) -> bytes:
    """Root of file segment `index` as a node recomputes it from the uploaded bytes."""
    segment = data[index * BYTES_PER_SEGMENT : (index + 1) * BYTES_PER_SEGMENT]
    expected_chunks = min(SECTORS_PER_SEGMENT, tree.padded_chunks - index * SECTORS_PER_SEGMENT)
    return compute_segment_root(segment, expected_chunks)


def _chunk_wise_root(data: bytes) -> bytes:
    padded = compute_padded_chunk_count(compute_chunk_count(len(data)))
    raw = data + bytes(padded * BYTES_PER_SECTOR - len(data))
    return compute_merkle_root([keccak256(raw[i : i + 256]) for i in range(0, len(raw), 256)])


@settings(max_examples=40, deadline=None)
@given(size=sizes, seed=st.integers(0, 2**32))
def test_segment_wise_root_equals_chunk_wise_root(size: int, seed: int) -> None:
    data = _file(size, seed)
    assert build_file_tree(data).root == _chunk_wise_root(data)


@settings(max_examples=40, deadline=None)
@given(size=sizes, seed=st.integers(0, 2**32), pick=st.integers(0, 10**6))
def test_every_segment_proof_verifies(size: int, seed: int, pick: int) -> None:
    data = _file(size, seed)
    tree = build_file_tree(data)
    index = pick % tree.data_segment_count
    proof = tree.segment_proof(index)
    verify_proof(proof, _segment_root(data, tree, index), tree.root, index, tree.segment_count)
    verify_rear_padding(proof, tree.segment_count, tree.data_segment_count)


@settings(max_examples=60, deadline=None)
@given(
    leaves=st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=70),
    pick=st.integers(0, 10**6),
    bit=st.integers(0, 255),
    target=st.sampled_from(["leaf", "sibling", "path"]),
)
def test_one_flipped_bit_fails(leaves: list[bytes], pick: int, bit: int, target: str) -> None:
    index = pick % len(leaves)
    root = compute_merkle_root(leaves)
    proof = compute_proof(leaves, index)
    verify_proof(proof, leaves[index], root, index, len(leaves))
    leaf = leaves[index]
    if target == "leaf":
        leaf = _flip(leaf, bit)
        proof = MerkleProof((leaf, *proof.lemma[1:]), proof.path)
    elif target == "sibling":
        step = 1 + bit % (len(proof.lemma) - 2)
        lemma = list(proof.lemma)
        lemma[step] = _flip(lemma[step], bit)
        proof = MerkleProof(tuple(lemma), proof.path)
    else:
        step = bit % len(proof.path)
        path = list(proof.path)
        path[step] = not path[step]
        proof = MerkleProof(proof.lemma, tuple(path))
    try:
        verify_proof(proof, leaf, root, index, len(leaves))
    except InvalidProof:
        return
    raise AssertionError(f"a proof with a flipped {target} bit verified")


@settings(max_examples=30, deadline=None)
@given(size=sizes, seed=st.integers(0, 2**32), bit=st.integers(0, BYTES_PER_SEGMENT * 8 - 1))
def test_flipped_data_bit_fails_its_segment_proof(size: int, seed: int, bit: int) -> None:
    data = _file(size, seed)
    tree = build_file_tree(data)
    index = bit % tree.data_segment_count
    flipped = data[: index * BYTES_PER_SEGMENT] + _flip(data[index * BYTES_PER_SEGMENT :], bit)
    bad_root = _segment_root(flipped, tree, index)
    try:
        verify_proof(tree.segment_proof(index), bad_root, tree.root, index, tree.segment_count)
    except InvalidProof:
        return
    raise AssertionError("a segment with a flipped bit verified")


def test_rear_padding_check_catches_non_zero_padding() -> None:
    # 16385 chunks: segment 17 is all padding; a prover who puts data there builds a consistent but wrong tree.
    data = b"\x05" * (16384 * 256 + 1)
    tree = build_file_tree(data)
    assert tree.segment_roots is not None
    forged = [*tree.segment_roots[:17], keccak256(b"not zero")]
    proof = compute_proof(forged, 16)
    verify_proof(proof, forged[16], compute_merkle_root(forged), 16, 18)
    try:
        verify_rear_padding(proof, 18, 17)
    except InvalidProof:
        return
    raise AssertionError("non-zero padding passed the rear-padding check")
