"""KvState alone: key escaping and order, versioned reads against a model, persistence and the on-disk layout."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import lmdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.codec.stream import AclOpType
from zerog.errors import ConfigError
from zerog.kv.state import LAYOUT_VERSION, MAX_VERSION, AclEntry, KvState, StoredValue, escape_key, unescape_key

S = bytes([0x80]) * 32
BELOW = bytes([0x80]) * 31 + b"\x7f"
ABOVE = bytes([0x80]) * 31 + b"\x81"
ALICE, BOB = b"\xaa" * 20, b"\xbb" * 20
ZERO = bytes(20)

# Keys made of the bytes that matter to the escaping, short enough to prefix each other often.
KEYS = st.binary(min_size=1, max_size=5).map(lambda raw: bytes(b"\x00\x01\xfe\xff"[b % 4] for b in raw))


@pytest.fixture
def state(tmp_path: Path) -> Iterator[KvState]:
    kv = KvState(tmp_path, map_size_bytes=1 << 26)
    yield kv
    kv.close()


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


# --- escaping ----------------------------------------------------------------------------------------------------


def test_escape_examples() -> None:
    assert escape_key(b"a") == b"a\x00\x00"
    assert escape_key(b"\x00") == b"\x00\xff\x00\x00"
    assert escape_key(b"a\x00\xff") == b"a\x00\xff\xff\x00\x00"
    with pytest.raises(ValueError, match="not an escaped key"):
        unescape_key(b"a\x00")


@given(KEYS, KEYS)
@settings(max_examples=500)
def test_escape_preserves_order_and_is_prefix_free(a: bytes, b: bytes) -> None:
    assert unescape_key(escape_key(a)) == a
    assert (escape_key(a) < escape_key(b)) == (a < b)
    if a != b:
        assert not escape_key(b).startswith(escape_key(a))


# --- iteration against sorted() ----------------------------------------------------------------------------------


@given(
    keys=st.sets(KEYS, min_size=1, max_size=12),
    neighbours=st.sets(KEYS, max_size=4),
    start=KEYS,
    reverse=st.booleans(),
    inclusive=st.booleans(),
)
@settings(max_examples=100, deadline=None)
def test_iter_keys_is_sorted_order(
    keys: set[bytes], neighbours: set[bytes], start: bytes, reverse: bool, inclusive: bool
) -> None:
    """iter_keys walks the stream's distinct keys as sorted() orders bytes, never into the next stream."""
    with tempfile.TemporaryDirectory() as directory:
        state = KvState(Path(directory), map_size_bytes=1 << 24)
        try:
            ordered = sorted(keys)
            state.commit(0, "Commit", [(S, key, b"v") for key in ordered[::2]], [])
            state.commit(1, "Commit", [(S, key, b"w") for key in ordered], [])
            state.commit(2, "Commit", [(other, key, b"x") for key in neighbours for other in (BELOW, ABOVE)], [])
            assert list(state.iter_keys(S, None, reverse=False, inclusive=True)) == ordered
            assert list(state.iter_keys(S, None, reverse=True, inclusive=True)) == ordered[::-1]
            got = list(state.iter_keys(S, start, reverse=reverse, inclusive=inclusive))
            if reverse:
                expected = [k for k in ordered[::-1] if k < start or (inclusive and k == start)]
            else:
                expected = [k for k in ordered if k > start or (inclusive and k == start)]
            assert got == expected
        finally:
            state.close()


History = list[dict[bytes, bytes]]

HISTORIES = st.lists(st.dictionaries(KEYS, st.sampled_from([b"", b"1", b"22"]), max_size=5), min_size=1, max_size=5)


def _model_value(history: History, key: bytes, version: int) -> StoredValue | None:
    for seq in range(min(version, len(history) - 1), -1, -1):
        if key in history[seq]:
            return StoredValue(key, seq, history[seq][key])
    return None


@given(history=HISTORIES, start=st.none() | KEYS, version=st.integers(0, 5), reverse=st.booleans(), inc=st.booleans())
@settings(max_examples=150, deadline=None)
def test_versioned_reads_match_a_model(
    history: History, start: bytes | None, version: int, reverse: bool, inc: bool
) -> None:
    """get_value is the newest write at or before a version; next_value skips keys deleted or unwritten there."""
    with tempfile.TemporaryDirectory() as directory:
        state = KvState(Path(directory), map_size_bytes=1 << 24)
        try:
            for seq, writes in enumerate(history):
                state.commit(seq, "Commit", [(S, k, v) for k, v in writes.items()], [])
            keys = sorted({key for writes in history for key in writes})
            for key in keys:
                assert state.get_value(S, key, version) == _model_value(history, key, version)
            visible = [k for k in keys if (found := _model_value(history, k, version)) is not None and found.data]
            if start is not None:
                if reverse:
                    visible = [k for k in visible if k < start or (inc and k == start)]
                else:
                    visible = [k for k in visible if k > start or (inc and k == start)]
            expected = (visible[-1] if reverse else visible[0]) if visible else None
            got = state.next_value(S, start, version, reverse=reverse, inclusive=inc)
            assert (None if got is None else got.key) == expected
            if got is not None:
                assert got == _model_value(history, got.key, version)
        finally:
            state.close()


