"""Wire and disk records as frozen dataclasses with their encodings."""

from zerog.codec.proof import parse_proof_bytes, parse_proof_json, proof_to_bytes, proof_to_json
from zerog.codec.stream import (
    AccessControl,
    AclOpType,
    StreamData,
    StreamDataError,
    StreamRead,
    StreamWrite,
    encode_stream_tags,
    parse_replayed_stream_data,
    parse_stream_data,
    parse_stream_tags,
)
from zerog.codec.submission import Submission, SubmissionNode, build_submission, find_submission_problem

__all__ = [
    "AccessControl",
    "AclOpType",
    "StreamData",
    "StreamDataError",
    "StreamRead",
    "StreamWrite",
    "Submission",
    "SubmissionNode",
    "build_submission",
    "encode_stream_tags",
    "find_submission_problem",
    "parse_proof_bytes",
    "parse_proof_json",
    "parse_replayed_stream_data",
    "parse_stream_data",
    "parse_stream_tags",
    "proof_to_bytes",
    "proof_to_json",
]
