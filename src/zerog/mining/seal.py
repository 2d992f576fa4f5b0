"""Sealing: the per-miner mask over every 4 KiB seal that stops miners from sharing one copy of the data.

A seal is 128 words of 32 bytes. Word 0 is masked with keccak(minerId ‖ contextDigest ‖ u256(sector)); every later
word is masked with the keccak of the *sealed* word before it. Sealing is therefore sequential (128 keccaks per
seal), while unsealing needs only the sealed words, so the contract can check one seal cheaply.

`sector` is the first flow sector of the seal (a multiple of 16) and `context_digest` is the digest of the epoch whose
flow range holds the seal's last sector (the node's `queryContextAtPosition`, the contract's `sealedContextDigest`).

Sources: 0g-storage-node `common/zgs_seal/src/lib.rs` (9058467b) and `node/miner/src/sealer.rs` (193e1543);
0g-storage-contracts `contracts/miner/MineLib.sol` `unseal`.
"""

from zerog.crypto import keccak256
from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_HASH, BYTES_PER_SEAL, BYTES_PER_UNIT, SECTORS_PER_SEAL

__all__ = ["compute_seal_mask", "seal", "seal_chunk", "unseal", "unseal_chunk"]

_U256_LIMIT = 1 << 256


def _check_seal_key(miner_id: bytes, context_digest: bytes, sector: int) -> None:
    if len(miner_id) != BYTES_PER_HASH:
        raise InvalidInput(f"a miner id is 32 bytes, got {len(miner_id)}")
    if len(context_digest) != BYTES_PER_HASH:
        raise InvalidInput(f"a context digest is 32 bytes, got {len(context_digest)}")
    if not 0 <= sector < _U256_LIMIT:
        raise InvalidInput(f"a sector is a u256, got {sector}")
    if sector % SECTORS_PER_SEAL:
        raise InvalidInput(f"a seal starts at a multiple of {SECTORS_PER_SEAL} sectors, got sector {sector}")


def _xor32(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(BYTES_PER_UNIT, "big")


def compute_seal_mask(miner_id: bytes, context_digest: bytes, sector: int) -> bytes:
    """The mask of a seal's first word: keccak(abi.encode(minerId, contextDigest, sector))."""
    _check_seal_key(miner_id, context_digest, sector)
    return keccak256(miner_id + context_digest + sector.to_bytes(32, "big"))


def seal(data: bytes, miner_id: bytes, context_digest: bytes, sector: int) -> bytes:
    """Seal one 4096-byte seal: w'_0 = w_0 ^ mask, w'_j = w_j ^ keccak(w'_{j-1})."""
    if len(data) != BYTES_PER_SEAL:
        raise InvalidInput(f"a seal is {BYTES_PER_SEAL} bytes, got {len(data)}")
    mask = compute_seal_mask(miner_id, context_digest, sector)
    words = []
    for offset in range(0, BYTES_PER_SEAL, BYTES_PER_UNIT):
        sealed_word = _xor32(data[offset : offset + BYTES_PER_UNIT], mask)
        words.append(sealed_word)
        mask = keccak256(sealed_word)
    return b"".join(words)


def unseal(sealed: bytes, miner_id: bytes, context_digest: bytes, sector: int) -> bytes:
    """Invert `seal`: w_0 = w'_0 ^ mask, w_j = w'_j ^ keccak(w'_{j-1}); no word depends on unsealed data."""
    if len(sealed) != BYTES_PER_SEAL:
        raise InvalidInput(f"a seal is {BYTES_PER_SEAL} bytes, got {len(sealed)}")
    mask = compute_seal_mask(miner_id, context_digest, sector)
    words = []
    for offset in range(0, BYTES_PER_SEAL, BYTES_PER_UNIT):
        sealed_word = sealed[offset : offset + BYTES_PER_UNIT]
        words.append(_xor32(sealed_word, mask))
        mask = keccak256(sealed_word)
    return b"".join(words)


def _seal_count(data: bytes, first_sector: int) -> int:
    if len(data) % BYTES_PER_SEAL:
        raise InvalidInput(f"a run of seals is a multiple of {BYTES_PER_SEAL} bytes, got {len(data)}")
    if first_sector < 0 or first_sector % SECTORS_PER_SEAL:
        raise InvalidInput(f"a seal starts at a multiple of {SECTORS_PER_SEAL} sectors, got sector {first_sector}")
    return len(data) // BYTES_PER_SEAL


def seal_chunk(data: bytes, miner_id: bytes, context_digest: bytes, first_sector: int) -> bytes:
    """Seal consecutive whole seals starting at `first_sector`; each seal is keyed by its own first sector.

    All seals of the run share `context_digest`, so a caller splits a run at epoch boundaries.
    """
    return b"".join(
        seal(
            data[i * BYTES_PER_SEAL : (i + 1) * BYTES_PER_SEAL],
            miner_id,
            context_digest,
            first_sector + i * SECTORS_PER_SEAL,
        )
        for i in range(_seal_count(data, first_sector))
    )


def unseal_chunk(sealed: bytes, miner_id: bytes, context_digest: bytes, first_sector: int) -> bytes:
    """Invert `seal_chunk` for consecutive whole seals starting at `first_sector`."""
    return b"".join(
        unseal(
            sealed[i * BYTES_PER_SEAL : (i + 1) * BYTES_PER_SEAL],
            miner_id,
            context_digest,
            first_sector + i * SECTORS_PER_SEAL,
        )
        for i in range(_seal_count(sealed, first_sector))
    )
