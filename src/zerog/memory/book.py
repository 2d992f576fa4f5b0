"""The KV node's view of every agent's memories: live records with their provenance, and a vector index per agent.

The book is derived state: on start it is rebuilt from the replayed KV state (itself rebuilt from the log), and
while the node runs the replayer hands it every committed write to a memory key. Embeddings are cached on disk by
(model, text) so a restart does not recompute them. Only the event loop's thread touches the book; embedding runs
in a worker thread.
"""

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lmdb
import structlog

from zerog.errors import ConfigError, InvalidInput, NotFound
from zerog.memory.embedding import Embedder, Vectors
from zerog.memory.index import VectorIndex, default_index
from zerog.memory.records import KEY_PREFIX, MemoryRecord, Tombstone, agent_stream, parse_record
from zerog.storage import TxRecord

__all__ = ["EmbeddingCache", "MemoryBook", "Provenance", "Recalled", "Written"]

log = structlog.get_logger("zerog.memory")

EMBED_BATCH = 64
MAX_TRACKED_TXS = 1 << 16


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a memory came from: the log entry that wrote it, checkable on chain and in storage."""

    tx_seq: int
    data_root: bytes
    writer: str
    tx_hash: str
    block_number: int

    @classmethod
    def of(cls, tx: TxRecord) -> "Provenance":
        return cls(tx.seq, tx.data_root, tx.sender, tx.tx_hash, tx.block_number)

    def to_json(self) -> dict[str, Any]:
        return {
            "txSeq": self.tx_seq,
            "dataRoot": "0x" + self.data_root.hex(),
            "writer": self.writer,
            "txHash": self.tx_hash,
            "blockNumber": self.block_number,
        }


@dataclass(frozen=True, slots=True)
class Written:
    """One committed write of a memory key, as the replayer (or a rebuild) hands it to the book."""

    stream_id: bytes
    key: bytes
    value: bytes
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Recalled:
    record: MemoryRecord
    score: float
    provenance: Provenance

    def to_json(self) -> dict[str, Any]:
        return {**self.record.to_json(), "score": round(self.score, 6), "provenance": self.provenance.to_json()}


@dataclass
class _Agent:
    index: VectorIndex
    live: dict[str, tuple[MemoryRecord, Provenance]] = field(default_factory=dict)
    forgotten: dict[str, tuple[Tombstone, Provenance]] = field(default_factory=dict)


class EmbeddingCache:
    """float32 embeddings by sha256(model ‖ 0x00 ‖ text), in `<dir>/embeddings.lmdb`."""

    def __init__(self, directory: Path, *, map_size_bytes: int = 1 << 32) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.env = lmdb.open(str(directory / "embeddings.lmdb"), map_size=map_size_bytes, readahead=False)
        except lmdb.Error as exc:
            raise ConfigError(f"cannot open the embedding cache in {directory}: {exc}") from exc

    def close(self) -> None:
        self.env.close()

    @staticmethod
    def _key(model: str, text: str) -> bytes:
        return hashlib.sha256(model.encode() + b"\x00" + text.encode()).digest()

    def get_many(self, model: str, texts: Sequence[str]) -> list[bytes | None]:
        with self.env.begin() as txn:
            return [_copy(txn.get(self._key(model, text))) for text in texts]

    def put_many(self, model: str, texts: Sequence[str], vectors: Vectors) -> None:
        raw = bytes(vectors.data.cast("B"))
        width = vectors.dimension * 4
        with self.env.begin(write=True) as txn:
            for i, text in enumerate(texts):
                txn.put(self._key(model, text), raw[i * width : (i + 1) * width])


def _copy(value: bytes | None) -> bytes | None:
    return None if value is None else bytes(value)


class MemoryBook:
    def __init__(
        self,
        embedder: Embedder,
        cache: EmbeddingCache | None = None,
        index_factory: Callable[[int], VectorIndex] = default_index,
    ) -> None:
        self.embedder = embedder
        self.cache = cache
        self.index_factory = index_factory
        self.agents: dict[bytes, _Agent] = {}
        self._floor = -1
        """Every KV tx up to this seq is in the book (the replay cursor at the last rebuild)."""
        self._applied: dict[int, str] = {}
        """KV txs replayed since, newest last (bounded), with 0G's result."""
        self._changed = asyncio.Condition()
        self.lock = asyncio.Lock()
        """Held while the book changes: a rebuild and the replayer's writes never interleave."""

    # --- feeding ------------------------------------------------------------------------------------------

    async def apply(self, writes: Sequence[Written], seq: int) -> None:
        """Take the memory writes of one committed tx (seq), embedding new texts off the event loop."""
        async with self.lock:
            await self._apply(writes, seq)

    async def _apply(self, writes: Sequence[Written], seq: int) -> None:
        parsed = [(w, record) for w in writes if (record := _parse(w)) is not None]
        texts = [record.text for _, record in parsed if isinstance(record, MemoryRecord)]
        vectors = await asyncio.to_thread(self.embed, texts) if texts else []
        position = 0
        for written, record in parsed:
            agent = self._agent(written.stream_id)
            if isinstance(record, MemoryRecord):
                agent.index.add(record.id, vectors[position])
                position += 1
                agent.live[record.id] = (record, written.provenance)
                agent.forgotten.pop(record.id, None)
            else:
                agent.index.remove(record.id)
                agent.live.pop(record.id, None)
                agent.forgotten[record.id] = (record, written.provenance)
        await self.mark_applied(seq, "Commit")

    async def rebuild(self, read_latest: Callable[[], tuple[list[Written], int]]) -> int:
        """Replace the book with the latest record of every memory key, as `read_latest()` returns them with the
        tx seq they are current at; returns how many memories are live."""
        async with self.lock:
            latest, seq = await asyncio.to_thread(read_latest)
            return await self._rebuild(latest, seq)

    async def _rebuild(self, latest: Iterable[Written], seq: int) -> int:
        """Build every agent's index off the event loop, then swap the whole book in at once."""
        agents: dict[bytes, _Agent] = {}

        def agent_for(stream_id: bytes) -> _Agent:
            if stream_id not in agents:
                agents[stream_id] = _Agent(self.index_factory(self.embedder.dimension))
            return agents[stream_id]

        by_agent: dict[bytes, list[tuple[MemoryRecord, Provenance]]] = {}
        for written in latest:
            record = _parse(written)
            if isinstance(record, MemoryRecord):
                by_agent.setdefault(written.stream_id, []).append((record, written.provenance))
            elif isinstance(record, Tombstone):
                agent_for(written.stream_id).forgotten[record.id] = (record, written.provenance)
        live = 0
        for stream_id, memories in by_agent.items():
            vectors = await asyncio.to_thread(self.embed, [record.text for record, _ in memories])
            agent = agent_for(stream_id)
            await asyncio.to_thread(agent.index.build, [record.id for record, _ in memories], vectors)
            agent.live = {record.id: (record, provenance) for record, provenance in memories}
            live += len(memories)
        self.agents = agents
        self._floor, self._applied = seq, {}
        async with self._changed:
            self._changed.notify_all()
        return live

    def embed(self, texts: Sequence[str]) -> list["memoryview[float]"]:
        """Unit vectors for `texts`, from the cache where it has them (thread-safe; runs off the loop)."""
        model, width = self.embedder.name, self.embedder.dimension
        cached: list[bytes | None] = (
            self.cache.get_many(model, texts) if self.cache is not None else [None] * len(texts)
        )
        missing = [i for i, hit in enumerate(cached) if hit is None]
        for start in range(0, len(missing), EMBED_BATCH):
            chunk = missing[start : start + EMBED_BATCH]
            batch_texts = [texts[i] for i in chunk]
            vectors = self.embedder.embed(batch_texts)
            if self.cache is not None:
                self.cache.put_many(model, batch_texts, vectors)
            raw = bytes(vectors.data.cast("B"))
            for offset, i in enumerate(chunk):
                cached[i] = raw[offset * width * 4 : (offset + 1) * width * 4]
        return [memoryview(hit).cast("f") for hit in cached if hit is not None]

    async def mark_applied(self, seq: int, result: str) -> None:
        """KV tx `seq` is replayed (0G's `result`) and its memory writes, if any, are in the book."""
        async with self._changed:
            self._applied[seq] = result
            if len(self._applied) > MAX_TRACKED_TXS:
                for old in list(self._applied)[: MAX_TRACKED_TXS // 2]:
                    del self._applied[old]
            self._changed.notify_all()

    def result_of(self, seq: int) -> str | None:
        """0G's result for a tx replayed since the last rebuild (older ones: ask the KV state)."""
        return self._applied.get(seq)

    def is_applied(self, seq: int) -> bool:
        return seq <= self._floor or seq in self._applied

    async def wait_applied(self, seq: int, timeout_s: float) -> None:
        """Until KV tx `seq` is replayed and in the book."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.is_applied(seq)), timeout_s)

    def _agent(self, stream_id: bytes) -> _Agent:
        agent = self.agents.get(stream_id)
        if agent is None:
            agent = self.agents[stream_id] = _Agent(self.index_factory(self.embedder.dimension))
        return agent

    # --- reading ------------------------------------------------------------------------------------------

    def recall(
        self,
        agent: str,
        query: str,
        k: int,
        *,
        tags: Sequence[str] = (),
        since: float | None = None,
        until: float | None = None,
        now: float | None = None,
    ) -> list[Recalled]:
        """The k live memories of `agent` closest in meaning to `query` that pass the filters, best first."""
        if not 1 <= k <= 1000:
            raise InvalidInput("k is 1 to 1000")
        if not query.strip():
            raise InvalidInput("a recall needs a query")
        found = self.agents.get(agent_stream(agent))
        if found is None or not found.live:
            return []
        now = time.time() if now is None else now
        wanted = set(tags)
        live = found.live

        def allowed(memory_id: str) -> bool:
            entry = live.get(memory_id)
            if entry is None:
                return False
            record = entry[0]
            return (
                not record.expired(now)
                and wanted.issubset(record.tags)
                and (since is None or record.created_at >= since)
                and (until is None or record.created_at <= until)
            )

        vector = self.embed([query])[0]
        hits = found.index.search(vector, k, allowed)
        return [Recalled(live[i][0], score, live[i][1]) for i, score in hits]

    def get(self, agent: str, memory_id: str) -> tuple[MemoryRecord, Provenance]:
        found = self.agents.get(agent_stream(agent))
        entry = found.live.get(memory_id) if found is not None else None
        if entry is None:
            raise NotFound(f"agent {agent!r} has no live memory {memory_id!r}")
        return entry

    def stats(self) -> dict[str, Any]:
        return {
            "agents": len(self.agents),
            "memories": sum(len(a.live) for a in self.agents.values()),
            "forgotten": sum(len(a.forgotten) for a in self.agents.values()),
            "embedder": self.embedder.name,
            "dimension": self.embedder.dimension,
            "index": type(next(iter(self.agents.values())).index).__name__ if self.agents else None,
        }


def _parse(written: Written) -> MemoryRecord | Tombstone | None:
    if not written.key.startswith(KEY_PREFIX) or not written.value:
        return None
    try:
        return parse_record(written.value, written.stream_id, written.key)
    except InvalidInput as exc:
        log.info("memory_record_skipped", key=written.key[:80].decode(errors="replace"), reason=str(exc))
        return None
