"""0G storage's client-side encryption: a small header, then the whole file under AES-256-CTR.

The stored (uploaded) file is `header || AES-256-CTR(key, nonce, plaintext)`. Its size, chunks, segments and
Merkle root all cover the header: to the network an encrypted file is just bytes. Flow padding after it is zero,
as for any file, and is never ciphertext. Two header versions exist (0g-storage-client core/encryption.go):

  v1 (symmetric)  0x01 || nonce(16)                                    17 bytes; the 32-byte key is shared out of band
  v2 (ECIES)      0x02 || ephemeral secp256k1 pubkey(33) || nonce(16)  50 bytes; the key is derived (see below)

CTR rule: plaintext byte i is XORed with keystream byte i % 16 of AES(key, (nonce + i // 16) mod 2**128), the
nonce read as a big-endian 128-bit integer. The first ciphertext byte follows the header, so a byte at stored
offset s >= header size has ciphertext offset s - header size, and any range decrypts on its own.
v2 key: HKDF-SHA256(ikm = x of ECDH(private, public) as 32 bytes, no salt, info = ECIES_HKDF_INFO), 32 bytes.
There is no authentication: a wrong key yields garbage, not an error.
"""

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeAlias

from coincurve import PrivateKey, PublicKey
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_SEGMENT

Buffer: TypeAlias = bytes | bytearray | memoryview

__all__ = [
    "ECIES_HKDF_INFO",
    "ENCRYPTION_HEADER_V1_SIZE",
    "ENCRYPTION_HEADER_V2_SIZE",
    "ENCRYPTION_KEY_SIZE",
    "ENCRYPTION_NONCE_SIZE",
    "ENCRYPTION_VERSION_V1",
    "ENCRYPTION_VERSION_V2",
    "EPHEMERAL_PUBLIC_KEY_SIZE",
    "Decryptor",
    "EncryptionHeader",
    "Encryptor",
    "crypt_at",
    "decrypt_bytes",
    "decrypt_range",
    "decrypt_segment",
    "decrypt_stored_range",
    "decrypted_size",
    "derive_ecies_key",
    "encrypt_bytes",
    "encrypt_stream",
    "encrypted_size",
    "new_header_v1",
    "new_header_v2",
    "parse_encryption_header",
    "parse_encryption_key",
    "public_key_of",
    "resolve_decryption_key",
]

ENCRYPTION_VERSION_V1 = 1
ENCRYPTION_VERSION_V2 = 2
ENCRYPTION_KEY_SIZE = 32
ENCRYPTION_NONCE_SIZE = 16
EPHEMERAL_PUBLIC_KEY_SIZE = 33
ENCRYPTION_HEADER_V1_SIZE = 1 + ENCRYPTION_NONCE_SIZE
ENCRYPTION_HEADER_V2_SIZE = 1 + EPHEMERAL_PUBLIC_KEY_SIZE + ENCRYPTION_NONCE_SIZE
ECIES_HKDF_INFO = b"0g-storage-client/ecies/v1/aes-256"

_HEADER_SIZES = {ENCRYPTION_VERSION_V1: ENCRYPTION_HEADER_V1_SIZE, ENCRYPTION_VERSION_V2: ENCRYPTION_HEADER_V2_SIZE}
_AES_BLOCK = 16
_COUNTER_MODULUS = 1 << 128
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True, slots=True)
class EncryptionHeader:
    """The bytes in front of an encrypted file: version, CTR nonce and, for v2, the sender's ephemeral pubkey."""

    version: int
    nonce: bytes
    ephemeral_public_key: bytes | None = None
    """Compressed secp256k1 key (33 bytes); set exactly when version is 2."""

    def __post_init__(self) -> None:
        if self.version not in _HEADER_SIZES:
            raise InvalidInput(f"unsupported encryption version: {self.version}")
        if len(self.nonce) != ENCRYPTION_NONCE_SIZE:
            raise InvalidInput(f"an encryption nonce is {ENCRYPTION_NONCE_SIZE} bytes, not {len(self.nonce)}")
        if self.version == ENCRYPTION_VERSION_V1:
            if self.ephemeral_public_key is not None:
                raise InvalidInput("a v1 encryption header has no ephemeral public key")
        elif self.ephemeral_public_key is None or len(self.ephemeral_public_key) != EPHEMERAL_PUBLIC_KEY_SIZE:
            raise InvalidInput(f"a v2 encryption header needs a {EPHEMERAL_PUBLIC_KEY_SIZE}-byte ephemeral public key")

    @property
    def size(self) -> int:
        """Bytes this header takes on the wire: 17 (v1) or 50 (v2)."""
        return _HEADER_SIZES[self.version]

    def to_bytes(self) -> bytes:
        """Serialize: version byte, then (v2 only) the ephemeral pubkey, then the nonce."""
        return bytes([self.version]) + (self.ephemeral_public_key or b"") + self.nonce


