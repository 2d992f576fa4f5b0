"""StreamData, the wire format of a 0G KV write, and the tags that mark a file as one.

A KV write is an ordinary file upload: its content is a StreamData blob and its submission tags are
`STREAM_DOMAIN || streamId...` (0g-storage.md §2.5). The KV node (0g-storage-kv) replays such files in tx-seq order.

Layout, all integers big-endian (client kv/types.go `Encode`, kv node stream_replayer.rs `parse_*`):

    offset  size  field
    0       8     version                      u64: the snapshot the writer read; VersionConfliction if a key is newer
    8       4     nReads                       u32, at most MAX_SET_SIZE
            ...   nReads x  streamId[32] | keyLen u24 | key
            4     nWrites                      u32, at most MAX_SET_SIZE
            ...   nWrites x streamId[32] | keyLen u24 | key | dataLen u64     (headers only)
            ...   the nWrites values, concatenated in write order
            4     nAcls                        u32, at most MAX_SET_SIZE
            ...   nAcls x   op u8 | streamId[32] | [keyLen u24 | key] | [account[20]]   (see AclOpType)

Keys are 1 <= len <= MAX_KEY_LENGTH (the u24 length field; 0 is refused). Nothing follows the ACL set.

What 0G's replayer does with a blob it cannot parse (stream_replayer.rs `replay`): the tx is not applied and its
result, as `kv_getTransactionResult` reports it, is `DataParseError: <ParseError>` with one of two texts
(stream_manager/error.rs): `Invalid stream data` (truncated, empty key, unknown ACL op, values past the end) or
`Stream read/write/access_control list too long` (a count above MAX_SET_SIZE). `StreamDataError.result` carries
that exact text. The replayer works in stages, parse reads -> check reads -> parse writes -> check writes -> parse
ACLs -> check ACLs, so a check result (TagsMismatch, VersionConfliction, ...) of an earlier section wins over a
parse error of a later one; `StreamDataError.section` and `.parsed` give a KV node what it needs to mirror that.

The replayer reads the tx's flow entries, i.e. the file zero-padded to whole 256-byte sectors, and stops after the
ACL set: bytes a blob lacks but the padding supplies read as zeros, and trailing bytes are ignored.
`parse_replayed_stream_data` reads a blob that way; `parse_stream_data` accepts only the exact encoding.
"""

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from zerog.errors import InvalidInput
from zerog.spec import BYTES_PER_SECTOR

__all__ = [
    "DATA_PARSE_ERROR_INVALID",
    "DATA_PARSE_ERROR_TOO_LONG",
    "MAX_KEY_LENGTH",
    "MAX_SET_SIZE",
    "STREAM_DOMAIN",
    "AccessControl",
    "AclOpType",
    "StreamData",
    "StreamDataError",
    "StreamRead",
    "StreamWrite",
    "encode_stream_tags",
    "parse_replayed_stream_data",
    "parse_stream_data",
    "parse_stream_tags",
]

STREAM_DOMAIN = hashlib.sha256(b"STREAM").digest()
"""sha256("STREAM") = df2ff3bb…4307aa: the first 32 bytes of a KV entry's tags (kv_types `STREAM_DOMAIN`)."""

MAX_KEY_LENGTH = (1 << 24) - 1
"""Longest key in bytes: the u24 length field's maximum (the SDKs' `maxKeySize = 1 << 24` is refused on encode)."""

MAX_SET_SIZE = 1 << 16
"""Most reads, writes or ACL ops in one StreamData: the replayer refuses `count > MAX_SIZE_LEN` (65536)."""

DATA_PARSE_ERROR_INVALID = "DataParseError: Invalid stream data"
"""The tx result 0G records for a malformed blob (`ParseError::InvalidData`)."""

DATA_PARSE_ERROR_TOO_LONG = "DataParseError: Stream read/write/access_control list too long"
"""The tx result 0G records for a count above MAX_SET_SIZE (`ParseError::ListTooLong`)."""

