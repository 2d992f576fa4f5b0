"""0G storage constants. These never change: they are part of the wire and on-chain formats.

Sources: 0g-storage-contracts `ZgsSpec.sol`, `Submission.sol`, `FlowTreeLib.sol`; 0g-storage-node
`common/spec`; see docs/specs/storage-formats.md.
"""

from typing import Final

# Data layout
BYTES_PER_SECTOR: Final = 256
"""A sector (also "chunk" or "entry") is the leaf unit of every Merkle tree."""
SECTORS_PER_SEGMENT: Final = 1024
BYTES_PER_SEGMENT: Final = BYTES_PER_SECTOR * SECTORS_PER_SEGMENT  # 256 KiB
SEGMENT_TREE_HEIGHT: Final = 10
"""log2(SECTORS_PER_SEGMENT): a full segment is a perfect subtree of this height."""
BYTES_PER_HASH: Final = 32

# PoRA sealing and pricing (used by mining and the reward contract)
BYTES_PER_SEAL: Final = 4096
SECTORS_PER_SEAL: Final = BYTES_PER_SEAL // BYTES_PER_SECTOR  # 16
SEALS_PER_SEGMENT: Final = BYTES_PER_SEGMENT // BYTES_PER_SEAL  # 64
BYTES_PER_SCRATCHPAD: Final = 64 * 1024
"""PoRA scratchpad: ZgsSpec.sol `BYTES_PER_PAD = 64 KB`, node `common/spec` `BYTES_PER_SCRATCHPAD = 64 * KB`."""
SEALS_PER_PAD: Final = BYTES_PER_SCRATCHPAD // BYTES_PER_SEAL  # 16
PADS_PER_SEGMENT: Final = BYTES_PER_SEGMENT // BYTES_PER_SCRATCHPAD  # 4 (ZgsSpec `PADS_PER_LOAD`)
BYTES_PER_UNIT: Final = 32
"""A seal is hashed and sealed as 32-byte words ("units")."""
UNITS_PER_SEAL: Final = BYTES_PER_SEAL // BYTES_PER_UNIT  # 128
BYTES_PER_BHASH: Final = 64
"""One scratchpad cell: a 64-byte digest pair ("bhash" in ZgsSpec)."""
BHASHES_PER_SEAL: Final = BYTES_PER_SEAL // BYTES_PER_BHASH  # 64
BHASHES_PER_SCRATCHPAD: Final = BYTES_PER_SCRATCHPAD // BYTES_PER_BHASH  # 1024
SECTORS_PER_PRICING_CHUNK: Final = 1 << 25
BYTES_PER_PRICING_CHUNK: Final = BYTES_PER_SECTOR * SECTORS_PER_PRICING_CHUNK  # 8 GiB
MAX_MINING_LENGTH_SECTORS: Final = 1 << 35  # 8 TiB per shard
SECONDS_PER_MONTH: Final = 31 * 86400
"""ZgsSpec.sol: a reward month is 31 days; `releaseSeconds = lifetimeMonth * SECONDS_PER_MONTH`."""

# Submissions (Submission.sol)
MAX_SUBMISSION_DEPTH: Final = 64
"""A submission node's height must be below this."""
MAX_SUBMISSION_HEIGHT_SPAN: Final = 4
"""Heights of one submission span fewer than this many levels (`MAX_LENGTH`)."""
MAX_SUBMISSION_NODES: Final = MAX_SUBMISSION_HEIGHT_SPAN

# Flow padding: a file of n chunks is padded to a multiple of next_pow2(n) / PADDING_DIVISOR chunks.
PADDING_DIVISOR: Final = 16

# Hashes
EMPTY_HASH: Final = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
"""keccak256 of the empty string; the contract's `EMPTY_HASH` (an epoch with no context digest)."""
FLOW_FIRST_LEAF: Final = bytes(32)
"""Sector 0 of the flow is this literal leaf, not the hash of a zero sector."""

# Client defaults (0g-storage-client)
DEFAULT_FRAGMENT_SIZE_BYTES: Final = 4 * 1024**3
MAX_PRE_TX_CACHE_FILE_SIZE_BYTES: Final = 10 * 1024**2

# Epoch context window (Flow.sol): a context digest needs the epoch's block hash, reachable for this many blocks.
BLOCKHASH_HISTORY_BLOCKS: Final = 8191
