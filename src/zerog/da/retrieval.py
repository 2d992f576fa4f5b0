"""Reading DA blobs back from their signers, trusting only the chain: retrieval and light-client sampling.

A blob is named by `BlobRef` (`0x<data root>-<epoch>-<quorum>`). `BlobLocator.open` reads what the chain says about
it: the `DataUpload` event (its commitments, checked against the recorded hash), the certificate if there is one,
the quorum's 128 row owners and their sockets. Every row fetched is checked against those commitments; a signer
whose rows fail is dropped for the rest of the operation.

- `retrieve_blob`: rows 0..63 first (the code is systematic, so they are the data itself), the other rows only for
  what is missing; any 64 recover the blob, and its data root is recomputed and compared.
- `sample_blob`: n distinct random rows (seeded by the certificate block's hash or a CSPRNG), each fetched whole
  and verified; confidence that the blob is available is 1 - 2^-n when all pass (docs/specs/da.md §6).
"""

import asyncio
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import structlog

from zerog.chain.da import CommitmentVerified, DAEntranceContract, DASignerRegistryContract, DataUpload
from zerog.crypto import keccak256
from zerog.da.clients import SignerClient
from zerog.da.encoding import CELLS_PER_BLOB, ROWS_NEEDED, EncodedRow, compute_data_root, recover_blob, verify_rows
from zerog.da.quorum import sampling_confidence
from zerog.errors import InvalidInput, InvalidProof, NotFound, Unavailable, ZerogError
from zerog.spec.types import parse_fixed_bytes

__all__ = [
    "BlobLocator",
    "BlobRef",
    "FetchReport",
    "SampleReport",
    "owned_rows",
    "retrieve_blob",
    "sample_blob",
]

log = structlog.get_logger("zerog.da")

_SCAN_WINDOW_BLOCKS = 5_000


@dataclass(frozen=True, slots=True)
class BlobRef:
    """Where a blob lives on chain: its data root, epoch and quorum."""

    data_root: bytes
    epoch: int
    quorum_id: int

    def __str__(self) -> str:
        return f"0x{self.data_root.hex()}-{self.epoch}-{self.quorum_id}"

    @classmethod
    def parse(cls, text: str) -> "BlobRef":
        """`0x<64 hex>-<epoch>-<quorum>`, as `zerog da put` prints it."""
        parts = text.strip().split("-")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise InvalidInput(f"a blob id is 0x<data root>-<epoch>-<quorum>, got {text!r}")
        return cls(parse_fixed_bytes(parts[0], 32, "a data root"), int(parts[1]), int(parts[2]))


@dataclass
class FetchReport:
    """Verified rows by index, and what went wrong with which signer."""

    rows: dict[int, EncodedRow] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    """Signer address → why its rows were not used."""


@dataclass(frozen=True, slots=True)
class SampleReport:
    blob: BlobRef
    samples: int
    """Rows drawn."""
    verified: list[int]
    """Rows fetched and verified."""
    missing: list[int]
    """Rows drawn that no signer served correctly."""
    confidence: float
    """P(available) bound from the verified samples when none was missing; 0 when any was."""
    certified: bool
    certificate_block: int | None
    seed: str
    """`certificate:<block hash>` or `local` (CSPRNG)."""
    failures: dict[str, str]

    @property
    def available(self) -> bool:
        return not self.missing and self.certified


