"""`replay_tx` with a real `KvState`: results, ACLs, versions and reverts as 0g-storage-kv's replayer gives them.

Every tx is replayed and then committed with its seq, as the replayer does, so each test builds a real history.
The rules checked here are those of 0G's `StreamReplayer::replay` (0g-storage-kv `stream_replayer.rs`) and its store
queries (`store/stream_store.rs`, `sqlite_db_statements.rs`). What 0G's `run` loop decides before `replay` (skipping
txs of streams not held; newest upstream also records "SenderNoWritePermission" for a sender who can write none of
the tagged streams) is the replayer's business, not `replay_tx`'s, and is not tested here.
"""

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pytest

from zerog.codec.stream import (
    DATA_PARSE_ERROR_INVALID,
    DATA_PARSE_ERROR_TOO_LONG,
    AccessControl,
    AclOpType,
    StreamData,
    StreamRead,
    StreamWrite,
)
from zerog.kv.replay import COMMIT, KvTx, ReplayOutcome, replay_tx, truncated_key
from zerog.kv.state import MAX_VERSION, AclEntry, KvState, StoredValue

S1, S2, S3 = (bytes([n]) * 32 for n in (1, 2, 3))
ALICE, BOB, CAROL = (bytes([n]) * 20 for n in (0xA1, 0xB2, 0xC3))
ZERO = bytes(20)


def grant_admin(account: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.GRANT_ADMIN, stream, account=account)


def renounce_admin(stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.RENOUNCE_ADMIN, stream)


def set_special(key: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.SET_KEY_TO_SPECIAL, stream, key=key)


def set_normal(key: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.SET_KEY_TO_NORMAL, stream, key=key)


def grant_write(account: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.GRANT_WRITE, stream, account=account)


def revoke_write(account: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.REVOKE_WRITE, stream, account=account)


def renounce_write(stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.RENOUNCE_WRITE, stream)


def grant_special(key: bytes, account: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.GRANT_SPECIAL_WRITE, stream, key=key, account=account)


def revoke_special(key: bytes, account: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.REVOKE_SPECIAL_WRITE, stream, key=key, account=account)


def renounce_special(key: bytes, stream: bytes = S1) -> AccessControl:
    return AccessControl(AclOpType.RENOUNCE_SPECIAL_WRITE, stream, key=key)


def put(key: bytes, value: bytes, stream: bytes = S1) -> StreamWrite:
    return StreamWrite(stream, key, value)


def denied(op: str, account: bytes, key: str = "NONE", stream: bytes = S1) -> str:
    return (
        f"AccessControlPermissionDenied: operation: {op}, stream: 0x{stream.hex()}, key: {key}, "
        f"account: 0x{account.hex()}"
    )


def no_write(key: str, stream: bytes = S1) -> str:
    return f"WritePermissionDenied: stream: 0x{stream.hex()}, key: {key}"


class Log:
    """A KvState fed tx after tx: `send` replays one and commits its outcome under the next seq."""

    def __init__(self, state: KvState, held: Iterable[bytes] | None = None) -> None:
        self.state = state
        self.held = None if held is None else frozenset(held)
        self.next_seq = 0

    def send(
        self,
        sender: bytes,
        *,
        version: int = MAX_VERSION,
        reads: Sequence[StreamRead] = (),
        writes: Sequence[StreamWrite] = (),
        acls: Sequence[AccessControl] = (),
        tags: Sequence[bytes] | None = None,
    ) -> ReplayOutcome:
        """Replay StreamData whose tags are `tags` (default: its own streams, as the SDKs tag it)."""
        data = StreamData(version, tuple(reads), tuple(writes), tuple(acls))
        return self.send_blob(sender, data.encode(), data.stream_ids if tags is None else tags)

    def send_blob(self, sender: bytes, blob: bytes, tags: Sequence[bytes]) -> ReplayOutcome:
        seq = self.next_seq
        outcome = replay_tx(KvTx(seq, sender, tuple(tags)), blob, self.state, self.held)
        self.state.commit(seq, outcome.result, outcome.writes, outcome.acls)
        assert self.state.get_result(seq) == outcome.result
        if outcome.result != COMMIT:
            assert (outcome.writes, outcome.acls) == ([], [])
        self.next_seq += 1
        return outcome

    @property
    def last(self) -> int:
        """Seq of the last tx sent."""
        return self.next_seq - 1

    def value(self, key: bytes, stream: bytes = S1, version: int = MAX_VERSION) -> bytes | None:
        found = self.state.get_value(stream, key, version)
        return None if found is None else found.data


@pytest.fixture
def state(tmp_path: Path) -> Iterator[KvState]:
    kv = KvState(tmp_path / "kv", map_size_bytes=1 << 26)
    yield kv
    kv.close()


@pytest.fixture
def log(state: KvState) -> Log:
    return Log(state)


@pytest.fixture
def stream(log: Log) -> Log:
    """S1 created by ALICE (its admin) at seq 0 with k = v0."""
    assert log.send(ALICE, writes=[put(b"k", b"v0")]).result == COMMIT
    return log


# --- new streams --------------------------------------------------------------------------------------------------


def test_first_writer_becomes_admin(log: Log) -> None:
    outcome = log.send(ALICE, writes=[put(b"k", b"v")])
    assert outcome == ReplayOutcome(COMMIT, [(S1, b"k", b"v")], [AclEntry(AclOpType.GRANT_ADMIN, S1, b"", ALICE, ZERO)])
    state = log.state
    assert state.is_new_stream(S1, MAX_VERSION) is False
    assert state.stream_ids() == [S1]
    assert state.is_admin(ALICE, S1, 0)
    assert not state.is_admin(BOB, S1, 0)
    assert state.get_value(S1, b"k", 0) == StoredValue(b"k", 0, b"v")
    # The next tx is no longer on a new stream: BOB may not write, ALICE still may.
    assert log.send(BOB, writes=[put(b"k", b"b")]).result == no_write("k")
    assert log.send(ALICE, writes=[put(b"k", b"a")]).result == COMMIT
    assert log.value(b"k") == b"a"


