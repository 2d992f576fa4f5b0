"""Finding storage nodes: from an indexer (0G's `indexer_getShardedNodes`) or from a list of node URLs."""

import asyncio
from collections.abc import Sequence

import aiohttp
import structlog

from zerog.errors import ConfigError, Unavailable, ZerogError
from zerog.rpc import JsonRpcClient
from zerog.spec import ShardConfig
from zerog.storage import ShardedNode, StorageNodeClient

__all__ = ["discover_nodes", "parse_sharded_nodes"]

log = structlog.get_logger("zerog.client")


def parse_sharded_nodes(raw: object) -> list[ShardedNode]:
    """Nodes from an indexer answer (a list, or `{trusted, discovered}`), skipping malformed entries."""
    entries: list[object] = []
    if isinstance(raw, dict):
        for group in ("trusted", "discovered"):
            entries.extend(raw.get(group) or [])
    elif isinstance(raw, list):
        entries = list(raw)
    nodes = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        try:
            config = entry["config"]
            nodes.append(
                ShardedNode(
                    str(entry["url"]).rstrip("/"),
                    ShardConfig(int(config["shardId"]), int(config["numShard"])),
                    int(entry.get("latency") or 0),
                    int(entry.get("since") or 0),
                )
            )
        except (KeyError, TypeError, ValueError, ZerogError):
            log.warning("indexer_entry_skipped", entry=repr(entry)[:200])
    return nodes


async def discover_nodes(
    session: aiohttp.ClientSession, *, nodes: Sequence[str] = (), indexer: str | None = None
) -> list[ShardedNode]:
    """The reachable nodes with their shards. Unreachable listed nodes are skipped with a warning."""
    if indexer:
        raw = await JsonRpcClient(indexer, session=session, timeout_s=15).call("indexer_getShardedNodes")
        found = parse_sharded_nodes(raw)
        if not found:
            raise Unavailable(f"the indexer at {indexer} knows no storage nodes")
        return found
    if not nodes:
        raise ConfigError("no storage nodes: pass --node URL (repeatable) or --indexer URL, or run a devnet here")

    async def probe(url: str) -> ShardedNode | None:
        try:
            shard = await StorageNodeClient(url, session, timeout_s=10).get_shard_config()
        except ZerogError as exc:
            log.warning("node_unreachable", node=url, error=str(exc))
            return None
        return ShardedNode(url.rstrip("/"), shard)

    found = [n for n in await asyncio.gather(*(probe(url) for url in nodes)) if n is not None]
    if not found:
        raise Unavailable(f"none of the storage nodes answered: {', '.join(nodes)}")
    return found