def test_streams_at_the_ends_of_the_key_space(state: KvState) -> None:
    """Reverse iteration from the end works for the last possible stream id, and the first one stays apart."""
    first, last = bytes(32), b"\xff" * 32
    state.commit(0, "Commit", [(first, b"a", b"1"), (last, b"y", b"2"), (last, b"z", b"3")], [])
    assert list(state.iter_keys(last, None, reverse=True, inclusive=True)) == [b"z", b"y"]
    assert list(state.iter_keys(first, None, reverse=True, inclusive=True)) == [b"a"]
    assert list(state.iter_keys(first, None, reverse=False, inclusive=True)) == [b"a"]
    assert state.next_value(last, None, 0, reverse=True, inclusive=True) == StoredValue(b"z", 0, b"3")
    assert list(state.iter_keys(S, None, reverse=True, inclusive=True)) == []


def test_version_bounds(state: KvState) -> None:
    state.commit(0, "Commit", [(S, b"k", b"zero")], [])
    state.commit(MAX_VERSION - 1, "Commit", [(S, b"k", b"late")], [])
    assert state.get_value(S, b"k", 0) == StoredValue(b"k", 0, b"zero")
    assert state.get_value(S, b"k", MAX_VERSION - 2) == StoredValue(b"k", 0, b"zero")
    assert state.get_value(S, b"k", MAX_VERSION - 1) == StoredValue(b"k", MAX_VERSION - 1, b"late")
    assert state.get_value(S, b"k") == StoredValue(b"k", MAX_VERSION - 1, b"late")
    assert state.latest_version(S, b"k", 0) == 0
    assert state.latest_version(S, b"other", MAX_VERSION) == 0


# --- ACL history -------------------------------------------------------------------------------------------------


def test_acl_subjects_with_awkward_keys(state: KvState) -> None:
    """Special keys and key writers are kept per exact key, whatever 0x00/0xff bytes or prefixes they share."""
    keys = [b"a", b"a\x00", b"a\x00\x00", b"a\xff", b"\x00", b"\xff"]
    state.commit(
        0,
        "Commit",
        [],
        [AclEntry(AclOpType.SET_KEY_TO_SPECIAL, S, key, ZERO, ALICE) for key in keys[::2]]
        + [AclEntry(AclOpType.GRANT_SPECIAL_WRITE, S, key, BOB, ALICE) for key in keys[1::2]],
    )
    for i, key in enumerate(keys):
        assert state.is_special_key(S, key, 0) == (i % 2 == 0)
        assert state.is_writer_of_key(BOB, S, key, 0) == (i % 2 == 1)
        assert not state.is_writer_of_key(ALICE, S, key, 0)
    state.commit(1, "Commit", [], [AclEntry(AclOpType.SET_KEY_TO_NORMAL, S, b"a", ZERO, ALICE)])
    assert not state.is_special_key(S, b"a", 1)
    assert state.is_special_key(S, b"a", 0)
    assert state.is_special_key(S, b"a\x00\x00", 1)


def test_acl_queries_at_a_version(state: KvState) -> None:
    """Each query reads the newest op of its own category at or before the version."""
    state.commit(3, "Commit", [], [AclEntry(AclOpType.GRANT_WRITE, S, b"", BOB, ALICE)])
    state.commit(5, "Commit", [], [AclEntry(AclOpType.GRANT_ADMIN, S, b"", BOB, ALICE)])
    state.commit(7, "Commit", [], [AclEntry(AclOpType.REVOKE_WRITE, S, b"", BOB, ALICE)])
    state.commit(9, "Commit", [], [AclEntry(AclOpType.RENOUNCE_ADMIN, S, b"", BOB, BOB)])
    writer = [state.is_writer_of_stream(BOB, S, v) for v in range(11)]
    admin = [state.is_admin(BOB, S, v) for v in range(11)]
    assert writer == [False] * 3 + [True] * 4 + [False] * 4
    assert admin == [False] * 5 + [True] * 4 + [False] * 2
    assert [state.is_new_stream(S, v) for v in (0, 2, 3, 10)] == [True, True, False, False]
    assert not state.is_writer_of_stream(ALICE, S, MAX_VERSION)


# --- bookkeeping, persistence, layout ---------------------------------------------------------------------------


