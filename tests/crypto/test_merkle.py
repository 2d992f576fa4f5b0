"""The 0G tree rules, against the reference's vectors."""

import pytest

from tests.vectors import load_vectors
from zerog.crypto import (
    compute_chunk_count,
    compute_merkle_root,
    compute_padded_chunk_count,
    compute_proof,
    compute_submission_heights,
    fold_peaks,
    hash_pair,
    keccak256,
    verify_proof,
)
from zerog.errors import InvalidInput, InvalidProof


@pytest.mark.parametrize("leaves", ["5", "6", "7"])
def test_tree_test_go_roots(leaves: str) -> None:
    expected = load_vectors()["tree_test_go"]["roots"][leaves]
    hashes = [keccak256(f"chunk data - {i}".encode()) for i in range(int(leaves))]
    assert compute_merkle_root(hashes).hex() == expected


@pytest.mark.parametrize("chunks", ["6", "7"])
def test_zero_chunk_roots(chunks: str) -> None:
    expected = load_vectors()["zero_chunks"]["roots"][chunks]
    assert compute_merkle_root([keccak256(bytes(256))] * int(chunks)).hex() == expected


def test_odd_node_is_promoted_not_duplicated() -> None:
    a, b, c = (keccak256(bytes([i])) for i in range(3))
    assert compute_merkle_root([a, b, c]) == hash_pair(hash_pair(a, b), c)


@pytest.mark.parametrize(("chunks", "padded", "sizes"), load_vectors()["split_nodes"]["cases"])
def test_padding_and_split_examples(chunks: int, padded: int, sizes: list[int]) -> None:
    assert compute_padded_chunk_count(chunks) == padded
    assert [1 << h for h in compute_submission_heights(padded)] == sizes


def test_padding_rule_small_and_power_of_two() -> None:
    assert [compute_padded_chunk_count(n) for n in range(1, 17)] == list(range(1, 17))
    assert compute_padded_chunk_count(1 << 20) == 1 << 20
    # Padding never exceeds 1/16 of the next power of two.
    for n in range(17, 5000):
        padded = compute_padded_chunk_count(n)
        assert n <= padded < n + (1 << (n - 1).bit_length()) // 16


def test_chunk_count_rejects_empty() -> None:
    assert compute_chunk_count(1) == 1
    assert compute_chunk_count(257) == 2
    with pytest.raises(InvalidInput):
        compute_chunk_count(0)


def test_fold_peaks_is_the_node_side_root_rule() -> None:
    peaks = [keccak256(bytes([i])) for i in range(3)]
    assert fold_peaks(peaks) == hash_pair(peaks[0], hash_pair(peaks[1], peaks[2]))


def test_single_leaf_proof_is_just_the_root() -> None:
    leaf = keccak256(b"x")
    proof = compute_proof([leaf], 0)
    assert proof.lemma == (leaf,)
    assert proof.path == ()
    verify_proof(proof, leaf, leaf, 0, 1)


def test_proof_format_of_three_leaves() -> None:
    leaves = [keccak256(bytes([i])) for i in range(3)]
    root = compute_merkle_root(leaves)
    # Leaf 2 is promoted past level 0, so its proof has one sibling: the left pair, on the left.
    proof = compute_proof(leaves, 2)
    assert proof.lemma == (leaves[2], hash_pair(leaves[0], leaves[1]), root)
    assert proof.path == (False,)
    proof0 = compute_proof(leaves, 0)
    assert proof0.path == (True, True)
    verify_proof(proof0, leaves[0], root, 0, 3)


def test_verify_rejects_wrong_position_and_length() -> None:
    leaves = [keccak256(bytes([i])) for i in range(5)]
    root = compute_merkle_root(leaves)
    proof = compute_proof(leaves, 3)
    verify_proof(proof, leaves[3], root, 3, 5)
    with pytest.raises(InvalidProof, match="position"):
        verify_proof(proof, leaves[3], root, 2, 5)
    with pytest.raises(InvalidProof):
        verify_proof(proof, leaves[3], root, 3, 9)
    with pytest.raises(InvalidProof, match="another leaf"):
        verify_proof(proof, leaves[2], root, 3, 5)
