"""DA quorums and certificates (docs/specs/da.md §3-4), pure: the same rules `DASignerRegistry`/`DAEntrance` run.

Each epoch a signer signs a fixed message with its BLS key; a BLS signature is unique and unpredictable without
the key, so it serves as a VRF. Its hash chain gives the signer one ballot per vote (votes ∝ stake). All ballots
sorted ascending are cut into quorums of 128; position j of a quorum owns row j. A blob's certificate is an
aggregate signature of signers owning at least `thresholdBps` of its quorum's rows.
"""

from collections.abc import Iterable, Sequence

from zerog.crypto import keccak256
from zerog.crypto.bls import BYTES_PER_G2_EIP2537, BYTES_PER_SIGNATURE, g2_to_eip2537
from zerog.errors import InvalidInput
from zerog.spec import parse_fixed_bytes

__all__ = [
    "BPS_DENOMINATOR",
    "DEFAULT_THRESHOLD_BPS",
    "EPOCH_MESSAGE_TAG",
    "ROWS_PER_QUORUM",
    "ballots",
    "certificate_message",
    "compute_owned_rows",
    "compute_votes",
    "draw_quorums",
    "epoch_message",
    "max_adversary_fraction",
    "meets_threshold",
    "rows_signed",
    "sampling_confidence",
    "signer_bitmap",
]

ROWS_PER_QUORUM = 128
"""One row owner per row of an encoded blob (= CELLS_PER_BLOB)."""
EPOCH_MESSAGE_TAG = b"zerog-da-epoch"
BPS_DENOMINATOR = 10_000
DEFAULT_THRESHOLD_BPS = 7_500
"""Signers owning 3/4 of the rows must sign: safe against an adversary with under 1/4 of them."""

_BYTES_PER_ADDRESS = 20
_MAX_UINT64 = 2**64 - 1
_MAX_UINT256 = 2**256 - 1


def epoch_message(chain_id: int, signer_address: bytes | str, epoch: int) -> bytes:
    """keccak256(abi.encodePacked("zerog-da-epoch", uint256 chainid, address signer, uint64 epoch)).

    `epoch` is the epoch being registered for (e + 1, sent during epoch e); the signer BLS-signs this with DST_SIG.
    """
    address = parse_fixed_bytes(signer_address, _BYTES_PER_ADDRESS, "a signer address")
    _check_uint(chain_id, _MAX_UINT256, "chain id")
    _check_uint(epoch, _MAX_UINT64, "epoch")
    return keccak256(EPOCH_MESSAGE_TAG + chain_id.to_bytes(32, "big") + address + epoch.to_bytes(8, "big"))


def ballots(signature: bytes, votes: int) -> list[bytes]:
    """A signer's ballots: b_0 = keccak256(sig as 256-byte EIP-2537 G2), b_j = keccak256(b_{j-1}); `votes` of them.

    `signature` is the epoch signature as the contract receives it (256 B EIP-2537) or compressed (96 B, then
    converted). The contract hashes the calldata bytes it verified, so both sides hash the same 256 bytes.
    """
    if len(signature) == BYTES_PER_SIGNATURE:
        signature = g2_to_eip2537(signature)
    elif len(signature) != BYTES_PER_G2_EIP2537:
        raise InvalidInput(f"an epoch signature is 96 B compressed or 256 B EIP-2537, got {len(signature)}")
    if votes < 0:
        raise InvalidInput(f"votes must be ≥ 0, got {votes}")
    chain: list[bytes] = []
    ballot = signature
    for _ in range(votes):
        ballot = keccak256(ballot)
        chain.append(ballot)
    return chain


