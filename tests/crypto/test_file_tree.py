"""File roots and submission nodes against the reference's vectors, and the streaming builder's behaviour."""

import pytest

from tests.vectors import load_vectors, matches
from zerog.crypto import FileTreeBuilder, build_file_tree, compute_merkle_root, compute_segment_root, keccak256
from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_SEGMENT, ZERO_HASHES
from zerog.testing import pattern_bytes

CASES = load_vectors()["file_roots"]["cases"]


def _input(case: dict[str, object]) -> bytes:
    size = int(str(case["size"]))
    return b"a" * size if case["input"] == "a" else pattern_bytes(size)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['input']}-{c['size']}")
def test_file_root_vectors(case: dict[str, object]) -> None:
    tree = build_file_tree(_input(case))
    assert tree.root.hex() == case["root"]
    expected_nodes = case["nodes"]
    assert isinstance(expected_nodes, list)
    assert [h for h, _ in tree.nodes] == [h for h, _ in expected_nodes]
    for (_, root), (_, expected) in zip(tree.nodes, expected_nodes, strict=True):
        assert matches(expected, root)


def test_feeding_in_odd_pieces_gives_the_same_tree() -> None:
    data = pattern_bytes(3 * BYTES_PER_SEGMENT + 12345)
    whole = build_file_tree(data)
    builder = FileTreeBuilder(len(data))
    for start in range(0, len(data), 70001):
        builder.update(data[start : start + 70001])
    assert builder.finish() == whole


def test_builder_refuses_wrong_sizes() -> None:
    builder = FileTreeBuilder(10)
    with pytest.raises(InvalidInput):
        builder.update(b"x" * 11)
    builder.update(b"x" * 9)
    with pytest.raises(InvalidInput):
        builder.finish()
    with pytest.raises(InvalidInput):
        FileTreeBuilder(0)


def test_pure_padding_segments_are_zero_subtrees() -> None:
    # 16385 chunks pad to 18432: 17 data segments, then one segment that is all padding.
    tree = build_file_tree(b"\x01" * (16384 * 256 + 1))
    assert tree.segment_count == 18
    assert tree.data_segment_count == 17
    assert tree.segment_roots is not None
    assert tree.segment_roots[17] == ZERO_HASHES[10]


def test_short_last_segment_root_covers_padding_chunks() -> None:
    segment = b"\x07" * 300
    leaves = [keccak256(segment[:256]), keccak256(segment[256:] + bytes(212)), keccak256(bytes(256))]
    assert compute_segment_root(segment, 3) == compute_merkle_root(leaves)
    with pytest.raises(InvalidInput):
        compute_segment_root(segment, 1)