def parse_encryption_header(data: Buffer) -> EncryptionHeader:
    """Read the header at the start of a stored file; the version byte selects the layout, later bytes are ignored."""
    if len(data) < 1:
        raise InvalidInput("data too short for an encryption header: 0 bytes")
    version = data[0]
    if version not in _HEADER_SIZES:
        raise InvalidInput(f"unsupported encryption version: {version}")
    size = _HEADER_SIZES[version]
    if len(data) < size:
        raise InvalidInput(f"data too short for a v{version} encryption header: {len(data)} < {size} bytes")
    if version == ENCRYPTION_VERSION_V1:
        return EncryptionHeader(version, bytes(data[1:size]))
    pub = bytes(data[1 : 1 + EPHEMERAL_PUBLIC_KEY_SIZE])
    return EncryptionHeader(version, bytes(data[1 + EPHEMERAL_PUBLIC_KEY_SIZE : size]), pub)


def new_header_v1(nonce: bytes | None = None) -> EncryptionHeader:
    """A v1 header; the nonce is fresh random bytes unless given (give one only for tests and vectors)."""
    return EncryptionHeader(
        ENCRYPTION_VERSION_V1, secrets.token_bytes(ENCRYPTION_NONCE_SIZE) if nonce is None else nonce
    )


def new_header_v2(
    recipient_public_key: Buffer, *, ephemeral_private_key: Buffer | None = None, nonce: bytes | None = None
) -> tuple[EncryptionHeader, bytes]:
    """A v2 header for `recipient_public_key`, and the AES key to encrypt with.

    The ephemeral key and the nonce are fresh unless given (give them only for tests and vectors).
    """
    ephemeral = PrivateKey() if ephemeral_private_key is None else _private_key(ephemeral_private_key)
    key = derive_ecies_key(ephemeral.secret, recipient_public_key)
    header = EncryptionHeader(
        ENCRYPTION_VERSION_V2,
        secrets.token_bytes(ENCRYPTION_NONCE_SIZE) if nonce is None else nonce,
        ephemeral.public_key.format(compressed=True),
    )
    return header, key


def encrypted_size(plain_size: int, version: int = ENCRYPTION_VERSION_V1) -> int:
    """Size of the stored file (header + ciphertext) for `plain_size` bytes of plaintext."""
    if plain_size < 0:
        raise InvalidInput(f"a size is not negative: {plain_size}")
    if version not in _HEADER_SIZES:
        raise InvalidInput(f"unsupported encryption version: {version}")
    return plain_size + _HEADER_SIZES[version]


def decrypted_size(stored_size: int, header: EncryptionHeader) -> int:
    """Plaintext bytes in a stored file of `stored_size` bytes."""
    if stored_size < header.size:
        raise InvalidInput(f"a stored v{header.version} file has at least {header.size} bytes, not {stored_size}")
    return stored_size - header.size


def parse_encryption_key(key: str | Buffer) -> bytes:
    """A 32-byte AES-256 key from raw bytes or hex text (64 digits; the 0x that 0G's CLI requires is optional)."""
    if isinstance(key, str):
        digits = key[2:] if key[:2] in ("0x", "0X") else key
        try:
            raw = bytes.fromhex(digits)
        except ValueError as exc:
            raise InvalidInput("an encryption key is hex text: 64 hex digits, optionally after 0x") from exc
        if len(digits) != 2 * len(raw):
            raise InvalidInput("an encryption key is hex text without spaces: 64 hex digits, optionally after 0x")
    else:
        raw = bytes(key)
    return _check_key(raw)


def crypt_at(key: Buffer, nonce: Buffer, offset: int, data: Buffer) -> bytes:
    """AES-256-CTR of `data` lying at byte `offset` of the plaintext/ciphertext stream (encrypt == decrypt)."""
    key = _check_key(bytes(key))
    if len(nonce) != ENCRYPTION_NONCE_SIZE:
        raise InvalidInput(f"an encryption nonce is {ENCRYPTION_NONCE_SIZE} bytes, not {len(nonce)}")
    if offset < 0:
        raise InvalidInput(f"a stream offset is not negative: {offset}")
    if len(data) == 0:
        return b""
    context = _ctr_context(key, bytes(nonce), offset)
    return context.update(data) + context.finalize()


