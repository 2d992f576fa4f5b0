import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerog.codec import parse_proof_json, proof_to_json
from zerog.crypto import compute_proof
from zerog.errors import InvalidInput


@given(leaves=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40), pick=st.integers(0, 1000))
def test_proof_json_round_trip(leaves: list[bytes], pick: int) -> None:
    proof = compute_proof(leaves, pick % len(leaves))
    encoded = proof_to_json(proof)
    assert all(node.startswith("0x") and len(node) == 66 for node in encoded["lemma"])
    assert parse_proof_json(encoded) == proof


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"lemma": []},
        {"lemma": ["0x00"], "path": []},
        {"lemma": ["0x" + "zz" * 32], "path": []},
        {"lemma": ["0x" + "00" * 32], "path": [1]},
        {"lemma": "0x", "path": []},
        {"lemma": [], "path": [], "extra": 1},
    ],
)
def test_malformed_proof_json_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        parse_proof_json(value)


@given(leaves=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40), pick=st.integers(0, 1000))
def test_proof_bytes_round_trip(leaves: list[bytes], pick: int) -> None:
    from zerog.codec import parse_proof_bytes, proof_to_bytes

    proof = compute_proof(leaves, pick % len(leaves))
    assert parse_proof_bytes(proof_to_bytes(proof)) == proof


@pytest.mark.parametrize("raw", [b"", b"\x02\x01", b"\x01\x02" + bytes(32), b"\x00" + bytes(31)])
def test_malformed_proof_bytes_are_refused(raw: bytes) -> None:
    from zerog.codec import parse_proof_bytes

    with pytest.raises(InvalidInput):
        parse_proof_bytes(raw)