def compute_votes(stake: int, tokens_per_vote: int, max_votes: int) -> int:
    """votes = min(stake // tokensPerVote, maxVotesPerSigner)."""
    if tokens_per_vote <= 0 or max_votes < 0 or stake < 0:
        raise InvalidInput("stake and max votes must be ≥ 0 and tokens per vote > 0")
    return min(stake // tokens_per_vote, max_votes)


def draw_quorums(registrants: Sequence[tuple[int, Sequence[bytes]]], max_quorums: int) -> list[list[int]]:
    """Row owners (signer indices, 128 per quorum) of an epoch's quorums, from each registrant's ballots.

    All ballots sorted ascending (ties by signer index) are cut into consecutive groups of 128, at most
    `max_quorums`. If there is room and a partial group is left, one more quorum is the last 128 ballots
    (overlapping the previous group). Fewer than 128 ballots make one quorum that cycles: owner j = ballots[j % n].
    """
    if max_quorums < 0:
        raise InvalidInput(f"max quorums must be ≥ 0, got {max_quorums}")
    ranked = sorted((ballot, signer) for signer, signer_ballots in registrants for ballot in signer_ballots)
    owners = [signer for _, signer in ranked]
    count = len(owners)
    if count == 0 or max_quorums == 0:
        return []
    if count < ROWS_PER_QUORUM:
        return [[owners[j % count] for j in range(ROWS_PER_QUORUM)]]
    full = min(count // ROWS_PER_QUORUM, max_quorums)
    quorums = [owners[q * ROWS_PER_QUORUM : (q + 1) * ROWS_PER_QUORUM] for q in range(full)]
    if count % ROWS_PER_QUORUM and full < max_quorums:
        quorums.append(owners[-ROWS_PER_QUORUM:])
    return quorums


def compute_owned_rows(owners: Sequence[int], signer: int) -> list[int]:
    """The rows of a quorum that `signer` owns (the rows it must verify, sign for and store)."""
    return [row for row, owner in enumerate(owners) if owner == signer]


def certificate_message(
    chain_id: int,
    entrance_address: bytes | str,
    epoch: int,
    quorum_id: int,
    data_root: bytes,
    commitments_hash: bytes,
) -> bytes:
    """keccak256(abi.encode(chainid, address(DAEntrance), epoch, quorumId, dataRoot, commitmentsHash)).

    Six 32-byte words; signers BLS-sign it with DST_SIG (the contract hashes it to G2 on chain).
    """
    address = parse_fixed_bytes(entrance_address, _BYTES_PER_ADDRESS, "the DAEntrance address")
    for value, what in ((chain_id, "chain id"), (epoch, "epoch"), (quorum_id, "quorum id")):
        _check_uint(value, _MAX_UINT256, what)
    words = (
        chain_id.to_bytes(32, "big"),
        bytes(12) + address,
        epoch.to_bytes(32, "big"),
        quorum_id.to_bytes(32, "big"),
        parse_fixed_bytes(data_root, 32, "a data root"),
        parse_fixed_bytes(commitments_hash, 32, "a commitments hash"),
    )
    return keccak256(b"".join(words))


def signer_bitmap(indices: Iterable[int], n_signers: int) -> bytes:
    """ceil(n/8) bytes; bit i (byte i // 8, bit i % 8, LSB first) set iff signer index i signed."""
    if n_signers < 0:
        raise InvalidInput(f"signer count must be ≥ 0, got {n_signers}")
    bitmap = bytearray(-(-n_signers // 8))
    for index in indices:
        if not 0 <= index < n_signers:
            raise InvalidInput(f"signer index {index} is not in [0, {n_signers})")
        bitmap[index // 8] |= 1 << (index % 8)
    return bytes(bitmap)


def rows_signed(owners: Sequence[int], bitmap: bytes) -> int:
    """How many of a quorum's rows are owned by a signer whose bit is set."""
    rows = 0
    for owner in owners:
        if not 0 <= owner < 8 * len(bitmap):
            raise InvalidInput(f"row owner {owner} is outside a {len(bitmap)}-byte bitmap")
        rows += bitmap[owner // 8] >> (owner % 8) & 1
    return rows


def meets_threshold(rows: int, threshold_bps: int = DEFAULT_THRESHOLD_BPS) -> bool:
    """The contract's rule: rows x 10,000 ≥ thresholdBps x 128 (integers, no rounding)."""
    _check_threshold(threshold_bps)
    return rows * BPS_DENOMINATOR >= threshold_bps * ROWS_PER_QUORUM


def max_adversary_fraction(threshold_bps: int = DEFAULT_THRESHOLD_BPS) -> float:
    """T - 1/2: the row share an adversary must stay below for a certified blob to be recoverable (0 if T ≤ 1/2).

    Honest signed rows ≥ T - A, and any half of the rows recover the blob (rate 1/2), so T - A ≥ 1/2 suffices.
    """
    _check_threshold(threshold_bps)
    return max(0.0, threshold_bps / BPS_DENOMINATOR - 0.5)


def sampling_confidence(n_samples: int) -> float:
    """1 - 2^-n after n verified whole-row samples: an unrecoverable blob lacks > 64 of some ckzg blob's 128 cells."""
    if n_samples < 0:
        raise InvalidInput(f"sample count must be ≥ 0, got {n_samples}")
    return 1.0 - 2.0**-n_samples


def _check_threshold(threshold_bps: int) -> None:
    if not 0 < threshold_bps <= BPS_DENOMINATOR:
        raise InvalidInput(f"threshold must be in (0, {BPS_DENOMINATOR}] basis points, got {threshold_bps}")


def _check_uint(value: int, maximum: int, what: str) -> None:
    if not 0 <= value <= maximum:
        raise InvalidInput(f"{what} {value} does not fit its ABI type")
