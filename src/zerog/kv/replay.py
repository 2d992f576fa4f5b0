"""Replaying one KV tx exactly as 0G's `stream_replayer.rs` does: checks, in order, then the result.

Stages (a check of an earlier stage wins over a parse error of a later one, as in 0G):
1. reads: every stream must be held by this node (else TagsMismatch); a key newer than the writer's snapshot
   `version` gives VersionConfliction;
2. writes (the last write of a repeated key wins): every stream must be in the tx tags (TagsMismatch), no key may be
   newer than `version` (VersionConfliction), and the sender needs write permission (WritePermissionDenied);
3. ACL ops: the sender becomes admin of every new stream in the tags; per category only the last op for a subject
   counts (a GRANT_ADMIN only if it is the first and not for the sender); admin-only ops need admin,
   granting write needs admin or the right itself (AccessControlPermissionDenied), streams must be in the tags.
Versions are tx seqs; state is read "at or before" the tx's seq, i.e. everything before it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from zerog.codec.stream import AccessControl, AclOpType, StreamData, StreamDataError, parse_replayed_stream_data
from zerog.kv.state import AclEntry

__all__ = ["COMMIT", "KvTx", "ReplayOutcome", "StateView", "replay_tx", "truncated_key"]

COMMIT = "Commit"
_ADMIN_ONLY = {
    AclOpType.GRANT_ADMIN,
    AclOpType.SET_KEY_TO_NORMAL,
    AclOpType.SET_KEY_TO_SPECIAL,
    AclOpType.REVOKE_WRITE,
    AclOpType.REVOKE_SPECIAL_WRITE,
}
_ZERO_ACCOUNT = bytes(20)
_OP_NAMES = {
    AclOpType.GRANT_ADMIN: "GRANT_ADMIN_ROLE",
    AclOpType.RENOUNCE_ADMIN: "RENOUNCE_ADMIN_ROLE",
    AclOpType.SET_KEY_TO_SPECIAL: "SET_KEY_TO_SPECIAL",
    AclOpType.SET_KEY_TO_NORMAL: "SET_KEY_TO_NORMAL",
    AclOpType.GRANT_WRITE: "GRANT_WRITER_ROLE",
    AclOpType.REVOKE_WRITE: "REVOKE_WRITER_ROLE",
    AclOpType.RENOUNCE_WRITE: "RENOUNCE_WRITER_ROLE",
    AclOpType.GRANT_SPECIAL_WRITE: "GRANT_SPECIAL_WRITER_ROLE",
    AclOpType.REVOKE_SPECIAL_WRITE: "REVOKE_SPECIAL_WRITER_ROLE",
    AclOpType.RENOUNCE_SPECIAL_WRITE: "RENOUNCE_SPECIAL_WRITER_ROLE",
}
"""0G's `to_access_control_op_name`, as results print them."""