def test_stream_is_new_until_its_first_commit(log: Log) -> None:
    """Anyone may write to a new stream; a failed tx leaves it new."""
    assert log.state.has_write_permission(CAROL, S1, b"k", MAX_VERSION)
    assert log.send(BOB, writes=[put(b"k", b"v")], tags=[S2]).result == "TagsMismatch"
    assert log.state.is_new_stream(S1, MAX_VERSION)
    assert log.state.stream_ids() == []
    assert log.send(BOB, writes=[put(b"k", b"v")]).result == COMMIT
    assert log.state.is_admin(BOB, S1, log.last)
    assert not log.state.is_new_stream(S1, log.last)
    assert log.state.is_new_stream(S1, log.last - 1)
    assert not log.state.has_write_permission(CAROL, S1, b"k", log.last)
    assert log.state.has_write_permission(CAROL, S1, b"k", log.last - 1)


def test_sender_becomes_admin_of_every_new_tagged_stream(log: Log) -> None:
    """The admin grant follows the tags, not the writes; repeated tags grant once."""
    outcome = log.send(ALICE, writes=[put(b"k", b"v")], tags=[S1, S2, S1])
    assert outcome.result == COMMIT
    assert sorted(outcome.acls, key=lambda e: e.stream_id) == [
        AclEntry(AclOpType.GRANT_ADMIN, S1, b"", ALICE, ZERO),
        AclEntry(AclOpType.GRANT_ADMIN, S2, b"", ALICE, ZERO),
    ]
    assert log.state.is_admin(ALICE, S2, MAX_VERSION)
    assert not log.state.is_admin(ALICE, S3, MAX_VERSION)
    # An existing stream in the tags adds nothing.
    outcome = log.send(ALICE, writes=[put(b"k", b"w")], tags=[S1, S3])
    assert outcome.acls == [AclEntry(AclOpType.GRANT_ADMIN, S3, b"", ALICE, ZERO)]


def test_acl_only_tx_creates_a_stream(log: Log) -> None:
    outcome = log.send(ALICE, acls=[grant_write(BOB)])
    assert outcome.result == COMMIT
    assert outcome.writes == []
    assert {e.op for e in outcome.acls} == {AclOpType.GRANT_ADMIN, AclOpType.GRANT_WRITE}
    assert log.state.is_admin(ALICE, S1, MAX_VERSION)
    assert log.state.is_writer_of_stream(BOB, S1, MAX_VERSION)
    assert log.send(BOB, writes=[put(b"x", b"1")]).result == COMMIT


def test_empty_tx_on_a_new_stream_still_makes_its_sender_admin(log: Log) -> None:
    assert log.send(CAROL, tags=[S2]) == ReplayOutcome(
        COMMIT, [], [AclEntry(AclOpType.GRANT_ADMIN, S2, b"", CAROL, ZERO)]
    )
    assert log.state.is_admin(CAROL, S2, MAX_VERSION)


def test_renouncing_admin_in_the_creating_tx_leaves_no_admin(log: Log) -> None:
    """RENOUNCE_ADMIN shares the pad grant's (category, stream, key, account): it replaces it."""
    outcome = log.send(ALICE, writes=[put(b"k", b"v")], acls=[renounce_admin()])
    assert outcome.result == COMMIT
    assert outcome.acls == [AclEntry(AclOpType.RENOUNCE_ADMIN, S1, b"", ALICE, ALICE)]
    assert not log.state.is_admin(ALICE, S1, MAX_VERSION)
    assert not log.state.is_new_stream(S1, MAX_VERSION)
    assert log.send(ALICE, writes=[put(b"k", b"w")]).result == no_write("k")


# --- the ten ACL ops ----------------------------------------------------------------------------------------------


def test_grant_admin(stream: Log) -> None:
    state = stream.state
    assert stream.send(BOB, acls=[grant_admin(CAROL)]).result == denied("GRANT_ADMIN_ROLE", CAROL)
    outcome = stream.send(ALICE, acls=[grant_admin(BOB)])
    assert outcome == ReplayOutcome(COMMIT, [], [AclEntry(AclOpType.GRANT_ADMIN, S1, b"", BOB, ALICE)])
    granted = stream.last
    assert state.is_admin(BOB, S1, granted)
    assert not state.is_admin(BOB, S1, granted - 1)
    # The new admin may do everything an admin does, and ALICE keeps her role.
    assert stream.send(BOB, writes=[put(b"k", b"bob")], acls=[grant_admin(CAROL)]).result == COMMIT
    assert state.is_admin(CAROL, S1, MAX_VERSION)
    assert state.is_admin(ALICE, S1, MAX_VERSION)


def test_grant_admin_to_oneself_is_dropped(stream: Log) -> None:
    """0G keeps a GRANT_ADMIN only if its account is not the sender: even a non-admin's self-grant commits."""
    assert stream.send(ALICE, acls=[grant_admin(ALICE)]) == ReplayOutcome(COMMIT)
    assert stream.send(BOB, acls=[grant_admin(BOB)]) == ReplayOutcome(COMMIT)
    assert not stream.state.is_admin(BOB, S1, MAX_VERSION)


def test_grant_admin_keeps_only_the_first(stream: Log) -> None:
    outcome = stream.send(ALICE, acls=[grant_admin(BOB), grant_admin(BOB), grant_admin(CAROL)])
    assert outcome.acls == [
        AclEntry(AclOpType.GRANT_ADMIN, S1, b"", BOB, ALICE),
        AclEntry(AclOpType.GRANT_ADMIN, S1, b"", CAROL, ALICE),
    ]


def test_renounce_admin(stream: Log) -> None:
    outcome = stream.send(ALICE, acls=[renounce_admin()])
    assert outcome == ReplayOutcome(COMMIT, [], [AclEntry(AclOpType.RENOUNCE_ADMIN, S1, b"", ALICE, ALICE)])
    assert not stream.state.is_admin(ALICE, S1, stream.last)
    assert stream.state.is_admin(ALICE, S1, stream.last - 1)
    assert stream.send(ALICE, writes=[put(b"k", b"v")]).result == no_write("k")
    assert stream.send(ALICE, acls=[grant_admin(ALICE, S1), grant_admin(BOB)]).result == denied("GRANT_ADMIN_ROLE", BOB)


