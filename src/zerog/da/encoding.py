"""DA blob encoding (docs/specs/da.md §1): padding, field mapping, the rate-1/2 cell extension and recovery.

A blob of data becomes k ckzg blobs (k = 1..256). Each is committed to (48 B) and extended to 128 cells of
2048 B with one KZG proof per cell. Row r is the r-th cell of every ckzg blob, so any 64 of the 128 rows recover
all k. The encoded blob (rows 0..127 concatenated, k x 256 KiB) is a 0G storage file; its root is the data root.

ckzg holds the GIL, so `encode_blob` and `recover_blob` spread ckzg blobs over processes when given an executor
(`encoder_pool()`); without one they run in the calling thread.
"""

import multiprocessing
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

from zerog.crypto import build_file_tree, keccak256, kzg
from zerog.errors import InvalidInput, InvalidProof

__all__ = [
    "BYTES_PER_BLOB",
    "BYTES_PER_CELL",
    "BYTES_PER_COMMITMENT",
    "BYTES_PER_FIELD_ELEMENT",
    "BYTES_PER_LENGTH",
    "BYTES_PER_PROOF",
    "BYTES_PER_ROW_PER_BLOB",
    "CELLS_PER_BLOB",
    "DATA_BYTES_PER_BLOB",
    "DATA_BYTES_PER_ELEMENT",
    "FIELD_ELEMENTS_PER_BLOB",
    "MAX_BLOBS",
    "MAX_DATA_BYTES",
    "MAX_PAYLOAD_BYTES",
    "ROWS_NEEDED",
    "EncodedBlob",
    "EncodedRow",
    "compute_blob_count",
    "compute_commitments_hash",
    "compute_data_root",
    "encode_blob",
    "encoded_bytes",
    "encoder_pool",
    "join_blobs",
    "pad_payload",
    "parse_commitments",
    "recover_blob",
    "row_from_parts",
    "split_blobs",
    "unpad_payload",
    "verify_rows",
]

FIELD_ELEMENTS_PER_BLOB = kzg.FIELD_ELEMENTS_PER_BLOB  # 4096, an EIP-4844 blob
BYTES_PER_FIELD_ELEMENT = kzg.BYTES_PER_FIELD_ELEMENT  # 32
BYTES_PER_BLOB = kzg.BYTES_PER_BLOB  # 131,072: one ckzg blob
DATA_BYTES_PER_ELEMENT = 31
DATA_BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * DATA_BYTES_PER_ELEMENT  # 126,976
MAX_BLOBS = 256
MAX_PAYLOAD_BYTES = MAX_BLOBS * DATA_BYTES_PER_BLOB  # 32,505,856: 0G's maximum blob
BYTES_PER_LENGTH = 4
"""The padded payload ends with len(data) as a little-endian u32 (0G's rule)."""
MAX_DATA_BYTES = MAX_PAYLOAD_BYTES - BYTES_PER_LENGTH  # 32,505,852
CELLS_PER_BLOB = kzg.CELLS_PER_BLOB  # 128 = rows
ROWS_NEEDED = CELLS_PER_BLOB // 2  # 64: the extension has rate 1/2
BYTES_PER_CELL = kzg.BYTES_PER_CELL  # 2048
BYTES_PER_COMMITMENT = kzg.BYTES_PER_COMMITMENT  # 48
BYTES_PER_PROOF = kzg.BYTES_PER_PROOF  # 48
BYTES_PER_ROW_PER_BLOB = BYTES_PER_CELL  # a row holds one cell of each ckzg blob

_ZERO_ELEMENT_PREFIX = b"\x00"