class StateView(Protocol):
    """The versioned reads replay needs (`KvState` provides them)."""

    def latest_version(self, stream_id: bytes, key: bytes, version: int) -> int: ...

    def is_new_stream(self, stream_id: bytes, version: int) -> bool: ...

    def is_admin(self, account: bytes, stream_id: bytes, version: int) -> bool: ...

    def is_writer_of_key(self, account: bytes, stream_id: bytes, key: bytes, version: int) -> bool: ...

    def is_writer_of_stream(self, account: bytes, stream_id: bytes, version: int) -> bool: ...

    def has_write_permission(self, account: bytes, stream_id: bytes, key: bytes, version: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class KvTx:
    """A log entry carrying StreamData."""

    seq: int
    sender: bytes
    """20-byte address that sent `Flow.submit`."""
    stream_ids: tuple[bytes, ...]
    """From the submission tags."""


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    result: str
    """0G's result string: "Commit" or the reason the tx was not applied."""
    writes: list[tuple[bytes, bytes, bytes]] = field(default_factory=list)
    """(stream, key, value) to store at version = seq, when committed."""
    acls: list[AclEntry] = field(default_factory=list)


def truncated_key(key: bytes) -> str:
    """How 0G shows a key in a result: up to 32 characters of UTF-8, "UNKNOWN" if not UTF-8, "NONE" if empty."""
    if not key:
        return "NONE"
    try:
        text = key.decode()
    except UnicodeDecodeError:
        return "UNKNOWN"
    return text[:32]


def replay_tx(tx: KvTx, blob: bytes, state: StateView, held: Iterable[bytes] | None = None) -> ReplayOutcome:
    """The outcome of tx `tx` whose file content is `blob`; `held` are this node's streams (None: all)."""
    held_set = None if held is None else set(held)
    try:
        data = parse_replayed_stream_data(blob)
        failure: StreamDataError | None = None
    except StreamDataError as exc:
        if exc.parsed is None:
            return ReplayOutcome(exc.result)
        data, failure = exc.parsed, exc
    for section in ("reads", "writes"):
        if failure is not None and failure.section == section:
            return ReplayOutcome(failure.result)
        result = _check_reads(tx, data, state, held_set) if section == "reads" else _check_writes(tx, data, state)
        if result is not None:
            return ReplayOutcome(result)
    if failure is not None:
        return ReplayOutcome(failure.result)
    acls, is_admin = _collect_acls(tx, data, state)
    if (result := _check_acls(tx, acls, is_admin, state)) is not None:
        return ReplayOutcome(result)
    writes: dict[tuple[bytes, bytes], bytes] = {}
    for write in data.writes:
        writes[(write.stream_id, write.key)] = write.data
    return ReplayOutcome(COMMIT, [(s, k, v) for (s, k), v in writes.items()], acls)


def _check_reads(tx: KvTx, data: StreamData, state: StateView, held: set[bytes] | None) -> str | None:
    for read in data.reads:
        if held is not None and read.stream_id not in held:
            return "TagsMismatch"
        if state.latest_version(read.stream_id, read.key, tx.seq) > data.version:
            return "VersionConfliction"
    return None


def _check_writes(tx: KvTx, data: StreamData, state: StateView) -> str | None:
    tagged = set(tx.stream_ids)
    last = {(w.stream_id, w.key): w for w in data.writes}
    for write in last.values():
        if write.stream_id not in tagged:
            return "TagsMismatch"
        if state.latest_version(write.stream_id, write.key, tx.seq) > data.version:
            return "VersionConfliction"
        if not state.has_write_permission(tx.sender, write.stream_id, write.key, tx.seq):
            return f"WritePermissionDenied: stream: 0x{write.stream_id.hex()}, key: {truncated_key(write.key)}"
    return None


def _collect_acls(tx: KvTx, data: StreamData, state: StateView) -> tuple[list[AclEntry], set[bytes]]:
    """The ACL changes that count, keyed per (category, stream, key, account) as 0G dedupes them."""
    ops: dict[tuple[int, bytes, bytes, bytes], AclEntry] = {}
    is_admin: set[bytes] = set()
    for stream_id in tx.stream_ids:
        if state.is_new_stream(stream_id, tx.seq):
            ops[(0x00, stream_id, b"", tx.sender)] = AclEntry(
                AclOpType.GRANT_ADMIN, stream_id, b"", tx.sender, _ZERO_ACCOUNT
            )
            is_admin.add(stream_id)
        elif state.is_admin(tx.sender, stream_id, tx.seq):
            is_admin.add(stream_id)
    for acl in data.acls:
        entry = _entry(acl, tx.sender)
        meta = (acl.op & 0xF0, entry.stream_id, entry.key, entry.account)
        if acl.op != AclOpType.GRANT_ADMIN or (meta not in ops and entry.account != tx.sender):
            ops[meta] = entry
    return list(ops.values()), is_admin


def _entry(acl: AccessControl, sender: bytes) -> AclEntry:
    renounce = acl.op in (AclOpType.RENOUNCE_ADMIN, AclOpType.RENOUNCE_WRITE, AclOpType.RENOUNCE_SPECIAL_WRITE)
    account = sender if renounce else (acl.account or _ZERO_ACCOUNT)
    return AclEntry(acl.op, acl.stream_id, acl.key or b"", account, sender)


def _check_acls(tx: KvTx, acls: list[AclEntry], is_admin: set[bytes], state: StateView) -> str | None:
    tagged = set(tx.stream_ids)
    for entry in acls:
        if entry.stream_id not in tagged:
            return "TagsMismatch"
        allowed = True
        if entry.op in _ADMIN_ONLY:
            allowed = entry.stream_id in is_admin
        elif entry.op == AclOpType.GRANT_WRITE:
            allowed = entry.stream_id in is_admin or state.is_writer_of_stream(tx.sender, entry.stream_id, tx.seq)
        elif entry.op == AclOpType.GRANT_SPECIAL_WRITE:
            allowed = entry.stream_id in is_admin or state.is_writer_of_key(
                tx.sender, entry.stream_id, entry.key, tx.seq
            )
        if not allowed:
            return (
                f"AccessControlPermissionDenied: operation: {_OP_NAMES[entry.op]}, "
                f"stream: 0x{entry.stream_id.hex()}, key: {truncated_key(entry.key)}, account: 0x{entry.account.hex()}"
            )
    return None
