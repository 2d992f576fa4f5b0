"""Peer sync: a node missing segments of a tx in its shard fetches them from peers and verifies each one.

Peers come from the static `peers` list and, if set, the indexer's node list. A segment is stored only if it
verifies against the tx's root from the chain (data size, proof, position, rear padding): a peer can withhold
data but cannot make this node store anything wrong.
"""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import structlog

from zerog.codec.segment import parse_segment_json, verify_segment
from zerog.errors import InvalidInput, InvalidProof, ZerogError
from zerog.rpc import JsonRpcClient, JsonRpcError
from zerog.spec import ShardConfig
from zerog.storage.config import StorageConfig
from zerog.storage.node import StorageNode
from zerog.storage.store import SegmentWrite
from zerog.storage.types import TxRecord

__all__ = ["PeerState", "PeerSync", "TxSyncState"]

log = structlog.get_logger("zerog.storage.sync")
PEER_REFRESH_S = 5.0


@dataclass
class PeerState:
    url: str
    shard: ShardConfig | None = None
    healthy: bool = False
    last_seen: float = 0.0
    failures: int = 0


@dataclass
class TxSyncState:
    """Progress of syncing one tx, reported by admin_getSyncStatus."""

    state: str = "Idle"
    started: float = field(default_factory=time.monotonic)
    fetched: int = 0
    missing: int = 0
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "elapsedSecs": int(time.monotonic() - self.started),
            "fetchedSegments": self.fetched,
            "missingSegments": self.missing,
            "error": self.error,
        }


class PeerSync:
    """Keeps a peer table fresh and fills this node's shard from peers."""

    def __init__(self, config: StorageConfig, node: StorageNode) -> None:
        self.config = config
        self.node = node
        self.peers: dict[str, PeerState] = {url: PeerState(url) for url in config.peers if url != config.url}
        self.states: dict[int, TxSyncState] = {}
        self._since: dict[int, float] = {}
        self._requested: set[int] = set()
        self._terminated: set[int] = set()
        self._session: aiohttp.ClientSession | None = None
        self._last_refresh = 0.0

    async def run(self, ready: asyncio.Event) -> None:
        self._session = aiohttp.ClientSession()
        try:
            ready.set()
            while True:
                try:
                    await self.round()
                except ZerogError as exc:
                    log.warning("peer_sync_round_failed", error=str(exc))
                await asyncio.sleep(self.config.sync_interval_s)
        finally:
            await self._session.close()

    async def round(self) -> None:
        """Refresh peers if due, then try every tx that waits for data."""
        if time.monotonic() - self._last_refresh >= PEER_REFRESH_S:
            await self.refresh_peers()
        candidates = self.node.sync_candidates(time.monotonic(), self._since) if self.config.auto_sync else []
        for seq in sorted(self._requested):
            if (tx := self.node.get_tx(seq)) is not None and tx not in candidates:
                candidates.append(tx)
        for tx in candidates:
            if tx.seq in self._terminated:
                continue
            await self.sync_tx(tx)

    def request(self, seq: int) -> None:
        """admin_startSyncFile: sync this tx now, whatever auto sync says."""
        self._terminated.discard(seq)
        self._requested.add(seq)
        self.states[seq] = TxSyncState(state="Pending")

    def terminate(self, seq: int) -> bool:
        self._requested.discard(seq)
        self._terminated.add(seq)
        state = self.states.get(seq)
        if state is not None:
            state.state = "Terminated"
        return state is not None

    async def refresh_peers(self) -> None:
        self._last_refresh = time.monotonic()
        if self.config.indexer_url:
            for url in await self._indexer_nodes():
                if url != self.config.url and url not in self.peers:
                    self.peers[url] = PeerState(url)
        await asyncio.gather(*(self._probe(peer) for peer in list(self.peers.values())))
        self.node.connected_peers = sum(p.healthy for p in self.peers.values())

    async def _indexer_nodes(self) -> list[str]:
        try:
            result = await self._client(self.config.indexer_url).call("indexer_getShardedNodes", timeout_s=5)
        except ZerogError as exc:
            log.info("indexer_unreachable", url=self.config.indexer_url, error=str(exc))
            return []
        urls = []
        if isinstance(result, dict):
            for group in ("trusted", "discovered"):
                for entry in result.get(group) or []:
                    if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                        urls.append(entry["url"].rstrip("/"))
        return urls

    async def _probe(self, peer: PeerState) -> None:
        try:
            config = await self._client(peer.url).call("zgs_getShardConfig", timeout_s=5)
            peer.shard = ShardConfig(int(config["shardId"]), int(config["numShard"]))
            peer.healthy, peer.last_seen, peer.failures = True, time.monotonic(), 0
        except (ZerogError, KeyError, TypeError, ValueError):
            peer.healthy = False
            peer.failures += 1

    async def sync_tx(self, tx: TxRecord) -> bool:
        """Fetch every missing segment of `tx` in this shard from peers; True once the tx is finalized here."""
        state = self.states.setdefault(tx.seq, TxSyncState())
        state.state = "Downloading"
        missing = [i for i in tx.segments_in_shard(self.config.shard) if not self.node.store.has_segment(tx.seq, i)]
        state.missing = len(missing)
        for index in missing:
            write = await self._fetch(tx, index)
            if write is None:
                continue
            await self.node.store_segments(tx, [write])
            state.fetched += 1
            state.missing -= 1
        finalized = self.node.store.get_status(tx.seq).finalized
        state.state = "Completed" if finalized else "Incomplete"
        if finalized:
            self._requested.discard(tx.seq)
            log.info("tx_synced_from_peers", tx_seq=tx.seq, segments=state.fetched)
        return finalized

    async def _fetch(self, tx: TxRecord, index: int) -> SegmentWrite | None:
        flow_segment = tx.flow_segment(index)
        holders = [p for p in self.peers.values() if p.healthy and p.shard and p.shard.holds_segment(flow_segment)]
        for peer in holders:
            try:
                raw = await self._client(peer.url).call(
                    "zgs_downloadSegmentWithProofByTxSeq", tx.seq, index, timeout_s=15
                )
                if raw is None:
                    continue
                segment = parse_segment_json(raw)
                if segment.root != tx.data_root or segment.index != index or segment.file_size != tx.size:
                    raise InvalidProof("peer served a segment of another file or position")
                verify_segment(segment)
            except (JsonRpcError, InvalidInput, InvalidProof) as exc:
                log.warning("peer_segment_rejected", peer=peer.url, tx_seq=tx.seq, index=index, error=str(exc))
                continue
            except ZerogError:
                peer.healthy = False
                continue
            return SegmentWrite(index, segment.data, segment.proof)
        return None

    def _client(self, url: str) -> JsonRpcClient:
        return JsonRpcClient(url, session=self._session)
