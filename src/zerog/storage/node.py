"""The storage node's logic between its RPC surface and its store: upload, finalize, dedup, serve.

Everything that touches LMDB for writing goes through one writer thread; reads happen inline. Uploads are
verified before any write, bounded by a per-file write window and a global limit, and queue rather than fail
when the limits are reached.
"""

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge

from zerog.codec.segment import (
    SegmentWithProof,
    compute_data_segment_count,
    compute_segment_data_size,
    verify_segment,
)
from zerog.crypto.merkle import MerkleProof
from zerog.errors import InvalidInput, InvalidProof
from zerog.rpc import invalid_params
from zerog.spec import BYTES_PER_SECTOR, SECTORS_PER_SEGMENT
from zerog.storage.cache import PreTxCache
from zerog.storage.config import StorageConfig
from zerog.storage.flow_index import FlowIndex
from zerog.storage.log_sync import SyncProgress
from zerog.storage.store import FlowStore, SegmentWrite
from zerog.storage.types import TxRecord, TxStatus

__all__ = ["StorageNode"]

log = structlog.get_logger("zerog.storage")
T = TypeVar("T")

ALREADY_FINALIZED = "already uploaded and finalized"
DUPLICATE_SEGMENT = "segment has already been uploaded or is being uploaded"


class StorageNode:
    """A node's state and operations; the RPC layer, log sync and peer sync call into it."""

    def __init__(self, config: StorageConfig, store: FlowStore, chain_id: int, registry: CollectorRegistry) -> None:
        self.config = config
        self.store = store
        self.chain_id = chain_id
        self.sync_progress = SyncProgress()
        self.cache = PreTxCache(
            max_file_bytes=config.max_cache_file_bytes,
            max_total_bytes=config.max_cache_total_bytes,
            expiration_s=config.cache_expiration_s,
        )
        self.connected_peers = 0
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zerog-store-writer")
        self._write_slots = asyncio.Semaphore(config.max_writings)
        self._file_windows: dict[int, asyncio.Semaphore] = {}
        self._finalized_events: dict[int, asyncio.Event] = {}
        self.tx_synced = asyncio.Event()
        self.revert_listeners: list[Callable[[int], Awaitable[None]]] = []
        """Called with the flow's new length after a reorg cut it (the miner drops seals past it)."""
        self.flow_index = FlowIndex()
        for tx in store.iter_txs():
            self.flow_index.append(tx)
        self.pending: set[int] = {tx.seq for tx in store.iter_txs() if not store.get_status(tx.seq).finalized}
        """Synced txs with segments in this shard that are not finalized yet."""
        self._segments_stored = Counter("zerog_storage_segments_stored", "Segments written", registry=registry)
        self._bytes_stored = Counter("zerog_storage_bytes_stored", "Segment bytes written", registry=registry)
        self._rejected = Counter("zerog_storage_segments_rejected", "Segments refused", ["reason"], registry=registry)
        self._finalized = Counter("zerog_storage_txs_finalized", "Txs finalized on this node", registry=registry)
        self._next_seq = Gauge("zerog_storage_next_tx_seq", "Next tx seq log sync expects", registry=registry)
        self._next_seq.set_function(self.store.next_tx_seq)
        cache_gauge = Gauge("zerog_storage_cache_bytes", "Bytes in the pre-tx cache", registry=registry)
        cache_gauge.set_function(lambda: self.cache.total_bytes)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._writer, lambda: None)
        self._writer.shutdown(wait=True)

    async def _write(self, action: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, action)

    # --- lookups --------------------------------------------------------------------------------------------

    def get_tx(self, seq: int) -> TxRecord | None:
        return self.store.get_tx(seq)

    def find_tx_by_root(self, root: bytes, *, need_available: bool = False) -> TxRecord | None:
        """0G's rule: the first finalized tx with the root; else (need_available) the first unpruned; else the first."""
        seqs = self.store.get_seqs_by_root(root)
        if not seqs:
            return None
        statuses = [(seq, self.store.get_status(seq)) for seq in seqs]
        for seq, status in statuses:
            if status.finalized:
                return self.store.get_tx(seq)
        if need_available:
            for seq, status in statuses:
                if not status.pruned:
                    return self.store.get_tx(seq)
            return None
        return self.store.get_tx(seqs[0])

    def file_info(self, tx: TxRecord) -> dict[str, Any]:
        """0G's `FileInfo` JSON."""
        status = self.store.get_status(tx.seq)
        return {
            "tx": tx.to_json(),
            "finalized": status.finalized,
            "isCached": self.cache.contains(tx.data_root),
            "uploadedSegNum": status.uploaded_segments,
            "pruned": status.pruned,
        }

    def status_json(self) -> dict[str, Any]:
        """0G's `Status` JSON."""
        return {
            "connectedPeers": self.connected_peers,
            "logSyncHeight": self.sync_progress.height,
            "logSyncBlock": "0x" + self.sync_progress.block_hash.hex(),
            "nextTxSeq": self.store.next_tx_seq(),
            "networkIdentity": {
                "chainId": self.chain_id,
                "flowAddress": self.config.flow_address,
                "p2pProtocolVersion": {"major": 0, "minor": 4, "build": 0},
            },
        }

    # --- upload ---------------------------------------------------------------------------------------------

    async def upload_segments(self, segments: list[SegmentWithProof], tx_seq: int | None, *, batch: bool) -> int:
        """Verify and store segments (0G's zgs_upload* semantics); returns how many were newly stored.

        With `batch`, segments already held are skipped; a single upload of one already held is an error.
        """
        if not segments:
            return 0
        stored = 0
        groups: dict[int, tuple[TxRecord, list[SegmentWithProof]]] = {}
        for segment in segments:
            tx = self._resolve_tx(segment, tx_seq)
            if tx is None:
                if segment.file_size > self.cache.max_file_bytes:
                    raise invalid_params("root", "caching of large file when tx is unavailable is not supported")
                self._verify(segment)
                if self.cache.add(segment):
                    stored += 1
                elif not batch:
                    raise invalid_params("segment", DUPLICATE_SEGMENT)
                continue
            self._check_against_tx(segment, tx)
            if self.store.has_segment(tx.seq, segment.index):
                if not batch:
                    raise invalid_params("segment", DUPLICATE_SEGMENT)
                continue
            self._verify(segment)
            groups.setdefault(tx.seq, (tx, []))[1].append(segment)
        for tx, group in groups.values():
            stored += await self.store_segments(tx, [SegmentWrite(s.index, s.data, s.proof) for s in group])
        return stored

    def _resolve_tx(self, segment: SegmentWithProof, tx_seq: int | None) -> TxRecord | None:
        if tx_seq is not None:
            tx = self.store.get_tx(tx_seq)
            if tx is None:
                raise invalid_params("txSeq", f"tx {tx_seq} is not synced yet")
            if tx.data_root != segment.root:
                raise invalid_params("root", "root does not match the tx")
            return tx
        seqs = self.store.get_seqs_by_root(segment.root)
        if not seqs:
            return None
        for seq in seqs:
            if not self.store.get_status(seq).finalized:
                return self.store.get_tx(seq)
        raise invalid_params("root", ALREADY_FINALIZED)

    def _check_against_tx(self, segment: SegmentWithProof, tx: TxRecord) -> None:
        if segment.file_size != tx.size:
            raise invalid_params("fileSize", f"file size {segment.file_size} does not match the tx's {tx.size}")
        status = self.store.get_status(tx.seq)
        if status.pruned:
            raise invalid_params("root", "already pruned")
        if status.finalized:
            raise invalid_params("root", ALREADY_FINALIZED)
        if not 0 <= segment.index < tx.data_segment_count:
            raise invalid_params("index", "index out of bound")
        if not self.config.shard.holds_segment(tx.flow_segment(segment.index)):
            raise invalid_params("index", f"segment {segment.index} is not in this node's shard")

    def _verify(self, segment: SegmentWithProof) -> None:
        try:
            verify_segment(segment)
        except (InvalidInput, InvalidProof) as exc:
            self._rejected.labels("invalid").inc()
            param = "proof" if isinstance(exc, InvalidProof) else "data"
            raise invalid_params(param, str(exc)) from exc

    async def store_segments(self, tx: TxRecord, writes: list[SegmentWrite]) -> int:
        """Write verified segments of `tx`, inside its write window; finalize it when complete."""
        window = self._file_windows.setdefault(tx.seq, asyncio.Semaphore(self.config.write_window_size))
        async with window, self._write_slots:
            written, status = await self._write(lambda: self.store.write_segments(tx, writes, self.config.shard))
        self._segments_stored.inc(written)
        self._bytes_stored.inc(sum(len(w.data) for w in writes[:written]))
        if status.finalized:
            self._on_finalized(tx)
        return written

    def _on_finalized(self, tx: TxRecord) -> None:
        self.pending.discard(tx.seq)
        self._file_windows.pop(tx.seq, None)
        if (event := self._finalized_events.get(tx.seq)) is not None and not event.is_set():
            event.set()
        self._finalized.inc()
        log.info("tx_finalized", tx_seq=tx.seq, root="0x" + tx.data_root.hex(), size=tx.size)

    async def wait_finalized(self, seq: int, timeout_s: float) -> bool:
        """Wait until tx `seq` is finalized here (or the timeout passes)."""
        if self.store.get_status(seq).finalized:
            return True
        event = self._finalized_events.setdefault(seq, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            return self.store.get_status(seq).finalized
        return True

    # --- log sync hooks -------------------------------------------------------------------------------------

    async def on_txs_synced(self, txs: list[TxRecord]) -> None:
        """New log entries: finalize those with nothing in this shard, dedup by root, apply cached segments."""
        for tx in txs:
            self.flow_index.append(tx)
            self.pending.add(tx.seq)
            shard_segments = tx.segments_in_shard(self.config.shard)
            if not shard_segments:
                await self._write(partial(self.store.set_status, tx.seq, TxStatus(finalized=True)))
                self._on_finalized(tx)
                continue
            writes = self._copy_from_same_root(tx, shard_segments)
            cached = self.cache.pop(tx.data_root, tx.size)
            held = {w.index for w in writes}
            writes += [
                SegmentWrite(s.index, s.data, s.proof)
                for s in cached
                if s.index not in held and self.config.shard.holds_segment(tx.flow_segment(s.index))
            ]
            if writes:
                await self.store_segments(tx, writes)
        self.tx_synced.set()
        self.tx_synced.clear()

    def _copy_from_same_root(self, tx: TxRecord, shard_segments: list[int]) -> list[SegmentWrite]:
        """Segments this node already holds under another tx with the same root (0G's copy_tx_and_finalize)."""
        copies: list[SegmentWrite] = []
        wanted = set(shard_segments)
        for seq in self.store.get_seqs_by_root(tx.data_root):
            if seq == tx.seq or not wanted:
                continue
            other = self.store.get_tx(seq)
            if other is None or other.size != tx.size:
                continue
            for index in sorted(wanted):
                proof = self.store.get_segment_proof(seq, index)
                if proof is not None:
                    copies.append(SegmentWrite(index, self.store.read_segment(other, index), proof))
                    wanted.discard(index)
        return copies

    async def on_reverted(self, seqs: list[int]) -> None:
        for seq in seqs:
            self._file_windows.pop(seq, None)
            self.pending.discard(seq)
        if seqs:
            self.flow_index = FlowIndex()
            for tx in self.store.iter_txs():
                self.flow_index.append(tx)
        if seqs:
            log.warning("txs_reverted_by_reorg", tx_seqs=seqs)
            for listener in self.revert_listeners:
                await listener(self.flow_index.length)

    # --- download -------------------------------------------------------------------------------------------

    def download_chunks(self, tx: TxRecord, start_chunk: int, end_chunk: int) -> bytes | None:
        """File chunks [start, end) when this node holds them (0G's zgs_downloadSegment); None means "try elsewhere"."""
        chunks = -(-tx.size // BYTES_PER_SECTOR)
        if not 0 <= start_chunk < end_chunk <= chunks:
            raise invalid_params("end_index", f"chunk range [{start_chunk}, {end_chunk}) is outside [0, {chunks})")
        if end_chunk - start_chunk > SECTORS_PER_SEGMENT:
            raise invalid_params("end_index", f"at most {SECTORS_PER_SEGMENT} chunks per call")
        first, last = start_chunk // SECTORS_PER_SEGMENT, (end_chunk - 1) // SECTORS_PER_SEGMENT
        if not all(self.store.has_segment(tx.seq, i) for i in range(first, last + 1)):
            return None
        return self.store.read_chunks(tx, start_chunk, end_chunk)

    def download_with_proof(self, tx: TxRecord, index: int) -> SegmentWithProof | None:
        """Data segment `index` with its proof, when held."""
        if not 0 <= index < tx.data_segment_count:
            raise invalid_params("index", "index out of bound")
        proof = self.store.get_segment_proof(tx.seq, index)
        if proof is None:
            return None
        data = self.store.read_segment(tx, index)
        if len(data) != compute_segment_data_size(tx.size, index):  # pragma: no cover - store invariant
            raise InvalidInput("stored segment has the wrong size")
        return SegmentWithProof(tx.data_root, data, index, proof, tx.size)

    def holds_flow_segment(self, flow_segment: int, length: int) -> bool:
        """Whether this node holds all the data of a flow segment (padding counts as held), as the flow was at
        `length` sectors: its shard's, and every entry's part of it stored."""
        if not self.config.shard.holds_segment(flow_segment):
            return False
        for seq, file_segment in self.flow_index.entry_segments(flow_segment, length):
            tx = self.store.get_tx(seq)
            if tx is None:
                return False
            if file_segment < compute_data_segment_count(tx.size) and not self.store.has_segment(seq, file_segment):
                return False
        return True

    def sector_proof(self, sector: int, flow_root: bytes | None) -> MerkleProof:
        """Proof of a flow sector against the current flow root, or an earlier one this node has seen."""
        index = self.flow_index
        length = index.length if flow_root is None else index.length_of_root(flow_root)
        return index.sector_proof(sector, length, self.store.read_flow_segment, self.store.get_segment_proof)

    def sync_candidates(self, now: float, since: dict[int, float]) -> list[TxRecord]:
        """Unfinalized txs with segments in this shard that have waited at least `sync_wait_s`, oldest first."""
        for seq in [s for s in since if s not in self.pending]:
            del since[seq]
        ready = []
        for seq in sorted(self.pending):
            first_seen = since.setdefault(seq, now)
            if now - first_seen >= self.config.sync_wait_s and (tx := self.store.get_tx(seq)) is not None:
                ready.append(tx)
        return ready
