"""The KV node's state in LMDB: every version of every key, access control history, and replay results.

Everything is versioned by tx seq, so reads "at version V" see exactly the state after tx V (0G's
`version <= V` rule). Layout (environment `<db_dir>/kv.lmdb`, layout 1):

| database  | key                                              | value                          |
|-----------|--------------------------------------------------|--------------------------------|
| `values`  | stream (32) ‖ escaped key ‖ version (u64)        | the value bytes (empty = deleted) |
| `acl`     | stream (32) ‖ kind ‖ subject ‖ version (u64)     | op type (1) ‖ operator (20)    |
| `streams` | stream (32)                                      | version of its first ACL entry |
| `results` | tx seq (u64)                                     | 0G's result string             |
| `undo`    | version (u64) ‖ database tag ‖ key               | empty: what to delete on a reorg |
| `meta`    | b"layout", b"cursor"                             | u64                            |

ACL kinds: b"A" + account (admin), b"W" + account (stream writer), b"K" + escaped key (special key),
b"S" + escaped key + account (special-key writer). Keys are escaped so byte order is key order and no key is
the prefix of another: 0x00 → 0x00 0xFF, then the terminator 0x00 0x00.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lmdb

from zerog.codec.stream import AclOpType
from zerog.errors import ConfigError

__all__ = ["AclEntry", "KvState", "StoredValue", "escape_key", "unescape_key"]

LAYOUT_VERSION = 1
MAX_VERSION = (1 << 64) - 1
_ZERO_ACCOUNT = bytes(20)


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def escape_key(key: bytes) -> bytes:
    """Order-preserving, self-delimiting encoding of a key."""
    return key.replace(b"\x00", b"\x00\xff") + b"\x00\x00"


def unescape_key(encoded: bytes) -> bytes:
    if not encoded.endswith(b"\x00\x00"):
        raise ValueError("not an escaped key")
    return encoded[:-2].replace(b"\x00\xff", b"\x00")


@dataclass(frozen=True, slots=True)
class StoredValue:
    key: bytes
    version: int
    data: bytes


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One access-control change to commit (0G's `AccessControl`)."""

    op: AclOpType
    stream_id: bytes
    key: bytes
    account: bytes
    operator: bytes


