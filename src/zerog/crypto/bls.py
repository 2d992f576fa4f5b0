"""BLS signatures on BLS12-381: Ethereum's min-pubkey scheme with the proof-of-possession ciphersuite.

Secret key a scalar, public key in G1 (48 B compressed), signature in G2 (96 B compressed), hash to G2 by RFC 9380
SSWU with `DST_SIG`; a PoP is a signature over the 48-byte compressed public key with `DST_POP`. The bytes equal
the IETF draft's (and py_ecc's, milagro's, blspy's) for the same key and message. Curve arithmetic is
py-arkworks-bls12381's; this module adds the scheme, the checks and the EIP-2537 encodings the contracts need.

Every decoder refuses the point at infinity, off-curve and out-of-subgroup points with `InvalidInput`: an infinity
key with an infinity signature satisfies any pairing check (EIP-2537 even accepts it as input), so both are
refused wherever bytes enter. A well-formed signature that does not verify is `False`, not an exception.
"""

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from zerog.errors import InvalidInput

__all__ = [
    "BYTES_PER_G1_EIP2537",
    "BYTES_PER_G2_EIP2537",
    "BYTES_PER_PUBLIC_KEY",
    "BYTES_PER_SECRET_KEY",
    "BYTES_PER_SIGNATURE",
    "CURVE_ORDER",
    "DST_POP",
    "DST_SIG",
    "FIELD_MODULUS",
    "SecretKey",
    "aggregate_public_keys",
    "aggregate_signatures",
    "bytes_to_public_key",
    "bytes_to_signature",
    "eip2537_to_g1",
    "eip2537_to_g2",
    "fast_aggregate_verify",
    "g1_to_eip2537",
    "g2_to_eip2537",
    "hash_to_g2",
    "keygen",
    "pop_prove",
    "pop_verify",
    "public_key",
    "sign",
    "verify",
]

DST_SIG = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
DST_POP = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"

CURVE_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
"""r, the order of G1, G2 and the scalar field."""
FIELD_MODULUS = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
"""p, the base field modulus."""

BYTES_PER_SECRET_KEY = 32
BYTES_PER_PUBLIC_KEY = 48
BYTES_PER_SIGNATURE = 96
BYTES_PER_FP = 48
BYTES_PER_FP_EIP2537 = 64
"""EIP-2537 pads each 48-byte base-field coordinate with 16 leading zero bytes."""
BYTES_PER_G1_EIP2537 = 2 * BYTES_PER_FP_EIP2537  # 128: x ‖ y
BYTES_PER_G2_EIP2537 = 4 * BYTES_PER_FP_EIP2537  # 256: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1

_KEYGEN_SALT = b"BLS-SIG-KEYGEN-SALT-"
_KEYGEN_OKM_BYTES = 48  # L = ceil(3 * ceil(log2 r) / 16)
_MIN_IKM_BYTES = 32
_FP_PAD = bytes(BYTES_PER_FP_EIP2537 - BYTES_PER_FP)


