"""A DA signer's rows in LMDB (`<db_dir>/rows.lmdb`, layout 1), keyed so that pruning an epoch is one range delete.

| database | key | value |
|---|---|---|
| `rows` | epoch ‖ quorum (u64 each) ‖ data root ‖ row (u32) | u32 data length ‖ data (k x 2048) ‖ proofs (k x 48) |
| `blobs` | epoch (u64) ‖ quorum (u64) ‖ data root (32) | the blob's commitments (k x 48) |
| `meta` | `layout` | u64 |
"""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import lmdb

from zerog.errors import ConfigError

__all__ = ["RequestStore", "RowStore", "StoredRow"]

LAYOUT_VERSION = 1
StoredRow = tuple[int, bytes, bytes]
"""(row index, data, proofs)."""


def _blob_key(epoch: int, quorum_id: int, data_root: bytes) -> bytes:
    return epoch.to_bytes(8, "big") + quorum_id.to_bytes(8, "big") + data_root


class RowStore:
    def __init__(self, directory: Path, *, map_size_bytes: int = 1 << 36) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.env = lmdb.open(str(directory / "rows.lmdb"), map_size=map_size_bytes, max_dbs=3, readahead=False)
        except lmdb.Error as exc:
            raise ConfigError(f"cannot open the row store in {directory}: {exc}") from exc
        self._rows = self.env.open_db(b"rows")
        self._blobs = self.env.open_db(b"blobs")
        self._meta = self.env.open_db(b"meta")
        with self.env.begin(write=True) as txn:
            layout = txn.get(b"layout", db=self._meta)
            if layout is not None and int.from_bytes(layout, "big") != LAYOUT_VERSION:
                raise ConfigError(f"row store layout {int.from_bytes(layout, 'big')} is not {LAYOUT_VERSION}")
            txn.put(b"layout", LAYOUT_VERSION.to_bytes(8, "big"), db=self._meta)

    def close(self) -> None:
        self.env.close()

    def put_blob(
        self, epoch: int, quorum_id: int, data_root: bytes, commitments: bytes, rows: Iterable[StoredRow]
    ) -> int:
        """Store a blob's rows (one transaction); returns how many rows were written."""
        key = _blob_key(epoch, quorum_id, data_root)
        written = 0
        with self.env.begin(write=True) as txn:
            txn.put(key, commitments, db=self._blobs)
            for index, data, proofs in rows:
                txn.put(key + index.to_bytes(4, "big"), len(data).to_bytes(4, "big") + data + proofs, db=self._rows)
                written += 1
        return written

    def commitments(self, epoch: int, quorum_id: int, data_root: bytes) -> bytes | None:
        with self.env.begin() as txn:
            raw = txn.get(_blob_key(epoch, quorum_id, data_root), db=self._blobs)
            return None if raw is None else bytes(raw)

    def get_rows(self, epoch: int, quorum_id: int, data_root: bytes, indexes: Iterable[int]) -> list[StoredRow]:
        """The requested rows this store holds, in request order (missing ones are left out)."""
        key = _blob_key(epoch, quorum_id, data_root)
        found = []
        with self.env.begin() as txn:
            for index in indexes:
                raw = txn.get(key + index.to_bytes(4, "big"), db=self._rows)
                if raw is None:
                    continue
                value = bytes(raw)
                size = int.from_bytes(value[:4], "big")
                found.append((index, value[4 : 4 + size], value[4 + size :]))
        return found

    def prune_before(self, epoch: int) -> int:
        """Delete every row and blob of epochs below `epoch`; returns how many rows went."""
        limit = epoch.to_bytes(8, "big")
        removed = 0
        with self.env.begin(write=True) as txn:
            for db, counts in ((self._rows, True), (self._blobs, False)):
                cursor = txn.cursor(db=db)
                positioned = cursor.first()
                while positioned and bytes(cursor.key())[:8] < limit:
                    positioned = cursor.delete()
                    removed += int(counts)
        return removed

    def row_count(self) -> int:
        with self.env.begin() as txn:
            return int(txn.stat(self._rows)["entries"])


class RequestStore:
    """A disperser's requests in LMDB (`<db_dir>/requests.lmdb`): id → JSON record, and the data of requests still
    being dispersed (id → bytes), so a restart resumes them instead of losing them."""

    def __init__(self, directory: Path, *, map_size_bytes: int = 1 << 36) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.env = lmdb.open(str(directory / "requests.lmdb"), map_size=map_size_bytes, max_dbs=2)
        except lmdb.Error as exc:
            raise ConfigError(f"cannot open the request store in {directory}: {exc}") from exc
        self._records = self.env.open_db(b"records")
        self._pending = self.env.open_db(b"pending")

    def close(self) -> None:
        self.env.close()

    def add(self, request_id: bytes, record: dict[str, Any], data: bytes) -> None:
        with self.env.begin(write=True) as txn:
            txn.put(request_id, json.dumps(record).encode(), db=self._records)
            txn.put(request_id, data, db=self._pending)

    def put(self, request_id: bytes, record: dict[str, Any], *, done: bool = False) -> None:
        """Update a record; `done` also drops its pending data."""
        with self.env.begin(write=True) as txn:
            txn.put(request_id, json.dumps(record).encode(), db=self._records)
            if done:
                txn.delete(request_id, db=self._pending)

    def get(self, request_id: bytes) -> dict[str, Any] | None:
        with self.env.begin() as txn:
            raw = txn.get(request_id, db=self._records)
        return None if raw is None else dict(json.loads(bytes(raw)))

    def data(self, request_id: bytes) -> bytes | None:
        with self.env.begin() as txn:
            raw = txn.get(request_id, db=self._pending)
            return None if raw is None else bytes(raw)

    def pending_ids(self) -> list[bytes]:
        with self.env.begin() as txn:
            return [bytes(key) for key in txn.cursor(db=self._pending).iternext(keys=True, values=False)]