@dataclass(frozen=True, slots=True)
class EncodedRow:
    """Row `index` of an encoded blob: cell `index` of each of the k ckzg blobs, with its proofs."""

    index: int
    """The row (cell) index, 0..127."""
    data: bytes
    """k x 2048 bytes: cell `index` of ckzg blob 0, then of blob 1, …"""
    proofs: bytes
    """k x 48 bytes: the KZG proof of each of those cells, in the same order."""

    def __post_init__(self) -> None:
        if not 0 <= self.index < CELLS_PER_BLOB:
            raise InvalidInput(f"row index {self.index} is not in [0, {CELLS_PER_BLOB})")
        blobs = len(self.data) // BYTES_PER_CELL
        if not 0 < blobs <= MAX_BLOBS or len(self.data) % BYTES_PER_CELL:
            raise InvalidInput(f"row {self.index}: data of {len(self.data)} bytes is not 1..{MAX_BLOBS} cells")
        if len(self.proofs) != blobs * BYTES_PER_PROOF:
            raise InvalidInput(f"row {self.index}: {blobs} cells need {blobs * BYTES_PER_PROOF} bytes of proofs")

    @property
    def blob_count(self) -> int:
        """k, the number of ckzg blobs (cells in this row)."""
        return len(self.data) // BYTES_PER_CELL

    def cell(self, blob: int) -> bytes:
        """This row's cell of ckzg blob `blob`."""
        return self.data[blob * BYTES_PER_CELL : (blob + 1) * BYTES_PER_CELL]

    def proof(self, blob: int) -> bytes:
        """The proof of `cell(blob)`."""
        return self.proofs[blob * BYTES_PER_PROOF : (blob + 1) * BYTES_PER_PROOF]


@dataclass(frozen=True, slots=True)
class EncodedBlob:
    """A blob of data, encoded for dispersal."""

    commitments: tuple[bytes, ...]
    """One 48-byte KZG commitment per ckzg blob."""
    rows: tuple[EncodedRow, ...]
    """All 128 rows, in index order."""
    data_root: bytes
    """The 0G storage file root of `encoded_bytes(self)`: the blob's id on chain and in storage."""
    commitments_hash: bytes
    """keccak256(commitment_0 ‖ … ‖ commitment_{k-1}), what the certificate binds."""
    blob_count: int
    """k, the number of ckzg blobs."""
    size: int
    """Length of the original data in bytes."""

    @property
    def commitments_bytes(self) -> bytes:
        """The commitments concatenated (48 k bytes), as `submitOriginalData` takes them."""
        return b"".join(self.commitments)


