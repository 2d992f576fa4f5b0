"""Where a KV node reads its txs' data: storage nodes (listed, or found through an indexer), every segment
verified against the tx's root before it is used."""

import time

import aiohttp
import structlog

from zerog.errors import ZerogError
from zerog.rpc import JsonRpcClient
from zerog.spec import ShardConfig
from zerog.storage import FileLocation, SegmentFetcher, SourceNode, StorageNodeClient, TxRecord

__all__ = ["DataSource"]

log = structlog.get_logger("zerog.kv.source")
REFRESH_S = 10.0


class DataSource:
    """Fetches whole (small) files by tx from storage nodes."""

    def __init__(self, nodes: tuple[str, ...], indexer: str, *, timeout_s: float = 10.0) -> None:
        self.nodes = nodes
        self.indexer = indexer
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._sources: list[SourceNode] = []
        self._refreshed = 0.0

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch(self, tx: TxRecord) -> bytes | None:
        """The file of `tx`, verified; None until a node has finalized it (or while none can serve all of it)."""
        sources = [s for s in await self._current_sources() if await _finalized(s, tx)]
        if not sources:
            return None
        location = FileLocation(tx.data_root, tx.seq, tx.size, tx.start_entry_index)
        fetcher = SegmentFetcher(location, sources, timeout_s=self.timeout_s)
        indices = list(range(location.segment_count))
        found = await fetcher.fetch_batch(indices) if indices else {}
        pieces = []
        for index in indices:
            segment = found.get(index)
            if segment is None:
                try:
                    segment = await fetcher.fetch(index)
                except ZerogError:
                    return None
            pieces.append(segment.data)
        return b"".join(pieces)[: tx.size]

    async def _current_sources(self) -> list[SourceNode]:
        if self._sources and time.monotonic() - self._refreshed < REFRESH_S:
            return self._sources
        if self._session is None:
            self._session = aiohttp.ClientSession()
        urls = list(self.nodes)
        if self.indexer:
            try:
                raw = await JsonRpcClient(self.indexer, session=self._session, timeout_s=5).call(
                    "indexer_getShardedNodes"
                )
                for group in ("trusted", "discovered"):
                    urls += [entry["url"] for entry in (raw or {}).get(group) or [] if isinstance(entry, dict)]
            except ZerogError as exc:
                log.warning("indexer_unreachable", indexer=self.indexer, error=str(exc))
        sources = []
        for url in dict.fromkeys(urls):
            client = StorageNodeClient(url, self._session, timeout_s=self.timeout_s)
            try:
                shard: ShardConfig = await client.get_shard_config()
            except ZerogError:
                continue
            sources.append(SourceNode(client, shard))
        self._sources, self._refreshed = sources, time.monotonic()
        return sources


async def _finalized(source: SourceNode, tx: TxRecord) -> bool:
    """Whether `source` finalized `tx` (same root: after a reorg a seq can name another file)."""
    try:
        info = await source.client.get_file_info_by_tx_seq(tx.seq)
    except ZerogError:
        return False
    if info is None or not info.get("finalized"):
        return False
    tx_info = info.get("tx") or {}
    return isinstance(tx_info, dict) and str(tx_info.get("dataMerkleRoot", "")).lower() == "0x" + tx.data_root.hex()