BYTES_PER_STREAM_ID = 32
BYTES_PER_ACCOUNT = 20
BYTES_PER_VERSION = 8
BYTES_PER_SET_LEN = 4
BYTES_PER_KEY_LEN = 3
BYTES_PER_DATA_LEN = 8
MAX_VERSION = (1 << 64) - 1

StreamSection = Literal["version", "reads", "writes", "acls"]


class AclOpType(enum.IntEnum):
    """Access control op codes (kv node `AccessControlOps`; 0G names in each docstring)."""

    GRANT_ADMIN = 0x00
    """GRANT_ADMIN_ROLE: stream id + account."""
    RENOUNCE_ADMIN = 0x01
    """RENOUNCE_ADMIN_ROLE: stream id only; the account is the tx sender."""
    SET_KEY_TO_SPECIAL = 0x10
    """SET_KEY_TO_SPECIAL: stream id + key."""
    SET_KEY_TO_NORMAL = 0x11
    """SET_KEY_TO_NORMAL: stream id + key."""
    GRANT_WRITE = 0x20
    """GRANT_WRITER_ROLE: stream id + account."""
    REVOKE_WRITE = 0x21
    """REVOKE_WRITER_ROLE: stream id + account."""
    RENOUNCE_WRITE = 0x22
    """RENOUNCE_WRITER_ROLE: stream id only; the account is the tx sender."""
    GRANT_SPECIAL_WRITE = 0x30
    """GRANT_SPECIAL_WRITER_ROLE: stream id + key + account."""
    REVOKE_SPECIAL_WRITE = 0x31
    """REVOKE_SPECIAL_WRITER_ROLE: stream id + key + account."""
    RENOUNCE_SPECIAL_WRITE = 0x32
    """RENOUNCE_SPECIAL_WRITER_ROLE: stream id + key; the account is the tx sender."""

    @property
    def carries_key(self) -> bool:
        """Whether the op's encoding holds a key (`u24 len || key`) after the stream id."""
        return self in _OPS_WITH_KEY

    @property
    def carries_account(self) -> bool:
        """Whether the op's encoding ends with a 20-byte account."""
        return self in _OPS_WITH_ACCOUNT


_OPS_WITH_KEY = frozenset(
    {
        AclOpType.SET_KEY_TO_SPECIAL,
        AclOpType.SET_KEY_TO_NORMAL,
        AclOpType.GRANT_SPECIAL_WRITE,
        AclOpType.REVOKE_SPECIAL_WRITE,
        AclOpType.RENOUNCE_SPECIAL_WRITE,
    }
)
_OPS_WITH_ACCOUNT = frozenset(
    {
        AclOpType.GRANT_ADMIN,
        AclOpType.GRANT_WRITE,
        AclOpType.REVOKE_WRITE,
        AclOpType.GRANT_SPECIAL_WRITE,
        AclOpType.REVOKE_SPECIAL_WRITE,
    }
)


@dataclass(frozen=True, slots=True)
class StreamRead:
    """A key the writer read: the tx conflicts if the key changed after `StreamData.version`."""

    stream_id: bytes
    """32-byte stream id."""
    key: bytes
    """1..MAX_KEY_LENGTH bytes."""


@dataclass(frozen=True, slots=True)
class StreamWrite:
    """A key set to a value; the value's version becomes the tx seq."""

    stream_id: bytes
    """32-byte stream id."""
    key: bytes
    """1..MAX_KEY_LENGTH bytes."""
    data: bytes
    """The value, possibly empty."""


@dataclass(frozen=True, slots=True)
class AccessControl:
    """One ACL op; `key` and `account` are set exactly when the op carries them (`AclOpType.carries_*`)."""

    op: AclOpType
    stream_id: bytes
    """32-byte stream id."""
    key: bytes | None = None
    """1..MAX_KEY_LENGTH bytes for the key ops, else None."""
    account: bytes | None = None
    """20-byte address for the grant/revoke ops, else None (renounce ops act on the tx sender)."""


