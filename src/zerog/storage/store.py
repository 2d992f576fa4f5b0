"""The node's LMDB store: log entries, what is held of each, and flow data by 256 KiB flow segment.

On-disk layout (one LMDB environment, `<db_dir>/flow.lmdb`, layout version 1):

| database  | key                          | value                                              |
|-----------|------------------------------|----------------------------------------------------|
| `meta`    | b"layout", b"next_block", ... | u64 big-endian, or raw bytes                      |
| `blocks`  | block number (u64 BE)        | block hash (32 B) of blocks that carried entries   |
| `txs`     | tx seq (u64 BE)              | `TxRecord.encode()`                                |
| `status`  | tx seq (u64 BE)              | `TxStatus.encode()`                                |
| `roots`   | data root (32 B) ‖ seq (u64) | empty: the index from root to tx seqs              |
| `segments`| seq (u64) ‖ file segment (u64)| the segment's proof (`proof_to_bytes`): it is stored |
| `flow`    | flow segment (u64 BE)        | 262,144 bytes of sectors; absent means zero        |

Every change is one LMDB write transaction, committed with fsync: a `kill -9` at any moment leaves either the
state before or the state after, never half of it. Segment data, its presence mark, the tx's counter and its
finalization are written in the same transaction.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lmdb

from zerog.codec.proof import parse_proof_bytes, proof_to_bytes
from zerog.crypto.merkle import MerkleProof
from zerog.errors import ConfigError, InvalidInput
from zerog.spec import BYTES_PER_SECTOR, BYTES_PER_SEGMENT, ShardConfig
from zerog.storage.types import TxRecord, TxStatus

__all__ = ["FlowStore", "SegmentWrite"]

LAYOUT_VERSION = 1
_U64 = 8


def _u64(value: int) -> bytes:
    return value.to_bytes(_U64, "big")


@dataclass(frozen=True, slots=True)
class SegmentWrite:
    """One verified data segment to store for a tx."""

    index: int
    data: bytes
    """Wire form: whole chunks."""
    proof: MerkleProof


class FlowStore:
    """Thread-safe for readers; writes must come from one thread at a time (the service's writer)."""

    def __init__(self, directory: Path, *, map_size_bytes: int = 1 << 36) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.env = lmdb.open(
                str(directory / "flow.lmdb"),
                map_size=map_size_bytes,
                max_dbs=8,
                sync=True,
                metasync=True,
                readahead=False,
            )
        except lmdb.Error as exc:
            raise ConfigError(f"cannot open the store in {directory}: {exc}") from exc
        self._meta = self.env.open_db(b"meta")
        self._blocks = self.env.open_db(b"blocks")
        self._txs = self.env.open_db(b"txs")
        self._status = self.env.open_db(b"status")
        self._roots = self.env.open_db(b"roots")
        self._segments = self.env.open_db(b"segments")
        self._flow = self.env.open_db(b"flow")
        with self.env.begin(write=True) as txn:
            layout = txn.get(b"layout", db=self._meta)
            if layout is None:
                txn.put(b"layout", _u64(LAYOUT_VERSION), db=self._meta)
            elif int.from_bytes(layout, "big") != LAYOUT_VERSION:
                raise ConfigError(f"store layout {int.from_bytes(layout, 'big')} is not {LAYOUT_VERSION}")

    def close(self) -> None:
        self.env.close()

    # --- log sync state -------------------------------------------------------------------------------------

    def get_next_block(self) -> int | None:
        """The first block log sync has not scanned, or None before the first scan."""
        with self.env.begin() as txn:
            raw = txn.get(b"next_block", db=self._meta)
        return None if raw is None else int.from_bytes(raw, "big")

    def get_last_block_hash(self) -> tuple[int, bytes] | None:
        """(number, hash) of the last scanned block, for reorg checks."""
        with self.env.begin() as txn:
            raw = txn.get(b"last_block", db=self._meta)
        return None if raw is None else (int.from_bytes(raw[:_U64], "big"), raw[_U64:])

    def get_block_hash(self, number: int) -> bytes | None:
        with self.env.begin() as txn:
            value = txn.get(_u64(number), db=self._blocks)
        return None if value is None else bytes(value)

    def iter_block_hashes_desc(self) -> Iterator[tuple[int, bytes]]:
        """Recorded (block, hash) pairs, newest first."""
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._blocks)
            if cursor.last():
                yield int.from_bytes(cursor.key(), "big"), bytes(cursor.value())
                while cursor.prev():
                    yield int.from_bytes(cursor.key(), "big"), bytes(cursor.value())

    def next_tx_seq(self) -> int:
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._txs)
            return int.from_bytes(cursor.key(), "big") + 1 if cursor.last() else 0

    def record_sync(
        self,
        txs: Iterable[TxRecord],
        statuses: dict[int, TxStatus],
        next_block: int,
        last_block: tuple[int, bytes],
    ) -> None:
        """Append synced txs (with their initial status) and move the scan position, atomically."""
        with self.env.begin(write=True) as txn:
            for tx in txs:
                key = _u64(tx.seq)
                txn.put(key, tx.encode(), db=self._txs)
                txn.put(key, statuses.get(tx.seq, TxStatus()).encode(), db=self._status)
                txn.put(tx.data_root + key, b"", db=self._roots)
                txn.put(_u64(tx.block_number), tx.block_hash, db=self._blocks)
            txn.put(_u64(last_block[0]), last_block[1], db=self._blocks)
            txn.put(b"next_block", _u64(next_block), db=self._meta)
            txn.put(b"last_block", _u64(last_block[0]) + last_block[1], db=self._meta)

    def revert_to_block(self, ancestor: int) -> list[int]:
        """Undo everything synced after block `ancestor` (a reorg): txs, their data and block hashes."""
        reverted: list[int] = []
        with self.env.begin(write=True) as txn:
            cursor = txn.cursor(db=self._txs)
            doomed = []
            if cursor.last():
                while True:
                    tx = TxRecord.decode(cursor.value())
                    if tx.block_number <= ancestor:
                        break
                    doomed.append(tx)
                    if not cursor.prev():
                        break
            for tx in doomed:
                self._delete_tx(txn, tx)
                reverted.append(tx.seq)
            blocks = txn.cursor(db=self._blocks)
            if blocks.set_range(_u64(ancestor + 1)):
                while blocks.delete():
                    pass
            txn.put(b"next_block", _u64(ancestor + 1), db=self._meta)
            ancestor_hash = txn.get(_u64(ancestor), db=self._blocks)
            if ancestor_hash is not None:
                txn.put(b"last_block", _u64(ancestor) + ancestor_hash, db=self._meta)
            else:
                txn.delete(b"last_block", db=self._meta)
        return sorted(reverted)

    def _delete_tx(self, txn: lmdb.Transaction, tx: TxRecord) -> None:
        key = _u64(tx.seq)
        for index in range(tx.data_segment_count):
            if txn.delete(key + _u64(index), db=self._segments):
                self._write_flow(txn, tx, index, bytes(len(self._read_segment_bytes(txn, tx, index))))
        txn.delete(key, db=self._txs)
        txn.delete(key, db=self._status)
        txn.delete(tx.data_root + key, db=self._roots)

    # --- txs ------------------------------------------------------------------------------------------------

    def get_tx(self, seq: int) -> TxRecord | None:
        with self.env.begin() as txn:
            raw = txn.get(_u64(seq), db=self._txs)
        return None if raw is None else TxRecord.decode(raw)

    def get_status(self, seq: int) -> TxStatus:
        with self.env.begin() as txn:
            raw = txn.get(_u64(seq), db=self._status)
        return TxStatus() if raw is None else TxStatus.decode(raw)

    def get_seqs_by_root(self, root: bytes) -> list[int]:
        """Tx seqs with this data root, oldest first."""
        seqs = []
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._roots)
            if cursor.set_range(root):
                for key in cursor.iternext(keys=True, values=False):
                    if key[:32] != root:
                        break
                    seqs.append(int.from_bytes(key[32:], "big"))
        return seqs

    def iter_txs(self, start_seq: int = 0) -> Iterator[TxRecord]:
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._txs)
            if cursor.set_range(_u64(start_seq)):
                for raw in cursor.iternext(keys=False, values=True):
                    yield TxRecord.decode(raw)

    def set_status(self, seq: int, status: TxStatus) -> None:
        with self.env.begin(write=True) as txn:
            txn.put(_u64(seq), status.encode(), db=self._status)

    # --- segments -------------------------------------------------------------------------------------------

    def has_segment(self, seq: int, index: int) -> bool:
        with self.env.begin() as txn:
            return txn.get(_u64(seq) + _u64(index), db=self._segments) is not None

    def stored_segments(self, seq: int) -> list[int]:
        indices = []
        prefix = _u64(seq)
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._segments)
            if cursor.set_range(prefix):
                for key in cursor.iternext(keys=True, values=False):
                    if key[:_U64] != prefix:
                        break
                    indices.append(int.from_bytes(key[_U64:], "big"))
        return indices

    def get_segment_proof(self, seq: int, index: int) -> MerkleProof | None:
        with self.env.begin() as txn:
            raw = txn.get(_u64(seq) + _u64(index), db=self._segments)
        return None if raw is None else parse_proof_bytes(bytes(raw))

    def write_segments(self, tx: TxRecord, writes: list[SegmentWrite], shard: ShardConfig) -> tuple[int, TxStatus]:
        """Store segments of `tx` (skipping ones already held), update its status, finalize when complete.

        Returns (segments newly stored, new status). One transaction: all or nothing.
        """
        key = _u64(tx.seq)
        written = 0
        with self.env.begin(write=True) as txn:
            raw_status = txn.get(key, db=self._status)
            status = TxStatus() if raw_status is None else TxStatus.decode(raw_status)
            for write in writes:
                marker = key + _u64(write.index)
                if txn.get(marker, db=self._segments) is not None:
                    continue
                self._write_flow(txn, tx, write.index, write.data)
                txn.put(marker, proof_to_bytes(write.proof), db=self._segments)
                written += 1
            uploaded = status.uploaded_segments + written
            finalized = status.finalized or all(
                txn.get(key + _u64(i), db=self._segments) is not None for i in tx.segments_in_shard(shard)
            )
            status = TxStatus(finalized, uploaded, status.pruned)
            txn.put(key, status.encode(), db=self._status)
        return written, status

    def read_segment(self, tx: TxRecord, index: int) -> bytes:
        """Wire-form bytes of file segment `index` as stored (zeros where nothing was written)."""
        with self.env.begin() as txn:
            return self._read_segment_bytes(txn, tx, index)

    def read_chunks(self, tx: TxRecord, start_chunk: int, end_chunk: int) -> bytes:
        """File chunks [start, end) of `tx`, from the flow (callers check the segments are held)."""
        out = bytearray()
        with self.env.begin() as txn:
            sector = tx.start_entry_index + start_chunk
            end_sector = tx.start_entry_index + end_chunk
            while sector < end_sector:
                flow_segment, offset = divmod(sector, BYTES_PER_SEGMENT // BYTES_PER_SECTOR)
                take = min(end_sector - sector, BYTES_PER_SEGMENT // BYTES_PER_SECTOR - offset)
                value = txn.get(_u64(flow_segment), db=self._flow)
                if value is None:
                    out += bytes(take * BYTES_PER_SECTOR)
                else:
                    out += value[offset * BYTES_PER_SECTOR : (offset + take) * BYTES_PER_SECTOR]
                sector += take
        return bytes(out)

    def read_flow_segment(self, flow_segment: int) -> bytes:
        """A whole 256 KiB flow segment (zeros where nothing is stored)."""
        with self.env.begin() as txn:
            value = txn.get(_u64(flow_segment), db=self._flow)
        return bytes(BYTES_PER_SEGMENT) if value is None else bytes(value)

    def _read_segment_bytes(self, txn: lmdb.Transaction, tx: TxRecord, index: int) -> bytes:
        size = min(BYTES_PER_SEGMENT, -(-(tx.size - index * BYTES_PER_SEGMENT) // BYTES_PER_SECTOR) * BYTES_PER_SECTOR)
        value = txn.get(_u64(tx.flow_segment(index)), db=self._flow)
        if value is None:
            return bytes(size)
        start = tx.sector_offset(index) * BYTES_PER_SECTOR
        return bytes(value[start : start + size])

    def _write_flow(self, txn: lmdb.Transaction, tx: TxRecord, index: int, data: bytes) -> None:
        if len(data) % BYTES_PER_SECTOR:
            raise InvalidInput("flow writes are whole sectors")
        key = _u64(tx.flow_segment(index))
        start = tx.sector_offset(index) * BYTES_PER_SECTOR
        if start == 0 and len(data) == BYTES_PER_SEGMENT:
            txn.put(key, data, db=self._flow)
            return
        current = txn.get(key, db=self._flow)
        buffer = bytearray(BYTES_PER_SEGMENT) if current is None else bytearray(current)
        buffer[start : start + len(data)] = data
        txn.put(key, bytes(buffer), db=self._flow)
