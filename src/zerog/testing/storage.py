"""Storage nodes running in the test's own event loop, on free 127.0.0.1 ports, against a `LocalChain`."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from zerog.devnet import find_free_port
from zerog.spec import ShardConfig
from zerog.storage import StorageConfig, StorageNodeClient, StorageService
from zerog.testing.chain import LocalChain
from zerog.testing.service import running_service

__all__ = ["RunningNode", "node_config", "running_node", "running_nodes"]


@dataclass
class RunningNode:
    service: StorageService
    task: asyncio.Task[None]
    config: StorageConfig
    _client: StorageNodeClient | None = None

    @property
    def url(self) -> str:
        return self.config.url

    @property
    def admin_url(self) -> str:
        host, port = self.config.admin_listen
        return f"http://{host}:{port}"

    def client(self) -> StorageNodeClient:
        """A client for this node, closed when the node stops."""
        if self._client is None:
            self._client = StorageNodeClient(self.url)
        return self._client


def node_config(chain: LocalChain, db_dir: Path, shard: str = "0/1", **overrides: Any) -> StorageConfig:
    """A devnet-style node config: no confirmations, fast polling, fresh ports."""
    port = find_free_port()
    config = StorageConfig(
        rpc_url=chain.rpc_url,
        flow_address=chain.flow.address,
        db_dir=db_dir,
        confirmations=0,
        log_poll_interval_s=0.1,
        listen=("127.0.0.1", port),
        admin_listen=("127.0.0.1", find_free_port()),
        db_max_size_bytes=1 << 30,
        shard=ShardConfig.parse(shard),
        sync_interval_s=0.3,
        sync_wait_s=0.5,
    )
    return replace(config, **overrides)


@contextlib.asynccontextmanager
async def running_node(config: StorageConfig) -> AsyncIterator[RunningNode]:
    """Run one node until the block ends."""
    service = StorageService(config)
    async with running_service(service, f"storage node {config.url}") as task:
        node = RunningNode(service, task, config)
        try:
            yield node
        finally:
            if node._client is not None:
                await node._client.close()


@contextlib.asynccontextmanager
async def running_nodes(
    chain: LocalChain, work_dir: Path, shards: Sequence[str], **overrides: Any
) -> AsyncIterator[list[RunningNode]]:
    """Run one node per shard string ("0/1", "0/2", ...), each peered with all the others."""
    configs = [node_config(chain, work_dir / f"node{i}", shard, **overrides) for i, shard in enumerate(shards)]
    urls = [c.url for c in configs]
    configs = [replace(c, peers=tuple(u for u in urls if u != c.url)) for c in configs]
    async with contextlib.AsyncExitStack() as stack:
        nodes = [await stack.enter_async_context(running_node(c)) for c in configs]
        yield nodes
