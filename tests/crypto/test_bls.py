"""BLS min-pubkey PoP scheme: byte-identical to the standard ciphersuite (py_ecc), EIP-2537 layout, refusals."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.bls import G2ProofOfPossession as Reference
from py_ecc.bls.g2_primitives import G2_to_signature, signature_to_G2
from py_ecc.bls.hash_to_curve import hash_to_field_FQ2, hash_to_G2, map_to_curve_G2
from py_ecc.optimized_bls12_381 import normalize

from zerog.crypto import bls
from zerog.errors import InvalidInput

SEEDS = [bytes(range(32)), hashlib.sha256(b"zerog signer 7").digest() + b"extra keying material"]
INFINITY_G1 = b"\xc0" + bytes(47)
INFINITY_G2 = b"\xc0" + bytes(95)
P = bls.FIELD_MODULUS


def _flip(value: bytes, byte: int) -> bytes:
    data = bytearray(value)
    data[byte] ^= 1
    return bytes(data)


def _g1_outside_subgroup() -> bytes:
    """An EIP-2537 point on y^2 = x^3 + 4 that is not in G1 (the cofactor is not 1)."""
    x = 1
    while True:
        rhs = (x**3 + 4) % P
        y = pow(rhs, (P + 1) // 4, P)
        if y * y % P == rhs:
            break
        x += 1
    return bytes(16) + x.to_bytes(48, "big") + bytes(16) + y.to_bytes(48, "big")


def _g2_outside_subgroup() -> bytes:
    """SSWU's output before cofactor clearing: on the G2 curve, almost surely not in G2 (EIP-2537 encoding)."""
    u0, _ = hash_to_field_FQ2(b"not in the subgroup", 2, bls.DST_SIG, hashlib.sha256)
    x, y = normalize(map_to_curve_G2(u0))
    words = [x.coeffs[0], x.coeffs[1], y.coeffs[0], y.coeffs[1]]
    return b"".join(bytes(16) + int(w).to_bytes(48, "big") for w in words)


@pytest.fixture(scope="module")
def keys() -> list[tuple[bls.SecretKey, bytes]]:
    secret_keys = [bls.keygen(bytes([i]) * 32) for i in range(5)]
    return [(sk, bls.public_key(sk)) for sk in secret_keys]


# --- interop with the standard ciphersuite (py_ecc is pure Python: a couple of cases only) ---


@pytest.mark.parametrize("seed", SEEDS)
def test_keygen_is_the_ietf_keygen(seed: bytes) -> None:
    assert bls.keygen(seed).value == Reference.KeyGen(seed)
    assert bls.keygen(seed, b"info").value == Reference.KeyGen(seed, b"info")


@pytest.mark.parametrize(("seed", "message"), [(SEEDS[0], b""), (SEEDS[1], b"\x42" * 32)])
def test_key_signature_and_pop_equal_py_ecc(seed: bytes, message: bytes) -> None:
    sk = bls.keygen(seed)
    assert bls.public_key(sk) == Reference.SkToPk(sk.value)
    assert bls.sign(sk, message) == Reference.Sign(sk.value, message)
    assert bls.pop_prove(sk) == Reference.PopProve(sk.value)


def test_hash_to_g2_equals_rfc9380_reference() -> None:
    for message in (b"", b"abc"):
        expected = G2_to_signature(hash_to_G2(message, bls.DST_SIG, hashlib.sha256))
        assert bls.hash_to_g2(message, bls.DST_SIG) == expected


def test_aggregate_equals_py_ecc(keys: list[tuple[bls.SecretKey, bytes]]) -> None:
    signatures = [bls.sign(sk, b"m") for sk, _ in keys[:3]]
    assert bls.aggregate_signatures(signatures) == Reference.Aggregate(signatures)


# --- the scheme ---


@settings(max_examples=10, deadline=None)
@given(message=st.binary(max_size=100), other=st.binary(max_size=100))
def test_sign_verify(keys: list[tuple[bls.SecretKey, bytes]], message: bytes, other: bytes) -> None:
    (sk, pk), (_, other_pk) = keys[0], keys[1]
    signature = bls.sign(sk, message)
    assert bls.verify(pk, message, signature)
    assert bls.verify(other_pk, message, signature) is False
    assert bls.verify(pk, other, signature) is (other == message)
    assert bls.verify(pk, message, signature, bls.DST_POP) is False


def test_fast_aggregate_verify(keys: list[tuple[bls.SecretKey, bytes]]) -> None:
    message = b"certificate"
    aggregate = bls.aggregate_signatures([bls.sign(sk, message) for sk, _ in keys])
    pks = [pk for _, pk in keys]
    assert bls.fast_aggregate_verify(pks, message, aggregate)
    assert bls.fast_aggregate_verify(pks[:-1], message, aggregate) is False
    assert bls.fast_aggregate_verify(pks, b"another", aggregate) is False
    assert bls.verify(bls.aggregate_public_keys(pks), message, aggregate)


