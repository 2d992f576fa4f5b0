"""The agent memory REST API, on the KV node's HTTP server. Every request and answer is JSON.

| route | body | answer |
|---|---|---|
| POST /v1/memory/remember | agent, text or data, tags?, ttl_s?, id? | the memory, result, provenance |
| POST /v1/memory/recall | agent, query, k?, tags?, since?, until? | results (score, provenance), best first; readAt |
| POST /v1/memory/forget | agent, id, reason? | result, provenance of the tombstone |
| POST /v1/memory/history | agent, id | every version of the memory, oldest first |
| GET  /v1/memory/status |  | agents, memories, embedder, index |

Errors are `{"error": "..."}` with 400 (bad input), 404 (no such memory), 409 (the KV node refused the write, with
0G's result string), 503 (not ready, or no writer key).
"""

import time
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zerog.errors import ConfigError, InvalidInput, NotFound, Unavailable, ZerogError
from zerog.kv import COMMIT, KvNode
from zerog.memory.book import Provenance
from zerog.memory.records import MemoryRecord, Tombstone, agent_stream, check_agent, check_id, memory_key, parse_record

if TYPE_CHECKING:
    from zerog.memory.service import MemoryPlugin

__all__ = ["MAX_BODY_BYTES", "add_memory_routes"]

MAX_BODY_BYTES = 512 * 1024
T = TypeVar("T", bound=BaseModel)


class _Remember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str
    text: str | None = None
    data: Any = None
    tags: list[str] = Field(default_factory=list)
    ttl_s: float | None = Field(default=None, gt=0)
    id: str | None = None


class _Recall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str
    query: str = Field(min_length=1, max_length=8192)
    k: int = Field(default=5, ge=1, le=1000)
    tags: list[str] = Field(default_factory=list)
    since: float | None = None
    until: float | None = None


class _Forget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str
    id: str
    reason: str = Field(default="", max_length=1024)


class _History(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str
    id: str


class _Refused(ZerogError):
    """The KV node replayed the write but did not apply it."""


def add_memory_routes(app: web.Application, plugin: "MemoryPlugin") -> None:
    async def remember(request: web.Request) -> web.Response:
        body = await _body(request, _Remember)
        if body.text is not None and body.data is not None:
            content: Any = {**body.data, "text": body.text} if isinstance(body.data, dict) else body.text
        else:
            content = body.text if body.text is not None else body.data
        if content is None:
            raise InvalidInput("remember needs text or data")
        record = MemoryRecord.create(body.agent, content, tags=body.tags, ttl_s=body.ttl_s, memory_id=body.id)
        result, provenance = await plugin.write(agent_stream(record.agent), memory_key(record.id), record.encode())
        if result != COMMIT:
            raise _Refused(result)
        return web.json_response(
            {"agent": record.agent, **record.to_json(), "result": result, "provenance": provenance.to_json()}
        )

    async def recall(request: web.Request) -> web.Response:
        body = await _body(request, _Recall)
        book, _ = plugin._require()
        if not plugin.ready:
            raise Unavailable("agent memory is still rebuilding its index")
        started = time.perf_counter()
        read_at = plugin.read_at()
        hits = book.recall(
            check_agent(body.agent), body.query, body.k, tags=body.tags, since=body.since, until=body.until
        )
        elapsed = time.perf_counter() - started
        plugin.recall_seconds.observe(elapsed)
        return web.json_response(
            {
                "agent": body.agent,
                "query": body.query,
                "results": [hit.to_json() for hit in hits],
                "readAt": read_at,
                "embedder": book.embedder.name,
                "tookMs": round(elapsed * 1000, 3),
            }
        )

    async def forget(request: web.Request) -> web.Response:
        body = await _body(request, _Forget)
        book, _ = plugin._require()
        book.get(check_agent(body.agent), check_id(body.id))  # NotFound unless it is live
        tombstone = Tombstone(body.agent, body.id, round(time.time(), 3), body.reason)
        result, provenance = await plugin.write(agent_stream(body.agent), memory_key(body.id), tombstone.encode())
        if result != COMMIT:
            raise _Refused(result)
        return web.json_response(
            {"agent": body.agent, **tombstone.to_json(), "result": result, "provenance": provenance.to_json()}
        )

    async def history(request: web.Request) -> web.Response:
        body = await _body(request, _History)
        _, node = plugin._require()
        return web.json_response(
            {"agent": body.agent, "id": body.id, "versions": memory_history(node, body.agent, body.id)}
        )

    async def status(_: web.Request) -> web.Response:
        return web.json_response(plugin.status_json())

    for path, handler in (
        ("/v1/memory/remember", remember),
        ("/v1/memory/recall", recall),
        ("/v1/memory/forget", forget),
        ("/v1/memory/history", history),
    ):
        app.router.add_post(path, _errors(handler))
    app.router.add_get("/v1/memory/status", _errors(status))


async def _body(request: web.Request, model: type[T]) -> T:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise InvalidInput(f"the request body is over {MAX_BODY_BYTES} bytes")
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidInput(f"the request body is over {MAX_BODY_BYTES} bytes")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where + ': ' if where else ''}{first['msg']}") from exc


def _errors(handler: Any) -> Any:
    async def wrapped(request: web.Request) -> web.Response:
        try:
            response: web.Response = await handler(request)
            return response
        except InvalidInput as exc:
            return web.json_response({"error": str(exc)}, status=400)
        except NotFound as exc:
            return web.json_response({"error": str(exc)}, status=404)
        except _Refused as exc:
            return web.json_response(
                {"error": f"the KV node did not apply the write: {exc}", "result": str(exc)}, status=409
            )
        except (Unavailable, ConfigError) as exc:
            return web.json_response({"error": str(exc)}, status=503)
        except ZerogError as exc:
            return web.json_response({"error": str(exc)}, status=500)

    return wrapped


def memory_history(node: "KvNode", agent: str, memory_id: str) -> list[dict[str, Any]]:
    """Every version of a memory key, oldest first, each parsed, with the provenance of the tx that wrote it."""
    stream_id, key = agent_stream(check_agent(agent)), memory_key(check_id(memory_id))
    versions = []
    for stored in node.state.history(stream_id, key):
        tx = node.store.get_tx(stored.version)
        entry: dict[str, Any] = {"version": stored.version}
        if tx is not None:
            entry["provenance"] = Provenance.of(tx).to_json()
        if not stored.data:
            entry["kind"] = "deleted"
        else:
            try:
                record = parse_record(stored.data, stream_id, key)
                entry["kind"], entry["record"] = record.kind, record.to_json()
            except InvalidInput as exc:
                entry["kind"], entry["error"] = "invalid", str(exc)
        versions.append(entry)
    if not versions:
        raise NotFound(f"agent {agent!r} never had a memory {memory_id!r}")
    return versions