@dataclass(frozen=True, slots=True)
class StreamData:
    """The content of a KV write (see the module docstring for the layout)."""

    version: int
    """u64 snapshot the writer read from; 2^64-1 never conflicts (last writer wins)."""
    reads: tuple[StreamRead, ...] = ()
    writes: tuple[StreamWrite, ...] = ()
    """In encoding order; the replayer keeps the last write of a repeated (stream, key)."""
    acls: tuple[AccessControl, ...] = ()

    @property
    def stream_ids(self) -> tuple[bytes, ...]:
        """Streams of the writes and ACL ops, deduplicated and sorted: what the SDK builders put in the tags.

        Reads are left out, as 0G's builder leaves them out (Go `Watch` does not call `addStreamId`): the replayer
        checks reads against the node's configured streams, but writes and ACL ops against the tags (TagsMismatch),
        and it makes the sender admin of every new stream named in the tags.
        """
        ids = {write.stream_id for write in self.writes} | {acl.stream_id for acl in self.acls}
        return tuple(sorted(ids))

    @property
    def encoded_size(self) -> int:
        """Bytes of `encode()` (the Go client's `Size()`), for pricing before encoding."""
        size = BYTES_PER_VERSION + 3 * BYTES_PER_SET_LEN
        size += sum(BYTES_PER_STREAM_ID + BYTES_PER_KEY_LEN + len(read.key) for read in self.reads)
        size += sum(
            BYTES_PER_STREAM_ID + BYTES_PER_KEY_LEN + len(write.key) + BYTES_PER_DATA_LEN + len(write.data)
            for write in self.writes
        )
        for acl in self.acls:
            size += 1 + BYTES_PER_STREAM_ID
            size += BYTES_PER_KEY_LEN + len(acl.key) if acl.key is not None else 0
            size += BYTES_PER_ACCOUNT if acl.account is not None else 0
        return size

    def validate(self) -> None:
        """Raise `InvalidInput` for anything the replayer would refuse or the layout cannot hold."""
        if not 0 <= self.version <= MAX_VERSION:
            raise InvalidInput(f"version {self.version} is not a u64")
        for what, items in (("reads", self.reads), ("writes", self.writes), ("acls", self.acls)):
            if len(items) > MAX_SET_SIZE:
                raise InvalidInput(f"{len(items)} {what} exceed 0G's limit of {MAX_SET_SIZE}")
        for i, read in enumerate(self.reads):
            _check_stream_id(read.stream_id, f"read {i}")
            _check_key(read.key, f"read {i}")
        for i, write in enumerate(self.writes):
            _check_stream_id(write.stream_id, f"write {i}")
            _check_key(write.key, f"write {i}")
        for i, acl in enumerate(self.acls):
            _check_acl(acl, f"acl {i}")

    def encode(self) -> bytes:
        """The blob a KV write uploads, byte for byte as the Go, TS and Python SDKs encode it."""
        self.validate()
        parts = [self.version.to_bytes(BYTES_PER_VERSION, "big"), _set_len(self.reads)]
        for read in self.reads:
            parts += [read.stream_id, _key_len(read.key), read.key]
        parts.append(_set_len(self.writes))
        for write in self.writes:
            parts += [
                write.stream_id,
                _key_len(write.key),
                write.key,
                len(write.data).to_bytes(BYTES_PER_DATA_LEN, "big"),
            ]
        parts += [write.data for write in self.writes]
        parts.append(_set_len(self.acls))
        for acl in self.acls:
            parts += [bytes([acl.op]), acl.stream_id]
            if acl.key is not None:
                parts += [_key_len(acl.key), acl.key]
            if acl.account is not None:
                parts.append(acl.account)
        return b"".join(parts)


class StreamDataError(InvalidInput):
    """A blob 0G's replayer refuses; it records the tx result `result` (a `DataParseError: ...` text)."""

    def __init__(self, message: str, *, result: str, section: StreamSection, parsed: StreamData | None) -> None:
        super().__init__(message)
        self.result = result
        """DATA_PARSE_ERROR_INVALID or DATA_PARSE_ERROR_TOO_LONG, as `kv_getTransactionResult` reports it."""
        self.section = section
        """The section that failed to parse."""
        self.parsed = parsed
        """The version and the sections before `section`, whole (later ones empty); None if the version failed."""


