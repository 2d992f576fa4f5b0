"""Wire and disk records as frozen dataclasses with their encodings."""

from zerog.codec.proof import parse_proof_bytes, parse_proof_json, proof_to_bytes, proof_to_json
from zerog.codec.submission import Submission, SubmissionNode, build_submission, find_submission_problem

__all__ = [
    "Submission",
    "SubmissionNode",
    "build_submission",
    "find_submission_problem",
    "parse_proof_bytes",
    "parse_proof_json",
    "proof_to_bytes",
    "proof_to_json",
]
