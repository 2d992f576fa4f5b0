"""Shared steps of indexer tests: storage nodes holding a file, an indexer in the test's loop, HTTP calls."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp

from tests.storage.helpers import segments, submit, wait_finalized, wait_synced
from zerog.codec.segment import compute_data_segment_count
from zerog.crypto import FileTree
from zerog.devnet import find_free_port
from zerog.indexer import IndexerConfig, IndexerService
from zerog.rpc import JsonRpcClient
from zerog.spec import SECTORS_PER_SEGMENT
from zerog.testing import LocalChain, RunningNode


def indexer_config(nodes: list[str], **overrides: Any) -> IndexerConfig:
    """A fast-checking indexer on a free port."""
    config = IndexerConfig(
        trusted_nodes=tuple(nodes),
        listen=("127.0.0.1", find_free_port()),
        health_check_interval_s=0.2,
        max_failures=2,
        request_timeout_s=2.0,
        download_timeout_s=5.0,
    )
    return replace(config, **overrides)


@contextlib.asynccontextmanager
async def running_indexer(config: IndexerConfig) -> AsyncIterator[IndexerService]:
    """Run an indexer in this event loop until the block ends."""
    service = IndexerService(config)
    task = asyncio.create_task(service.run())
    try:
        ready = asyncio.create_task(service.ready.wait())
        done, _ = await asyncio.wait({ready, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()
        if ready not in done:
            ready.cancel()
            raise TimeoutError(f"indexer {config.url} did not become ready")
        yield service
    finally:
        service.stop()
        await asyncio.wait_for(task, 30)


async def put_file(chain: LocalChain, nodes: list[RunningNode], data: bytes) -> tuple[FileTree, int]:
    """Submit `data` and give each node the segments of its shard; returns once every node finalized it."""
    tree, seq = await asyncio.to_thread(submit, chain, data)
    for node in nodes:
        info = await wait_synced(node.client(), seq)
        first_flow_segment = int(info["tx"]["startEntryIndex"]) // SECTORS_PER_SEGMENT  # type: ignore[index]
        held = [
            i
            for i in range(compute_data_segment_count(len(data)))
            if node.config.shard.holds_segment(first_flow_segment + i)
        ]
        if held:
            await node.client().upload_segments_by_tx_seq(segments(tree, data, held), seq)
        await wait_finalized(node.client(), seq)
    return tree, seq


async def call(indexer: IndexerService, method: str, *params: Any) -> Any:
    async with JsonRpcClient(indexer.config.url) as rpc:
        return await rpc.call(method, *params)


async def post_raw(indexer: IndexerService, document: Any) -> Any:
    """POST a JSON-RPC document as is; returns the HTTP status and the decoded answer."""
    async with aiohttp.ClientSession() as http, http.post(indexer.config.url, json=document) as response:
        return response.status, await response.json()


async def get(indexer: IndexerService, path: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as http, http.get(indexer.config.url + path) as response:
        return response.status, dict(response.headers), await response.read()


async def eventually(condition: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 20.0) -> None:
    """Poll an async predicate until it holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
