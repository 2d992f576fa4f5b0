"""KV nodes running in the test's own event loop, following a `LocalChain` and reading from storage nodes."""

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from zerog.devnet import find_free_port
from zerog.kv import KvConfig, KvPlugin, KvService
from zerog.testing.chain import LocalChain
from zerog.testing.service import running_service

__all__ = ["kv_config", "running_kv_node"]


def kv_config(chain: LocalChain, db_dir: Path, nodes: Sequence[str], **overrides: Any) -> KvConfig:
    """A devnet-style KV node holding every stream: no confirmations, fast polling, a fresh port."""
    config = KvConfig(
        rpc_url=chain.rpc_url,
        flow_address=chain.flow.address,
        db_dir=db_dir,
        confirmations=0,
        log_poll_interval_s=0.1,
        storage_nodes=tuple(nodes),
        all_streams=True,
        listen=("127.0.0.1", find_free_port()),
        db_max_size_bytes=1 << 30,
        replay_interval_s=0.05,
    )
    return replace(config, **overrides)


@contextlib.asynccontextmanager
async def running_kv_node(config: KvConfig, plugins: Sequence[KvPlugin] = ()) -> AsyncIterator[KvService]:
    """Run one KV node until the block ends."""
    service = KvService(config, plugins)
    async with running_service(service, f"KV node {config.url}"):
        yield service
