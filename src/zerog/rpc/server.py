"""A JSON-RPC 2.0 server on aiohttp: one dispatcher per service, errors always on HTTP 200.

Errors stay on HTTP 200 because some clients (axios in the TS SDK) retry non-2xx answers and lose `error.data`.
Request ids are echoed exactly as parsed (the TS SDK sends integers above 2^53). Bodies over the limit get a
JSON-RPC error, not an HTTP 413.
"""

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram

from zerog.errors import InvalidInput, InvalidProof, NotFound, ZerogError
from zerog.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    SERVER_ERROR,
    JsonRpcError,
)
from zerog.rpc.params import Param, parse_params

__all__ = ["Handler", "JsonRpcServer", "RpcMetrics", "request_headers"]

request_headers: ContextVar[Mapping[str, str] | None] = ContextVar("request_headers", default=None)
"""The HTTP headers of the request being handled (some answers depend on the client, e.g. its User-Agent)."""

Handler = Callable[[Any], Awaitable[Any]]
"""Receives the raw `params` (validated by the handler with `parse_params`) and returns the JSON result."""

log = structlog.get_logger("zerog.rpc")


class RpcMetrics:
    """Call counts and latencies of every JSON-RPC server of a process, in one Prometheus registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "zerog_rpc_calls",
            "JSON-RPC calls by method and outcome",
            ["service", "method", "outcome"],
            registry=registry,
        )
        self.latency = Histogram("zerog_rpc_seconds", "JSON-RPC call latency", ["service", "method"], registry=registry)


class JsonRpcServer:
    """Dispatches JSON-RPC requests (single or batch) to registered handlers."""

    def __init__(self, name: str, *, max_body_bytes: int, metrics: RpcMetrics | None = None) -> None:
        self.name = name
        self.max_body_bytes = max_body_bytes
        self._methods: dict[str, Handler] = {}
        metrics = metrics or RpcMetrics(CollectorRegistry())
        self._calls = metrics.calls
        self._latency = metrics.latency

    def add(self, method: str, handler: Handler) -> None:
        self._methods[method] = handler

    def method(
        self, name: str, *params: Param, aliases: Sequence[str] = ()
    ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
        """Decorator: register a handler as `name` (and `aliases`), called with its validated positional params."""

        def register(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            async def call(raw: Any) -> Any:
                return await handler(*parse_params(raw, params))

            for each in (name, *aliases):
                self.add(each, call)
            return handler

        return register

    @property
    def methods(self) -> list[str]:
        return sorted(self._methods)

    async def handle_http(self, request: web.Request) -> web.Response:
        """aiohttp handler for POST requests."""
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            return _json(_error_response(None, self._too_large()))
        pieces: list[bytes] = []
        size = 0
        while chunk := await request.content.read(1 << 20):
            size += len(chunk)
            if size > self.max_body_bytes:
                return _json(_error_response(None, self._too_large()))
            pieces.append(chunk)
        token = request_headers.set(request.headers)
        try:
            answer = await self.dispatch(b"".join(pieces))
        finally:
            request_headers.reset(token)
        if answer is None:
            return web.Response(status=200, body=b"", content_type="application/json")
        return _json(answer)

    async def dispatch(self, body: bytes) -> Any:
        """The response document for a request body, or None when it held only notifications."""
        try:
            document = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return _error_response(None, JsonRpcError(PARSE_ERROR, f"Parse error: {exc}"))
        if isinstance(document, list):
            if not document:
                return _error_response(None, JsonRpcError(INVALID_REQUEST, "Invalid request: empty batch"))
            answers = [await self._call(item) for item in document]
            kept = [a for a in answers if a is not None]
            return kept or None
        return await self._call(document)

    async def _call(self, request: Any) -> dict[str, Any] | None:
        if (
            not isinstance(request, dict)
            or request.get("jsonrpc") != "2.0"
            or not isinstance(request.get("method"), str)
        ):
            request_id = request.get("id") if isinstance(request, dict) else None
            return _error_response(request_id, JsonRpcError(INVALID_REQUEST, "Invalid request"))
        request_id = request.get("id")
        is_notification = "id" not in request
        method = request["method"]
        handler = self._methods.get(method)
        if handler is None:
            outcome, answer = (
                "unknown",
                _error_response(request_id, JsonRpcError(METHOD_NOT_FOUND, f"Method not found: {method}")),
            )
            self._calls.labels(self.name, "unknown", outcome).inc()
            return None if is_notification else answer
        started = time.perf_counter()
        try:
            result = await handler(request.get("params"))
            outcome, answer = "ok", {"jsonrpc": "2.0", "id": request_id, "result": result}
        except JsonRpcError as exc:
            outcome, answer = "error", _error_response(request_id, exc)
        except (InvalidInput, InvalidProof) as exc:
            outcome, answer = "error", _error_response(request_id, JsonRpcError(INVALID_PARAMS, str(exc)))
        except NotFound as exc:
            outcome, answer = "error", _error_response(request_id, JsonRpcError(SERVER_ERROR, str(exc)))
        except ZerogError as exc:
            outcome, answer = "error", _error_response(request_id, JsonRpcError(SERVER_ERROR, str(exc)))
        except Exception:
            log.exception("rpc_handler_failed", service=self.name, method=method)
            outcome, answer = "crash", _error_response(request_id, JsonRpcError(INTERNAL_ERROR, "Internal error"))
        self._latency.labels(self.name, method).observe(time.perf_counter() - started)
        self._calls.labels(self.name, method, outcome).inc()
        return None if is_notification else answer

    def _too_large(self) -> JsonRpcError:
        return JsonRpcError(INVALID_REQUEST, f"Invalid request: body larger than {self.max_body_bytes} bytes")


def _error_response(request_id: Any, error: JsonRpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}


def _json(document: Any) -> web.Response:
    return web.Response(status=200, body=json.dumps(document, separators=(",", ":")), content_type="application/json")
