"""PoRA (proof of random access): the pure rules that a 0G miner and the `PoraMine` contract share.

One iteration, for a 32-byte nonce:
1. `pad_seed = Blake2b-512(minerId ‖ nonce ‖ subtaskDigest ‖ rangeDigest)` (128 bytes in, 64 out).
2. The scratchpad: `d = pad_seed`, then 1024 times `d[0:32] = keccak(d); d[32:64] = keccak(d); append d`.
   That is 64 KiB, 16 pieces of 4 KiB; `recall_seed = keccak(d_final)`.
3. `chunk = ((recall_seed mod (mineLength / 1024)) & shardMask) | shardId` (u64 bit operations); the miner loads
   the 256 KiB sealed chunk at sector `startPosition + chunk * 1024`.
4. For each seal `i` of the chunk: `mixed = sealed_i XOR piece[i mod 16]` and
   `quality = uint256(Blake2b-512(u256(i) ‖ pad_seed ‖ 0^32 ‖ mixed)[0:32])` (4224 bytes in).
5. A hit is `quality <= (poraTarget / scaleX64) << 64`; the answer names `recallPosition = chunk start + 16 i`
   and `sealOffset = i`.

The contract recomputes only the scratchpad piece it needs (`compute_scratchpad_and_mix`) and returns the 32-byte
quality as `bytes32` (`compute_pora_hash`); it also remembers that output so one answer is paid once.

Sources: 0g-storage-contracts `contracts/miner/Mine.sol` (0gfoundation be704852), `MineLib.sol` (keccak scratchpad
version), `RecallRange.sol` (0glabs dbeff538), `utils/ZgsSpec.sol` (0glabs 171cebff); 0g-storage-node
`node/miner/src/pora.rs` (bf4b7fdf), `mine.rs` (0gfoundation 5c683bba), `recall_range.rs` (2262bc3f).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from zerog.crypto import keccak256
from zerog.errors import InvalidInput, InvalidProof
from zerog.spec import (
    BHASHES_PER_SCRATCHPAD,
    BHASHES_PER_SEAL,
    BYTES_PER_BHASH,
    BYTES_PER_HASH,
    BYTES_PER_SCRATCHPAD,
    BYTES_PER_SEAL,
    MAX_MINING_LENGTH_SECTORS,
    SEALS_PER_PAD,
    SEALS_PER_SEGMENT,
    SECTORS_PER_PRICING_CHUNK,
    SECTORS_PER_SEAL,
    SECTORS_PER_SEGMENT,
    ShardConfig,
)

__all__ = [
    "BYTES_PER_PAD_SEED",
    "PoraHit",
    "RecallRange",
    "compute_batch_nonce",
    "compute_max_end_position",
    "compute_miner_id",
    "compute_mixed_seal",
    "compute_pad_seed",
    "compute_pora_hash",
    "compute_quality",
    "compute_recall_chunk_offset",
    "compute_recall_position",
    "compute_recall_range",
    "compute_scale_x64",
    "compute_scratchpad",
    "compute_scratchpad_and_mix",
    "compute_subtask_digest",
    "compute_subtask_index",
    "compute_subtask_start",
    "compute_target_quality",
    "is_in_subtask_window",
    "run_pora_iteration",
    "search_chunk",
    "verify_pora_answer",
]

BYTES_PER_PAD_SEED = 64
"""A pad seed is one Blake2b-512 digest."""
_BYTES_PER_ADDRESS = 20
_U64_MASK = (1 << 64) - 1
_U256_LIMIT = 1 << 256


def _require_bytes(value: bytes, size: int, what: str) -> None:
    if len(value) != size:
        raise InvalidInput(f"{what} is {size} bytes, got {len(value)}")


def _require_uint(value: int, bits: int, what: str) -> None:
    if not 0 <= value < 1 << bits:
        raise InvalidInput(f"{what} is a u{bits}, got {value}")


def _u256(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _xor(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(len(left), "big")


def _blake2b_512(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=64).digest()


# --- Miner id and subtasks (Mine.sol `requestMinerId`, `getSubtaskDigest`) ---


def compute_miner_id(parent_block_hash: bytes, sender: bytes, seed: int) -> bytes:
    """A miner id: keccak(abi.encodePacked(blockhash(n - 1), msg.sender, uint64 seed)), 60 bytes in."""
    _require_bytes(parent_block_hash, BYTES_PER_HASH, "a block hash")
    _require_bytes(sender, _BYTES_PER_ADDRESS, "an address")
    _require_uint(seed, 64, "a miner id seed")
    return keccak256(parent_block_hash + sender + seed.to_bytes(8, "big"))


def compute_subtask_index(context_digest: bytes, miner_id: bytes, n_subtasks: int) -> int:
    """Which of the epoch's subtasks a miner works in: keccak(abi.encode(ctx.digest, minerId)) mod nSubtasks."""
    _require_bytes(context_digest, BYTES_PER_HASH, "a context digest")
    _require_bytes(miner_id, BYTES_PER_HASH, "a miner id")
    if n_subtasks <= 0:
        raise InvalidInput(f"an epoch has at least one subtask, got {n_subtasks}")
    return int.from_bytes(keccak256(context_digest + miner_id), "big") % n_subtasks