class BlobLocator:
    """What the chain says about one blob, and clients of its quorum's signers. Use `open`, then `close`."""

    def __init__(
        self,
        blob: BlobRef,
        upload: DataUpload,
        commitments: list[bytes],
        owners: list[str],
        sockets: dict[str, str],
        certificate: CommitmentVerified | None,
        timeout_s: float,
    ) -> None:
        self.blob = blob
        self.upload = upload
        self.commitments = commitments
        self.owners = owners
        """Row index → owner address (lower case)."""
        self.sockets = sockets
        self.certificate = certificate
        self._clients = {owner: SignerClient(socket, timeout_s=timeout_s) for owner, socket in sockets.items()}

    @classmethod
    async def open(
        cls,
        entrance: DAEntranceContract,
        blob: BlobRef,
        *,
        registry: DASignerRegistryContract | None = None,
        timeout_s: float = 30.0,
    ) -> "BlobLocator":
        if registry is None:
            registry = await asyncio.to_thread(entrance.signer_registry)
        upload = await asyncio.to_thread(_find_upload, entrance, registry, blob)
        commitments = [upload.commitments[i : i + 48] for i in range(0, len(upload.commitments), 48)]
        if keccak256(upload.commitments) != upload.commitments_hash:
            raise InvalidProof(f"blob {blob}: the DataUpload event's commitments do not match their hash")
        certificate = await asyncio.to_thread(_find_certificate, entrance, blob, upload.block_number)
        owners = [o.lower() for o in await asyncio.to_thread(registry.get_quorum, blob.epoch, blob.quorum_id)]
        sockets = {}
        for owner in sorted(set(owners)):
            info = await asyncio.to_thread(registry.get_signer, owner)
            sockets[owner] = info.socket
        return cls(blob, upload, commitments, owners, sockets, certificate, timeout_s)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()

    async def __aenter__(self) -> "BlobLocator":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def fetch(
        self, indexes: Iterable[int], report: FetchReport | None = None, executor: Executor | None = None
    ) -> FetchReport:
        """Fetch and verify `indexes` from their owners (skipping owners already in `report.failures`)."""
        report = report if report is not None else FetchReport()
        wanted: dict[str, list[int]] = defaultdict(list)
        for index in indexes:
            if not 0 <= index < CELLS_PER_BLOB:
                raise InvalidInput(f"row indexes are 0..{CELLS_PER_BLOB - 1}, got {index}")
            owner = self.owners[index]
            if index not in report.rows and owner not in report.failures:
                wanted[owner].append(index)
        results = await asyncio.gather(
            *(self._fetch_from(owner, sorted(rows), executor) for owner, rows in wanted.items())
        )
        for owner, (rows, failure) in zip(wanted, results, strict=True):
            if failure is not None:
                report.failures[owner] = failure
                log.info("da_signer_rows_rejected", signer=owner, blob=str(self.blob), reason=failure)
            for row in rows:
                report.rows[row.index] = row
        return report

    async def _fetch_from(
        self, owner: str, indexes: list[int], executor: Executor | None
    ) -> tuple[list[EncodedRow], str | None]:
        blob = self.blob
        try:
            rows = await self._clients[owner].batch_retrieve(blob.epoch, blob.quorum_id, blob.data_root, indexes)
        except ZerogError as exc:
            return [], str(exc)
        asked = set(indexes)
        if any(row.index not in asked for row in rows) or len({row.index for row in rows}) != len(rows):
            return [], "answered rows it was not asked for"
        if not rows:
            return [], f"holds none of rows {indexes}"
        try:
            await asyncio.get_running_loop().run_in_executor(executor, verify_rows, self.commitments, rows)
        except (InvalidProof, InvalidInput) as exc:
            return [], f"served a bad row: {exc}"
        missing = asked - {row.index for row in rows}
        return rows, (f"withheld rows {sorted(missing)}" if missing else None)


def _find_upload(entrance: DAEntranceContract, registry: DASignerRegistryContract, blob: BlobRef) -> DataUpload:
    """The blob's `DataUpload`: it was registered while its epoch was current, so within that epoch's blocks."""
    if entrance.uploaded_commitments_hash(blob.data_root, blob.epoch, blob.quorum_id) is None:
        raise NotFound(f"blob {blob} is not registered on chain")
    start = registry.epoch_start_block(blob.epoch)
    latest = int(entrance.w3.eth.block_number)
    end = min(latest, registry.epoch_start_block(blob.epoch + 1) - 1)
    for window in range(start, end + 1, _SCAN_WINDOW_BLOCKS):
        for upload in entrance.get_data_uploads(window, min(end, window + _SCAN_WINDOW_BLOCKS - 1), blob.data_root):
            if upload.epoch == blob.epoch and upload.quorum_id == blob.quorum_id:
                return upload
    raise NotFound(f"blob {blob}: no DataUpload event in blocks {start}..{end} (is the node pruning logs?)")