def compute_blob_count(size: int) -> int:
    """k = max(1, ceil((size + 4) / 126,976)) ckzg blobs for `size` bytes of data."""
    if not 0 < size <= MAX_DATA_BYTES:
        raise InvalidInput(f"DA data must be 1..{MAX_DATA_BYTES} bytes, got {size}")
    return -(-(size + BYTES_PER_LENGTH) // DATA_BYTES_PER_BLOB)


def pad_payload(data: bytes) -> bytes:
    """data ‖ zeros ‖ len(data) as u32 little-endian, k x 126,976 bytes in all."""
    payload_size = compute_blob_count(len(data)) * DATA_BYTES_PER_BLOB
    padding = bytes(payload_size - BYTES_PER_LENGTH - len(data))
    return bytes(data) + padding + len(data).to_bytes(BYTES_PER_LENGTH, "little")


def unpad_payload(payload: bytes) -> bytes:
    """The data inside a padded payload; the length must fit and every padding byte must be zero."""
    if not payload or len(payload) % DATA_BYTES_PER_BLOB or len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidInput(f"a padded payload is 1..{MAX_BLOBS} x {DATA_BYTES_PER_BLOB} bytes, got {len(payload)}")
    body_size = len(payload) - BYTES_PER_LENGTH
    size = int.from_bytes(payload[body_size:], "little")
    if not 0 < size <= body_size or compute_blob_count(size) != len(payload) // DATA_BYTES_PER_BLOB:
        raise InvalidInput(f"length {size} does not match a payload of {len(payload)} bytes")
    if any(payload[size:body_size]):
        raise InvalidInput("nonzero bytes in the payload's padding")
    return payload[:size]


def split_blobs(payload: bytes) -> list[bytes]:
    """ckzg blobs of a padded payload: each 31-byte chunk becomes the big-endian field element 0x00 ‖ chunk."""
    if not payload or len(payload) % DATA_BYTES_PER_BLOB:
        raise InvalidInput(f"a payload is a whole number of {DATA_BYTES_PER_BLOB}-byte blobs, got {len(payload)}")
    return [
        b"".join(
            _ZERO_ELEMENT_PREFIX + payload[offset : offset + DATA_BYTES_PER_ELEMENT]
            for offset in range(start, start + DATA_BYTES_PER_BLOB, DATA_BYTES_PER_ELEMENT)
        )
        for start in range(0, len(payload), DATA_BYTES_PER_BLOB)
    ]


def join_blobs(blobs: Iterable[bytes]) -> bytes:
    """The payload inside ckzg blobs (inverse of `split_blobs`); every element's top byte must be zero."""
    parts: list[bytes] = []
    for blob in blobs:
        if len(blob) != BYTES_PER_BLOB:
            raise InvalidInput(f"a blob is {BYTES_PER_BLOB} bytes, got {len(blob)}")
        if any(blob[::BYTES_PER_FIELD_ELEMENT]):
            raise InvalidInput("a field element's top byte is not zero: this blob does not hold DA data")
        parts.extend(
            blob[offset + 1 : offset + BYTES_PER_FIELD_ELEMENT]
            for offset in range(0, BYTES_PER_BLOB, BYTES_PER_FIELD_ELEMENT)
        )
    return b"".join(parts)


def compute_commitments_hash(commitments: Sequence[bytes]) -> bytes:
    """keccak256 of the concatenated commitments."""
    return keccak256(b"".join(commitments))


def parse_commitments(raw: bytes) -> tuple[bytes, ...]:
    """Split and validate the 48 k-byte commitments field (k = 1..256, each a G1 point in the subgroup)."""
    if not raw or len(raw) % BYTES_PER_COMMITMENT or len(raw) > MAX_BLOBS * BYTES_PER_COMMITMENT:
        raise InvalidInput(f"commitments are 1..{MAX_BLOBS} x {BYTES_PER_COMMITMENT} bytes, got {len(raw)}")
    return tuple(
        kzg.bytes_to_commitment(raw[offset : offset + BYTES_PER_COMMITMENT])
        for offset in range(0, len(raw), BYTES_PER_COMMITMENT)
    )


def row_from_parts(index: int, cells: Sequence[bytes], proofs: Sequence[bytes]) -> EncodedRow:
    """Row `index` from its cells and proofs, one per ckzg blob in blob order."""
    if len(cells) != len(proofs):
        raise InvalidInput(f"{len(cells)} cells but {len(proofs)} proofs")
    for cell, proof in zip(cells, proofs, strict=True):
        if len(cell) != BYTES_PER_CELL or len(proof) != BYTES_PER_PROOF:
            raise InvalidInput(f"a cell is {BYTES_PER_CELL} bytes and a proof {BYTES_PER_PROOF}")
    return EncodedRow(index=index, data=b"".join(cells), proofs=b"".join(proofs))


def encoded_bytes(blob: EncodedBlob) -> bytes:
    """The encoded blob as stored: rows 0..127 concatenated (k x 256 KiB)."""
    return b"".join(row.data for row in blob.rows)


def encode_blob(data: bytes, executor: Executor | None = None) -> EncodedBlob:
    """Pad, split, commit and extend `data`; ckzg blobs run on `executor` (e.g. `encoder_pool()`) if given."""
    blobs = split_blobs(pad_payload(data))
    extended = list(executor.map(_extend_blob, blobs)) if executor else [_extend_blob(blob) for blob in blobs]
    commitments = tuple(commitment for commitment, _, _ in extended)
    rows = tuple(
        EncodedRow(
            index=row,
            data=b"".join(cells[row] for _, cells, _ in extended),
            proofs=b"".join(proofs[row] for _, _, proofs in extended),
        )
        for row in range(CELLS_PER_BLOB)
    )
    encoded = b"".join(row.data for row in rows)
    return EncodedBlob(
        commitments=commitments,
        rows=rows,
        data_root=build_file_tree(encoded, keep_segment_roots=False).root,
        commitments_hash=compute_commitments_hash(commitments),
        blob_count=len(blobs),
        size=len(data),
    )


def verify_rows(commitments: Sequence[bytes], rows: Sequence[EncodedRow]) -> None:
    """Check every cell of `rows` against its blob's commitment (one batch); `InvalidProof` names a bad row."""
    for commitment in commitments:
        kzg.bytes_to_commitment(commitment)
    _check_rows(len(commitments), rows)
    if _rows_verify(commitments, rows):
        return
    # The batch failed: bisect to one culprit (about twice the batch's work), so the caller knows whose row it was.
    suspects = list(rows)
    while len(suspects) > 1:
        half = suspects[: len(suspects) // 2]
        suspects = half if not _rows_verify(commitments, half) else suspects[len(suspects) // 2 :]
    raise InvalidProof(f"row {suspects[0].index} does not open the commitments")


def recover_blob(
    commitments_or_blob_count: Sequence[bytes] | int, rows: Sequence[EncodedRow], executor: Executor | None = None
) -> bytes:
    """The original data from any ≥ 64 distinct rows; given the commitments, the rows are verified first."""
    if isinstance(commitments_or_blob_count, int):
        blob_count = commitments_or_blob_count
        _check_rows(blob_count, rows)
    else:
        blob_count = len(commitments_or_blob_count)
        verify_rows(commitments_or_blob_count, rows)
    if len(rows) < ROWS_NEEDED:
        raise InvalidInput(f"recovery needs {ROWS_NEEDED} distinct rows, got {len(rows)}")
    by_index = {row.index: row for row in sorted(rows, key=lambda row: row.index)}
    if all(index in by_index for index in range(ROWS_NEEDED)):
        # The code is systematic: cells 0..63 of a ckzg blob are the blob itself.
        blobs = [b"".join(by_index[index].cell(blob) for index in range(ROWS_NEEDED)) for blob in range(blob_count)]
    else:
        chosen = list(by_index.values())[:ROWS_NEEDED]  # recovery needs no more than 64
        indices = [row.index for row in chosen]
        jobs = [(indices, [row.cell(blob) for row in chosen]) for blob in range(blob_count)]
        blobs = list(executor.map(_recover_one, jobs)) if executor else [_recover_one(job) for job in jobs]
    return unpad_payload(join_blobs(blobs))


def compute_data_root(data: bytes) -> bytes:
    """The data root `encode_blob(data)` gives, from the cells alone (no proofs: about 6 ms per ckzg blob)."""
    blobs = split_blobs(pad_payload(data))
    cells = [kzg.compute_cells(blob) for blob in blobs]
    encoded = b"".join(cells[blob][row] for row in range(CELLS_PER_BLOB) for blob in range(len(blobs)))
    return build_file_tree(encoded, keep_segment_roots=False).root


def encoder_pool(workers: int = 2) -> ProcessPoolExecutor:
    """Worker processes for `encode_blob`/`recover_blob`, each with the KZG setup loaded (about 2.4 s, 120 MB).

    Processes are spawned, not forked, so that a parent running gRPC or asyncio threads is never copied mid-call.
    The caller owns the pool: use it as a context manager or call `shutdown()`.
    """
    if workers < 1:
        raise InvalidInput(f"an encoder pool needs at least one worker, got {workers}")
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=kzg.load_trusted_setup
    )


def _extend_blob(blob: bytes) -> tuple[bytes, list[bytes], list[bytes]]:
    """A ckzg blob's commitment, 128 cells and 128 proofs (runs in a worker process when pooled)."""
    cells, proofs = kzg.compute_cells_and_proofs(blob)
    return kzg.blob_to_commitment(blob), cells, proofs


def _recover_one(job: tuple[list[int], list[bytes]]) -> bytes:
    """A ckzg blob from 64 of its cells (runs in a worker process when pooled)."""
    indices, cells = job
    all_cells, _ = kzg.recover_cells_and_proofs(indices, cells)
    return b"".join(all_cells[:ROWS_NEEDED])


def _check_rows(blob_count: int, rows: Sequence[EncodedRow]) -> None:
    if not 0 < blob_count <= MAX_BLOBS:
        raise InvalidInput(f"a DA blob has 1..{MAX_BLOBS} ckzg blobs, got {blob_count}")
    seen: set[int] = set()
    for row in rows:
        if row.blob_count != blob_count:
            raise InvalidInput(f"row {row.index} has {row.blob_count} cells, the blob has {blob_count} ckzg blobs")
        if row.index in seen:
            raise InvalidInput(f"row {row.index} appears twice")
        seen.add(row.index)


def _rows_verify(commitments: Sequence[bytes], rows: Sequence[EncodedRow]) -> bool:
    blob_count = len(commitments)
    try:
        return kzg.verify_cells(
            [commitments[blob] for _ in rows for blob in range(blob_count)],
            [row.index for row in rows for _ in range(blob_count)],
            [row.cell(blob) for row in rows for blob in range(blob_count)],
            [row.proof(blob) for row in rows for blob in range(blob_count)],
        )
    except InvalidInput:
        # Commitments and shapes were checked already: what is left is a proof that is not a G1 point or a cell
        # that holds a non-canonical field element, which is a bad row like any other.
        return False
