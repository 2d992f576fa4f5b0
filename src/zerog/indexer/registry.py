"""The node registry: every known storage node, its shard, latency and health, checked on a timer.

Each round asks every node, concurrently, for `zgs_getStatus` and `zgs_getShardConfig`. A node that answers both
(with a valid shard) is healthy again at once; a node that fails `max_failures` checks in a row leaves every
answer the indexer gives until it answers again. Trusted nodes come from the config; discovered nodes from the
`admin_getPeers` answers of the configured discovery endpoints.
"""

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import structlog

from zerog.errors import Unavailable, ZerogError
from zerog.indexer.config import IndexerConfig, parse_node_url
from zerog.indexer.metrics import IndexerMetrics
from zerog.rpc import JsonRpcClient
from zerog.spec import ShardConfig
from zerog.storage import ShardedNode, StorageNodeClient

__all__ = ["CheckResult", "NodeRegistry", "NodeState", "apply_check", "parse_peer_urls"]

log = structlog.get_logger("zerog.indexer.registry")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one health check of one node."""

    shard: ShardConfig | None
    """None when the check failed."""
    latency_ms: int
    at: int
    """Unix time of the check."""
    error: str = ""
    log_sync_height: int = 0
    next_tx_seq: int = 0


@dataclass(frozen=True, slots=True)
class NodeState:
    """What the registry knows about one node."""

    url: str
    trusted: bool
    shard: ShardConfig | None = None
    """Last shard config the node reported; None until its first successful check."""
    latency_ms: int = 0
    since: int = 0
    """Unix time of the last successful check."""
    failures: int = 0
    """Consecutive failed checks."""
    last_error: str = ""
    log_sync_height: int = 0
    next_tx_seq: int = 0

    def is_healthy(self, max_failures: int) -> bool:
        return self.shard is not None and self.failures < max_failures

    @property
    def shard_label(self) -> str:
        return "" if self.shard is None else f"{self.shard.shard_id}/{self.shard.num_shard}"

    def to_sharded_node(self) -> ShardedNode:
        if self.shard is None:
            raise ZerogError(f"{self.url} has no known shard config")
        return ShardedNode(self.url, self.shard, self.latency_ms, self.since)

    def to_json(self, max_failures: int) -> dict[str, Any]:
        shard = self.shard
        return {
            "url": self.url,
            "trusted": self.trusted,
            "healthy": self.is_healthy(max_failures),
            "config": None if shard is None else {"shardId": shard.shard_id, "numShard": shard.num_shard},
            "latency": self.latency_ms,
            "since": self.since,
            "failures": self.failures,
            "lastError": self.last_error,
            "logSyncHeight": self.log_sync_height,
            "nextTxSeq": self.next_tx_seq,
        }


def apply_check(state: NodeState, result: CheckResult) -> NodeState:
    """A success refreshes shard, latency and `since` and clears the failure count; a failure adds one to it."""
    if result.shard is None:
        return replace(state, failures=state.failures + 1, last_error=result.error)
    return replace(
        state,
        shard=result.shard,
        latency_ms=result.latency_ms,
        since=result.at,
        failures=0,
        last_error="",
        log_sync_height=result.log_sync_height,
        next_tx_seq=result.next_tx_seq,
    )


def parse_peer_urls(raw: Any) -> list[str]:
    """Node URLs from an `admin_getPeers` answer (an object keyed by URL, or a list of URLs); others skipped."""
    keys = list(raw) if isinstance(raw, dict | list) else []
    urls = []
    for key in keys:
        if not isinstance(key, str):
            continue
        try:
            urls.append(parse_node_url(key))
        except ZerogError:
            continue
    return urls


class NodeRegistry:
    """Knows every node and its health; `run` keeps checking them until cancelled."""

    def __init__(
        self, config: IndexerConfig, session: aiohttp.ClientSession, metrics: IndexerMetrics | None = None
    ) -> None:
        self.config = config
        self._session = session
        self._metrics = metrics
        self._states: dict[str, NodeState] = {url: NodeState(url, trusted=True) for url in config.trusted_nodes}
        self._clients: dict[str, StorageNodeClient] = {}

    # Answers. Only healthy nodes are ever served.

    def states(self) -> list[NodeState]:
        return list(self._states.values())

    def is_healthy(self, url: str) -> bool:
        state = self._states.get(url)
        return state is not None and state.is_healthy(self.config.max_failures)

    def trusted(self) -> list[ShardedNode]:
        """Healthy trusted nodes."""
        return self._healthy(trusted=True)

    def discovered(self) -> list[ShardedNode]:
        """Healthy discovered nodes."""
        return self._healthy(trusted=False)

    def healthy(self) -> list[ShardedNode]:
        """Every healthy node, trusted first."""
        return self.trusted() + self.discovered()

    def _healthy(self, *, trusted: bool) -> list[ShardedNode]:
        return [
            s.to_sharded_node()
            for s in self._states.values()
            if s.trusted == trusted and s.is_healthy(self.config.max_failures)
        ]

    def client(self, url: str) -> StorageNodeClient:
        """A client for `url` on the registry's shared HTTP session."""
        client = self._clients.get(url)
        if client is None:
            # Checks and lookups bound themselves with request_timeout_s; segment downloads need longer.
            timeout_s = max(self.config.request_timeout_s, self.config.download_timeout_s)
            client = self._clients[url] = StorageNodeClient(url, self._session, timeout_s=timeout_s)
        return client

    # Membership.

    def add_discovered(self, urls: list[str]) -> list[str]:
        """Start tracking `urls` as discovered nodes; returns the ones that were new."""
        new = [url for url in dict.fromkeys(urls) if url not in self._states]
        for url in new:
            self._states[url] = NodeState(url, trusted=False)
        if new:
            log.info("nodes_discovered", urls=new)
        return new

    # Checks.

    async def check_all(self) -> None:
        """One round: check every node concurrently and apply the results."""
        urls = list(self._states)
        results = await asyncio.gather(*(self.check(url) for url in urls))
        for url, result in zip(urls, results, strict=True):
            self._apply(url, result)
        self._update_gauges()

    async def check(self, url: str) -> CheckResult:
        """Ask one node for its status and shard config; never raises for the node's faults."""
        client = self.client(url)
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(client.rpc.call("zgs_getStatus"), self.config.request_timeout_s)
            if not isinstance(status, dict):
                raise Unavailable(f"{url} answered zgs_getStatus with {str(status)[:200]}")
            shard = await asyncio.wait_for(client.get_shard_config(), self.config.request_timeout_s)
        except (TimeoutError, ZerogError) as exc:
            return CheckResult(None, 0, int(time.time()), str(exc) or type(exc).__name__)
        latency_ms = round((time.perf_counter() - started) * 1000)
        return CheckResult(
            shard,
            latency_ms,
            int(time.time()),
            log_sync_height=_int_or_zero(status.get("logSyncHeight")),
            next_tx_seq=_int_or_zero(status.get("nextTxSeq")),
        )

    def _apply(self, url: str, result: CheckResult) -> None:
        before = self._states[url]
        after = self._states[url] = apply_check(before, result)
        limit = self.config.max_failures
        if self._metrics is not None:
            self._metrics.health_checks.labels("ok" if result.shard is not None else "failed").inc()
        was, now = before.is_healthy(limit), after.is_healthy(limit)
        if was and not now:
            log.warning("node_down", url=url, failures=after.failures, error=after.last_error)
        elif now and not was:
            log.info("node_up", url=url, shard=after.shard_label, latency_ms=after.latency_ms)
        elif after.shard is None and after.failures == limit:
            log.warning("node_unreachable", url=url, failures=after.failures, error=after.last_error)
        elif before.shard is not None and after.shard != before.shard and result.shard is not None:
            log.info("node_shard_changed", url=url, shard=after.shard_label)

    def _update_gauges(self) -> None:
        if self._metrics is None:
            return
        limit = self.config.max_failures
        for kind, trusted in (("trusted", True), ("discovered", False)):
            states = [s for s in self._states.values() if s.trusted == trusted]
            healthy = sum(s.is_healthy(limit) for s in states)
            self._metrics.nodes.labels(kind, "healthy").set(healthy)
            self._metrics.nodes.labels(kind, "down").set(len(states) - healthy)

    async def discover(self) -> None:
        """Ask every discovery endpoint for its peers and track the new ones."""
        for url in self.config.discovery_nodes:
            rpc = JsonRpcClient(url, session=self._session, timeout_s=self.config.request_timeout_s)
            try:
                peers = await rpc.call("admin_getPeers")
            except ZerogError as exc:
                log.info("discovery_failed", url=url, error=str(exc))
                continue
            self.add_discovered(parse_peer_urls(peers))

    async def run(self, ready: asyncio.Event) -> None:
        """Check every node now, report ready, then keep checking every interval."""
        await self.discover()
        await self.check_all()
        ready.set()
        while True:
            await asyncio.sleep(self.config.health_check_interval_s)
            await self.check_all()

    async def run_discovery(self) -> None:
        """Re-ask the discovery endpoints every discovery interval (a no-op loop without endpoints)."""
        if not self.config.discovery_nodes:
            return
        while True:
            await asyncio.sleep(self.config.discovery_interval_s)
            await self.discover()


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