def compute_subtask_start(mine_start: int, index: int, subtask_interval: int) -> int:
    """The block a subtask starts at: ctx.mineStart + index * subtaskInterval."""
    if mine_start < 0 or index < 0 or subtask_interval < 0:
        raise InvalidInput("mine start, subtask index and interval are non-negative")
    return mine_start + index * subtask_interval


def is_in_subtask_window(block_number: int, subtask_start: int, target_mine_blocks: int) -> bool:
    """Whether a submission in `block_number` is in time: subtaskStart < block <= subtaskStart + targetMineBlocks."""
    return subtask_start < block_number <= subtask_start + target_mine_blocks


def compute_subtask_digest(context_digest: bytes, start_block_hash: bytes) -> bytes:
    """The digest a subtask mines on: keccak(abi.encode(ctx.digest, blockhash(subtaskStart)))."""
    _require_bytes(context_digest, BYTES_PER_HASH, "a context digest")
    _require_bytes(start_block_hash, BYTES_PER_HASH, "a block hash")
    return keccak256(context_digest + start_block_hash)


# --- Recall range (RecallRange.sol; node mine.rs `to_valid_range`) ---


def compute_max_end_position(flow_length: int) -> int:
    """The end of the minable flow: its length rounded down to whole 256 KiB segments (Mine.sol `maxLength`)."""
    if flow_length < 0:
        raise InvalidInput(f"a flow length is non-negative, got {flow_length}")
    return flow_length // SECTORS_PER_SEGMENT * SECTORS_PER_SEGMENT


@dataclass(frozen=True, slots=True)
class RecallRange:
    """The part of the flow a miner draws recall positions from, in sectors (the contract's `RecallRange`)."""

    start_position: int
    """First sector; a multiple of the 8 GiB pricing chunk (2^25 sectors)."""
    mine_length: int
    """Sectors in the range; the contract requires the full allowed window."""
    shard_id: int
    """u64: the low bits every recalled segment offset carries; zero where `shard_mask` is set."""
    shard_mask: int
    """u64: the segment-offset bits the seed chooses; `~(num_shard - 1)` for a node holding 1/num_shard."""

    def __post_init__(self) -> None:
        _require_uint(self.start_position, 256, "a start position")
        _require_uint(self.mine_length, 256, "a mine length")
        _require_uint(self.shard_id, 64, "a shard id")
        _require_uint(self.shard_mask, 64, "a shard mask")

    @property
    def num_shards(self) -> int:
        """2^(number of zero bits in the u64 shard mask)."""
        return 1 << (~self.shard_mask & _U64_MASK).bit_count()

    def digest(self) -> bytes:
        """keccak(abi.encode(startPosition, mineLength, shardId, shardMask)): four big-endian 32-byte words."""
        return keccak256(
            _u256(self.start_position) + _u256(self.mine_length) + _u256(self.shard_id) + _u256(self.shard_mask)
        )

    def validate(self, flow_length: int, max_shards: int) -> None:
        """The contract's checks (`RecallRangeLib.check`, then `numShards <= maxShards`), with its revert reasons."""
        max_end = compute_max_end_position(flow_length)
        max_length = MAX_MINING_LENGTH_SECTORS * self.num_shards
        if self.start_position % SECTORS_PER_PRICING_CHUNK:
            raise InvalidInput(f"Start position is not aligned: {self.start_position}")
        if self.start_position + self.mine_length > max_end:
            raise InvalidInput(f"Mining range overflow: {self.start_position} + {self.mine_length} > {max_end}")
        if self.mine_length > max_length:
            raise InvalidInput(f"Mining range too long: {self.mine_length} > {max_length}")
        if self.mine_length < min(max_end, max_length):
            raise InvalidInput(f"Mining range too short: {self.mine_length} < {min(max_end, max_length)}")
        if self.shard_id & self.shard_mask:
            raise InvalidInput(f"Masked bits should be zero: id {self.shard_id:#x}, mask {self.shard_mask:#x}")
        if self.num_shards > max_shards:
            raise InvalidInput(f"Exceeding the allowed number of shards: {self.num_shards} > {max_shards}")


