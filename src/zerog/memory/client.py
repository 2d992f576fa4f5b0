"""`MemoryClient`: the agent memory REST API of a KV node, as async Python calls.

async with MemoryClient("http://127.0.0.1:6789") as memory:
    saved = await memory.remember("travel-agent", "Alice is allergic to peanuts", tags=["alice"])
    hits = await memory.recall("travel-agent", "what food should Alice avoid?", k=3)
    hits["results"][0]["provenance"]   # txSeq, dataRoot, writer, txHash, blockNumber
"""

import json
from typing import Any

import aiohttp

from zerog.errors import ConfigError, InvalidInput, NotFound, Unavailable, ZerogError

__all__ = ["MemoryClient", "MemoryRefused"]


class MemoryRefused(ZerogError):
    """The KV node replayed the write but did not apply it; `result` is 0G's reason (e.g. WritePermissionDenied)."""

    def __init__(self, message: str, result: str) -> None:
        super().__init__(message)
        self.result = result


class MemoryClient:
    def __init__(self, url: str, *, timeout_s: float = 180.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "MemoryClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def remember(
        self,
        agent: str,
        content: str | dict[str, Any] | list[Any],
        *,
        tags: list[str] | None = None,
        ttl_s: float | None = None,
        memory_id: str | None = None,
    ) -> dict[str, Any]:
        """Store text or JSON for `agent`; returns the memory with its provenance once it is recallable."""
        body: dict[str, Any] = {"agent": agent, "tags": tags or []}
        body["text" if isinstance(content, str) else "data"] = content
        if ttl_s is not None:
            body["ttl_s"] = ttl_s
        if memory_id is not None:
            body["id"] = memory_id
        return await self._post("remember", body)

    async def recall(
        self,
        agent: str,
        query: str,
        k: int = 5,
        *,
        tags: list[str] | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"agent": agent, "query": query, "k": k, "tags": tags or []}
        if since is not None:
            body["since"] = since
        if until is not None:
            body["until"] = until
        return await self._post("recall", body)

    async def forget(self, agent: str, memory_id: str, reason: str = "") -> dict[str, Any]:
        return await self._post("forget", {"agent": agent, "id": memory_id, "reason": reason})

    async def history(self, agent: str, memory_id: str) -> dict[str, Any]:
        return await self._post("history", {"agent": agent, "id": memory_id})

    async def status(self) -> dict[str, Any]:
        return await self._send("GET", "status", None)

    async def _post(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._send("POST", route, body)

    async def _send(self, method: str, route: str, body: dict[str, Any] | None) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = f"{self.url}/v1/memory/{route}"
        try:
            async with self._session.request(
                method, url, json=body, timeout=aiohttp.ClientTimeout(total=self.timeout_s)
            ) as response:
                text = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise Unavailable(f"{url} did not answer: {exc or type(exc).__name__}") from exc
        try:
            answer = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Unavailable(f"{url} answered {status} with something that is not JSON") from exc
        if status == 200 and isinstance(answer, dict):
            return answer
        message = str(answer.get("error") if isinstance(answer, dict) else answer)
        if status == 400:
            raise InvalidInput(message)
        if status == 404:
            raise NotFound(message if isinstance(answer, dict) and "error" in answer else f"{url}: no memory API here")
        if status == 409:
            raise MemoryRefused(message, str(answer.get("result")))
        if status == 503 and "memory_writer_key" in message:
            raise ConfigError(message)
        raise Unavailable(f"{url}: {message}")