@dataclass(frozen=True, slots=True, repr=False)
class SecretKey:
    """A BLS secret key."""

    value: int
    """The scalar, in [1, r)."""

    def __post_init__(self) -> None:
        if not 0 < self.value < CURVE_ORDER:
            raise InvalidInput("a BLS secret key is a scalar in [1, r)")

    def __repr__(self) -> str:
        return "SecretKey(<hidden>)"

    def to_bytes(self) -> bytes:
        """The IETF serialization: 32 bytes big-endian."""
        return self.value.to_bytes(BYTES_PER_SECRET_KEY, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> "SecretKey":
        """Parse 32 big-endian bytes; zero and values ≥ r are refused."""
        if len(data) != BYTES_PER_SECRET_KEY:
            raise InvalidInput(f"a BLS secret key is {BYTES_PER_SECRET_KEY} bytes, got {len(data)}")
        return cls(int.from_bytes(data, "big"))


def keygen(seed: bytes, key_info: bytes = b"") -> SecretKey:
    """IETF draft-irtf-cfrg-bls-signature-05 §2.3 KeyGen: HKDF-SHA256 from ≥ 32 bytes of secret keying material."""
    if len(seed) < _MIN_IKM_BYTES:
        raise InvalidInput(f"BLS keygen needs at least {_MIN_IKM_BYTES} bytes of seed, got {len(seed)}")
    salt = _KEYGEN_SALT
    value = 0
    while value == 0:
        salt = hashlib.sha256(salt).digest()
        prk = hmac.digest(salt, seed + b"\x00", "sha256")  # HKDF-Extract(salt, IKM ‖ I2OSP(0, 1))
        okm = _hkdf_expand(prk, key_info + _KEYGEN_OKM_BYTES.to_bytes(2, "big"), _KEYGEN_OKM_BYTES)
        value = int.from_bytes(okm, "big") % CURVE_ORDER
    return SecretKey(value)


def public_key(sk: SecretKey) -> bytes:
    """pk = sk·G1, 48 bytes compressed."""
    return (G1Point() * Scalar(sk.value)).to_compressed_bytes()


def sign(sk: SecretKey, message: bytes, dst: bytes = DST_SIG) -> bytes:
    """sig = sk·H(m), with H the RFC 9380 hash to G2 under `dst`; 96 bytes compressed."""
    return (G2Point.hash_to_curve(message, dst) * Scalar(sk.value)).to_compressed_bytes()


def verify(pk: bytes, message: bytes, signature: bytes, dst: bytes = DST_SIG) -> bool:
    """Whether e(pk, H(m)) = e(G1, sig). Malformed or infinity keys and signatures raise `InvalidInput`."""
    return _verify_points(_public_key_point(pk), message, _signature_point(signature), dst)


def aggregate_signatures(signatures: Sequence[bytes]) -> bytes:
    """The sum of one or more signatures (each checked), 96 bytes compressed."""
    if not signatures:
        raise InvalidInput("nothing to aggregate")
    total = G2Point.identity()
    for signature in signatures:
        total = total + _signature_point(signature)
    return total.to_compressed_bytes()


def aggregate_public_keys(pks: Sequence[bytes]) -> bytes:
    """The sum of one or more public keys (each checked), 48 bytes compressed. Only sound for PoP-checked keys."""
    return _aggregate_key_point(pks).to_compressed_bytes()


def fast_aggregate_verify(pks: Sequence[bytes], message: bytes, signature: bytes, dst: bytes = DST_SIG) -> bool:
    """Whether sig is the aggregate of the keys' signatures on one message: e(sum(pk), H(m)) = e(G1, sig)."""
    return _verify_points(_aggregate_key_point(pks), message, _signature_point(signature), dst)


def pop_prove(sk: SecretKey) -> bytes:
    """Proof of possession: a signature over the 48-byte compressed public key with `DST_POP`."""
    return sign(sk, public_key(sk), DST_POP)


def pop_verify(pk: bytes, proof: bytes) -> bool:
    """Whether `proof` is the key's proof of possession."""
    return verify(pk, pk, proof, DST_POP)


def hash_to_g2(message: bytes, dst: bytes) -> bytes:
    """RFC 9380 hash_to_curve (BLS12381G2_XMD:SHA-256_SSWU_RO_) of `message` under `dst`, 96 bytes compressed."""
    return G2Point.hash_to_curve(message, dst).to_compressed_bytes()


def bytes_to_public_key(data: bytes) -> bytes:
    """Validate a compressed public key: 48 bytes, on the curve, in G1, not infinity."""
    _public_key_point(data)
    return bytes(data)


def bytes_to_signature(data: bytes) -> bytes:
    """Validate a compressed signature: 96 bytes, on the curve, in G2, not infinity."""
    _signature_point(data)
    return bytes(data)


def g1_to_eip2537(compressed: bytes) -> bytes:
    """EIP-2537 G1 (128 B): 16 zero bytes ‖ x (48 B BE) ‖ 16 zero bytes ‖ y."""
    xy = _public_key_point(compressed).to_xy_bytes_be()
    return _pad_coordinates(xy)


def g2_to_eip2537(compressed: bytes) -> bytes:
    """EIP-2537 G2 (256 B): x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, each 16 zero bytes ‖ 48 B BE (x = c0 + c1·u)."""
    xy = _signature_point(compressed).to_xy_bytes_be()  # arkworks already orders Fp2 as c0 ‖ c1
    return _pad_coordinates(xy)


def eip2537_to_g1(data: bytes) -> bytes:
    """Parse an EIP-2537 G1 point (128 B) to 48 B compressed; padding, range, curve, subgroup and infinity checked."""
    xy = _unpad_coordinates(data, BYTES_PER_G1_EIP2537, "G1")
    try:
        point = G1Point.from_xy_bytes_be(xy)
    except ValueError as exc:
        raise InvalidInput(f"not a G1 point in the subgroup: {exc}") from exc
    return point.to_compressed_bytes()


def eip2537_to_g2(data: bytes) -> bytes:
    """Parse an EIP-2537 G2 point (256 B) to 96 B compressed; padding, range, curve, subgroup and infinity checked."""
    xy = _unpad_coordinates(data, BYTES_PER_G2_EIP2537, "G2")
    try:
        point = G2Point.from_xy_bytes_be(xy)
    except ValueError as exc:
        raise InvalidInput(f"not a G2 point in the subgroup: {exc}") from exc
    return point.to_compressed_bytes()


def _verify_points(pk: G1Point, message: bytes, signature: G2Point, dst: bytes) -> bool:
    # e(pk, H(m)) · e(-G1, sig) = 1, one multi-pairing (the same equation the contract checks).
    return GT.pairing_check([pk, -G1Point()], [G2Point.hash_to_curve(message, dst), signature])


def _aggregate_key_point(pks: Sequence[bytes]) -> G1Point:
    if not pks:
        raise InvalidInput("nothing to aggregate")
    total = G1Point.identity()
    for pk in pks:
        total = total + _public_key_point(pk)
    if total == G1Point.identity():
        raise InvalidInput("the aggregate public key is the point at infinity")
    return total


def _public_key_point(data: bytes) -> G1Point:
    if len(data) != BYTES_PER_PUBLIC_KEY:
        raise InvalidInput(f"a public key is {BYTES_PER_PUBLIC_KEY} bytes compressed, got {len(data)}")
    try:
        point = G1Point.from_compressed_bytes(bytes(data))
    except ValueError as exc:
        raise InvalidInput(f"not a compressed G1 point in the subgroup: {exc}") from exc
    if point == G1Point.identity():
        raise InvalidInput("the public key is the point at infinity")
    return point


def _signature_point(data: bytes) -> G2Point:
    if len(data) != BYTES_PER_SIGNATURE:
        raise InvalidInput(f"a signature is {BYTES_PER_SIGNATURE} bytes compressed, got {len(data)}")
    try:
        point = G2Point.from_compressed_bytes(bytes(data))
    except ValueError as exc:
        raise InvalidInput(f"not a compressed G2 point in the subgroup: {exc}") from exc
    if point == G2Point.identity():
        raise InvalidInput("the signature is the point at infinity")
    return point


def _pad_coordinates(xy: bytes) -> bytes:
    return b"".join(_FP_PAD + xy[i : i + BYTES_PER_FP] for i in range(0, len(xy), BYTES_PER_FP))


def _unpad_coordinates(data: bytes, size: int, group: str) -> bytes:
    if len(data) != size:
        raise InvalidInput(f"an EIP-2537 {group} point is {size} bytes, got {len(data)}")
    coordinates = []
    for offset in range(0, size, BYTES_PER_FP_EIP2537):
        if data[offset : offset + len(_FP_PAD)] != _FP_PAD:
            raise InvalidInput(f"EIP-2537 {group} coordinate at byte {offset} has nonzero padding")
        coordinate = data[offset + len(_FP_PAD) : offset + BYTES_PER_FP_EIP2537]
        if int.from_bytes(coordinate, "big") >= FIELD_MODULUS:
            raise InvalidInput(f"EIP-2537 {group} coordinate at byte {offset} is not below p")
        coordinates.append(coordinate)
    xy = b"".join(coordinates)
    if not any(xy):
        raise InvalidInput(f"the {group} point is the point at infinity")
    return xy


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    # RFC 5869 HKDF-Expand with SHA-256.
    okm = b""
    block = b""
    counter = 1
    while len(okm) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), "sha256")
        okm += block
        counter += 1
    return okm[:length]
