"""0G's client-side encryption: the official SDK's vectors, an independent keystream check, properties, errors."""

import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from zerog.crypto import build_file_tree
from zerog.crypto.encryption import (
    ECIES_HKDF_INFO,
    ENCRYPTION_HEADER_V1_SIZE,
    ENCRYPTION_HEADER_V2_SIZE,
    Decryptor,
    EncryptionHeader,
    Encryptor,
    crypt_at,
    decrypt_bytes,
    decrypt_range,
    decrypt_segment,
    decrypt_stored_range,
    decrypted_size,
    derive_ecies_key,
    encrypt_bytes,
    encrypt_stream,
    encrypted_size,
    new_header_v1,
    new_header_v2,
    parse_encryption_header,
    parse_encryption_key,
    public_key_of,
    resolve_decryption_key,
)
from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_SEGMENT

VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[1] / "vectors" / "encryption.json").read_text())
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

keys = st.binary(min_size=32, max_size=32)
nonces = st.binary(min_size=16, max_size=16)


def _det(label: str, n: int) -> bytes:
    """The vectors' deterministic bytes: sha256(label/0) || sha256(label/1) || ..., cut to n."""
    out = b"".join(hashlib.sha256(f"{label}/{i}".encode()).digest() for i in range(-(-n // 32)))
    return out[:n]


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def _reference_keystream(key: bytes, nonce: bytes, first_block: int, blocks: int) -> bytes:
    """AES-ECB of counter blocks (nonce + j) mod 2**128: the CTR rule of Go's CryptAt, without any CTR code."""
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    start = int.from_bytes(nonce, "big")
    counters = b"".join(
        ((start + j) % (1 << 128)).to_bytes(16, "big") for j in range(first_block, first_block + blocks)
    )
    return ecb.update(counters) + ecb.finalize()


# --- the official SDK's vectors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["v1"], ids=lambda c: c["name"])
def test_v1_vectors(case: dict[str, str]) -> None:
    key, nonce = bytes.fromhex(case["key"]), bytes.fromhex(case["nonce"])
    plain, stored = bytes.fromhex(case["plaintext"]), bytes.fromhex(case["stored"])
    header = new_header_v1(nonce)
    assert crypt_at(key, nonce, 0, plain).hex() == case["ciphertext"]
    assert encrypt_bytes(key, plain, header) == stored
    assert stored[:ENCRYPTION_HEADER_V1_SIZE] == b"\x01" + nonce
    assert parse_encryption_header(stored) == header
    assert decrypt_bytes(key, stored) == plain
    encryptor = Encryptor(key, header)
    assert b"".join([*(encryptor.update(p) for p in _split(plain, [3, 16, 40])), encryptor.finalize()]) == stored


@pytest.mark.parametrize("case", VECTORS["v1_ranges"], ids=lambda c: f"{c['nonce'][:6]}-{c['offset']}")
def test_v1_range_vectors(case: dict[str, Any]) -> None:
    key, nonce = bytes.fromhex(case["key"]), bytes.fromhex(case["nonce"])
    plain, cipher = bytes.fromhex(case["plaintext"]), bytes.fromhex(case["ciphertext"])
    offset = int(case["offset"])
    assert crypt_at(key, nonce, offset, plain) == cipher
    header = new_header_v1(nonce)
    assert decrypt_range(key, header, offset, cipher) == plain
    assert decrypt_stored_range(key, header, offset + ENCRYPTION_HEADER_V1_SIZE, cipher) == plain


def test_v1_file_vector_root_covers_the_header_and_decrypts_segment_by_segment() -> None:
    case = VECTORS["v1_file"]
    key, nonce = bytes.fromhex(case["key"]), bytes.fromhex(case["nonce"])
    plain = _det("file-plain", 300000)
    assert hashlib.sha256(plain).hexdigest() == case["plaintext_sha256"]
    header = new_header_v1(nonce)
    stored = encrypt_bytes(key, plain, header)
    assert len(stored) == case["stored_size"] == encrypted_size(len(plain))
    assert hashlib.sha256(stored).hexdigest() == case["stored_sha256"]
    assert "0x" + build_file_tree(stored).root.hex() == case["root"]
    segments = [stored[i : i + BYTES_PER_SEGMENT] for i in range(0, len(stored), BYTES_PER_SEGMENT)]
    assert len(segments) == 2
    header_from_segment0 = parse_encryption_header(segments[0])
    assert b"".join(decrypt_segment(key, header_from_segment0, i, s) for i, s in enumerate(segments)) == plain
    # Segments arriving out of order decrypt alone: the second needs only its index.
    assert decrypt_segment(key, header, 1, segments[1]) == plain[BYTES_PER_SEGMENT - ENCRYPTION_HEADER_V1_SIZE :]


@pytest.mark.parametrize("case", VECTORS["v2"], ids=lambda c: c["ephemeral_public_key"][:8])
def test_v2_vectors(case: dict[str, str]) -> None:
    recipient_priv = bytes.fromhex(case["recipient_private_key"])
    recipient_pub = bytes.fromhex(case["recipient_public_key"])
    ephemeral_priv = bytes.fromhex(case["ephemeral_private_key"])
    ephemeral_pub = bytes.fromhex(case["ephemeral_public_key"])
    aes_key, nonce = bytes.fromhex(case["aes_key"]), bytes.fromhex(case["nonce"])
    plain, stored = bytes.fromhex(case["plaintext"]), bytes.fromhex(case["stored"])

    assert public_key_of(recipient_priv) == recipient_pub
    header, key = new_header_v2(recipient_pub, ephemeral_private_key=ephemeral_priv, nonce=nonce)
    assert key == aes_key
    assert header.to_bytes() == b"\x02" + ephemeral_pub + nonce == stored[:ENCRYPTION_HEADER_V2_SIZE]
    assert encrypt_bytes(key, plain, header) == stored
    # The recipient's side derives the same key from the header alone.
    parsed = parse_encryption_header(stored)
    assert parsed == header
    assert resolve_decryption_key(parsed, recipient_private_key=recipient_priv) == aes_key
    assert derive_ecies_key(recipient_priv, ephemeral_pub) == aes_key
    assert decrypt_bytes(aes_key, stored) == plain
    decryptor = Decryptor(recipient_private_key=recipient_priv)
    assert b"".join([*(decryptor.update(p) for p in _split(stored, [1, 30, 49, 51])), decryptor.finalize()]) == plain


def test_v2_key_accepts_uncompressed_and_bare_public_keys() -> None:
    from coincurve import PublicKey

    case = VECTORS["v2"][0]
    ephemeral_priv = bytes.fromhex(case["ephemeral_private_key"])
    uncompressed = PublicKey(bytes.fromhex(case["recipient_public_key"])).format(compressed=False)
    assert derive_ecies_key(ephemeral_priv, uncompressed).hex() == case["aes_key"]
    assert derive_ecies_key(ephemeral_priv, uncompressed[1:]).hex() == case["aes_key"]
    assert ECIES_HKDF_INFO == b"0g-storage-client/ecies/v1/aes-256"


def test_v2_key_is_rfc5869_hkdf_with_a_zero_salt_over_the_ecdh_x() -> None:
    # Go: hkdf.New(sha256.New, x, nil, info); a nil salt is HashLen zero bytes (RFC 5869 section 2.2).
    from coincurve import PublicKey

    case = VECTORS["v2"][1]
    recipient_priv = bytes.fromhex(case["recipient_private_key"])
    shared_x = PublicKey(bytes.fromhex(case["ephemeral_public_key"])).multiply(recipient_priv).format()[1:]
    prk = hmac.new(bytes(32), shared_x, hashlib.sha256).digest()
    okm = hmac.new(prk, ECIES_HKDF_INFO + b"\x01", hashlib.sha256).digest()
    assert okm.hex() == case["aes_key"]


def test_go_client_test_constants() -> None:
    # 0g-storage-client core/encryption_test.go TestCryptAtOffset: two halves at offsets 0 and 50 equal the whole.
    key, nonce = b"\x42" * 32, b"\x13" * 16
    full = crypt_at(key, nonce, 0, bytes(100))
    assert crypt_at(key, nonce, 0, bytes(50)) + crypt_at(key, nonce, 50, bytes(50)) == full
    assert crypt_at(key, nonce, 0, crypt_at(key, nonce, 0, b"hello world encryption test data")) == (
        b"hello world encryption test data"
    )


# --- the CTR rule, checked without CTR code ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "nonce",
    [bytes(16), bytes(range(16)), bytes(8) + b"\xff" * 8, b"\xff" * 16, b"\xff" * 15 + b"\xf0"],
    ids=["zero", "ramp", "low-half-full", "all-ones", "near-wrap"],
)
@pytest.mark.parametrize("offset", [0, 5, 16, 33, 262127, 2**64 - 7, 2**70 + 3])
def test_keystream_is_aes_of_nonce_plus_block_index(nonce: bytes, offset: int) -> None:
    key = bytes(range(32))
    first_block, skip = divmod(offset, 16)
    expected = _reference_keystream(key, nonce, first_block, 8)[skip : skip + 100]
    assert crypt_at(key, nonce, offset, bytes(len(expected))) == expected


@given(key=keys, nonce=nonces, size=st.integers(0, 600))
def test_whole_stream_keystream_wraps_like_the_reference(key: bytes, nonce: bytes, size: int) -> None:
    # Bias towards the wrap: the top bytes of the nonce set to ones.
    nonce = b"\xff" * 15 + nonce[15:]
    stored = encrypt_bytes(key, bytes(size), new_header_v1(nonce))
    assert stored[ENCRYPTION_HEADER_V1_SIZE:] == _reference_keystream(key, nonce, 0, -(-size // 16))[:size]


# --- properties ----------------------------------------------------------------------------------------------------


@given(key=keys, nonce=nonces, data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=8))
def test_streaming_encryption_in_any_pieces_equals_one_shot(
    key: bytes, nonce: bytes, data: bytes, cuts: list[int]
) -> None:
    header = new_header_v1(nonce)
    expected = encrypt_bytes(key, data, header)
    encryptor = Encryptor(key, header)
    out = [encryptor.update(piece) for piece in _split(data, cuts)]
    assert b"".join([*out, encryptor.finalize()]) == expected
    assert encryptor.plaintext_offset == len(data)
    assert b"".join(encrypt_stream(key, _split(data, cuts), header)) == expected
    assert decrypt_bytes(key, expected) == data


@given(
    key=keys, nonce=nonces, data=st.binary(min_size=1, max_size=2000), a=st.integers(0, 2000), b=st.integers(0, 2000)
)
def test_any_range_decrypts_alone(key: bytes, nonce: bytes, data: bytes, a: int, b: int) -> None:
    header = new_header_v1(nonce)
    stored = encrypt_bytes(key, data, header)
    lo, hi = sorted((a % (len(data) + 1), b % (len(data) + 1)))
    cipher = stored[header.size :]
    assert decrypt_range(key, header, lo, cipher[lo:hi]) == data[lo:hi]
    # The same on stored offsets, where a range may start inside the header.
    s_lo, s_hi = sorted((a % (len(stored) + 1), b % (len(stored) + 1)))
    expected = data[max(0, s_lo - header.size) : max(0, s_hi - header.size)]
    assert decrypt_stored_range(key, header, s_lo, stored[s_lo:s_hi]) == expected


@given(
    key=keys,
    nonce=nonces,
    data=st.binary(max_size=1500),
    cuts=st.lists(st.integers(0, 1600), max_size=8),
    segment_size=st.sampled_from([1, 16, 17, 64, 256]),
)
def test_stored_file_decrypts_in_any_pieces_and_any_segments(
    key: bytes, nonce: bytes, data: bytes, cuts: list[int], segment_size: int
) -> None:
    header = new_header_v1(nonce)
    stored = encrypt_bytes(key, data, header)
    decryptor = Decryptor(key)
    out = [decryptor.update(piece) for piece in _split(stored, cuts)]
    assert b"".join([*out, decryptor.finalize()]) == data
    assert decryptor.header == header
    segments = [stored[i : i + segment_size] for i in range(0, len(stored), segment_size)]
    plain = [decrypt_segment(key, header, i, s, segment_size) for i, s in enumerate(segments)]
    assert b"".join(plain) == data


@given(recipient=st.integers(1, SECP256K1_N - 1), data=st.binary(max_size=300))
def test_v2_round_trip_with_fresh_ephemeral_keys(recipient: int, data: bytes) -> None:
    recipient_priv = recipient.to_bytes(32, "big")
    header, key = new_header_v2(public_key_of(recipient_priv))
    stored = encrypt_bytes(key, data, header)
    assert len(stored) == encrypted_size(len(data), 2)
    parsed = parse_encryption_header(stored)
    assert decrypt_bytes(resolve_decryption_key(parsed, recipient_private_key=recipient_priv), stored) == data


def test_fresh_headers_differ() -> None:
    assert new_header_v1().nonce != new_header_v1().nonce
    stored_a, stored_b = encrypt_bytes(b"k" * 32, b"same"), encrypt_bytes(b"k" * 32, b"same")
    assert stored_a != stored_b
    assert decrypt_bytes(b"k" * 32, stored_a) == decrypt_bytes(b"k" * 32, stored_b) == b"same"


def test_sizes() -> None:
    assert encrypted_size(0) == 17
    assert encrypted_size(1000) == 1017
    assert encrypted_size(1000, 2) == 1050
    assert decrypted_size(1017, new_header_v1(bytes(16))) == 1000
    with pytest.raises(InvalidInput):
        encrypted_size(-1)
    with pytest.raises(InvalidInput):
        encrypted_size(5, 3)
    with pytest.raises(InvalidInput):
        decrypted_size(16, new_header_v1(bytes(16)))


def test_empty_file_is_the_header_alone() -> None:
    header = new_header_v1(bytes(16))
    encryptor = Encryptor(b"k" * 32, header)
    assert encryptor.finalize() == header.to_bytes()
    assert encrypt_bytes(b"k" * 32, b"", header) == header.to_bytes()
    assert decrypt_bytes(b"k" * 32, header.to_bytes()) == b""
    assert list(encrypt_stream(b"k" * 32, [], header)) == [header.to_bytes()]


# --- keys ------------------------------------------------------------------------------------------------------


def test_parse_encryption_key() -> None:
    raw = bytes(range(32))
    assert parse_encryption_key(raw.hex()) == raw
    assert parse_encryption_key("0x" + raw.hex()) == raw
    assert parse_encryption_key("0X" + raw.hex().upper()) == raw
    assert parse_encryption_key(bytearray(raw)) == raw


@pytest.mark.parametrize(
    "text", ["", "0x", "ab" * 31, "ab" * 33, "zz" * 32, "0x" + "a" * 63, "ab " * 32, "0x0x" + "ab" * 31]
)
def test_parse_encryption_key_rejects(text: str) -> None:
    with pytest.raises(InvalidInput, match="encryption key"):
        parse_encryption_key(text)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_keys_must_be_32_bytes(size: int) -> None:
    bad = bytes(size)
    header = new_header_v1(bytes(16))
    with pytest.raises(InvalidInput, match="32 bytes"):
        crypt_at(bad, bytes(16), 0, b"data")
    with pytest.raises(InvalidInput, match="32 bytes"):
        crypt_at(bad, bytes(16), 0, b"")
    with pytest.raises(InvalidInput, match="32 bytes"):
        encrypt_bytes(bad, b"data", header)
    with pytest.raises(InvalidInput, match="32 bytes"):
        decrypt_bytes(bad, header.to_bytes() + b"data")
    with pytest.raises(InvalidInput, match="32 bytes"):
        Encryptor(bad, header)
    with pytest.raises(InvalidInput, match="32 bytes"):
        Decryptor(bad)
    with pytest.raises(InvalidInput, match="32 bytes"):
        parse_encryption_key(bad)
    with pytest.raises(InvalidInput, match="32 bytes"):
        resolve_decryption_key(header, key=bad)


def test_resolve_decryption_key_needs_the_right_material() -> None:
    v1 = new_header_v1(bytes(16))
    v2, _ = new_header_v2(public_key_of(b"\x01" * 32), nonce=bytes(16))
    with pytest.raises(InvalidInput, match="v1"):
        resolve_decryption_key(v1, recipient_private_key=b"\x01" * 32)
    with pytest.raises(InvalidInput, match="v2"):
        resolve_decryption_key(v2, key=b"k" * 32)
    with pytest.raises(InvalidInput, match="v2"):
        Decryptor(b"k" * 32).update(v2.to_bytes())


@pytest.mark.parametrize("priv", [bytes(32), SECP256K1_N.to_bytes(32, "big"), b"\xff" * 32, b"\x01" * 31])
def test_bad_private_keys(priv: bytes) -> None:
    with pytest.raises(InvalidInput, match="private key"):
        public_key_of(priv)
    with pytest.raises(InvalidInput, match="private key"):
        derive_ecies_key(priv, public_key_of(b"\x01" * 32))


@pytest.mark.parametrize(
    "pub", [b"\x02" + b"\xff" * 32, b"\x05" + bytes(32), bytes(33), b"\x04" + bytes(64), b"\x02" * 20]
)
def test_bad_public_keys(pub: bytes) -> None:
    with pytest.raises(InvalidInput, match="secp256k1"):
        derive_ecies_key(b"\x01" * 32, pub)
    with pytest.raises(InvalidInput, match="secp256k1"):
        new_header_v2(pub)


# --- headers -------------------------------------------------------------------------------------------------------


def test_header_round_trips() -> None:
    v1 = new_header_v1(bytes(range(16)))
    assert v1.to_bytes() == b"\x01" + bytes(range(16))
    assert v1.size == ENCRYPTION_HEADER_V1_SIZE == 17
    assert parse_encryption_header(v1.to_bytes() + b"ciphertext") == v1
    pub = public_key_of(b"\x07" * 32)
    v2 = EncryptionHeader(2, bytes(range(16)), pub)
    assert v2.to_bytes() == b"\x02" + pub + bytes(range(16))
    assert v2.size == ENCRYPTION_HEADER_V2_SIZE == 50
    assert parse_encryption_header(v2.to_bytes()) == v2


@pytest.mark.parametrize("version", [0, 3, 0x7F, 0xEE, 0xFF])
def test_unknown_versions_are_rejected(version: int) -> None:
    data = bytes([version]) + bytes(60)
    with pytest.raises(InvalidInput, match="unsupported encryption version"):
        parse_encryption_header(data)
    with pytest.raises(InvalidInput, match="unsupported encryption version"):
        decrypt_bytes(b"k" * 32, data)
    with pytest.raises(InvalidInput, match="unsupported encryption version"):
        Decryptor(b"k" * 32).update(data[:1])
    with pytest.raises(InvalidInput, match="unsupported encryption version"):
        EncryptionHeader(version, bytes(16))


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x01" + bytes(15), b"\x02" + bytes(16), b"\x02" + bytes(48)], ids=len)
def test_truncated_headers_are_rejected(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="too short"):
        parse_encryption_header(data)
    with pytest.raises(InvalidInput, match="too short"):
        decrypt_bytes(b"k" * 32, data)
    decryptor = Decryptor(b"k" * 32, recipient_private_key=b"\x01" * 32)
    assert decryptor.update(data) == b""
    assert decryptor.header is None
    with pytest.raises(InvalidInput, match="inside its encryption header"):
        decryptor.finalize()


def test_header_fields_are_checked() -> None:
    pub = public_key_of(b"\x07" * 32)
    with pytest.raises(InvalidInput, match="nonce"):
        EncryptionHeader(1, bytes(15))
    with pytest.raises(InvalidInput, match="nonce"):
        new_header_v1(bytes(17))
    with pytest.raises(InvalidInput, match="nonce"):
        crypt_at(b"k" * 32, bytes(12), 0, b"data")
    with pytest.raises(InvalidInput, match="no ephemeral"):
        EncryptionHeader(1, bytes(16), pub)
    with pytest.raises(InvalidInput, match="ephemeral"):
        EncryptionHeader(2, bytes(16))
    with pytest.raises(InvalidInput, match="ephemeral"):
        EncryptionHeader(2, bytes(16), pub[:32])


def test_offsets_are_not_negative() -> None:
    header = new_header_v1(bytes(16))
    calls: list[Callable[[], bytes]] = [
        lambda: crypt_at(b"k" * 32, bytes(16), -1, b"x"),
        lambda: decrypt_range(b"k" * 32, header, -1, b"x"),
        lambda: decrypt_stored_range(b"k" * 32, header, -1, b"x"),
        lambda: decrypt_segment(b"k" * 32, header, -1, b"x"),
    ]
    for call in calls:
        with pytest.raises(InvalidInput, match="not negative"):
            call()


def test_finalized_streams_refuse_more() -> None:
    encryptor = Encryptor(b"k" * 32)
    encryptor.update(b"abc")
    assert encryptor.finalize() == b""
    with pytest.raises(InvalidInput, match="finalized"):
        encryptor.update(b"x")
    with pytest.raises(InvalidInput, match="finalized"):
        encryptor.finalize()
    decryptor = Decryptor(b"k" * 32)
    decryptor.update(encrypt_bytes(b"k" * 32, b"abc"))
    assert decryptor.finalize() == b""
    with pytest.raises(InvalidInput, match="finalized"):
        decryptor.update(b"x")
    with pytest.raises(InvalidInput, match="finalized"):
        decryptor.finalize()


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        parse_encryption_header(b"\x09" + bytes(20))
