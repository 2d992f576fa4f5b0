"""A KV node's state and wiring: the log it follows (tx records only, no data), the replayed KV state, and the
replayer between them. Log sync feeds it through the `LogSyncTarget` protocol, like a storage node."""

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from zerog.kv.config import KvConfig
from zerog.kv.replay import KvTx, ReplayOutcome
from zerog.kv.replayer import Replayer
from zerog.kv.source import DataSource
from zerog.kv.state import KvState
from zerog.storage import FlowStore, SyncProgress, TxRecord

__all__ = ["KvNode"]


class KvNode:
    def __init__(self, config: KvConfig, registry: CollectorRegistry) -> None:
        self.config = config
        self.store = FlowStore(config.db_dir / "log", map_size_bytes=1 << 32)
        self.state = KvState(config.db_dir / "kv", map_size_bytes=config.db_max_size_bytes)
        self.source = DataSource(config.storage_nodes, config.indexer_url)
        self.sync_progress = SyncProgress()
        self.replayer = Replayer(config, self.state, self.store, self.source.fetch)
        self.replayer.hooks.append(self._count)
        self._replayed = Counter("zerog_kv_txs_replayed", "KV txs replayed, by result", ["result"], registry=registry)
        Gauge("zerog_kv_replay_waiting", "KV txs waiting for data or order", registry=registry).set_function(
            lambda: len(self.replayer.waiting)
        )
        Gauge("zerog_kv_log_next_tx_seq", "Next tx seq of the synced log", registry=registry).set_function(
            self.store.next_tx_seq
        )
        Gauge("zerog_kv_replay_cursor", "Every tx below this seq is replayed", registry=registry).set_function(
            self.state.get_cursor
        )

    async def close(self) -> None:
        await self.source.close()
        self.state.close()
        self.store.close()

    # --- LogSyncTarget --------------------------------------------------------------------------------------

    async def on_txs_synced(self, txs: list[TxRecord]) -> None:
        self.replayer.wake.set()

    async def on_reverted(self, seqs: list[int]) -> None:
        if seqs:
            await self.replayer.revert(seqs)

    # --- queries --------------------------------------------------------------------------------------------

    def replay_progress(self, stream_id: bytes) -> dict[str, Any]:
        """kv_getReplayProgress: the replayer's view of one stream, plus how far the log is synced."""
        return {
            **self.replayer.progress(stream_id),
            "logNextTxSeq": self.store.next_tx_seq(),
            "logSyncHeight": self.sync_progress.height,
            "held": self.config.held_streams is None or stream_id in self.config.held_streams,
        }

    def status_json(self) -> dict[str, Any]:
        held = self.config.held_streams
        return {
            "logSyncHeight": self.sync_progress.height,
            "logSyncBlock": "0x" + self.sync_progress.block_hash.hex(),
            "logNextTxSeq": self.store.next_tx_seq(),
            "replayCursor": self.state.get_cursor(),
            "waitingTxs": [item.tx.seq for item in self.replayer.waiting],
            "streams": "all" if held is None else ["0x" + s.hex() for s in sorted(held)],
            "storageNodes": list(self.config.storage_nodes),
            "indexer": self.config.indexer_url or None,
        }

    async def _count(self, tx: TxRecord, kv: KvTx, outcome: ReplayOutcome) -> None:
        self._replayed.labels(result=outcome.result.split(":")[0]).inc()
