"""Agent memory served by the KV node process: a `KvPlugin` that keeps the memory book in step with replay and
serves the REST API (`zerog.memory.rest`).

Writes through the API are KV writes signed by the node's `memory_writer_key`. Concurrent requests are grouped:
whatever arrives while one upload is in flight goes into the next one, as one StreamData with many writes, so a
burst of remembers costs a few log entries, not one each. A request returns once the KV node has replayed its
write and the book has indexed it, so a recall right after a remember sees it.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge, Histogram

from zerog.client import Network
from zerog.client.kv import Batcher
from zerog.errors import ConfigError, Unavailable, ZerogError
from zerog.kv import COMMIT, KvConfig, KvNode, KvTx, ReplayOutcome
from zerog.memory.book import EmbeddingCache, MemoryBook, Provenance, Written
from zerog.memory.embedding import Embedder, default_embedder
from zerog.memory.records import KEY_PREFIX
from zerog.memory.rest import add_memory_routes
from zerog.storage import TxRecord

__all__ = ["MAX_WRITES_PER_TX", "MemoryPlugin", "MemoryWriter", "plugins_for"]

log = structlog.get_logger("zerog.memory")

MAX_WRITES_PER_TX = 256
APPLY_TIMEOUT_S = 120.0


def plugins_for(config: KvConfig) -> list["MemoryPlugin"]:
    """The plugins `zerog kv run` attaches: agent memory unless the config turns it off."""
    return [MemoryPlugin(config)] if config.memory_enabled else []


@dataclass
class _Pending:
    stream_id: bytes
    key: bytes
    value: bytes
    done: "asyncio.Future[int]"


class MemoryWriter:
    """Group-commits memory writes into KV uploads signed by one key."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.queue: asyncio.Queue[_Pending] = asyncio.Queue()

    async def write(self, stream_id: bytes, key: bytes, value: bytes) -> int:
        """Queue one write; returns the tx seq that carried it once it is uploaded."""
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await self.queue.put(_Pending(stream_id, key, value, done))
        return await done

    async def run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < MAX_WRITES_PER_TX:
                batch.append(self.queue.get_nowait())
            try:
                writes = Batcher(self.network)
                for item in batch:
                    writes.set(item.stream_id, item.key, item.value)
                written = await writes.execute(wait="stored")
                log.info("memory_writes_uploaded", tx_seq=written.tx_seq, writes=len(batch))
                for item in batch:
                    item.done.set_result(written.tx_seq)
            except ZerogError as exc:
                log.warning("memory_write_failed", writes=len(batch), error=str(exc))
                for item in batch:
                    item.done.set_exception(exc)


class MemoryPlugin:
    """Agent memory on a KV node: `attach` wires it in, `run` rebuilds the book and serves writes."""

    name = "memory"

    def __init__(self, config: KvConfig, embedder: Embedder | None = None) -> None:
        self.config = config
        self.embedder = embedder
        self.book: MemoryBook | None = None
        self.node: KvNode | None = None
        self.writer: MemoryWriter | None = None
        self.ready = False

    def attach(self, node: KvNode, app: web.Application, registry: CollectorRegistry) -> None:
        self.node = node
        cache = EmbeddingCache(self.config.db_dir / "memory")
        self.book = MemoryBook(self.embedder or default_embedder(), cache)
        if self.config.memory_writer_key:
            self.writer = MemoryWriter(
                Network(
                    rpc_url=self.config.rpc_url,
                    flow_address=self.config.flow_address,
                    private_key=self.config.memory_writer_key,
                    info=None,
                    nodes=self.config.storage_nodes,
                    indexer=self.config.indexer_url or None,
                )
            )
        node.replayer.hooks.append(self._on_replayed)
        node.replayer.revert_hooks.append(self._on_reverted)
        book = self.book
        Gauge("zerog_memory_live", "Live memories across agents", registry=registry).set_function(
            lambda: sum(len(a.live) for a in book.agents.values())
        )
        self.recall_seconds = Histogram(
            "zerog_memory_recall_seconds",
            "Recall latency (embedding the query and searching)",
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )
        add_memory_routes(app, self)

    async def run(self, ready: asyncio.Event) -> None:
        book, node = self._require()
        started = time.monotonic()
        await asyncio.to_thread(book.embedder.embed, ["warm up"])  # load the model now, not on the first recall
        live = await book.rebuild(lambda: _read_latest(node))
        log.info("memory_rebuilt", memories=live, agents=len(book.agents), seconds=round(time.monotonic() - started, 3))
        self.ready = True
        ready.set()
        try:
            if self.writer is not None:
                await self.writer.run()
            else:
                await asyncio.Event().wait()
        finally:
            if book.cache is not None:
                book.cache.close()

    async def write(self, stream_id: bytes, key: bytes, value: bytes) -> tuple[str, Provenance]:
        """Write one memory key through the node's writer; returns 0G's result and the provenance once indexed."""
        book, node = self._require()
        if self.writer is None:
            raise ConfigError(
                "this KV node has no memory_writer_key: it serves recall, but remember and forget need a key "
                "(or write memory records to the agent's stream with any KV client)"
            )
        seq = await self.writer.write(stream_id, key, value)
        deadline = time.monotonic() + APPLY_TIMEOUT_S
        try:
            await book.wait_applied(seq, APPLY_TIMEOUT_S)
            while (result := node.state.get_result(seq)) is None:  # the KV state commits right after the book
                if time.monotonic() > deadline:
                    raise TimeoutError
                await asyncio.sleep(0.005)
        except TimeoutError as exc:
            raise Unavailable(f"tx {seq} is on the log but was not replayed within {APPLY_TIMEOUT_S:.0f}s") from exc
        tx = node.store.get_tx(seq)
        if tx is None:
            raise Unavailable(f"tx {seq} left the log (a reorg); write it again")
        return result, Provenance.of(tx)

    def read_at(self) -> int:
        """The log position recalls read at: every tx up to it is replayed and in the book (-1: none yet)."""
        _, node = self._require()
        return node.replayer.applied_through()

    def _require(self) -> tuple[MemoryBook, KvNode]:
        if self.book is None or self.node is None:
            raise Unavailable("agent memory is not attached to a KV node")
        return self.book, self.node

    async def _on_replayed(self, tx: TxRecord, kv: KvTx, outcome: ReplayOutcome) -> None:
        book, _ = self._require()
        if outcome.result != COMMIT:
            await book.mark_applied(tx.seq, outcome.result)
            return
        provenance = Provenance.of(tx)
        writes = [Written(s, k, v, provenance) for s, k, v in outcome.writes if k.startswith(KEY_PREFIX)]
        await book.apply(writes, tx.seq)

    async def _on_reverted(self, first_seq: int) -> None:
        book, node = self._require()
        live = await book.rebuild(lambda: _read_latest(node))
        log.warning("memory_rebuilt_after_reorg", from_tx_seq=first_seq, memories=live)

    def status_json(self) -> dict[str, Any]:
        book, _ = self._require()
        return {**book.stats(), "ready": self.ready, "writes": self.writer is not None}


def _read_latest(node: KvNode) -> tuple[list[Written], int]:
    """Every memory key's latest value and provenance, and the replay position they are current at."""
    cursor = node.state.get_cursor()
    latest = []
    for stream_id in node.state.stream_ids():
        for value in node.state.iter_latest(stream_id, KEY_PREFIX):
            tx = node.store.get_tx(value.version)
            if tx is not None and value.data:
                latest.append(Written(stream_id, value.key, value.data, Provenance.of(tx)))
    return latest, cursor - 1