def test_renounce_ops_need_no_permission_only_tags(stream: Log) -> None:
    """Renouncing a role one lacks commits (and changes nothing); its stream must still be in the tags."""
    outcome = stream.send(CAROL, acls=[renounce_admin(), renounce_write(), renounce_special(b"k")])
    assert outcome.result == COMMIT
    assert {(e.op, e.key, e.account, e.operator) for e in outcome.acls} == {
        (AclOpType.RENOUNCE_ADMIN, b"", CAROL, CAROL),
        (AclOpType.RENOUNCE_WRITE, b"", CAROL, CAROL),
        (AclOpType.RENOUNCE_SPECIAL_WRITE, b"k", CAROL, CAROL),
    }
    assert stream.state.is_admin(ALICE, S1, MAX_VERSION)
    for op in (renounce_admin(), renounce_write(), renounce_special(b"k")):
        assert stream.send(ALICE, acls=[op], tags=[S2]).result == "TagsMismatch"


def test_set_key_to_special_and_normal(stream: Log) -> None:
    state = stream.state
    assert stream.send(ALICE, acls=[grant_write(BOB), grant_special(b"k", CAROL)]).result == COMMIT
    assert stream.send(BOB, acls=[set_special(b"k")]).result == denied("SET_KEY_TO_SPECIAL", ZERO, "k")
    assert stream.send(CAROL, acls=[set_special(b"k")]).result == denied("SET_KEY_TO_SPECIAL", ZERO, "k")
    outcome = stream.send(ALICE, acls=[set_special(b"k")])
    assert outcome.acls == [AclEntry(AclOpType.SET_KEY_TO_SPECIAL, S1, b"k", ZERO, ALICE)]
    special_from = stream.last
    assert state.is_special_key(S1, b"k", special_from)
    assert not state.is_special_key(S1, b"k", special_from - 1)
    assert not state.is_special_key(S1, b"other", special_from)
    assert stream.send(BOB, acls=[set_normal(b"k")]).result == denied("SET_KEY_TO_NORMAL", ZERO, "k")
    assert stream.send(ALICE, acls=[set_normal(b"k")]).result == COMMIT
    assert not state.is_special_key(S1, b"k", stream.last)
    assert state.is_special_key(S1, b"k", stream.last - 1)


def test_grant_write(stream: Log) -> None:
    """Admins and stream writers may grant the writer role; nobody else may."""
    state = stream.state
    assert stream.send(BOB, acls=[grant_write(BOB)]).result == denied("GRANT_WRITER_ROLE", BOB)
    assert stream.send(ALICE, acls=[grant_write(BOB)]).acls == [AclEntry(AclOpType.GRANT_WRITE, S1, b"", BOB, ALICE)]
    assert state.is_writer_of_stream(BOB, S1, stream.last)
    assert not state.is_writer_of_stream(BOB, S1, stream.last - 1)
    assert stream.send(BOB, acls=[grant_write(CAROL)]).result == COMMIT
    assert state.is_writer_of_stream(CAROL, S1, MAX_VERSION)
    assert stream.send(CAROL, writes=[put(b"k", b"carol")]).result == COMMIT
    assert stream.value(b"k") == b"carol"
    assert not state.is_admin(BOB, S1, MAX_VERSION)


def test_special_writer_may_not_grant_write(stream: Log) -> None:
    assert stream.send(ALICE, acls=[grant_special(b"k", BOB)]).result == COMMIT
    assert stream.send(BOB, acls=[grant_write(CAROL)]).result == denied("GRANT_WRITER_ROLE", CAROL)


def test_revoke_write(stream: Log) -> None:
    state = stream.state
    assert stream.send(ALICE, acls=[grant_write(BOB), grant_write(CAROL)]).result == COMMIT
    assert stream.send(BOB, acls=[revoke_write(CAROL)]).result == denied("REVOKE_WRITER_ROLE", CAROL)
    assert stream.send(ALICE, acls=[revoke_write(CAROL)]).acls == [
        AclEntry(AclOpType.REVOKE_WRITE, S1, b"", CAROL, ALICE)
    ]
    revoked = stream.last
    assert not state.is_writer_of_stream(CAROL, S1, revoked)
    assert state.is_writer_of_stream(CAROL, S1, revoked - 1)
    assert stream.send(CAROL, writes=[put(b"k", b"c")]).result == no_write("k")
    assert stream.send(BOB, writes=[put(b"k", b"b")]).result == COMMIT


def test_renounce_write(stream: Log) -> None:
    assert stream.send(ALICE, acls=[grant_write(BOB)]).result == COMMIT
    assert stream.send(BOB, acls=[renounce_write()]).acls == [AclEntry(AclOpType.RENOUNCE_WRITE, S1, b"", BOB, BOB)]
    assert not stream.state.is_writer_of_stream(BOB, S1, MAX_VERSION)
    assert stream.send(BOB, writes=[put(b"k", b"b")]).result == no_write("k")


def test_grant_special_write(stream: Log) -> None:
    """Admins and writers of that very key may grant it; a stream writer or a writer of another key may not."""
    state = stream.state
    assert stream.send(ALICE, acls=[grant_write(BOB), set_special(b"k")]).result == COMMIT
    assert stream.send(BOB, acls=[grant_special(b"k", BOB)]).result == denied("GRANT_SPECIAL_WRITER_ROLE", BOB, "k")
    assert stream.send(ALICE, acls=[grant_special(b"k", CAROL), grant_special(b"j", BOB)]).result == COMMIT
    assert state.is_writer_of_key(CAROL, S1, b"k", stream.last)
    assert not state.is_writer_of_key(CAROL, S1, b"k", stream.last - 1)
    assert not state.is_writer_of_key(CAROL, S1, b"j", stream.last)
    assert stream.send(BOB, acls=[grant_special(b"k", BOB)]).result == denied("GRANT_SPECIAL_WRITER_ROLE", BOB, "k")
    dave = b"\xdd" * 20
    assert stream.send(CAROL, acls=[grant_special(b"k", dave)]).result == COMMIT
    assert state.is_writer_of_key(dave, S1, b"k", MAX_VERSION)
    assert stream.send(dave, writes=[put(b"k", b"dave")]).result == COMMIT
    # The key need not be special for its writers to pass the right on.
    assert stream.send(BOB, acls=[grant_special(b"j", CAROL)]).result == COMMIT