def parse_stream_data(raw: bytes) -> StreamData:
    """Validate an exact StreamData encoding (what the SDKs write): `StreamDataError` if 0G refuses it,
    `InvalidInput` for trailing bytes (0G ignores them, but then `encode()` would not give `raw` back)."""
    cursor = _Cursor(raw)
    data = _parse(cursor)
    if cursor.remaining:
        raise InvalidInput(f"{cursor.remaining} bytes follow the ACL set at offset {cursor.offset}")
    return data


def parse_replayed_stream_data(file_bytes: bytes) -> StreamData:
    """The StreamData 0G's replayer reads from a KV file: zero-padded to whole sectors, trailing bytes ignored.

    Values that reach into the padding carry its zeros, as `kv_getValue` would serve them. Only an empty file
    (which the Flow contract cannot record) is too short for the version.
    """
    padding = -len(file_bytes) % BYTES_PER_SECTOR
    return _parse(_Cursor(bytes(file_bytes) + bytes(padding)))


def encode_stream_tags(stream_ids: Sequence[bytes]) -> bytes:
    """`STREAM_DOMAIN || ids`, each id once in first-seen order, as the SDK builders make tags.

    The builders keep ids in a map (Python: insertion order; Go: random unless `buildTags(true)` sorts them), so
    pass `StreamData.stream_ids` for the sorted form.
    """
    unique: dict[bytes, None] = {}
    for i, stream_id in enumerate(stream_ids):
        _check_stream_id(stream_id, f"tag {i}")
        unique.setdefault(bytes(stream_id))
    return STREAM_DOMAIN + b"".join(unique)


def parse_stream_tags(tags: bytes) -> tuple[bytes, ...] | None:
    """The stream ids in a KV entry's tags, or None if the tags do not mark one.

    0G's rule (kv_types `submission_topic_to_stream_ids`): the tags start with STREAM_DOMAIN and their length is a
    multiple of 32. Ids are returned as written, repeats included; `()` (the domain alone) is a KV entry the node
    skips because it names no stream.
    """
    if len(tags) < BYTES_PER_STREAM_ID or len(tags) % BYTES_PER_STREAM_ID or not tags.startswith(STREAM_DOMAIN):
        return None
    return tuple(
        bytes(tags[i : i + BYTES_PER_STREAM_ID]) for i in range(BYTES_PER_STREAM_ID, len(tags), BYTES_PER_STREAM_ID)
    )


def _check_stream_id(stream_id: bytes, where: str) -> None:
    if len(stream_id) != BYTES_PER_STREAM_ID:
        raise InvalidInput(f"{where}: a stream id is {BYTES_PER_STREAM_ID} bytes, got {len(stream_id)}")