class KvState:
    """Reads from any thread; one writer at a time (the replayer)."""

    def __init__(self, directory: Path, *, map_size_bytes: int = 1 << 34) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.env = lmdb.open(str(directory / "kv.lmdb"), map_size=map_size_bytes, max_dbs=8, readahead=False)
        except lmdb.Error as exc:
            raise ConfigError(f"cannot open the KV store in {directory}: {exc}") from exc
        self._values = self.env.open_db(b"values")
        self._acl = self.env.open_db(b"acl")
        self._streams = self.env.open_db(b"streams")
        self._results = self.env.open_db(b"results")
        self._undo = self.env.open_db(b"undo")
        self._meta = self.env.open_db(b"meta")
        with self.env.begin(write=True) as txn:
            layout = txn.get(b"layout", db=self._meta)
            if layout is None:
                txn.put(b"layout", _u64(LAYOUT_VERSION), db=self._meta)
            elif int.from_bytes(layout, "big") != LAYOUT_VERSION:
                raise ConfigError(f"KV store layout {int.from_bytes(layout, 'big')} is not {LAYOUT_VERSION}")

    def close(self) -> None:
        self.env.close()

    # --- replay bookkeeping ---------------------------------------------------------------------------------

    def get_cursor(self) -> int:
        """Every tx below this seq is resolved."""
        with self.env.begin() as txn:
            raw = txn.get(b"cursor", db=self._meta)
        return 0 if raw is None else int.from_bytes(raw, "big")

    def set_cursor(self, seq: int) -> None:
        with self.env.begin(write=True) as txn:
            txn.put(b"cursor", _u64(seq), db=self._meta)

    def get_result(self, seq: int) -> str | None:
        with self.env.begin() as txn:
            raw = txn.get(_u64(seq), db=self._results)
        return None if raw is None else bytes(raw).decode()

    def commit(self, seq: int, result: str, writes: list[tuple[bytes, bytes, bytes]], acls: list[AclEntry]) -> None:
        """Record a replayed tx: its result and, for "Commit", its writes (stream, key, data) and ACL changes."""
        version = _u64(seq)
        with self.env.begin(write=True) as txn:
            for stream_id, key, data in writes:
                record = stream_id + escape_key(key) + version
                txn.put(record, data, db=self._values)
                txn.put(version + b"v" + record, b"", db=self._undo)
            for entry in acls:
                record = _acl_prefix(entry.op, entry.stream_id, entry.key, entry.account) + version
                txn.put(record, bytes([entry.op]) + entry.operator, db=self._acl)
                txn.put(version + b"a" + record, b"", db=self._undo)
                if txn.get(entry.stream_id, db=self._streams) is None:
                    txn.put(entry.stream_id, version, db=self._streams)
                    txn.put(version + b"s" + entry.stream_id, b"", db=self._undo)
            txn.put(version, result.encode(), db=self._results)

    def revert_from(self, seq: int) -> None:
        """Undo every tx with seq >= `seq` (a reorg of the log)."""
        with self.env.begin(write=True) as txn:
            cursor = txn.cursor(db=self._undo)
            if cursor.set_range(_u64(seq)):
                doomed = [bytes(k) for k in cursor.iternext(keys=True, values=False)]
                for key in doomed:
                    tag, record = key[8:9], key[9:]
                    db = {b"v": self._values, b"a": self._acl, b"s": self._streams}[tag]
                    txn.delete(record, db=db)
                    txn.delete(key, db=self._undo)
            results = txn.cursor(db=self._results)
            if results.set_range(_u64(seq)):
                for key in [bytes(k) for k in results.iternext(keys=True, values=False)]:
                    txn.delete(key, db=self._results)
            current = txn.get(b"cursor", db=self._meta)
            if current is not None and int.from_bytes(current, "big") > seq:
                txn.put(b"cursor", _u64(seq), db=self._meta)

    def stream_ids(self) -> list[bytes]:
        """Streams that have state here."""
        with self.env.begin() as txn:
            return [bytes(k) for k in txn.cursor(db=self._streams).iternext(keys=True, values=False)]

    # --- versioned reads (0G's StreamRead) ------------------------------------------------------------------

    def get_value(self, stream_id: bytes, key: bytes, version: int = MAX_VERSION) -> StoredValue | None:
        """The newest write of `key` at or before `version` (empty data = deleted), or None."""
        with self.env.begin() as txn:
            found = _latest(txn.cursor(db=self._values), stream_id + escape_key(key), version)
        if found is None:
            return None
        found_version, data = found
        return StoredValue(key, found_version, data)

    def latest_version(self, stream_id: bytes, key: bytes, version: int) -> int:
        """0 when the key was never written at or before `version`."""
        value = self.get_value(stream_id, key, version)
        return 0 if value is None else value.version

    def iter_keys(self, stream_id: bytes, start: bytes | None, *, reverse: bool, inclusive: bool) -> Iterator[bytes]:
        """Distinct keys of a stream in key order from `start` (or from the first/last key when None)."""
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._values)
            prefix = stream_id
            if not reverse:
                position = prefix if start is None else prefix + escape_key(start)
                positioned = cursor.set_range(position)
            else:
                position = _successor(prefix) if start is None else prefix + escape_key(start) + b"\xff" * 9
                positioned = cursor.set_range(position) if position else False
                positioned = cursor.prev() if positioned else cursor.last()
            previous: bytes | None = None
            while positioned:
                record = bytes(cursor.key())
                if not record.startswith(prefix):
                    return
                key = unescape_key(record[32:-8])
                if key != previous and (inclusive or start is None or key != start):
                    previous = key
                    yield key
                positioned = cursor.prev() if reverse else cursor.next()

    def next_value(
        self, stream_id: bytes, key: bytes | None, version: int, *, reverse: bool, inclusive: bool
    ) -> StoredValue | None:
        """The first key after (or before) `key` that has a non-empty value visible at `version` (0G skips deleted)."""
        for candidate in self.iter_keys(stream_id, key, reverse=reverse, inclusive=inclusive):
            value = self.get_value(stream_id, candidate, version)
            if value is not None and value.data:
                return value
        return None

    def history(self, stream_id: bytes, key: bytes) -> list[StoredValue]:
        """Every version of `key`, oldest first (empty data = deleted)."""
        prefix = stream_id + escape_key(key)
        found = []
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._values)
            positioned = cursor.set_range(prefix)
            while positioned:
                record = bytes(cursor.key())
                if len(record) != len(prefix) + 8 or not record.startswith(prefix):
                    break
                found.append(StoredValue(key, int.from_bytes(record[-8:], "big"), bytes(cursor.value())))
                positioned = cursor.next()
        return found

    def iter_latest(self, stream_id: bytes, prefix: bytes) -> Iterator[StoredValue]:
        """The latest version of every key starting with `prefix` (deleted ones included, with empty data)."""
        for key in self.iter_keys(stream_id, prefix, reverse=False, inclusive=True):
            if not key.startswith(prefix):
                return
            value = self.get_value(stream_id, key)
            if value is not None:
                yield value

    def is_new_stream(self, stream_id: bytes, version: int) -> bool:
        with self.env.begin() as txn:
            first = txn.get(stream_id, db=self._streams)
        return first is None or int.from_bytes(first, "big") > version

    def is_admin(self, account: bytes, stream_id: bytes, version: int) -> bool:
        op = self._latest_op(stream_id + b"A" + account, version)
        return op == AclOpType.GRANT_ADMIN

    def is_special_key(self, stream_id: bytes, key: bytes, version: int) -> bool:
        return self._latest_op(stream_id + b"K" + escape_key(key), version) == AclOpType.SET_KEY_TO_SPECIAL

    def is_writer_of_key(self, account: bytes, stream_id: bytes, key: bytes, version: int) -> bool:
        op = self._latest_op(stream_id + b"S" + escape_key(key) + account, version)
        return op == AclOpType.GRANT_SPECIAL_WRITE

    def is_writer_of_stream(self, account: bytes, stream_id: bytes, version: int) -> bool:
        return self._latest_op(stream_id + b"W" + account, version) == AclOpType.GRANT_WRITE

    def has_write_permission(self, account: bytes, stream_id: bytes, key: bytes, version: int) -> bool:
        """0G's rule: anyone on a new stream; an admin; else a special key's writers or the stream's writers."""
        if self.is_new_stream(stream_id, version) or self.is_admin(account, stream_id, version):
            return True
        if self.is_special_key(stream_id, key, version):
            return self.is_writer_of_key(account, stream_id, key, version)
        return self.is_writer_of_stream(account, stream_id, version)

    def _latest_op(self, prefix: bytes, version: int) -> int | None:
        with self.env.begin() as txn:
            found = _latest(txn.cursor(db=self._acl), prefix, version)
        return None if found is None else found[1][0]


