"""Submission validity (the contract's rules), digest, fee and ABI forms."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.codec import Submission, SubmissionNode, build_submission, find_submission_problem
from zerog.codec.address import bytes_to_address, to_checksum_address
from zerog.crypto import build_file_tree, compute_padded_chunk_count, compute_submission_heights, keccak256
from zerog.errors import InvalidInput
from zerog.testing import pattern_bytes


def _submission(size: int) -> Submission:
    return build_submission(build_file_tree(pattern_bytes(size), keep_segment_roots=False))


@settings(max_examples=200, deadline=None)
@given(chunks=st.integers(1, 1 << 22), tail=st.integers(0, 255))
def test_every_flow_padded_file_is_a_valid_submission(chunks: int, tail: int) -> None:
    size = (chunks - 1) * 256 + tail + 1
    heights = compute_submission_heights(compute_padded_chunk_count(chunks))
    submission = Submission(size, b"", tuple(SubmissionNode(b"\x01" * 32, h) for h in heights))
    assert find_submission_problem(submission) == ""


def test_vector_submission_and_digest() -> None:
    submission = _submission(4097)
    assert [n.height for n in submission.nodes] == [4, 1]
    assert submission.sectors == 18
    assert submission.compute_fee(1000) == 18_000
    assert submission.compute_digest() == keccak256(submission.nodes[0].root + submission.nodes[1].root)
    submission.validate()


@pytest.mark.parametrize(
    ("length", "heights", "problem"),
    [
        (4097, [], "no nodes"),
        (4097, [4, 4], "strictly decrease"),
        (4097, [1, 4], "strictly decrease"),
        (4097, [8, 4], "span"),
        (4097, [5], "over-padded"),  # 32 sectors where the rule gives 18
        (4097, [4], "exceed"),  # 16 sectors cannot hold 4097 bytes
        (4097, [64], "exceeds"),
        (1, [1], "over-padded"),  # 1 byte in 2 sectors
    ],
)
def test_invalid_submissions_are_refused(length: int, heights: list[int], problem: str) -> None:
    submission = Submission(length, b"", tuple(SubmissionNode(b"\x01" * 32, h) for h in heights))
    assert problem in find_submission_problem(submission)
    with pytest.raises(InvalidInput, match="invalid submission"):
        submission.validate()


def test_abi_forms() -> None:
    submitter = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    submission = build_submission(build_file_tree(b"a"), tags=b"\x01\x02", submitter=submitter)
    data, address = submission.to_abi()
    assert address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert data == submission.to_legacy_abi() == (1, b"\x01\x02", [(submission.nodes[0].root, 0)])
    assert Submission.from_abi_data(data, submitter) == submission


def test_addresses() -> None:
    assert to_checksum_address(bytes.fromhex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")) == (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    assert bytes_to_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") == bytes.fromhex(
        "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    )
    for bad in ["0x1234", "nothex", b"\x00" * 19]:
        with pytest.raises(InvalidInput):
            bytes_to_address(bad)