def compute_recall_range(flow_length: int, shard: ShardConfig, start_position: int = 0) -> RecallRange:
    """The range 0G's node mines: the full allowed window for its shard, from `start_position` (default 0).

    mineLength = min(maxEnd, 2^35 * numShards); start = min(start_position, maxEnd - mineLength) rounded down to a
    pricing chunk; shardMask = ~(numShard - 1) as u64; shardId = the node's shard id.
    """
    if start_position < 0:
        raise InvalidInput(f"a start position is non-negative, got {start_position}")
    max_end = compute_max_end_position(flow_length)
    mine_length = min(max_end, MAX_MINING_LENGTH_SECTORS * shard.num_shard)
    if mine_length == 0:
        raise InvalidInput(f"a flow of {flow_length} sectors has no whole segment to mine")
    start = min(start_position, max_end - mine_length) // SECTORS_PER_PRICING_CHUNK * SECTORS_PER_PRICING_CHUNK
    return RecallRange(start, mine_length, shard.shard_id, ~(shard.num_shard - 1) & _U64_MASK)


# --- Scratchpad and recall position ---


def compute_pad_seed(miner_id: bytes, nonce: bytes, subtask_digest: bytes, range_digest: bytes) -> bytes:
    """pad_seed = Blake2b-512(minerId ‖ nonce ‖ subtaskDigest ‖ rangeDigest), unkeyed."""
    _require_bytes(miner_id, BYTES_PER_HASH, "a miner id")
    _require_bytes(nonce, BYTES_PER_HASH, "a nonce")
    _require_bytes(subtask_digest, BYTES_PER_HASH, "a subtask digest")
    _require_bytes(range_digest, BYTES_PER_HASH, "a range digest")
    return _blake2b_512(miner_id + nonce + subtask_digest + range_digest)


def _advance_pad_digest(digest: bytes, rounds: int) -> bytes:
    """MineLib `scratchPadHash`: `rounds` times, d[0:32] = keccak(d) and then d[32:64] = keccak(d)."""
    for _ in range(rounds):
        first = keccak256(digest)
        digest = first + keccak256(first + digest[32:])
    return digest


def compute_scratchpad(pad_seed: bytes) -> tuple[bytes, bytes]:
    """The 64 KiB scratchpad (1024 cells of 64 bytes, each the pad digest after one more round) and the recall seed.

    recall_seed = keccak(last cell), as the contract's `keccak256(abi.encode(padDigest))`.
    """
    _require_bytes(pad_seed, BYTES_PER_PAD_SEED, "a pad seed")
    cells = []
    digest = pad_seed
    for _ in range(BHASHES_PER_SCRATCHPAD):
        digest = _advance_pad_digest(digest, 1)
        cells.append(digest)
    return b"".join(cells), keccak256(digest)


def compute_scratchpad_and_mix(sealed_seal: bytes, seal_offset: int, pad_seed: bytes) -> tuple[bytes, bytes]:
    """What the contract recomputes for one answer: (recall seed, mixed seal), without the full scratchpad.

    MineLib `computeScratchPadAndMix`: skip (sealOffset mod 16) * 64 rounds, mix the next 64 rounds into the seal
    two 32-byte words at a time, then run the remaining (16 - skip - 1) * 64 rounds to reach the recall seed.
    Equal to `compute_scratchpad` followed by `compute_mixed_seal`.
    """
    _require_bytes(sealed_seal, BYTES_PER_SEAL, "a sealed seal")
    _require_bytes(pad_seed, BYTES_PER_PAD_SEED, "a pad seed")
    if seal_offset < 0:
        raise InvalidInput(f"a seal offset is non-negative, got {seal_offset}")
    skip = seal_offset % SEALS_PER_PAD
    digest = _advance_pad_digest(pad_seed, skip * BHASHES_PER_SEAL)
    mixed = []
    for cell in range(BHASHES_PER_SEAL):
        digest = _advance_pad_digest(digest, 1)
        mixed.append(_xor(digest, sealed_seal[cell * BYTES_PER_BHASH : (cell + 1) * BYTES_PER_BHASH]))
    digest = _advance_pad_digest(digest, (SEALS_PER_PAD - skip - 1) * BHASHES_PER_SEAL)
    return keccak256(digest), b"".join(mixed)


