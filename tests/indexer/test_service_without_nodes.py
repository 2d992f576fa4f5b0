"""The indexer with no reachable node: it starts, says so in /status, and answers with empty lists and clear errors."""

import json
import socket

import aiohttp
import pytest

from tests.indexer.harness import call, get, indexer_config, running_indexer
from zerog.devnet import find_free_port
from zerog.errors import Unavailable
from zerog.indexer import IndexerService
from zerog.rpc import JsonRpcError


def _dead_url() -> str:
    return f"http://127.0.0.1:{find_free_port()}"


async def test_unreachable_nodes_are_never_served() -> None:
    dead = _dead_url()
    async with running_indexer(indexer_config([dead], request_timeout_s=0.5)) as indexer:
        assert await call(indexer, "indexer_getShardedNodes") == {"trusted": [], "discovered": []}
        with pytest.raises(JsonRpcError) as failure:
            await call(indexer, "indexer_getSelectedNodes", 1, "min")
        assert failure.value.code == -32602
        assert await call(indexer, "indexer_getSelectedNodes", 0, "max") == {"trusted": [], "discovered": []}
        assert await call(indexer, "indexer_getNodeLocations") == {}
        with pytest.raises(JsonRpcError) as failure:
            await call(indexer, "indexer_getFileLocations", "0x" + "11" * 32)
        assert (failure.value.code, failure.value.message) == (-32000, "file not found")
        with pytest.raises(JsonRpcError) as failure:
            await call(indexer, "indexer_noSuchMethod")
        assert failure.value.code == -32601
        status, _, body = await get(indexer, "/status")
        assert status == 200
        (node,) = json.loads(body)["nodes"]
        assert (node["url"], node["healthy"], node["config"], node["failures"]) == (dead, False, None, 1)
        assert node["lastError"]


async def test_browsers_may_call_it() -> None:
    async with running_indexer(indexer_config([_dead_url()], request_timeout_s=0.5)) as indexer:
        headers = {"Origin": "https://app.example", "Access-Control-Request-Headers": "content-type"}
        async with aiohttp.ClientSession() as http, http.options(indexer.config.url, headers=headers) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert "POST" in response.headers["Access-Control-Allow-Methods"]
            assert response.headers["Access-Control-Allow-Headers"] == "content-type"
        _, headers, _ = await get(indexer, "/file?root=0x12")
        assert headers["Access-Control-Allow-Origin"] == "*"


async def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        service = IndexerService(indexer_config([_dead_url()], listen=("127.0.0.1", port)))
        with pytest.raises(Unavailable, match=f"cannot listen on http://127.0.0.1:{port}"):
            await service.run()
