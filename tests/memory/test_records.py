"""Memory records: what goes on the log, and what is refused."""

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerog.crypto import keccak256
from zerog.errors import InvalidInput
from zerog.memory.records import (
    MAX_RECORD_BYTES,
    MemoryRecord,
    Tombstone,
    agent_stream,
    memory_key,
    new_memory_id,
    parse_record,
)


def test_agent_stream_is_keccak_of_the_prefixed_name() -> None:
    assert agent_stream("travel-agent") == keccak256(b"zerog/memory/travel-agent")
    assert agent_stream("a") != agent_stream("b")


@pytest.mark.parametrize("agent", ["", " x", "a b", "x" * 129, "-lead", "ümlaut"])
def test_bad_agent_names(agent: str) -> None:
    with pytest.raises(InvalidInput, match="agent"):
        agent_stream(agent)


def test_ids_are_time_ordered_and_unique() -> None:
    first, second = new_memory_id(1000.0), new_memory_id(1000.001)
    assert first < second
    assert len({new_memory_id(5.0) for _ in range(100)}) == 100


def test_round_trip_and_exact_encoding() -> None:
    record = MemoryRecord.create("bot", "Alice likes tea", tags=["alice", "alice", "food"], ttl_s=60, now=100.0)
    assert record.tags == ("alice", "food")
    assert record.expires_at == 160.0
    raw = record.encode()
    assert json.loads(raw) == {
        "v": 1,
        "kind": "memory",
        "agent": "bot",
        "id": record.id,
        "text": "Alice likes tea",
        "data": None,
        "tags": ["alice", "food"],
        "created_at": 100.0,
        "expires_at": 160.0,
    }
    assert raw == json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    assert parse_record(raw, agent_stream("bot"), memory_key(record.id)) == record
    assert record.expired(160.0)
    assert not record.expired(159.9)


def test_json_content() -> None:
    with_text = MemoryRecord.create("bot", {"text": "tz is UTC+2", "tz": 2})
    assert (with_text.text, with_text.data) == ("tz is UTC+2", {"text": "tz is UTC+2", "tz": 2})
    plain = MemoryRecord.create("bot", [1, 2])
    assert (plain.text, plain.data) == ("[1,2]", [1, 2])


def test_tombstone_round_trip() -> None:
    tombstone = Tombstone("bot", "abc123", 5.5, "asked to")
    parsed = parse_record(tombstone.encode(), agent_stream("bot"), memory_key("abc123"))
    assert parsed == tombstone


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"content": "  "}, "text"),
        ({"content": "x", "tags": ["a"] * 33}, "tags"),
        ({"content": "x", "tags": [""]}, "tag"),
        ({"content": "x", "ttl_s": -1}, "ttl"),
        ({"content": "x", "memory_id": "Bad Id"}, "id"),
        ({"content": "x" * MAX_RECORD_BYTES}, "at most"),
        ({"content": {"set": {1, 2}}}, "JSON"),
    ],
)
def test_refused_memories(kwargs: dict[str, object], match: str) -> None:
    content = kwargs.pop("content")
    with pytest.raises(InvalidInput, match=match):
        MemoryRecord.create("bot", content, **kwargs)  # type: ignore[arg-type]


def test_records_must_belong_where_they_are() -> None:
    record = MemoryRecord.create("bot", "hello")
    raw = record.encode()
    with pytest.raises(InvalidInput, match="agent"):
        parse_record(raw, agent_stream("other"), memory_key(record.id))
    with pytest.raises(InvalidInput, match="id"):
        parse_record(raw, agent_stream("bot"), memory_key("someoneelse"))
    with pytest.raises(InvalidInput, match="not a memory key"):
        parse_record(raw, agent_stream("bot"), b"x/" + record.id.encode())
    numeric = json.loads(raw) | {"id": 5}
    with pytest.raises(InvalidInput, match="id"):
        parse_record(json.dumps(numeric).encode(), agent_stream("bot"), b"m/5")


@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_refused_or_parsed_never_crash(raw: bytes) -> None:
    with contextlib.suppress(InvalidInput):
        parse_record(raw, agent_stream("bot"), b"m/abc")
