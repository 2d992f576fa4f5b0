"""Pure cryptography: keccak, 0G Merkle trees and proofs, the incremental flow tree."""

from zerog.crypto.file_tree import FileTree, FileTreeBuilder, build_file_tree, compute_segment_root
from zerog.crypto.flow import FlowTree, compute_entry_start
from zerog.crypto.keccak import hash_pair, keccak256
from zerog.crypto.merkle import (
    MerkleProof,
    compute_chunk_count,
    compute_merkle_root,
    compute_padded_chunk_count,
    compute_proof,
    compute_segment_count,
    compute_submission_heights,
    fold_peaks,
    verify_proof,
    verify_rear_padding,
)

__all__ = [
    "FileTree",
    "FileTreeBuilder",
    "FlowTree",
    "MerkleProof",
    "build_file_tree",
    "compute_chunk_count",
    "compute_entry_start",
    "compute_merkle_root",
    "compute_padded_chunk_count",
    "compute_proof",
    "compute_segment_count",
    "compute_segment_root",
    "compute_submission_heights",
    "fold_peaks",
    "hash_pair",
    "keccak256",
    "verify_proof",
    "verify_rear_padding",
]
