"""What an agent memory is on the log: a JSON record in a KV stream of its own.

Each agent has one stream, `keccak256("zerog/memory/" + agent)`. A memory with id ID is the key `m/ID`; its
value is a UTF-8 JSON object (compact, sorted keys):

    {"v": 1, "kind": "memory", "agent": "...", "id": "...", "text": "...", "data": <any JSON> | null,
     "tags": ["..."], "created_at": <unix seconds>, "expires_at": <unix seconds> | null}

Forgetting writes a tombstone over the same key, so the history of the key keeps both:

    {"v": 1, "kind": "tombstone", "agent": "...", "id": "...", "forgotten_at": <unix seconds>, "reason": "..."}

Anyone can write these records with any KV client (the memory API is a convenience, not a gatekeeper); the KV
node indexes every well-formed record that lands in an agent's stream, and 0G's ACLs decide who may write there.
"""

import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from zerog.crypto import keccak256
from zerog.errors import InvalidInput

__all__ = [
    "KEY_PREFIX",
    "MAX_RECORD_BYTES",
    "MAX_TAGS",
    "MemoryRecord",
    "Tombstone",
    "agent_stream",
    "check_agent",
    "memory_key",
    "new_memory_id",
    "parse_record",
]

RECORD_VERSION = 1
KEY_PREFIX = b"m/"
MAX_RECORD_BYTES = 256 * 1024
"""A memory is small: one kv_getValue page."""
MAX_TAGS = 32
MAX_TAG_LENGTH = 64
_AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$")
_ID = re.compile(r"^[0-9a-z][0-9a-z_-]{0,63}$")


def check_agent(agent: str) -> str:
    """An agent name: 1-128 characters of letters, digits and . _ : @ / -, starting with a letter or digit."""
    if not isinstance(agent, str) or not _AGENT.match(agent):
        raise InvalidInput(f"an agent name is 1-128 of A-Z a-z 0-9 . _ : @ / - (starting alphanumeric), got {agent!r}")
    return agent


def check_id(memory_id: str) -> str:
    if not isinstance(memory_id, str) or not _ID.match(memory_id):
        raise InvalidInput(f"a memory id is 1-64 of a-z 0-9 _ - (starting alphanumeric), got {memory_id!r}")
    return memory_id


def agent_stream(agent: str) -> bytes:
    """The KV stream holding an agent's memories."""
    return keccak256(b"zerog/memory/" + check_agent(agent).encode())


def memory_key(memory_id: str) -> bytes:
    return KEY_PREFIX + check_id(memory_id).encode()


def new_memory_id(now: float | None = None) -> str:
    """Time-ordered and unique: 12 hex digits of milliseconds, then 10 random hex digits."""
    millis = int((time.time() if now is None else now) * 1000)
    return f"{millis:012x}{os.urandom(5).hex()}"


def check_tags(tags: Any) -> tuple[str, ...]:
    if not isinstance(tags, list | tuple) or len(tags) > MAX_TAGS:
        raise InvalidInput(f"tags are a list of at most {MAX_TAGS} strings")
    for tag in tags:
        if not isinstance(tag, str) or not 1 <= len(tag) <= MAX_TAG_LENGTH:
            raise InvalidInput(f"a tag is a string of 1-{MAX_TAG_LENGTH} characters, got {tag!r}")
    return tuple(dict.fromkeys(tags))


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    agent: str
    id: str
    text: str
    """What recall matches against (for a JSON-only memory, its compact JSON)."""
    data: Any = None
    """Any JSON value the agent stored with the memory."""
    tags: tuple[str, ...] = ()
    created_at: float = 0.0
    expires_at: float | None = None

    kind: str = field(default="memory", init=False)

    def encode(self) -> bytes:
        body = {
            "v": RECORD_VERSION,
            "kind": "memory",
            "agent": self.agent,
            "id": self.id,
            "text": self.text,
            "data": self.data,
            "tags": list(self.tags),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }
        raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        if len(raw) > MAX_RECORD_BYTES:
            raise InvalidInput(f"a memory is at most {MAX_RECORD_BYTES} bytes encoded, this one is {len(raw)}")
        return raw

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "data": self.data,
            "tags": list(self.tags),
            "createdAt": self.created_at,
            "expiresAt": self.expires_at,
        }

    @classmethod
    def create(
        cls,
        agent: str,
        content: Any,
        *,
        tags: Any = (),
        ttl_s: float | None = None,
        now: float | None = None,
        memory_id: str | None = None,
    ) -> "MemoryRecord":
        """A new memory from text or any JSON value (a dict with a "text" field gives that text)."""
        now = time.time() if now is None else now
        if ttl_s is not None and not (isinstance(ttl_s, int | float) and ttl_s > 0):
            raise InvalidInput("ttl is a positive number of seconds")
        if isinstance(content, str):
            text, data = content, None
        elif isinstance(content, dict) and isinstance(content.get("text"), str):
            text, data = content["text"], content
        else:
            try:
                text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                raise InvalidInput(f"a memory is text or JSON: {exc}") from exc
            data = content
        if not text.strip():
            raise InvalidInput("a memory needs some text")
        record = cls(
            agent=check_agent(agent),
            id=check_id(memory_id) if memory_id is not None else new_memory_id(now),
            text=text,
            data=data,
            tags=check_tags(list(tags)),
            created_at=round(now, 3),
            expires_at=None if ttl_s is None else round(now + ttl_s, 3),
        )
        record.encode()  # size check
        return record


@dataclass(frozen=True, slots=True)
class Tombstone:
    agent: str
    id: str
    forgotten_at: float
    reason: str = ""

    kind: str = field(default="tombstone", init=False)

    def encode(self) -> bytes:
        body = {
            "v": RECORD_VERSION,
            "kind": "tombstone",
            "agent": self.agent,
            "id": self.id,
            "forgotten_at": self.forgotten_at,
            "reason": self.reason,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "forgottenAt": self.forgotten_at, "reason": self.reason}


def parse_record(raw: bytes, stream_id: bytes, key: bytes) -> MemoryRecord | Tombstone:
    """A record read from `key` of stream `stream_id`; InvalidInput unless it is well formed and belongs there."""
    if not key.startswith(KEY_PREFIX):
        raise InvalidInput("not a memory key")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"a memory record is JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("v") != RECORD_VERSION:
        raise InvalidInput("not a version-1 memory record")
    agent, memory_id = body.get("agent"), body.get("id")
    if not isinstance(agent, str) or agent_stream(agent) != stream_id:
        raise InvalidInput("the record's agent does not own this stream")
    if not isinstance(memory_id, str) or memory_key(memory_id) != key:
        raise InvalidInput("the record's id does not match its key")
    if body.get("kind") == "tombstone":
        return Tombstone(agent, memory_id, _number(body.get("forgotten_at")), str(body.get("reason") or ""))
    if body.get("kind") != "memory" or not isinstance(body.get("text"), str):
        raise InvalidInput("a memory record has kind memory and a text")
    expires = body.get("expires_at")
    return MemoryRecord(
        agent=agent,
        id=memory_id,
        text=body["text"],
        data=body.get("data"),
        tags=check_tags(body.get("tags") or []),
        created_at=_number(body.get("created_at")),
        expires_at=None if expires is None else _number(expires),
    )


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("a memory record's times are numbers")
    return float(value)