def decrypt_range(key: Buffer, header: EncryptionHeader, ciphertext_offset: int, data: Buffer) -> bytes:
    """Decrypt ciphertext bytes starting at `ciphertext_offset` (0 = the first byte after the header)."""
    return crypt_at(key, header.nonce, ciphertext_offset, data)


def decrypt_stored_range(key: Buffer, header: EncryptionHeader, stored_offset: int, data: Buffer) -> bytes:
    """Plaintext of stored-file bytes starting at `stored_offset` (header included); header bytes yield nothing.

    This is how downloads decrypt: a segment or fragment is a range of the stored file. Trim flow padding (bytes
    past the stored size) first: it is zeros, not ciphertext.
    """
    if stored_offset < 0:
        raise InvalidInput(f"a stored-file offset is not negative: {stored_offset}")
    skip = max(0, header.size - stored_offset)
    view = memoryview(data)[skip:]
    return decrypt_range(key, header, stored_offset + skip - header.size, view)


def decrypt_segment(
    key: Buffer, header: EncryptionHeader, segment_index: int, data: Buffer, segment_size: int = BYTES_PER_SEGMENT
) -> bytes:
    """Plaintext of segment `segment_index` of a stored file (segment 0 starts with the header)."""
    if segment_index < 0:
        raise InvalidInput(f"a segment index is not negative: {segment_index}")
    return decrypt_stored_range(key, header, segment_index * segment_size, data)


def encrypt_bytes(key: Buffer, plaintext: Buffer, header: EncryptionHeader | None = None) -> bytes:
    """The stored form of `plaintext`: header (a fresh v1 one unless given) then ciphertext."""
    header = new_header_v1() if header is None else header
    return header.to_bytes() + crypt_at(key, header.nonce, 0, plaintext)


def decrypt_bytes(key: Buffer, stored: Buffer) -> bytes:
    """Plaintext of a whole stored file; `key` is the AES key (for v2 see `resolve_decryption_key`)."""
    header = parse_encryption_header(stored)
    return decrypt_range(key, header, 0, memoryview(stored)[header.size :])


def derive_ecies_key(private_key: Buffer, public_key: Buffer) -> bytes:
    """v2 AES key: HKDF-SHA256 over the 32-byte x of the secp256k1 ECDH point, no salt, info ECIES_HKDF_INFO.

    Symmetric: (ephemeral private, recipient public) on upload equals (recipient private, ephemeral public).
    """
    secret = _private_key(private_key).secret
    shared_x = _public_key(public_key).multiply(secret).format(compressed=True)[1:]
    hkdf = HKDF(algorithm=hashes.SHA256(), length=ENCRYPTION_KEY_SIZE, salt=None, info=ECIES_HKDF_INFO)
    return hkdf.derive(shared_x)


def public_key_of(private_key: Buffer) -> bytes:
    """The compressed (33-byte) secp256k1 public key of a 32-byte private key."""
    return _private_key(private_key).public_key.format(compressed=True)


def resolve_decryption_key(
    header: EncryptionHeader, *, key: Buffer | None = None, recipient_private_key: Buffer | None = None
) -> bytes:
    """The AES key for `header`: v1 needs the shared `key`; v2 derives it from `recipient_private_key`."""
    if header.version == ENCRYPTION_VERSION_V1:
        if key is None:
            raise InvalidInput("a v1 encrypted file needs the 32-byte encryption key")
        return _check_key(bytes(key))
    if recipient_private_key is None or header.ephemeral_public_key is None:
        raise InvalidInput("a v2 encrypted file needs the recipient's private key")
    return derive_ecies_key(recipient_private_key, header.ephemeral_public_key)


class Encryptor:
    """Streaming encryption: `update` returns the header on its first call, then ciphertext; `finalize` closes.

    The pieces concatenated are exactly `encrypt_bytes(key, plaintext, header)`; pieces may be any size.
    """

    def __init__(self, key: Buffer, header: EncryptionHeader | None = None) -> None:
        self.header = new_header_v1() if header is None else header
        self._context: CipherContext | None = _ctr_context(_check_key(bytes(key)), self.header.nonce, 0)
        self._header_sent = False
        self._offset = 0

    @property
    def plaintext_offset(self) -> int:
        """Plaintext bytes encrypted so far."""
        return self._offset

    def update(self, data: Buffer) -> bytes:
        """Encrypt the next piece of plaintext; the first call's output starts with the header."""
        if self._context is None:
            raise InvalidInput("this Encryptor is finalized")
        self._offset += len(data)
        return self._take_header() + self._context.update(data)

    def finalize(self) -> bytes:
        """End the stream: returns the header if nothing was output yet (an empty file), else nothing."""
        if self._context is None:
            raise InvalidInput("this Encryptor is finalized")
        tail = self._take_header() + self._context.finalize()
        self._context = None
        return tail

    def _take_header(self) -> bytes:
        if self._header_sent:
            return b""
        self._header_sent = True
        return self.header.to_bytes()


