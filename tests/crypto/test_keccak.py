import hashlib

from zerog.crypto.keccak import hash_leaves, hash_level, hash_pair, keccak256


def test_keccak_is_ethereum_keccak_not_nist_sha3() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"") != hashlib.sha3_256(b"").digest()


def test_hash_pair_is_keccak_of_the_concatenation() -> None:
    left, right = b"\x01" * 32, b"\x02" * 32
    assert hash_pair(left, right) == keccak256(left + right)


def test_hash_leaves_hashes_each_leaf() -> None:
    data = bytes(range(256)) * 3
    assert hash_leaves(data, 256) == b"".join(keccak256(data[i : i + 256]) for i in range(0, 768, 256))


def test_hash_level_promotes_an_odd_last_node() -> None:
    nodes = [bytes([i]) * 32 for i in range(3)]
    assert hash_level(b"".join(nodes)) == hash_pair(nodes[0], nodes[1]) + nodes[2]