def test_revoke_special_write(stream: Log) -> None:
    assert stream.send(
        ALICE, acls=[set_special(b"k"), grant_special(b"k", BOB), grant_special(b"k", CAROL)]
    ).result == (COMMIT)
    assert stream.send(BOB, acls=[revoke_special(b"k", CAROL)]).result == denied(
        "REVOKE_SPECIAL_WRITER_ROLE", CAROL, "k"
    )
    assert stream.send(ALICE, acls=[revoke_special(b"k", CAROL)]).acls == [
        AclEntry(AclOpType.REVOKE_SPECIAL_WRITE, S1, b"k", CAROL, ALICE)
    ]
    assert not stream.state.is_writer_of_key(CAROL, S1, b"k", MAX_VERSION)
    assert stream.send(CAROL, writes=[put(b"k", b"c")]).result == no_write("k")
    assert stream.send(BOB, writes=[put(b"k", b"b")]).result == COMMIT


def test_renounce_special_write(stream: Log) -> None:
    assert stream.send(ALICE, acls=[set_special(b"k"), grant_special(b"k", BOB)]).result == COMMIT
    assert stream.send(BOB, writes=[put(b"k", b"b")]).result == COMMIT
    assert stream.send(BOB, acls=[renounce_special(b"k")]).acls == [
        AclEntry(AclOpType.RENOUNCE_SPECIAL_WRITE, S1, b"k", BOB, BOB)
    ]
    assert not stream.state.is_writer_of_key(BOB, S1, b"k", MAX_VERSION)
    assert stream.send(BOB, writes=[put(b"k", b"again")]).result == no_write("k")


def test_every_admin_only_op_is_denied_to_a_writer(stream: Log) -> None:
    assert stream.send(ALICE, acls=[grant_write(BOB), grant_special(b"k", BOB)]).result == COMMIT
    cases = [
        (grant_admin(CAROL), denied("GRANT_ADMIN_ROLE", CAROL)),
        (set_special(b"k"), denied("SET_KEY_TO_SPECIAL", ZERO, "k")),
        (set_normal(b"k"), denied("SET_KEY_TO_NORMAL", ZERO, "k")),
        (revoke_write(ALICE), denied("REVOKE_WRITER_ROLE", ALICE)),
        (revoke_special(b"k", ALICE), denied("REVOKE_SPECIAL_WRITER_ROLE", ALICE, "k")),
    ]
    for op, result in cases:
        assert stream.send(BOB, acls=[op]).result == result


def test_acl_checks_use_the_state_before_the_tx(stream: Log) -> None:
    """Roles change at the end of a tx: a renouncing admin's other ops pass, a new grant does not help yet."""
    assert stream.send(ALICE, acls=[renounce_admin(), set_special(b"k"), grant_write(BOB)]).result == COMMIT
    assert stream.state.is_special_key(S1, b"k", MAX_VERSION)
    assert not stream.state.is_admin(ALICE, S1, MAX_VERSION)
    assert stream.send(BOB, acls=[renounce_write(), grant_write(CAROL)]).result == COMMIT
    assert stream.state.is_writer_of_stream(CAROL, S1, MAX_VERSION)
    assert not stream.state.is_writer_of_stream(BOB, S1, MAX_VERSION)


def test_denied_message_shows_exact_text() -> None:
    """The literal 0G text: full lowercase 0x hex for stream and account (H256/H160 `{:?}`)."""
    expected = (
        "AccessControlPermissionDenied: operation: GRANT_WRITER_ROLE, "
        "stream: 0x0101010101010101010101010101010101010101010101010101010101010101, key: NONE, "
        "account: 0xc3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
    )
    assert denied("GRANT_WRITER_ROLE", CAROL) == expected
    assert no_write("k") == "WritePermissionDenied: stream: 0x" + "01" * 32 + ", key: k"


# --- dedupe of ACL ops --------------------------------------------------------------------------------------------


def test_last_acl_op_per_subject_wins(stream: Log) -> None:
    outcome = stream.send(ALICE, acls=[grant_write(BOB), revoke_write(BOB), set_special(b"k"), set_normal(b"k")])
    assert sorted((e.op, e.account) for e in outcome.acls) == [
        (AclOpType.SET_KEY_TO_NORMAL, ZERO),
        (AclOpType.REVOKE_WRITE, BOB),
    ]
    assert not stream.state.is_writer_of_stream(BOB, S1, MAX_VERSION)
    assert not stream.state.is_special_key(S1, b"k", MAX_VERSION)
    outcome = stream.send(ALICE, acls=[revoke_special(b"k", BOB), grant_special(b"k", BOB), grant_special(b"j", BOB)])
    assert [(e.op, e.key) for e in outcome.acls] == [
        (AclOpType.GRANT_SPECIAL_WRITE, b"k"),
        (AclOpType.GRANT_SPECIAL_WRITE, b"j"),
    ]


def test_ops_of_different_categories_are_all_kept(stream: Log) -> None:
    outcome = stream.send(ALICE, acls=[grant_admin(BOB), grant_write(BOB), grant_special(b"k", BOB)])
    assert {e.op for e in outcome.acls} == {AclOpType.GRANT_ADMIN, AclOpType.GRANT_WRITE, AclOpType.GRANT_SPECIAL_WRITE}
    state = stream.state
    assert state.is_admin(BOB, S1, MAX_VERSION)
    assert state.is_writer_of_stream(BOB, S1, MAX_VERSION)
    assert state.is_writer_of_key(BOB, S1, b"k", MAX_VERSION)


def test_only_the_surviving_op_is_checked(stream: Log) -> None:
    """A writer's REVOKE_WRITE (admin only) replaced by a GRANT_WRITE of the same account commits, not vice versa."""
    assert stream.send(ALICE, acls=[grant_write(BOB)]).result == COMMIT
    assert stream.send(BOB, acls=[revoke_write(CAROL), grant_write(CAROL)]).result == COMMIT
    assert stream.state.is_writer_of_stream(CAROL, S1, MAX_VERSION)
    assert stream.send(BOB, acls=[grant_write(CAROL), revoke_write(CAROL)]).result == denied(
        "REVOKE_WRITER_ROLE", CAROL
    )


# --- write permission and special keys ----------------------------------------------------------------------------


