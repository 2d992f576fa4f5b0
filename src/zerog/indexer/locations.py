"""Finding which healthy nodes hold a file, by root or by tx seq, with a short-lived cache.

Every healthy node is asked at once. Nodes' answers are checked against the request (a node answering for another
root is ignored), the log entry most nodes hold finalized is chosen (`choose_entry`), and the holders are the nodes
that report exactly that entry finalized and not pruned. Like 0G's `FileLocationCache`, an answer is cached only
when its holders cover every shard, so a file still being uploaded is looked up afresh each time.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from zerog.errors import ZerogError
from zerog.indexer.core import choose_entry, is_fully_covered
from zerog.indexer.metrics import IndexerMetrics
from zerog.indexer.registry import NodeRegistry
from zerog.indexer.types import LocatedFile, NodeFileInfo, parse_node_file_info
from zerog.storage import ShardedNode, StorageNodeClient

__all__ = ["MAX_CACHED_FILES", "FileLocator"]

log = structlog.get_logger("zerog.indexer.locations")

MAX_CACHED_FILES = 10_000

Ask = Callable[[StorageNodeClient], Awaitable[dict[str, Any] | None]]
CacheKey = tuple[str, bytes | int]


def _holds(info: NodeFileInfo, entry: NodeFileInfo) -> bool:
    return info.finalized and not info.pruned and info.identity == entry.identity


class FileLocator:
    """Answers "which healthy nodes hold this file finalized?"."""

    def __init__(
        self,
        registry: NodeRegistry,
        *,
        cache_s: float,
        metrics: IndexerMetrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._cache_s = cache_s
        self._metrics = metrics
        self._clock = clock
        self._cache: dict[CacheKey, tuple[float, LocatedFile]] = {}

    @property
    def cached_files(self) -> int:
        return len(self._cache)

    async def find_by_root(self, root: bytes) -> LocatedFile | None:
        """The file with data root `root`, or None when no healthy node knows it."""
        cached = self._cached(("root", root))
        if cached is not None:
            return cached
        answers = [
            (node, info)
            for node, info in await self._ask_all(self._registry.healthy(), lambda c: c.get_file_info(root, True))
            if info.root == root
        ]
        entry = choose_entry([info for _, info in answers])
        if entry is None:
            return None
        holders = [node for node, info in answers if _holds(info, entry)]
        # A node may hold the same data finalized under another tx seq (0G dedups by root); ask it about this one.
        others = [node for node, info in answers if info.finalized and not info.pruned and not _holds(info, entry)]
        if others:
            again = await self._ask_all(others, lambda c: c.get_file_info_by_tx_seq(entry.tx_seq))
            holders += [node for node, info in again if _holds(info, entry)]
        return self._remember(LocatedFile(entry, tuple(holders), any(i.pruned for _, i in answers)))

    async def find_by_tx_seq(self, tx_seq: int) -> LocatedFile | None:
        """The file of log entry `tx_seq`, or None when no healthy node knows it."""
        cached = self._cached(("seq", tx_seq))
        if cached is not None:
            return cached
        answers = [
            (node, info)
            for node, info in await self._ask_all(self._registry.healthy(), lambda c: c.get_file_info_by_tx_seq(tx_seq))
            if info.tx_seq == tx_seq
        ]
        entry = choose_entry([info for _, info in answers])
        if entry is None:
            return None
        holders = tuple(node for node, info in answers if _holds(info, entry))
        return self._remember(LocatedFile(entry, holders, any(i.pruned for _, i in answers)))

    async def _ask_all(self, nodes: list[ShardedNode], ask: Ask) -> list[tuple[ShardedNode, NodeFileInfo]]:
        infos = await asyncio.gather(*(self._ask(node, ask) for node in nodes))
        return [(node, info) for node, info in zip(nodes, infos, strict=True) if info is not None]

    async def _ask(self, node: ShardedNode, ask: Ask) -> NodeFileInfo | None:
        try:
            raw = await asyncio.wait_for(ask(self._registry.client(node.url)), self._registry.config.request_timeout_s)
            return None if raw is None else parse_node_file_info(raw)
        except (TimeoutError, ZerogError, TypeError, ValueError) as exc:  # a node answering nonsense is one that failed
            log.debug("file_info_failed", node=node.url, error=str(exc) or type(exc).__name__)
            return None

    def _cached(self, key: CacheKey) -> LocatedFile | None:
        hit = self._cache.get(key)
        if hit is not None and hit[0] <= self._clock():
            del self._cache[key]
            hit = None
        located = None
        if hit is not None:
            # Nodes that went down since stay out of the answer; with none left, look again.
            holders = tuple(n for n in hit[1].holders if self._registry.is_healthy(n.url))
            located = LocatedFile(hit[1].info, holders, hit[1].pruned) if holders else None
        if self._metrics is not None:
            self._metrics.location_lookups.labels("miss" if located is None else "hit").inc()
        return located

    def _remember(self, located: LocatedFile) -> LocatedFile:
        if self._cache_s <= 0 or not is_fully_covered([n.shard for n in located.holders]):
            return located
        now = self._clock()
        if len(self._cache) >= MAX_CACHED_FILES:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            while len(self._cache) >= MAX_CACHED_FILES:
                del self._cache[next(iter(self._cache))]
        expires = now + self._cache_s
        self._cache[("root", located.info.root)] = (expires, located)
        self._cache[("seq", located.info.tx_seq)] = (expires, located)
        return located
