"""Fast paths of PoRA mining and sealing on the native core (`zerog.native._keccak`, C with AVX-512/AVX2 lanes).

Each function has the signature and the exact output of its pure-Python twin in `zerog.mining.pora` or
`zerog.mining.seal`, which stay the readable reference; tests check both agree bit for bit on random input. When the
core was not built, or ZEROG_NO_NATIVE=1 is set, `is_available()` is False and every function here runs the pure
twin, so callers can always import from this module.

Throughput comes from batching: one scratchpad is 2048 chained keccaks, so `compute_pora_pads` runs one nonce per
SIMD lane (8 with AVX-512); `search_chunk` hashes 8 seals at once. The C code releases the GIL, so a second mining
thread uses the second core.
"""

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zerog.errors import InvalidInput
from zerog.mining import pora
from zerog.mining.seal import seal_chunk as seal_chunk_reference
from zerog.mining.seal import unseal_chunk as unseal_chunk_reference
from zerog.spec import (
    BYTES_PER_HASH,
    BYTES_PER_SCRATCHPAD,
    BYTES_PER_SEAL,
    SEALS_PER_SEGMENT,
    SECTORS_PER_SEAL,
    SECTORS_PER_SEGMENT,
)

try:
    from zerog.native import _keccak
except ImportError:  # zerog installs without a C compiler; the pure twins then do the work
    _BUILT = False
else:
    _BUILT = True

__all__ = [
    "PoraPad",
    "compute_pora_pads",
    "compute_scratchpad",
    "is_available",
    "run_pora_batch",
    "seal_chunk",
    "search_chunk",
    "simd_lanes",
    "unseal_chunk",
]

Buffer = bytes | bytearray | memoryview

_U64_LIMIT = 1 << 64
_U256_LIMIT = 1 << 256

_NATIVE = _BUILT and not os.environ.get("ZEROG_NO_NATIVE")


def is_available() -> bool:
    """Whether the native core is in use (built, and not disabled with ZEROG_NO_NATIVE=1)."""
    return _NATIVE


def simd_lanes() -> int:
    """Independent messages hashed per vector pass: 8 (AVX-512), 4 (AVX2) or 1 (scalar or pure Python)."""
    return _keccak.simd_lanes() if _NATIVE else 1


def _require_size(value: Buffer, size: int, what: str) -> None:
    if len(value) != size:
        raise InvalidInput(f"{what} is {size} bytes, got {len(value)}")


@dataclass(frozen=True, slots=True)
class PoraPad:
    """What one PoRA iteration derives from its nonce before it loads any data."""

    nonce: bytes
    """The 32-byte nonce."""
    pad_seed: bytes
    """Blake2b-512(minerId ‖ nonce ‖ subtaskDigest ‖ rangeDigest), 64 bytes."""
    scratchpad: memoryview
    """The 64 KiB scratchpad (a view into the batch's buffer, not a copy)."""
    recall_seed: bytes
    """keccak of the last scratchpad cell: picks the chunk to load."""


def compute_pora_pads(
    miner_id: bytes, nonces: Sequence[bytes], subtask_digest: bytes, range_digest: bytes
) -> list[PoraPad]:
    """Pad seed, scratchpad and recall seed of each nonce (`pora.compute_pad_seed` + `compute_scratchpad`).

    The nonces run side by side in the SIMD lanes: pass 8 per call (a full AVX-512 batch). Larger batches work but
    run about 10% slower, as their 64 KiB scratchpads are colder by the time `search_chunk` reads them.
    """
    _require_size(miner_id, BYTES_PER_HASH, "a miner id")
    _require_size(subtask_digest, BYTES_PER_HASH, "a subtask digest")
    _require_size(range_digest, BYTES_PER_HASH, "a range digest")
    for nonce in nonces:
        _require_size(nonce, BYTES_PER_HASH, "a nonce")
    if not _NATIVE:
        pads = []
        for nonce in nonces:
            pad_seed = pora.compute_pad_seed(miner_id, nonce, subtask_digest, range_digest)
            scratchpad, recall_seed = pora.compute_scratchpad(pad_seed)
            pads.append(PoraPad(bytes(nonce), pad_seed, memoryview(scratchpad), recall_seed))
        return pads
    pad_seeds, recall_seeds, scratchpads = _keccak.pora_iterate(
        miner_id, subtask_digest, range_digest, b"".join(nonces)
    )
    view = memoryview(scratchpads)
    return [
        PoraPad(
            bytes(nonce),
            pad_seeds[64 * i : 64 * (i + 1)],
            view[BYTES_PER_SCRATCHPAD * i : BYTES_PER_SCRATCHPAD * (i + 1)],
            recall_seeds[32 * i : 32 * (i + 1)],
        )
        for i, nonce in enumerate(nonces)
    ]