def test_special_keys_need_special_writers(stream: Log) -> None:
    state = stream.state
    assert stream.send(ALICE, acls=[grant_write(BOB), set_special(b"k"), grant_special(b"k", CAROL)]).result == COMMIT
    # BOB (stream writer) may write normal keys only, CAROL (writer of k) only k, ALICE (admin) everything.
    assert stream.send(BOB, writes=[put(b"n", b"b")]).result == COMMIT
    assert stream.send(BOB, writes=[put(b"n", b"b"), put(b"k", b"b")]).result == no_write("k")
    assert stream.send(CAROL, writes=[put(b"k", b"c")]).result == COMMIT
    assert stream.send(CAROL, writes=[put(b"n", b"c")]).result == no_write("n")
    assert stream.send(ALICE, writes=[put(b"k", b"a"), put(b"n", b"a")]).result == COMMIT
    assert (stream.value(b"k"), stream.value(b"n")) == (b"a", b"a")
    special_seq = 1
    assert not state.has_write_permission(BOB, S1, b"k", special_seq)
    assert state.has_write_permission(BOB, S1, b"n", special_seq)
    assert state.has_write_permission(CAROL, S1, b"k", special_seq)
    assert not state.has_write_permission(CAROL, S1, b"n", special_seq)
    assert state.has_write_permission(ALICE, S1, b"k", special_seq)
    assert not state.has_write_permission(BOB, S1, b"n", special_seq - 1)
    # Back to normal: stream writers again, and CAROL's key right no longer helps.
    assert stream.send(ALICE, acls=[set_normal(b"k")]).result == COMMIT
    assert stream.send(BOB, writes=[put(b"k", b"b2")]).result == COMMIT
    assert stream.send(CAROL, writes=[put(b"k", b"c2")]).result == no_write("k")
    assert state.is_writer_of_key(CAROL, S1, b"k", MAX_VERSION)
    assert state.has_write_permission(BOB, S1, b"k", MAX_VERSION)


def test_special_keys_are_exact_keys(stream: Log) -> None:
    """Keys with 0x00 bytes and keys that prefix each other are distinct subjects."""
    assert stream.send(ALICE, acls=[grant_write(BOB), set_special(b"a\x00"), grant_special(b"a", CAROL)]).result == (
        COMMIT
    )
    state = stream.state
    assert state.is_special_key(S1, b"a\x00", MAX_VERSION)
    for key in (b"a", b"a\x00\x00", b"a\x00\xff", b"\x00"):
        assert not state.is_special_key(S1, key, MAX_VERSION)
    assert state.is_writer_of_key(CAROL, S1, b"a", MAX_VERSION)
    assert not state.is_writer_of_key(CAROL, S1, b"a\x00", MAX_VERSION)
    assert stream.send(BOB, writes=[put(b"a", b"1")]).result == COMMIT
    assert stream.send(BOB, writes=[put(b"a\x00", b"1")]).result == no_write("a\x00")


def test_one_denied_write_fails_the_whole_tx(stream: Log) -> None:
    assert stream.send(ALICE, acls=[grant_write(BOB), set_special(b"s")]).result == COMMIT
    result = stream.send(BOB, writes=[put(b"ok", b"1"), put(b"s", b"2"), put(b"x", b"3", S2)], tags=[S1, S2]).result
    assert result == no_write("s")
    assert stream.value(b"ok") is None


# --- result texts -------------------------------------------------------------------------------------------------


def test_truncated_key() -> None:
    assert truncated_key(b"") == "NONE"
    assert truncated_key(b"key") == "key"
    assert truncated_key(b"\xff\xfe") == "UNKNOWN"
    assert truncated_key(b"a" * 32) == "a" * 32
    assert truncated_key(b"b" * 33) == "b" * 32
    assert truncated_key("é".encode() * 40) == "é" * 32
    assert truncated_key("€".encode() * 33 + b"\xff") == "UNKNOWN"
    assert truncated_key(b"a\x00b") == "a\x00b"


def test_keys_in_results_are_truncated(stream: Log) -> None:
    long_key = "ключ-".encode() * 10
    assert stream.send(BOB, writes=[put(long_key, b"v")]).result == no_write(long_key.decode()[:32])
    assert stream.send(BOB, writes=[put(b"\x80bin", b"v")]).result == no_write("UNKNOWN")
    assert stream.send(BOB, acls=[set_special(long_key)]).result == denied(
        "SET_KEY_TO_SPECIAL", ZERO, long_key.decode()[:32]
    )


# --- versions -----------------------------------------------------------------------------------------------------


def test_write_version_conflict(stream: Log) -> None:
    """A write conflicts when its key has a version above the tx's `version`; equal is fine."""
    assert stream.send(ALICE, version=0, writes=[put(b"k", b"v1")]).result == COMMIT
    v1 = stream.last
    assert stream.send(ALICE, version=v1 - 1, writes=[put(b"k", b"late")]).result == "VersionConfliction"
    assert stream.send(ALICE, version=v1, writes=[put(b"k", b"v2")]).result == COMMIT
    assert stream.value(b"k") == b"v2"
    # Unwritten keys never conflict; MAX_VERSION never does.
    assert stream.send(ALICE, version=0, writes=[put(b"fresh", b"x")]).result == COMMIT
    assert stream.send(ALICE, writes=[put(b"k", b"last")]).result == COMMIT


def test_read_version_conflict(stream: Log) -> None:
    assert stream.send(ALICE, writes=[put(b"r", b"1")]).result == COMMIT
    written = stream.last
    assert stream.send(ALICE, version=written - 1, reads=[StreamRead(S1, b"r")], tags=[S1]).result == (
        "VersionConfliction"
    )
    assert stream.send(ALICE, version=written, reads=[StreamRead(S1, b"r")], writes=[put(b"w", b"1")]).result == COMMIT
    assert stream.send(ALICE, version=0, reads=[StreamRead(S1, b"never")], writes=[put(b"w2", b"2")]).result == COMMIT


def test_reads_are_checked_before_writes(stream: Log) -> None:
    assert stream.send(ALICE, writes=[put(b"r", b"1")]).result == COMMIT
    result = stream.send(CAROL, version=0, reads=[StreamRead(S1, b"r")], writes=[put(b"k", b"c")]).result
    assert result == "VersionConfliction"


def test_write_checks_come_in_0g_order_per_write(stream: Log) -> None:
    """Per write: TagsMismatch, then VersionConfliction, then WritePermissionDenied."""
    assert stream.send(ALICE, writes=[put(b"k", b"1")]).result == COMMIT
    assert stream.send(CAROL, version=0, writes=[put(b"k", b"c")], tags=[S2]).result == "TagsMismatch"
    assert stream.send(CAROL, version=0, writes=[put(b"k", b"c")]).result == "VersionConfliction"
    assert stream.send(CAROL, writes=[put(b"k", b"c")]).result == no_write("k")