def test_results_cursor_and_streams(state: KvState) -> None:
    assert state.get_cursor() == 0
    assert state.get_result(0) is None
    state.commit(0, "VersionConfliction", [], [])
    state.commit(1, "Commit", [], [AclEntry(AclOpType.GRANT_ADMIN, ABOVE, b"", ALICE, ZERO)])
    state.commit(2, "Commit", [], [AclEntry(AclOpType.GRANT_ADMIN, BELOW, b"", ALICE, ZERO)])
    state.set_cursor(3)
    assert (state.get_result(0), state.get_result(1), state.get_result(3)) == ("VersionConfliction", "Commit", None)
    assert state.stream_ids() == [BELOW, ABOVE]
    assert state.get_cursor() == 3
    state.revert_from(2)
    assert state.stream_ids() == [ABOVE]
    assert state.get_cursor() == 2


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    state = KvState(tmp_path, map_size_bytes=1 << 24)
    state.commit(
        0, "Commit", [(S, b"k", b"v"), (S, b"\x00", b"")], [AclEntry(AclOpType.GRANT_ADMIN, S, b"", ALICE, ZERO)]
    )
    state.commit(1, "WritePermissionDenied: stream: 0x.., key: k", [], [])
    state.set_cursor(2)
    state.close()
    state = KvState(tmp_path, map_size_bytes=1 << 24)
    try:
        assert state.get_cursor() == 2
        assert state.get_result(1) == "WritePermissionDenied: stream: 0x.., key: k"
        assert state.get_value(S, b"k") == StoredValue(b"k", 0, b"v")
        assert state.get_value(S, b"\x00") == StoredValue(b"\x00", 0, b"")
        assert state.is_admin(ALICE, S, 0)
        assert state.stream_ids() == [S]
        state.revert_from(0)
        assert state.get_value(S, b"k") is None
    finally:
        state.close()


def test_layout_on_disk(tmp_path: Path) -> None:
    """The records the module docstring documents, byte for byte."""
    state = KvState(tmp_path, map_size_bytes=1 << 24)
    state.commit(
        7,
        "Commit",
        [(S, b"a\x00", b"v")],
        [
            AclEntry(AclOpType.GRANT_ADMIN, S, b"", ALICE, ZERO),
            AclEntry(AclOpType.SET_KEY_TO_SPECIAL, S, b"k", ZERO, ALICE),
            AclEntry(AclOpType.REVOKE_WRITE, S, b"", BOB, ALICE),
            AclEntry(AclOpType.RENOUNCE_SPECIAL_WRITE, S, b"k", BOB, BOB),
        ],
    )
    state.set_cursor(8)
    state.close()
    env = lmdb.open(str(tmp_path / "kv.lmdb"), max_dbs=8, readonly=True, lock=False)
    try:
        with env.begin() as txn:

            def records(name: bytes) -> dict[bytes, bytes]:
                return {bytes(k): bytes(v) for k, v in txn.cursor(db=env.open_db(name, txn=txn))}

            v7 = _u64(7)
            assert records(b"values") == {S + b"a\x00\xff\x00\x00" + v7: b"v"}
            assert records(b"acl") == {
                S + b"A" + ALICE + v7: bytes([AclOpType.GRANT_ADMIN]) + ZERO,
                S + b"K" + b"k\x00\x00" + v7: bytes([AclOpType.SET_KEY_TO_SPECIAL]) + ALICE,
                S + b"W" + BOB + v7: bytes([AclOpType.REVOKE_WRITE]) + ALICE,
                S + b"S" + b"k\x00\x00" + BOB + v7: bytes([AclOpType.RENOUNCE_SPECIAL_WRITE]) + BOB,
            }
            assert records(b"streams") == {S: v7}
            assert records(b"results") == {v7: b"Commit"}
            assert set(records(b"undo")) == {
                v7 + b"v" + S + b"a\x00\xff\x00\x00" + v7,
                v7 + b"a" + S + b"A" + ALICE + v7,
                v7 + b"a" + S + b"K" + b"k\x00\x00" + v7,
                v7 + b"a" + S + b"W" + BOB + v7,
                v7 + b"a" + S + b"S" + b"k\x00\x00" + BOB + v7,
                v7 + b"s" + S,
            }
            assert records(b"meta") == {b"layout": _u64(LAYOUT_VERSION), b"cursor": _u64(8)}
    finally:
        env.close()


def test_other_layout_is_refused(tmp_path: Path) -> None:
    KvState(tmp_path, map_size_bytes=1 << 24).close()
    env = lmdb.open(str(tmp_path / "kv.lmdb"), max_dbs=8)
    with env.begin(write=True) as txn:
        txn.put(b"layout", _u64(LAYOUT_VERSION + 1), db=env.open_db(b"meta", txn=txn))
    env.close()
    with pytest.raises(ConfigError, match=f"layout {LAYOUT_VERSION + 1} is not {LAYOUT_VERSION}"):
        KvState(tmp_path, map_size_bytes=1 << 24)
