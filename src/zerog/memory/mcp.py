"""An MCP server (Model Context Protocol, stdio transport) exposing agent memory as tools: remember, recall,
forget, history. Agent frameworks (Claude Desktop, LangChain/LangGraph MCP adapters, ...) start it as a command:

    zerog memory mcp --agent my-agent [--kv http://127.0.0.1:6789]

Messages are JSON-RPC 2.0, one per line on stdin/stdout (logs go to stderr). Each tool call goes to the KV node's
memory REST API; answers are the API's JSON as text, and failures come back as tool errors (`isError: true`).
"""

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import zerog
from zerog.errors import ZerogError
from zerog.memory.client import MemoryClient

__all__ = ["PROTOCOL_VERSIONS", "McpServer", "serve_stdio"]

PROTOCOL_VERSIONS = ("2025-06-18", "2025-03-26", "2024-11-05")
"""Versions this server speaks, newest first; it answers with the client's when it knows it."""

_AGENT = {"type": "string", "description": "The agent whose memory this is (default: the server's --agent)"}
_TAGS = {"type": "array", "items": {"type": "string"}, "description": "Labels to filter by later"}

TOOLS: list[dict[str, Any]] = [
    {
        "name": "remember",
        "description": "Store a memory (text, optionally tags and a time to live). It is written to the "
        "decentralized log and can be recalled by meaning at once; the answer carries its provenance.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "What to remember"},
                "tags": _TAGS,
                "ttl_s": {"type": "number", "description": "Forget automatically after this many seconds"},
                "agent": _AGENT,
            },
            "required": ["text"],
        },
    },
    {
        "name": "recall",
        "description": "Find the memories closest in meaning to a query, best first, each with its score and "
        "provenance (tx seq, data root, writer).",
        "inputSchema": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
                "tags": _TAGS,
                "agent": _AGENT,
            },
            "required": ["query"],
        },
    },
    {
        "name": "forget",
        "description": "Forget a memory by id: writes a tombstone, so later recalls skip it and history shows it.",
        "inputSchema": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "reason": {"type": "string"}, "agent": _AGENT},
            "required": ["id"],
        },
    },
    {
        "name": "history",
        "description": "Every version of a memory (written, rewritten, forgotten), oldest first, with provenance.",
        "inputSchema": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "agent": _AGENT},
            "required": ["id"],
        },
    },
]


class McpServer:
    """Answers MCP messages; `handle` takes one parsed message and returns the reply (None for notifications)."""

    def __init__(self, client: MemoryClient, agent: str) -> None:
        self.client = client
        self.agent = agent
        self._tools: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
            "remember": self._remember,
            "recall": self._recall,
            "forget": self._forget,
            "history": self._history,
        }

    async def handle(self, message: Any) -> dict[str, Any] | None:
        if (
            not isinstance(message, dict)
            or message.get("jsonrpc") != "2.0"
            or not isinstance(message.get("method"), str)
        ):
            return _error(message.get("id") if isinstance(message, dict) else None, -32600, "invalid request")
        method, params, request_id = message["method"], message.get("params") or {}, message.get("id")
        if "id" not in message:
            return None  # a notification (notifications/initialized, cancelled, ...)
        if method == "initialize":
            asked = params.get("protocolVersion") if isinstance(params, dict) else None
            return _result(
                request_id,
                {
                    "protocolVersion": asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0],
                    "capabilities": {"tools": {"listChanged": False}},
                    "serverInfo": {"name": "zerog-memory", "version": zerog.__version__},
                    "instructions": f"Long-term memory for agent {self.agent!r} on zerog: remember facts, recall "
                    "them by meaning, forget them; every memory is a verifiable entry on a decentralized log.",
                },
            )
        if method == "ping":
            return _result(request_id, {})
        if method == "tools/list":
            return _result(request_id, {"tools": TOOLS})
        if method == "tools/call":
            if not isinstance(params, dict) or params.get("name") not in self._tools:
                return _error(
                    request_id, -32602, f"unknown tool {params.get('name') if isinstance(params, dict) else None!r}"
                )
            arguments = params.get("arguments") or {}
            if not isinstance(arguments, dict):
                return _error(request_id, -32602, "arguments must be an object")
            try:
                answer = await self._tools[params["name"]](arguments)
            except (ZerogError, KeyError, TypeError, ValueError) as exc:
                return _result(request_id, {"content": [{"type": "text", "text": f"error: {exc}"}], "isError": True})
            text = json.dumps(answer, indent=1)
            return _result(request_id, {"content": [{"type": "text", "text": text}], "isError": False})
        return _error(request_id, -32601, f"method {method!r} not found")

    def _agent(self, arguments: dict[str, Any]) -> str:
        return str(arguments.get("agent") or self.agent)

    async def _remember(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return await self.client.remember(
            self._agent(arguments), str(arguments["text"]), tags=arguments.get("tags"), ttl_s=arguments.get("ttl_s")
        )

    async def _recall(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return await self.client.recall(
            self._agent(arguments), str(arguments["query"]), int(arguments.get("k", 5)), tags=arguments.get("tags")
        )

    async def _forget(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return await self.client.forget(self._agent(arguments), str(arguments["id"]), str(arguments.get("reason", "")))

    async def _history(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return await self.client.history(self._agent(arguments), str(arguments["id"]))


def _result(request_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


async def serve_stdio(kv_url: str, agent: str) -> None:
    """Serve MCP on this process's stdin/stdout until stdin closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with MemoryClient(kv_url) as client:
        server = McpServer(client, agent)
        while line := await reader.readline():
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                reply: dict[str, Any] | None = _error(None, -32700, "parse error")
            else:
                reply = await server.handle(message)
            if reply is not None:
                sys.stdout.write(json.dumps(reply) + "\n")
                sys.stdout.flush()