def test_writes_are_checked_before_acls(stream: Log) -> None:
    result = stream.send(BOB, writes=[put(b"k", b"b")], acls=[grant_admin(CAROL)]).result
    assert result == no_write("k")
    assert stream.send(ALICE, writes=[put(b"k", b"a")], acls=[grant_admin(CAROL, S2)], tags=[S1]).result == (
        "TagsMismatch"
    )


def test_values_are_versioned_by_seq(stream: Log) -> None:
    for value in (b"v1", b"v2", b"v3"):
        assert stream.send(ALICE, writes=[put(b"k", value)]).result == COMMIT
    state = stream.state
    assert [state.get_value(S1, b"k", seq) for seq in range(4)] == [
        StoredValue(b"k", 0, b"v0"),
        StoredValue(b"k", 1, b"v1"),
        StoredValue(b"k", 2, b"v2"),
        StoredValue(b"k", 3, b"v3"),
    ]
    assert state.get_value(S1, b"k") == StoredValue(b"k", 3, b"v3")
    assert state.latest_version(S1, b"k", 2) == 2
    assert state.latest_version(S1, b"nothing", MAX_VERSION) == 0
    assert state.get_value(S2, b"k") is None


# --- tags and held streams ----------------------------------------------------------------------------------------


def test_write_to_a_stream_missing_from_the_tags(stream: Log) -> None:
    assert stream.send(ALICE, writes=[put(b"k", b"v", S2)], tags=[S1]).result == "TagsMismatch"
    assert stream.state.is_new_stream(S2, MAX_VERSION)


def test_acl_for_a_stream_missing_from_the_tags(stream: Log) -> None:
    assert stream.send(ALICE, acls=[grant_write(BOB, S2)], tags=[S1]).result == "TagsMismatch"
    assert stream.send(ALICE, writes=[put(b"k", b"v")], acls=[grant_write(BOB, S2)], tags=[S1]).result == (
        "TagsMismatch"
    )


def test_reads_are_checked_against_held_streams_not_tags(state: KvState) -> None:
    log = Log(state, held=[S1, S2])
    assert log.send(ALICE, writes=[put(b"k", b"v", S2)]).result == COMMIT
    # A read of a held stream outside the tags is fine; one of a stream this node does not hold is not.
    assert log.send(ALICE, reads=[StreamRead(S2, b"k")], writes=[put(b"k", b"v")]).result == COMMIT
    assert log.send(ALICE, reads=[StreamRead(S3, b"k")], writes=[put(b"k", b"v")]).result == "TagsMismatch"
    # With every stream held (None), the same read passes.
    data = StreamData(MAX_VERSION, (StreamRead(S3, b"k"),), (put(b"k", b"v"),))
    assert replay_tx(KvTx(log.next_seq, ALICE, (S1,)), data.encode(), state, None).result == COMMIT


def test_reads_are_checked_in_order(state: KvState) -> None:
    log = Log(state, held=[S1])
    assert log.send(ALICE, writes=[put(b"k", b"v")]).result == COMMIT
    assert log.send(ALICE, writes=[put(b"k", b"w")]).result == COMMIT
    stale, unheld = StreamRead(S1, b"k"), StreamRead(S3, b"k")
    assert log.send(ALICE, version=0, reads=[stale, unheld], tags=[S1]).result == "VersionConfliction"
    assert log.send(ALICE, version=0, reads=[unheld, stale], tags=[S1]).result == "TagsMismatch"


# --- parse errors and the staged order ----------------------------------------------------------------------------


def _without_acl_count(data: StreamData) -> bytes:
    """`data` (no ACLs) encoded without its trailing ACL count, to append a hand-made ACL section."""
    assert not data.acls
    return data.encode()[:-4]


def _without_write_count(data: StreamData) -> bytes:
    assert not data.writes
    assert not data.acls
    return data.encode()[:-8]


def test_parse_errors_are_results(stream: Log) -> None:
    too_many = (65537).to_bytes(4, "big")
    cases = {
        b"\x00" * 8 + too_many: DATA_PARSE_ERROR_TOO_LONG,
        b"\x00" * 8 + b"\x00\x00\x00\x01": DATA_PARSE_ERROR_INVALID,  # a read of an empty key (the padding's zeros)
        _without_write_count(StreamData(0)) + too_many: DATA_PARSE_ERROR_TOO_LONG,
        _without_acl_count(StreamData(0)) + too_many: DATA_PARSE_ERROR_TOO_LONG,
        _without_acl_count(StreamData(0)) + b"\x00\x00\x00\x01\x05" + S1: DATA_PARSE_ERROR_INVALID,
    }
    for blob, result in cases.items():
        assert stream.send_blob(ALICE, blob, [S1]) == ReplayOutcome(result)


def test_empty_blob() -> None:
    """0G never sees one (Flow refuses empty files; its replayer would retry forever): we record a parse error."""
    assert replay_tx(KvTx(0, ALICE, (S1,)), b"", _NoState()) == ReplayOutcome(DATA_PARSE_ERROR_INVALID)