def compute_scratchpad(pad_seed: bytes) -> tuple[bytes, bytes]:
    """(64 KiB scratchpad, recall seed) of one pad seed, as `pora.compute_scratchpad`.

    One scratchpad is a single chain of hashes, so it runs in one lane; prefer `compute_pora_pads` for throughput.
    """
    _require_size(pad_seed, pora.BYTES_PER_PAD_SEED, "a pad seed")
    if not _NATIVE:
        return pora.compute_scratchpad(pad_seed)
    return _keccak.pora_scratchpad(pad_seed)


def search_chunk(
    pad_seed: Buffer, scratchpad: Buffer, sealed_chunk: Buffer, target_quality: int
) -> list[tuple[int, int]]:
    """(seal index, quality) of every seal of `sealed_chunk` (whole seals, up to 64) with quality <= target."""
    _require_size(pad_seed, pora.BYTES_PER_PAD_SEED, "a pad seed")
    _require_size(scratchpad, BYTES_PER_SCRATCHPAD, "a scratchpad")
    if not 0 <= target_quality < _U256_LIMIT:
        raise InvalidInput(f"a target quality is a u256, got {target_quality}")
    if len(sealed_chunk) % BYTES_PER_SEAL or len(sealed_chunk) > SEALS_PER_SEGMENT * BYTES_PER_SEAL:
        raise InvalidInput(f"a sealed chunk is up to {SEALS_PER_SEGMENT} whole seals, got {len(sealed_chunk)} bytes")
    if not _NATIVE:
        return pora.search_chunk(bytes(pad_seed), bytes(scratchpad), bytes(sealed_chunk), target_quality)
    hits = _keccak.pora_search(pad_seed, scratchpad, sealed_chunk, target_quality.to_bytes(32, "big"))
    return [(index, int.from_bytes(quality, "big")) for index, quality in hits]


def run_pora_batch(
    miner_id: bytes,
    nonces: Sequence[bytes],
    subtask_digest: bytes,
    recall_range: pora.RecallRange,
    load_sealed_chunk: Callable[[int], bytes | None],
    target_quality: int,
) -> pora.PoraHit | None:
    """`pora.run_pora_iteration` over `nonces` in order: the first hit, or None if no nonce hits."""
    pads = compute_pora_pads(miner_id, nonces, subtask_digest, recall_range.digest())
    for pad in pads:
        offset = pora.compute_recall_chunk_offset(pad.recall_seed, recall_range)
        if offset * SECTORS_PER_SEGMENT > recall_range.mine_length:
            continue  # "Recall position out of bound" on chain (`pora.compute_recall_position`): no hit
        position = recall_range.start_position + offset * SECTORS_PER_SEGMENT
        sealed_chunk = load_sealed_chunk(position)
        if sealed_chunk is None:
            continue
        hits = search_chunk(pad.pad_seed, pad.scratchpad, sealed_chunk, target_quality)
        if hits:
            seal_offset, quality = hits[0]
            return pora.PoraHit(pad.nonce, position + seal_offset * SECTORS_PER_SEAL, seal_offset, quality)
    return None


def _native_seal_args(data: Buffer, miner_id: bytes, context_digest: bytes, first_sector: int) -> bool:
    """Check the arguments as the pure code does; False when the sectors need more than 64 bits (pure path)."""
    if len(data) % BYTES_PER_SEAL:
        raise InvalidInput(f"a run of seals is a multiple of {BYTES_PER_SEAL} bytes, got {len(data)}")
    if first_sector < 0 or first_sector % SECTORS_PER_SEAL:
        raise InvalidInput(f"a seal starts at a multiple of {SECTORS_PER_SEAL} sectors, got sector {first_sector}")
    if not data:
        return False  # nothing to seal; the pure code checks no key either
    _require_size(miner_id, BYTES_PER_HASH, "a miner id")
    _require_size(context_digest, BYTES_PER_HASH, "a context digest")
    last_sector = first_sector + (len(data) // BYTES_PER_SEAL - 1) * SECTORS_PER_SEAL
    return _NATIVE and last_sector < _U64_LIMIT


def seal_chunk(data: bytes, miner_id: bytes, context_digest: bytes, first_sector: int) -> bytes:
    """Seal consecutive whole seals starting at `first_sector`, as `seal.seal_chunk` (8 seals per vector pass)."""
    if _native_seal_args(data, miner_id, context_digest, first_sector):
        return _keccak.seal_chunk(data, miner_id, context_digest, first_sector)
    return seal_chunk_reference(bytes(data), miner_id, context_digest, first_sector)


def unseal_chunk(sealed: bytes, miner_id: bytes, context_digest: bytes, first_sector: int) -> bytes:
    """Invert `seal_chunk`, as `seal.unseal_chunk`; every word's mask is independent, so all lanes stay busy."""
    if _native_seal_args(sealed, miner_id, context_digest, first_sector):
        return _keccak.unseal_chunk(sealed, miner_id, context_digest, first_sector)
    return unseal_chunk_reference(bytes(sealed), miner_id, context_digest, first_sector)