def _acl_prefix(op: AclOpType, stream_id: bytes, key: bytes, account: bytes) -> bytes:
    """Where an op's history lives; every op of one category shares the history of its subject."""
    category = op & 0xF0
    if category == 0x00:
        return stream_id + b"A" + account
    if category == 0x10:
        return stream_id + b"K" + escape_key(key)
    if category == 0x20:
        return stream_id + b"W" + account
    return stream_id + b"S" + escape_key(key) + account


def _successor(prefix: bytes) -> bytes:
    """The smallest byte string greater than every string starting with `prefix` (b"" if there is none)."""
    stripped = prefix.rstrip(b"\xff")
    return stripped[:-1] + bytes([stripped[-1] + 1]) if stripped else b""


def _latest(cursor: lmdb.Cursor, prefix: bytes, version: int) -> tuple[int, bytes] | None:
    """(version, value) of the newest record `prefix ‖ u64 version` with version <= `version`."""
    position = prefix + _u64(version + 1) if version < MAX_VERSION else prefix + b"\xff" * 9
    positioned = cursor.set_range(position)
    positioned = cursor.prev() if positioned else cursor.last()
    if not positioned:
        return None
    record = bytes(cursor.key())
    if len(record) != len(prefix) + 8 or not record.startswith(prefix):
        return None
    return int.from_bytes(record[-8:], "big"), bytes(cursor.value())