def compute_recall_chunk_offset(recall_seed: bytes, recall_range: RecallRange) -> int:
    """The recalled segment's offset in the range: ((seed mod (mineLength / 1024)) & shardMask) | shardId, u64."""
    _require_bytes(recall_seed, BYTES_PER_HASH, "a recall seed")
    segments = recall_range.mine_length // SECTORS_PER_SEGMENT
    if segments == 0:
        raise InvalidInput(f"a mine length of {recall_range.mine_length} sectors holds no whole segment")
    origin = int.from_bytes(recall_seed, "big") % segments & _U64_MASK
    return (origin & recall_range.shard_mask) | recall_range.shard_id


def _bounded_recall_position(recall_seed: bytes, recall_range: RecallRange) -> int | None:
    offset = compute_recall_chunk_offset(recall_seed, recall_range)
    # The contract's bound is `<=`: the offset just past the range passes, anything further reverts.
    if offset * SECTORS_PER_SEGMENT > recall_range.mine_length:
        return None
    return recall_range.start_position + offset * SECTORS_PER_SEGMENT


def compute_recall_position(recall_seed: bytes, recall_range: RecallRange) -> int:
    """The first sector of the 256 KiB chunk to load: startPosition + chunkOffset * 1024 (`recallChunk`)."""
    position = _bounded_recall_position(recall_seed, recall_range)
    if position is None:
        raise InvalidInput("Recall position out of bound: the shard id lies past the end of the range")
    return position


# --- Quality ---


def compute_mixed_seal(sealed_seal: bytes, scratchpad: bytes, seal_index: int) -> bytes:
    """Seal `seal_index` of a chunk XOR scratchpad piece (seal_index mod 16)."""
    _require_bytes(sealed_seal, BYTES_PER_SEAL, "a sealed seal")
    _require_bytes(scratchpad, BYTES_PER_SCRATCHPAD, "a scratchpad")
    if seal_index < 0:
        raise InvalidInput(f"a seal index is non-negative, got {seal_index}")
    piece = seal_index % SEALS_PER_PAD
    return _xor(sealed_seal, scratchpad[piece * BYTES_PER_SEAL : (piece + 1) * BYTES_PER_SEAL])


def compute_pora_hash(seal_index: int, pad_seed: bytes, mixed_seal: bytes) -> bytes:
    """The contract's PoRA output (MineLib `computePoraHash`): Blake2b-512(u256(i) ‖ padSeed ‖ 0^32 ‖ mixed)[0:32].

    Quality is this value read as a big-endian u256; the contract compares it with the target and records it so
    the same answer cannot be paid twice.
    """
    _require_uint(seal_index, 256, "a seal index")
    _require_bytes(pad_seed, BYTES_PER_PAD_SEED, "a pad seed")
    _require_bytes(mixed_seal, BYTES_PER_SEAL, "a mixed seal")
    return _blake2b_512(_u256(seal_index) + pad_seed + bytes(32) + mixed_seal)[:32]


def compute_quality(seal_index: int, pad_seed: bytes, mixed_seal: bytes) -> int:
    """A seal's quality: `compute_pora_hash` as a u256; smaller is better."""
    return int.from_bytes(compute_pora_hash(seal_index, pad_seed, mixed_seal), "big")


