from tests.vectors import load_vectors
from zerog.crypto import keccak256
from zerog.spec import (
    BYTES_PER_PRICING_CHUNK,
    BYTES_PER_SEAL,
    BYTES_PER_SECTOR,
    BYTES_PER_SEGMENT,
    EMPTY_HASH,
    SECTORS_PER_SEGMENT,
    SEGMENT_TREE_HEIGHT,
    ZERO_HASHES,
)


def test_sizes_match_0g_spec() -> None:
    assert BYTES_PER_SECTOR == 256
    assert SECTORS_PER_SEGMENT == 1024
    assert BYTES_PER_SEGMENT == 256 * 1024
    assert 1 << SEGMENT_TREE_HEIGHT == SECTORS_PER_SEGMENT
    assert BYTES_PER_SEAL == 4096
    assert BYTES_PER_PRICING_CHUNK == 8 * 1024**3


def test_zero_hash_table_is_the_flow_tree_lib_table() -> None:
    table = load_vectors()["zeros"]["table"]
    assert [z.hex() for z in ZERO_HASHES] == table
    assert len(ZERO_HASHES) == 64


def test_zero_hash_table_follows_from_keccak() -> None:
    assert ZERO_HASHES[0] == keccak256(bytes(256))
    for height in range(63):
        assert ZERO_HASHES[height + 1] == keccak256(ZERO_HASHES[height] * 2)


def test_empty_hash_is_keccak_of_nothing() -> None:
    assert keccak256(b"") == EMPTY_HASH
    assert EMPTY_HASH.hex() == load_vectors()["empty_hash"]
