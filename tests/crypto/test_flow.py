"""The incremental flow tree against a naive full tree over every sector, and the placement rules."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.crypto import FlowTree, build_file_tree, compute_entry_start, compute_merkle_root, keccak256
from zerog.crypto.flow import next_align
from zerog.spec import BYTES_PER_SECTOR, FLOW_FIRST_LEAF, ZERO_CHUNK_HASH


def _naive_flow_root(leaves: list[bytes]) -> bytes:
    """Perfect tree over the sectors, zero-sector leaves up to the next power of two."""
    width = 1 << (len(leaves) - 1).bit_length()
    return compute_merkle_root(leaves + [ZERO_CHUNK_HASH] * (width - len(leaves)))


def _entry_leaves(data: bytes, padded_chunks: int) -> list[bytes]:
    raw = data + bytes(padded_chunks * BYTES_PER_SECTOR - len(data))
    return [keccak256(raw[i : i + 256]) for i in range(0, len(raw), 256)]


def test_empty_flow_is_the_dummy_sector() -> None:
    tree = FlowTree()
    assert tree.length == 1
    assert tree.root() == FLOW_FIRST_LEAF


def test_entry_placement_rules() -> None:
    assert compute_entry_start(1, 0, 1) == 1
    assert compute_entry_start(1, 4, 18) == 16
    # Starting at 1000 with 30 sectors would cross sector 1024: the entry moves to the segment boundary.
    assert compute_entry_start(1000, 0, 30) == 1024
    assert compute_entry_start(1000, 0, 24) == 1000
    # Aligned to its own size first: a 2048-sector entry never straddles.
    assert compute_entry_start(5, 11, 2304) == 2048
    assert next_align(1025, 10) == 2048


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 300_000), min_size=1, max_size=6), seed=st.integers(0, 1000))
def test_flow_root_equals_a_full_tree_over_all_sectors(sizes: list[int], seed: int) -> None:
    rng = random.Random(seed)
    tree = FlowTree()
    leaves = [FLOW_FIRST_LEAF]
    for size in sizes:
        data = rng.randbytes(size)
        file_tree = build_file_tree(data, keep_segment_roots=False)
        start = tree.append_entry(file_tree.nodes)
        assert start == compute_entry_start(len(leaves), file_tree.nodes[0][0], file_tree.padded_chunks)
        leaves += [ZERO_CHUNK_HASH] * (start - len(leaves))
        leaves += _entry_leaves(data, file_tree.padded_chunks)
        assert tree.length == len(leaves)
        assert tree.root() == _naive_flow_root(leaves)
        # Every entry starts a segment or fits in one: clients map file segment i to flow segment start/1024 + i.
        end = start + file_tree.padded_chunks - 1
        assert start % 1024 == 0 or start // 1024 == end // 1024