def compute_scale_x64(flow_length: int, num_shards: int) -> int:
    """How much harder a sharded miner's target is, as a 64.64 fixed point number (`targetScaleX64`).

    scaleX64 = (min(flowLength, 2^35) << 64) / min(flowLength / numShards, 2^35); at least 2^64.
    """
    if num_shards <= 0:
        raise InvalidInput(f"a miner holds at least one shard, got {num_shards}")
    actual = min(flow_length // num_shards, MAX_MINING_LENGTH_SECTORS)
    if actual <= 0:
        raise InvalidInput(f"a flow of {flow_length} sectors is too short for {num_shards} shards")
    return (min(flow_length, MAX_MINING_LENGTH_SECTORS) << 64) // actual


def compute_target_quality(pora_target: int, scale_x64: int) -> int:
    """The quality a hit must not exceed: (poraTarget / scaleX64) << 64, wrapping at 2^256 like the EVM shift."""
    _require_uint(pora_target, 256, "a PoRA target")
    if scale_x64 <= 0:
        raise InvalidInput(f"a target scale is positive, got {scale_x64}")
    return ((pora_target // scale_x64) << 64) % _U256_LIMIT


# --- One iteration ---


@dataclass(frozen=True, slots=True)
class PoraHit:
    """A seal whose quality reached the target: what the miner proves and submits."""

    nonce: bytes
    """The 32-byte nonce of the iteration."""
    recall_position: int
    """First sector of the winning seal: the recalled chunk's start + 16 * seal_offset."""
    seal_offset: int
    """Index of the winning seal in its 256 KiB chunk (0..63)."""
    quality: int
    """The seal's quality (its PoRA hash as a u256)."""


def search_chunk(pad_seed: bytes, scratchpad: bytes, sealed_chunk: bytes, target_quality: int) -> list[tuple[int, int]]:
    """(seal index, quality) of every seal of `sealed_chunk` (whole seals, up to 64) with quality <= target."""
    _require_bytes(pad_seed, BYTES_PER_PAD_SEED, "a pad seed")
    _require_bytes(scratchpad, BYTES_PER_SCRATCHPAD, "a scratchpad")
    _require_uint(target_quality, 256, "a target quality")
    if len(sealed_chunk) % BYTES_PER_SEAL or len(sealed_chunk) > SEALS_PER_SEGMENT * BYTES_PER_SEAL:
        raise InvalidInput(f"a sealed chunk is up to {SEALS_PER_SEGMENT} whole seals, got {len(sealed_chunk)} bytes")
    hits = []
    for index in range(len(sealed_chunk) // BYTES_PER_SEAL):
        sealed_seal = sealed_chunk[index * BYTES_PER_SEAL : (index + 1) * BYTES_PER_SEAL]
        quality = compute_quality(index, pad_seed, compute_mixed_seal(sealed_seal, scratchpad, index))
        if quality <= target_quality:
            hits.append((index, quality))
    return hits


def run_pora_iteration(
    miner_id: bytes,
    nonce: bytes,
    subtask_digest: bytes,
    recall_range: RecallRange,
    load_sealed_chunk: Callable[[int], bytes | None],
    target_quality: int,
) -> PoraHit | None:
    """One PoRA iteration: the first seal of the recalled chunk that reaches the target, or None.

    `load_sealed_chunk(sector)` returns the sealed bytes this miner holds from that sector (whole seals), or None if
    it does not hold them. A recall the contract would reject ("Recall position out of bound") is no hit.
    """
    pad_seed = compute_pad_seed(miner_id, nonce, subtask_digest, recall_range.digest())
    scratchpad, recall_seed = compute_scratchpad(pad_seed)
    position = _bounded_recall_position(recall_seed, recall_range)
    if position is None:
        return None
    sealed_chunk = load_sealed_chunk(position)
    if sealed_chunk is None:
        return None
    hits = search_chunk(pad_seed, scratchpad, sealed_chunk, target_quality)
    if not hits:
        return None
    seal_offset, quality = hits[0]
    return PoraHit(nonce, position + seal_offset * SECTORS_PER_SEAL, seal_offset, quality)


def compute_batch_nonce(nonce: bytes, index: int) -> bytes:
    """The node's nonce for iteration `index` of a batch: the first 8 bytes XOR index (little-endian u64).

    0G's node (`batch_iteration`) XORs `index.to_ne_bytes()` into the nonce; its targets are little-endian.
    This is a node convention, not a consensus rule: any 32-byte nonce is valid.
    """
    _require_bytes(nonce, BYTES_PER_HASH, "a nonce")
    _require_uint(index, 64, "a batch index")
    return _xor(nonce[:8], index.to_bytes(8, "little")) + nonce[8:]


def verify_pora_answer(
    miner_id: bytes,
    nonce: bytes,
    subtask_digest: bytes,
    recall_range: RecallRange,
    recall_position: int,
    seal_offset: int,
    sealed_seal: bytes,
) -> bytes:
    """Check an answer's recall position as `PoraMine.pora` does and return its PoRA output (32 bytes).

    The recall position must be `recallChunk(keccak(padDigest)) + sealOffset * 16`; the caller compares the output
    with `compute_target_quality` and checks the range, seal and Merkle proof separately.
    """
    if miner_id == bytes(BYTES_PER_HASH):
        raise InvalidInput("Miner ID cannot be empty")
    pad_seed = compute_pad_seed(miner_id, nonce, subtask_digest, recall_range.digest())
    recall_seed, mixed = compute_scratchpad_and_mix(sealed_seal, seal_offset, pad_seed)
    expected = _bounded_recall_position(recall_seed, recall_range)
    if expected is None:
        raise InvalidProof("Recall position out of bound")
    if recall_position != expected + seal_offset * SECTORS_PER_SEAL:
        raise InvalidProof(f"Incorrect recall position: {recall_position}, expected {expected} + 16 * {seal_offset}")
    return compute_pora_hash(seal_offset, pad_seed, mixed)
