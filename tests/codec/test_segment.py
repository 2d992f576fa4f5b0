import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.codec.segment import (
    SegmentWithProof,
    compute_segment_data_size,
    parse_segment_binary,
    parse_segment_json,
    segment_to_binary,
    slice_segment,
    verify_segment,
)
from zerog.crypto import build_file_tree
from zerog.errors import InvalidInput
from zerog.testing import random_bytes


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 3 * 262144 + 999), pick=st.integers(0, 100), seed=st.integers(0, 1000))
def test_segment_forms_round_trip_and_verify(size: int, pick: int, seed: int) -> None:
    data = random_bytes(size, seed)
    tree = build_file_tree(data)
    index = pick % -(-size // 262144)
    segment = SegmentWithProof.from_tree(tree, index, slice_segment(data, index))
    assert len(segment.data) == compute_segment_data_size(size, index)
    verify_segment(segment)
    assert parse_segment_json(segment.to_json()) == segment
    assert parse_segment_binary(segment_to_binary(segment)) == segment


@pytest.mark.parametrize("raw", [b"", b"ZGS1" + bytes(10), b"XXXX" + bytes(60), b"ZGS1" + bytes(48) + b"\xff\xff"])
def test_malformed_binary_segments_are_refused(raw: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_segment_binary(raw)


@pytest.mark.parametrize(
    "value",
    [
        None,
        [],
        {"root": "0x00"},
        {"root": "0x" + "00" * 32, "data": "!!", "index": 0, "proof": {"lemma": [], "path": []}, "fileSize": 1},
    ],
)
def test_malformed_json_segments_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        parse_segment_json(value)