def encrypt_stream(key: Buffer, pieces: Iterable[Buffer], header: EncryptionHeader | None = None) -> Iterator[bytes]:
    """Yield the stored file piece by piece: the header first, then the ciphertext of each plaintext piece."""
    encryptor = Encryptor(key, header)
    yield encryptor.update(b"")
    for piece in pieces:
        if out := encryptor.update(piece):
            yield out
    if tail := encryptor.finalize():
        yield tail  # pragma: no cover - CTR leaves nothing buffered


class Decryptor:
    """Streaming decryption of a stored file fed in order, in pieces of any size.

    The header is buffered until complete; then the AES key is resolved (v1: `key`; v2: `recipient_private_key`)
    and every later byte decrypts as it arrives.
    """

    def __init__(self, key: Buffer | None = None, *, recipient_private_key: Buffer | None = None) -> None:
        if key is not None:
            _check_key(bytes(key))
        self._key = None if key is None else bytes(key)
        self._recipient_private_key = None if recipient_private_key is None else bytes(recipient_private_key)
        self._pending = bytearray()
        self._header: EncryptionHeader | None = None
        self._context: CipherContext | None = None
        self._finalized = False

    @property
    def header(self) -> EncryptionHeader | None:
        """The parsed header, once its bytes have arrived."""
        return self._header

    def update(self, data: Buffer) -> bytes:
        """Decrypt the next piece of the stored file; returns the plaintext it completes (maybe empty)."""
        if self._finalized:
            raise InvalidInput("this Decryptor is finalized")
        if self._context is not None:
            return self._context.update(data)
        self._pending += data
        # Wait for the whole header; an unknown version byte fails at once in the parse.
        if not self._pending or len(self._pending) < _HEADER_SIZES.get(self._pending[0], 0):
            return b""
        header = parse_encryption_header(self._pending)
        key = resolve_decryption_key(header, key=self._key, recipient_private_key=self._recipient_private_key)
        self._header = header
        self._context = _ctr_context(key, header.nonce, 0)
        rest = bytes(self._pending[header.size :])
        self._pending.clear()
        return self._context.update(rest)

    def finalize(self) -> bytes:
        """End the stream; raises InvalidInput if the header never arrived in full."""
        if self._finalized:
            raise InvalidInput("this Decryptor is finalized")
        self._finalized = True
        if self._context is None:
            raise InvalidInput(f"stream ended inside its encryption header, after {len(self._pending)} bytes")
        return self._context.finalize()


def _check_key(key: bytes) -> bytes:
    if len(key) != ENCRYPTION_KEY_SIZE:
        raise InvalidInput(f"an encryption key is {ENCRYPTION_KEY_SIZE} bytes (AES-256), not {len(key)}")
    return key


def _ctr_context(key: bytes, nonce: bytes, offset: int) -> CipherContext:
    # The counter block of byte `offset` is nonce + offset // 16 (128-bit big-endian, wrapping), as Go's CryptAt
    # computes it; OpenSSL then increments the whole 128-bit block, as Go's cipher.NewCTR does.
    block, skip = divmod(offset, _AES_BLOCK)
    counter = ((int.from_bytes(nonce, "big") + block) % _COUNTER_MODULUS).to_bytes(_AES_BLOCK, "big")
    context = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()
    if skip:
        context.update(bytes(skip))  # discard the keystream before `offset` within its block
    return context


def _private_key(private_key: Buffer) -> PrivateKey:
    raw = bytes(private_key)
    if len(raw) != 32 or not 0 < int.from_bytes(raw, "big") < _SECP256K1_ORDER:
        raise InvalidInput("a secp256k1 private key is 32 bytes, a scalar in [1, n-1]")
    return PrivateKey(raw)


def _public_key(public_key: Buffer) -> PublicKey:
    raw = bytes(public_key)
    if len(raw) == 64:
        raw = b"\x04" + raw  # bare x || y
    if len(raw) not in (33, 65):
        raise InvalidInput(f"a secp256k1 public key is 33, 64 or 65 bytes, not {len(raw)}")
    try:
        return PublicKey(raw)
    except ValueError as exc:
        raise InvalidInput("not a point on secp256k1") from exc