class _NoState:
    """A StateView that must not be asked anything."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"{name} called")


def test_parse_error_applies_nothing(log: Log) -> None:
    blob = _without_acl_count(StreamData(0, writes=(put(b"k", b"v"),))) + b"\x00\x00\x00\x01\x42" + S1
    assert log.send_blob(ALICE, blob, [S1]) == ReplayOutcome(DATA_PARSE_ERROR_INVALID)
    assert log.state.is_new_stream(S1, MAX_VERSION)
    assert log.value(b"k") is None


def test_read_check_wins_over_a_write_parse_error(state: KvState) -> None:
    log = Log(state, held=[S1])
    assert log.send(ALICE, writes=[put(b"k", b"v")]).result == COMMIT
    assert log.send(ALICE, writes=[put(b"k", b"w")]).result == COMMIT
    broken_writes = (65537).to_bytes(4, "big")
    stale = _without_write_count(StreamData(0, reads=(StreamRead(S1, b"k"),)))
    assert log.send_blob(ALICE, stale + broken_writes, [S1]).result == "VersionConfliction"
    unheld = _without_write_count(StreamData(0, reads=(StreamRead(S2, b"k"),)))
    assert log.send_blob(ALICE, unheld + broken_writes, [S1]).result == "TagsMismatch"
    fine = _without_write_count(StreamData(MAX_VERSION, reads=(StreamRead(S1, b"k"),)))
    assert log.send_blob(ALICE, fine + broken_writes, [S1]).result == DATA_PARSE_ERROR_TOO_LONG


def test_read_parse_error_wins_over_everything_after(stream: Log) -> None:
    blob = b"\x00" * 8 + b"\x00\x00\x00\x01" + S2 + b"\x00\x00\x00"
    assert stream.send_blob(CAROL, blob, [S3]).result == DATA_PARSE_ERROR_INVALID


def test_write_parse_error_wins_over_write_checks(stream: Log) -> None:
    """Writes are parsed whole before any is checked: a denied write before a malformed one is a parse error."""
    blob = StreamData(MAX_VERSION, writes=(put(b"k", b"v"),)).encode()[:-4]
    bad = bytearray(blob)
    value_len_offset = 8 + 4 + 4 + 32 + 3 + 1
    bad[value_len_offset : value_len_offset + 8] = (10_000).to_bytes(8, "big")
    assert stream.send_blob(CAROL, bytes(bad), [S1]).result == DATA_PARSE_ERROR_INVALID
    assert stream.send_blob(CAROL, blob + b"\x00\x00\x00\x00", [S1]).result == no_write("k")


def test_write_check_wins_over_an_acl_parse_error(stream: Log) -> None:
    unknown_op = b"\x00\x00\x00\x01\x05" + S1
    denied_write = _without_acl_count(StreamData(MAX_VERSION, writes=(put(b"k", b"b"),)))
    assert stream.send_blob(BOB, denied_write + unknown_op, [S1]).result == no_write("k")
    mismatch = _without_acl_count(StreamData(MAX_VERSION, writes=(put(b"k", b"a", S2),)))
    assert stream.send_blob(ALICE, mismatch + unknown_op, [S1]).result == "TagsMismatch"
    allowed = _without_acl_count(StreamData(MAX_VERSION, writes=(put(b"k", b"a"),)))
    assert stream.send_blob(ALICE, allowed + unknown_op, [S1]).result == DATA_PARSE_ERROR_INVALID
    assert stream.value(b"k") == b"v0"


def test_acl_parse_error_wins_over_acl_checks(stream: Log) -> None:
    """ACL ops are parsed whole before any is checked."""
    denied_op = StreamData(MAX_VERSION, acls=(grant_admin(CAROL),)).encode()
    count_at = len(StreamData(MAX_VERSION).encode()) - 4
    blob = denied_op[:count_at] + (2).to_bytes(4, "big") + denied_op[count_at + 4 :] + b"\x33" + S1
    assert stream.send_blob(BOB, blob, [S1]).result == DATA_PARSE_ERROR_INVALID
    assert stream.send_blob(BOB, denied_op, [S1]).result == denied("GRANT_ADMIN_ROLE", CAROL)


def test_trailing_bytes_and_padding(stream: Log) -> None:
    """The replayer reads sector-padded flow data: trailing bytes are ignored, values may end in the padding."""
    blob = StreamData(MAX_VERSION, writes=(put(b"k", b"abc"),)).encode()
    assert stream.send_blob(ALICE, blob + b"junk", [S1]).result == COMMIT
    assert stream.value(b"k") == b"abc"
    head = bytearray(blob[: -4 - 3])
    head[-8:] = (6).to_bytes(8, "big")
    assert stream.send_blob(ALICE, bytes(head) + b"abc", [S1]).result == COMMIT
    assert stream.value(b"k") == b"abc\x00\x00\x00"


# --- writes -------------------------------------------------------------------------------------------------------


def test_last_write_of_a_repeated_key_wins(log: Log) -> None:
    outcome = log.send(ALICE, writes=[put(b"k", b"1"), put(b"j", b"x"), put(b"k", b"2"), put(b"k", b"1", S2)])
    assert outcome.result == COMMIT
    assert sorted(outcome.writes) == sorted([(S1, b"k", b"2"), (S1, b"j", b"x"), (S2, b"k", b"1")])
    assert (log.value(b"k"), log.value(b"k", S2)) == (b"2", b"1")


def test_delete_is_an_empty_value(stream: Log) -> None:
    assert stream.send(ALICE, writes=[put(b"j", b"1")]).result == COMMIT
    assert stream.send(ALICE, writes=[put(b"k", b"")]).result == COMMIT
    deleted = stream.last
    state = stream.state
    assert state.get_value(S1, b"k") == StoredValue(b"k", deleted, b"")
    assert state.get_value(S1, b"k", deleted - 1) == StoredValue(b"k", 0, b"v0")
    assert state.latest_version(S1, b"k", MAX_VERSION) == deleted
    # A deleted key still conflicts like any write.
    assert stream.send(ALICE, version=deleted - 1, writes=[put(b"k", b"x")]).result == "VersionConfliction"
    assert stream.send(ALICE, version=deleted, writes=[put(b"k", b"back")]).result == COMMIT
    assert stream.value(b"k") == b"back"


# --- versioned iteration ------------------------------------------------------------------------------------------


@pytest.fixture
def keys(log: Log) -> Log:
    """S1 history: seq 0 a,b,c,d; seq 1 delete b; seq 2 e; seq 3 delete d, c=c2. S2 has one key."""
    log.send(ALICE, writes=[put(b"a", b"a"), put(b"b", b"b"), put(b"c", b"c"), put(b"d", b"d")])
    log.send(ALICE, writes=[put(b"b", b"")])
    log.send(ALICE, writes=[put(b"e", b"e"), put(b"zz", b"s2", S2), put(b"\x00", b"s2", S2)])
    log.send(ALICE, writes=[put(b"d", b""), put(b"c", b"c2")])
    assert [log.state.get_result(seq) for seq in range(4)] == [COMMIT] * 4
    return log


def _next(log: Log, key: bytes | None, version: int, *, reverse: bool, inclusive: bool) -> tuple[bytes, int] | None:
    found = log.state.next_value(S1, key, version, reverse=reverse, inclusive=inclusive)
    return None if found is None else (found.key, found.version)


def test_next_value_forward(keys: Log) -> None:
    assert _next(keys, None, MAX_VERSION, reverse=False, inclusive=True) == (b"a", 0)
    assert _next(keys, b"a", MAX_VERSION, reverse=False, inclusive=True) == (b"a", 0)
    assert _next(keys, b"a", MAX_VERSION, reverse=False, inclusive=False) == (b"c", 3)
    assert _next(keys, b"b", MAX_VERSION, reverse=False, inclusive=True) == (b"c", 3)
    assert _next(keys, b"c", MAX_VERSION, reverse=False, inclusive=False) == (b"e", 2)
    assert _next(keys, b"bb", MAX_VERSION, reverse=False, inclusive=False) == (b"c", 3)
    assert _next(keys, b"e", MAX_VERSION, reverse=False, inclusive=False) is None
    assert _next(keys, b"\x00", MAX_VERSION, reverse=False, inclusive=False) == (b"a", 0)
    # At older versions: b is not yet deleted at 0, e not yet written at 1, d still there at 2.
    assert _next(keys, b"a", 0, reverse=False, inclusive=False) == (b"b", 0)
    assert _next(keys, b"c", 1, reverse=False, inclusive=False) == (b"d", 0)
    assert _next(keys, b"d", 1, reverse=False, inclusive=False) is None
    assert _next(keys, b"c", 2, reverse=False, inclusive=False) == (b"d", 0)
    assert _next(keys, b"c", 2, reverse=False, inclusive=True) == (b"c", 0)


def test_next_value_backward(keys: Log) -> None:
    assert _next(keys, None, MAX_VERSION, reverse=True, inclusive=True) == (b"e", 2)
    assert _next(keys, None, 1, reverse=True, inclusive=True) == (b"d", 0)
    assert _next(keys, b"e", MAX_VERSION, reverse=True, inclusive=False) == (b"c", 3)
    assert _next(keys, b"d", MAX_VERSION, reverse=True, inclusive=True) == (b"c", 3)
    assert _next(keys, b"c", MAX_VERSION, reverse=True, inclusive=False) == (b"a", 0)
    assert _next(keys, b"c", 0, reverse=True, inclusive=False) == (b"b", 0)
    assert _next(keys, b"a", MAX_VERSION, reverse=True, inclusive=False) is None
    assert _next(keys, b"zzz", MAX_VERSION, reverse=True, inclusive=False) == (b"e", 2)
    assert _next(keys, b"a\x00", MAX_VERSION, reverse=True, inclusive=True) == (b"a", 0)


def test_next_value_stays_in_its_stream(keys: Log) -> None:
    state = keys.state
    assert state.next_value(S2, None, MAX_VERSION, reverse=False, inclusive=True) == StoredValue(b"\x00", 2, b"s2")
    assert state.next_value(S2, None, MAX_VERSION, reverse=True, inclusive=True) == StoredValue(b"zz", 2, b"s2")
    assert state.next_value(S2, None, 1, reverse=True, inclusive=True) is None
    assert state.next_value(S3, None, MAX_VERSION, reverse=False, inclusive=True) is None
    assert state.next_value(S3, None, MAX_VERSION, reverse=True, inclusive=True) is None
    assert state.next_value(S1, b"e", MAX_VERSION, reverse=False, inclusive=False) is None


def test_every_key_deleted(log: Log) -> None:
    log.send(ALICE, writes=[put(b"a", b"1"), put(b"b", b"2")])
    log.send(ALICE, writes=[put(b"a", b""), put(b"b", b"")])
    for reverse in (False, True):
        assert log.state.next_value(S1, None, MAX_VERSION, reverse=reverse, inclusive=True) is None
        assert log.state.next_value(S1, None, 0, reverse=reverse, inclusive=True) is not None


# --- reorgs -------------------------------------------------------------------------------------------------------


def test_revert_from_undoes_values_acls_streams_and_results(log: Log) -> None:
    state = log.state
    assert log.send(ALICE, writes=[put(b"k", b"v0")]).result == COMMIT  # 0
    assert log.send(ALICE, acls=[grant_write(BOB), set_special(b"s")]).result == COMMIT  # 1
    assert log.send(BOB, writes=[put(b"k", b"v2")]).result == COMMIT  # 2
    assert log.send(CAROL, writes=[put(b"x", b"y", S2)]).result == COMMIT  # 3
    assert log.send(CAROL, writes=[put(b"k", b"no")]).result == no_write("k")  # 4
    state.set_cursor(5)

    state.revert_from(3)
    assert state.get_cursor() == 3
    assert [state.get_result(seq) for seq in range(5)] == [COMMIT, COMMIT, COMMIT, None, None]
    assert state.is_new_stream(S2, MAX_VERSION)
    assert state.stream_ids() == [S1]
    assert state.get_value(S2, b"x") is None
    assert state.get_value(S1, b"k") == StoredValue(b"k", 2, b"v2")

    state.revert_from(2)
    assert state.get_value(S1, b"k") == StoredValue(b"k", 0, b"v0")
    assert state.is_writer_of_stream(BOB, S1, MAX_VERSION)

    state.revert_from(1)
    assert not state.is_writer_of_stream(BOB, S1, MAX_VERSION)
    assert not state.is_special_key(S1, b"s", MAX_VERSION)
    assert state.is_admin(ALICE, S1, MAX_VERSION)
    assert state.get_cursor() == 1

    state.revert_from(0)
    assert state.is_new_stream(S1, MAX_VERSION)
    assert not state.is_admin(ALICE, S1, MAX_VERSION)
    assert state.stream_ids() == []
    assert state.get_value(S1, b"k") is None
    assert state.next_value(S1, None, MAX_VERSION, reverse=False, inclusive=True) is None
    assert state.get_result(0) is None


def test_replay_after_revert_sees_the_new_history(log: Log) -> None:
    """After a reorg the same seqs replay with other content: BOB now creates S1."""
    assert log.send(ALICE, writes=[put(b"k", b"alice")]).result == COMMIT
    assert log.send(BOB, writes=[put(b"k", b"bob")]).result == no_write("k")
    log.state.revert_from(0)
    log.next_seq = 0
    assert log.send(BOB, writes=[put(b"k", b"bob")]).result == COMMIT
    assert log.send(ALICE, writes=[put(b"k", b"alice")]).result == no_write("k")
    assert log.value(b"k") == b"bob"
    assert log.state.is_admin(BOB, S1, MAX_VERSION)
    assert not log.state.is_admin(ALICE, S1, MAX_VERSION)


def test_revert_beyond_the_end_changes_nothing(stream: Log) -> None:
    stream.state.set_cursor(1)
    stream.state.revert_from(5)
    assert stream.state.get_cursor() == 1
    assert stream.state.get_result(0) == COMMIT
    assert stream.value(b"k") == b"v0"