def test_pop(keys: list[tuple[bls.SecretKey, bytes]]) -> None:
    (sk, pk), (other_sk, _) = keys[0], keys[1]
    assert bls.pop_verify(pk, bls.pop_prove(sk))
    assert bls.pop_verify(pk, bls.pop_prove(other_sk)) is False
    # A plain signature over the key is not a PoP: the DST separates them.
    assert bls.pop_verify(pk, bls.sign(sk, pk)) is False


def test_secret_key_bytes_and_range() -> None:
    sk = bls.keygen(SEEDS[0])
    assert bls.SecretKey.from_bytes(sk.to_bytes()) == sk
    assert str(sk.value) not in repr(sk)
    with pytest.raises(InvalidInput):
        bls.SecretKey(0)
    with pytest.raises(InvalidInput):
        bls.SecretKey(bls.CURVE_ORDER)
    with pytest.raises(InvalidInput):
        bls.SecretKey.from_bytes(bytes(32))
    with pytest.raises(InvalidInput):
        bls.keygen(bytes(31))


# --- encodings ---


def test_eip2537_layout_and_round_trip(keys: list[tuple[bls.SecretKey, bytes]]) -> None:
    sk, pk = keys[0]
    signature = bls.sign(sk, b"layout")
    g1 = bls.g1_to_eip2537(pk)
    g2 = bls.g2_to_eip2537(signature)
    assert len(g1) == 128
    assert len(g2) == 256
    for encoded in (g1, g2):
        for offset in range(0, len(encoded), 64):
            assert encoded[offset : offset + 16] == bytes(16)
    assert bls.eip2537_to_g1(g1) == pk
    assert bls.eip2537_to_g2(g2) == signature
    # Independent decompression: Fp2 goes c0 then c1 (the compressed form puts x.c1 first).
    x, y = normalize(signature_to_G2(signature))
    words = [int.from_bytes(g2[offset : offset + 64], "big") for offset in range(0, 256, 64)]
    assert words == [x.coeffs[0], x.coeffs[1], y.coeffs[0], y.coeffs[1]]
    assert int.from_bytes(signature[:48], "big") & ((1 << 381) - 1) == x.coeffs[1]


def test_infinity_and_zero_keys_are_refused(keys: list[tuple[bls.SecretKey, bytes]]) -> None:
    sk, pk = keys[0]
    signature = bls.sign(sk, b"m")
    calls = [
        lambda: bls.bytes_to_public_key(INFINITY_G1),
        lambda: bls.bytes_to_signature(INFINITY_G2),
        lambda: bls.verify(INFINITY_G1, b"m", signature),
        lambda: bls.verify(pk, b"m", INFINITY_G2),
        lambda: bls.g1_to_eip2537(INFINITY_G1),
        lambda: bls.g2_to_eip2537(INFINITY_G2),
        lambda: bls.eip2537_to_g1(bytes(128)),
        lambda: bls.eip2537_to_g2(bytes(256)),
        lambda: bls.aggregate_public_keys([]),
        lambda: bls.aggregate_signatures([]),
        lambda: bls.fast_aggregate_verify(
            [pk, bls.public_key(bls.SecretKey(bls.CURVE_ORDER - sk.value))], b"m", signature
        ),
    ]
    for call in calls:
        with pytest.raises(InvalidInput):
            call()


def test_malformed_points_are_refused(keys: list[tuple[bls.SecretKey, bytes]]) -> None:
    sk, pk = keys[0]
    g1 = bls.g1_to_eip2537(pk)
    g2 = bls.g2_to_eip2537(bls.sign(sk, b"m"))
    bad_g1 = [
        _flip(g1, 127),  # off the curve
        _flip(g1, 3),  # nonzero padding
        g1[:16] + (int.from_bytes(g1[16:64], "big") + P).to_bytes(48, "big") + g1[64:],  # x >= p
        _g1_outside_subgroup(),
        g1[:-1],
    ]
    for encoded in bad_g1:
        with pytest.raises(InvalidInput):
            bls.eip2537_to_g1(encoded)
    for encoded in (_flip(g2, 255), _flip(g2, 64 + 5), _g2_outside_subgroup(), g2 + b"\0"):
        with pytest.raises(InvalidInput):
            bls.eip2537_to_g2(encoded)
    with pytest.raises(InvalidInput):
        bls.bytes_to_public_key(_flip(pk, 20))
    with pytest.raises(InvalidInput):
        bls.bytes_to_public_key(bls.hash_to_g2(b"x", bls.DST_SIG)[:48])
