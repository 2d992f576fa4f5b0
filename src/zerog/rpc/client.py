"""An async JSON-RPC 2.0 client over HTTP: remote errors become `JsonRpcError`, dead endpoints `Unavailable`."""

import itertools
import json
from typing import Any

import aiohttp

from zerog.errors import Unavailable
from zerog.rpc.errors import INTERNAL_ERROR, JsonRpcError

__all__ = ["JsonRpcClient"]

_ids = itertools.count(1)


class JsonRpcClient:
    """Calls one endpoint. Use as an async context manager, or pass a shared `aiohttp.ClientSession`."""

    def __init__(self, url: str, *, timeout_s: float = 30.0, session: aiohttp.ClientSession | None = None) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> "JsonRpcClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, *params: Any, timeout_s: float | None = None) -> Any:
        """Call `method` with positional `params` and return its result."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": list(params)})
        timeout = aiohttp.ClientTimeout(total=timeout_s or self.timeout_s)
        try:
            async with self._session.post(
                self.url, data=body, headers={"Content-Type": "application/json"}, timeout=timeout
            ) as response:
                text = await response.text()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise Unavailable(f"{self.url} did not answer {method}: {exc or type(exc).__name__}") from exc
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Unavailable(f"{self.url} answered {method} with something that is not JSON-RPC") from exc
        if not isinstance(document, dict):
            raise Unavailable(f"{self.url} answered {method} with something that is not JSON-RPC")
        if "error" in document and document["error"] is not None:
            error = document["error"]
            if isinstance(error, dict):
                raise JsonRpcError(int(error.get("code", INTERNAL_ERROR)), str(error.get("message")), error.get("data"))
            raise JsonRpcError(INTERNAL_ERROR, str(error))
        return document.get("result")