def _check_key(key: bytes, where: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput(f"{where}: a key is 1 to {MAX_KEY_LENGTH} bytes, got {len(key)}")


def _check_acl(acl: AccessControl, where: str) -> None:
    try:
        op = AclOpType(acl.op)
    except ValueError:
        raise InvalidInput(f"{where}: unknown ACL op {acl.op!r}") from None
    _check_stream_id(acl.stream_id, where)
    if op.carries_key != (acl.key is not None):
        raise InvalidInput(f"{where}: {op.name} {'needs' if op.carries_key else 'takes no'} key")
    if acl.key is not None:
        _check_key(acl.key, where)
    if op.carries_account != (acl.account is not None):
        raise InvalidInput(f"{where}: {op.name} {'needs' if op.carries_account else 'takes no'} account")
    if acl.account is not None and len(acl.account) != BYTES_PER_ACCOUNT:
        raise InvalidInput(f"{where}: an account is {BYTES_PER_ACCOUNT} bytes, got {len(acl.account)}")


def _set_len(items: Sequence[object]) -> bytes:
    return len(items).to_bytes(BYTES_PER_SET_LEN, "big")


def _key_len(key: bytes) -> bytes:
    return len(key).to_bytes(BYTES_PER_KEY_LEN, "big")


class _Malformed(Exception):
    """Raised inside the parser; `_parse` turns it into a StreamDataError that knows the section."""

    def __init__(self, message: str, result: str = DATA_PARSE_ERROR_INVALID) -> None:
        super().__init__(message)
        self.result = result


class _Cursor:
    """Reads fields off a blob front to back; every short read is a `_Malformed`."""

    __slots__ = ("_raw", "offset")

    def __init__(self, raw: bytes) -> None:
        self._raw = memoryview(raw)
        self.offset = 0

    @property
    def remaining(self) -> int:
        return len(self._raw) - self.offset

    def take(self, size: int, what: str) -> bytes:
        if size > self.remaining:
            raise _Malformed(f"truncated: {what} needs {size} bytes at offset {self.offset}, {self.remaining} left")
        self.offset += size
        return bytes(self._raw[self.offset - size : self.offset])

    def take_uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def take_count(self, what: str) -> int:
        count = self.take_uint(BYTES_PER_SET_LEN, f"the number of {what}")
        if count > MAX_SET_SIZE:
            raise _Malformed(f"{count} {what} exceed 0G's limit of {MAX_SET_SIZE}", DATA_PARSE_ERROR_TOO_LONG)
        return count

    def take_key(self, where: str) -> bytes:
        size = self.take_uint(BYTES_PER_KEY_LEN, f"{where} key length")
        if size == 0:
            raise _Malformed(f"{where} has an empty key (offset {self.offset - BYTES_PER_KEY_LEN})")
        return self.take(size, f"{where} key")


def _parse(cursor: _Cursor) -> StreamData:
    """Parse in 0G's replay order, recording how far it got for `StreamDataError`."""
    section: StreamSection = "version"
    parsed: StreamData | None = None
    try:
        parsed = StreamData(cursor.take_uint(BYTES_PER_VERSION, "version"))
        section = "reads"
        parsed = StreamData(parsed.version, _parse_reads(cursor))
        section = "writes"
        parsed = StreamData(parsed.version, parsed.reads, _parse_writes(cursor))
        section = "acls"
        return StreamData(parsed.version, parsed.reads, parsed.writes, _parse_acls(cursor))
    except _Malformed as exc:
        raise StreamDataError(
            f"stream data {section}: {exc}", result=exc.result, section=section, parsed=parsed
        ) from None


def _parse_reads(cursor: _Cursor) -> tuple[StreamRead, ...]:
    count = cursor.take_count("reads")
    return tuple(
        StreamRead(cursor.take(BYTES_PER_STREAM_ID, f"read {i} stream id"), cursor.take_key(f"read {i}"))
        for i in range(count)
    )


def _parse_writes(cursor: _Cursor) -> tuple[StreamWrite, ...]:
    count = cursor.take_count("writes")
    headers = [
        (
            cursor.take(BYTES_PER_STREAM_ID, f"write {i} stream id"),
            cursor.take_key(f"write {i}"),
            cursor.take_uint(BYTES_PER_DATA_LEN, f"write {i} value length"),
        )
        for i in range(count)
    ]
    # Values follow all the headers; the replayer only skips past them, so their sum must fit in what is left.
    total = sum(size for _, _, size in headers)
    if total > cursor.remaining:
        raise _Malformed(f"values of {total} bytes at offset {cursor.offset} overrun the data, {cursor.remaining} left")
    return tuple(StreamWrite(stream_id, key, cursor.take(size, "value")) for stream_id, key, size in headers)


def _parse_acls(cursor: _Cursor) -> tuple[AccessControl, ...]:
    count = cursor.take_count("ACL ops")
    acls = []
    for i in range(count):
        code = cursor.take_uint(1, f"acl {i} op")
        stream_id = cursor.take(BYTES_PER_STREAM_ID, f"acl {i} stream id")
        try:
            op = AclOpType(code)
        except ValueError:
            offset = cursor.offset - BYTES_PER_STREAM_ID - 1
            raise _Malformed(f"acl {i} has unknown op 0x{code:02x} (offset {offset})") from None
        key = cursor.take_key(f"acl {i}") if op.carries_key else None
        account = cursor.take(BYTES_PER_ACCOUNT, f"acl {i} account") if op.carries_account else None
        acls.append(AccessControl(op, stream_id, key, account))
    return tuple(acls)