def _find_certificate(entrance: DAEntranceContract, blob: BlobRef, from_block: int) -> CommitmentVerified | None:
    if not entrance.commitment_exists(blob.data_root, blob.epoch, blob.quorum_id):
        return None
    latest = int(entrance.w3.eth.block_number)
    for window in range(from_block, latest + 1, _SCAN_WINDOW_BLOCKS):
        for event in entrance.get_commitments_verified(
            window, min(latest, window + _SCAN_WINDOW_BLOCKS - 1), blob.data_root
        ):
            if event.epoch == blob.epoch and event.quorum_id == blob.quorum_id:
                return event
    return None


async def retrieve_blob(
    entrance: DAEntranceContract,
    blob: BlobRef,
    *,
    executor: Executor | None = None,
    locator: BlobLocator | None = None,
    timeout_s: float = 30.0,
) -> tuple[bytes, FetchReport]:
    """The blob's data, from any 64 verified rows; `InvalidProof` if the rows do not rebuild its data root."""
    own = locator is None
    locator = locator or await BlobLocator.open(entrance, blob, timeout_s=timeout_s)
    try:
        report = await locator.fetch(range(ROWS_NEEDED), executor=executor)
        if len(report.rows) < ROWS_NEEDED:
            await locator.fetch(range(ROWS_NEEDED, CELLS_PER_BLOB), report, executor)
        if len(report.rows) < ROWS_NEEDED:
            why = "; ".join(f"{signer}: {reason}" for signer, reason in sorted(report.failures.items()))
            raise Unavailable(
                f"blob {blob}: only {len(report.rows)} of the {ROWS_NEEDED} rows needed were served ({why})"
            )
        rows = [report.rows[index] for index in sorted(report.rows)][:ROWS_NEEDED]
        loop = asyncio.get_running_loop()
        # recover_blob spreads the ckzg blobs over the executor's workers itself (rows 0..63 need no decoding).
        data = await asyncio.to_thread(recover_blob, len(locator.commitments), rows, executor)
        root = await loop.run_in_executor(executor, compute_data_root, data)
    finally:
        if own:
            await locator.close()
    if root != blob.data_root:
        raise InvalidProof(f"blob {blob}: the recovered data has data root 0x{root.hex()}")
    return data, report


async def sample_blob(
    entrance: DAEntranceContract,
    blob: BlobRef,
    samples: int = 16,
    *,
    seed_from_certificate: bool = False,
    executor: Executor | None = None,
    timeout_s: float = 30.0,
) -> SampleReport:
    """Light-client check: fetch `samples` random whole rows and verify them against the on-chain commitments."""
    if not 1 <= samples <= CELLS_PER_BLOB:
        raise InvalidInput(f"draw 1..{CELLS_PER_BLOB} samples, got {samples}")
    async with await BlobLocator.open(entrance, blob, timeout_s=timeout_s) as locator:
        certificate = locator.certificate
        if seed_from_certificate:
            if certificate is None:
                raise NotFound(f"blob {blob} has no certificate on chain to seed the samples from")
            seed = "certificate:0x" + certificate.block_hash.hex()
            drawn = _draw(random.Random(certificate.block_hash + str(blob).encode()), samples)
        else:
            seed = "local"
            drawn = _draw(secrets.SystemRandom(), samples)
        report = await locator.fetch(drawn, executor=executor)
    verified = sorted(index for index in drawn if index in report.rows)
    missing = sorted(index for index in drawn if index not in report.rows)
    return SampleReport(
        blob=blob,
        samples=samples,
        verified=verified,
        missing=missing,
        confidence=0.0 if missing else sampling_confidence(len(verified)),
        certified=certificate is not None,
        certificate_block=certificate.block_number if certificate is not None else None,
        seed=seed,
        failures=dict(report.failures),
    )


def _draw(rng: random.Random, samples: int) -> list[int]:
    return sorted(rng.sample(range(CELLS_PER_BLOB), samples))


def owned_rows(owners: Sequence[str]) -> dict[str, list[int]]:
    """Owner → its row indexes."""
    rows: dict[str, list[int]] = defaultdict(list)
    for index, owner in enumerate(owners):
        rows[owner.lower()].append(index)
    return dict(rows)
