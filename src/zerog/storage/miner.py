"""PoRA mining inside a storage node: seal what it holds, search nonces in each subtask window, submit answers.

The loop follows 0G's node (node/miner): every `mine_context_query_seconds` (and at once after an answer) it asks
`PoraMine.computeWorkerContext(minerId)` what to mine. In a window it computes the recall range over the epoch's
flow (this node's shard), makes sure every segment it holds there is sealed for this miner id, then searches
nonces in a worker thread (the native core releases the GIL) at `miner_cpu_percentage` of one core. A hit
becomes an answer: the sealed 4 KiB, the context digest it was sealed with, and the Merkle proof of its data to
the epoch's flow root; the contract re-checks all of it.

A node can only answer from segments it holds and has sealed: a recalled segment it does not hold (another
shard's, or data it lost) is skipped, so it cannot win there.
"""

import asyncio
import contextlib
import os
import secrets
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge
from web3 import Web3

from zerog.chain import FlowContract, TxSender, load_account
from zerog.chain.mining import PoraAnswer, PoraMineContract, RewardContract, WorkerContext
from zerog.crypto.keccak import hash_leaves, hash_level, hash_pair
from zerog.errors import ChainError, NotFound, TransactionReverted, Unavailable, ZerogError
from zerog.mining import (
    PoraHit,
    RecallRange,
    compute_recall_chunk_offset,
    compute_recall_range,
    compute_scale_x64,
    compute_target_quality,
)
from zerog.mining import native as fast
from zerog.spec import BYTES_PER_SEAL, BYTES_PER_SECTOR, SEALS_PER_SEGMENT, SECTORS_PER_SEAL, SECTORS_PER_SEGMENT
from zerog.storage.config import StorageConfig
from zerog.storage.node import StorageNode
from zerog.storage.sealed import SealedStore

__all__ = ["Miner", "MinerStats"]

log = structlog.get_logger("zerog.storage.miner")

SEARCH_SLICE_S = 1.0
"""A worker call searches at most this long before the loop looks at the chain again."""
NONCES_PER_CALL = 8
"""One full AVX-512 batch of scratchpads (the native core's sweet spot)."""
PROOF_SKIP_LEVELS = 4
"""The contract hashes the 16 sectors of a seal itself: the proof starts at the seal root."""


@dataclass
class MinerStats:
    """What `zerog mining status` shows."""

    state: str = "starting"
    miner_id: str | None = None
    beneficiary: str | None = None
    epoch: int | None = None
    nonces: int = 0
    hash_rate: float = 0.0
    """Nonces per second over the last search slice."""
    sealed_segments: int = 0
    hits: int = 0
    stale: int = 0
    damaged: int = 0
    """Hits on stored data that no longer matches the flow root (a damaged copy): never submitted."""
    """Hits found for an epoch that ended before they could be sent."""
    submitted: int = 0
    accepted: int = 0
    rejected: int = 0
    rewards_wei: int = 0
    last_answer: dict[str, Any] | None = None
    last_error: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "minerId": self.miner_id,
            "beneficiary": self.beneficiary,
            "epoch": self.epoch,
            "nonces": self.nonces,
            "hashRate": round(self.hash_rate, 1),
            "sealedSegments": self.sealed_segments,
            "hits": self.hits,
            "stale": self.stale,
            "damaged": self.damaged,
            "submitted": self.submitted,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "rewardsWei": str(self.rewards_wei),
            "lastAnswer": self.last_answer,
            "lastError": self.last_error,
        }


class _EpochRanges:
    """The Flow's epoch range history, read incrementally: which context digest sealed each position."""

    def __init__(self, flow: FlowContract) -> None:
        self.flow = flow
        self.ends: list[int] = []
        self.starts: list[int] = []
        self.digests: list[bytes] = []

    def refresh(self) -> None:
        while (entry := self.flow.epoch_range(len(self.ends))) is not None:
            start, end, digest = entry
            self.starts.append(start)
            self.ends.append(end)
            self.digests.append(digest)

    def digest_for_seal(self, first_sector: int) -> bytes | None:
        """The digest of the range with start < first_sector + 16 <= end (the contract's check), if known."""
        last = first_sector + SECTORS_PER_SEAL
        index = bisect_left(self.ends, last)
        if index == len(self.ends) or not self.starts[index] < last:
            return None
        return self.digests[index]


class Miner:
    """Owns the mining loop of one storage node; `start`/`stop` (admin miner_start/miner_stop) pause it."""

    def __init__(self, config: StorageConfig, node: StorageNode, w3: Web3, registry: CollectorRegistry) -> None:
        self.config = config
        self.node = node
        self.w3 = w3
        settings = config.miner
        self.account = load_account(settings.key)
        self.sender = TxSender(w3, self.account)
        self.mine = PoraMineContract(w3, settings.mine_address)
        self.flow = FlowContract(w3, config.flow_address)
        self.ranges = _EpochRanges(self.flow)
        self.stats = MinerStats()
        self.running = asyncio.Event()
        self.running.set()
        self.wake = asyncio.Event()
        self.sealed: SealedStore | None = None
        self.miner_id: bytes | None = settings.miner_id
        self._stop_search = threading.Event()
        self._nonces = Counter("zerog_miner_nonces", "PoRA nonces searched", registry=registry)
        self._answers = Counter(
            "zerog_miner_answers", "PoRA answers submitted, by outcome", ["outcome"], registry=registry
        )
        Gauge("zerog_miner_hash_rate", "PoRA nonces per second", registry=registry).set_function(
            lambda: self.stats.hash_rate
        )
        Gauge("zerog_miner_sealed_segments", "Segments sealed for this miner", registry=registry).set_function(
            lambda: self.stats.sealed_segments
        )

    # --- control ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.running.set()
        self.wake.set()

    def stop(self) -> None:
        self.running.clear()
        self._stop_search.set()
        self.stats.state = "stopped"

    def status_json(self) -> dict[str, Any]:
        return self.stats.to_json()

    # --- the loop --------------------------------------------------------------------------------------------

    async def run(self, ready: asyncio.Event) -> None:
        try:
            await self._register()
            ready.set()
            while True:
                if not self.running.is_set():
                    await self.running.wait()
                try:
                    await self._round()
                except ZerogError as exc:
                    self._error(f"mining round failed: {exc}")
                    await self._pause(self.config.miner.context_query_s)
        finally:
            self._stop_search.set()
            if self.sealed is not None:
                self.sealed.close()

    async def _register(self) -> None:
        """Use the configured miner id, the one registered earlier, or register one now."""
        id_file = self.config.db_dir / "mining" / "miner_id"
        beneficiary = self.config.miner.beneficiary or self.account.address
        if self.miner_id is None and id_file.exists():
            self.miner_id = bytes.fromhex(id_file.read_text().strip().removeprefix("0x"))
        if self.miner_id is not None and await asyncio.to_thread(self.mine.beneficiary, self.miner_id) is None:
            if self.config.miner.miner_id is not None:
                raise ChainError(f"miner_id 0x{self.miner_id.hex()} is not registered with the mine contract")
            self.miner_id = None  # registered on another chain (a fresh devnet): register again
        if self.miner_id is None:
            seed = secrets.randbits(64)
            self.miner_id = await asyncio.to_thread(self.mine.request_miner_id, self.sender, beneficiary, seed)
            _write_atomic(id_file, "0x" + self.miner_id.hex())
            log.info("miner_registered", miner_id="0x" + self.miner_id.hex(), beneficiary=beneficiary)
        self.stats.miner_id = "0x" + self.miner_id.hex()
        self.stats.beneficiary = await asyncio.to_thread(self.mine.beneficiary, self.miner_id)
        self.sealed = SealedStore(self.config.db_dir / "mining", self.miner_id)
        self.stats.sealed_segments = self.sealed.count()

    async def _round(self) -> None:
        miner_id, sealed = self._require()
        context = await asyncio.to_thread(self.mine.worker_context, miner_id)
        self.stats.epoch = context.context.epoch
        if not context.can_mine or context.context.flow_length < SECTORS_PER_SEGMENT:
            self.stats.state = "waiting for a subtask window"
            await self._pause(min(self.config.miner.context_query_s, 1.0))
            return
        if self.node.flow_index.length < context.context.flow_length:
            self.stats.state = "catching up with the log"
            await self._pause(0.5)
            return
        recall_range = compute_recall_range(context.context.flow_length, self.config.shard)
        await self._seal(recall_range, context.context.flow_length)
        self.stats.state = "mining"
        scale = compute_scale_x64(context.context.flow_length, recall_range.num_shards)
        target = compute_target_quality(context.pora_target, scale)
        deadline = time.monotonic() + self.config.miner.context_query_s
        while time.monotonic() < deadline and self.running.is_set():
            self._stop_search.clear()
            hit = await asyncio.to_thread(self._search, miner_id, context, recall_range, target)
            if hit is not None:
                self.stats.hits += 1
                await self._submit(hit, context, recall_range, sealed)
                return  # look at the chain again: the epoch may be full now

    async def _pause(self, seconds: float) -> None:
        self.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)

    def _require(self) -> tuple[bytes, SealedStore]:
        if self.miner_id is None or self.sealed is None:
            raise Unavailable("the miner is not registered yet")
        return self.miner_id, self.sealed

    # --- sealing ---------------------------------------------------------------------------------------------

    async def _seal(self, recall_range: RecallRange, flow_length: int) -> None:
        """Seal every segment this node holds in the range that is not sealed yet (reading the epoch ranges)."""
        miner_id, sealed = self._require()
        first = recall_range.start_position // SECTORS_PER_SEGMENT
        end = (recall_range.start_position + recall_range.mine_length) // SECTORS_PER_SEGMENT
        todo = [
            segment
            for segment in range(first, end)
            if self.config.shard.holds_segment(segment)
            and not sealed.has(segment)
            and self.node.holds_flow_segment(segment, flow_length)
        ]
        if not todo:
            return
        self.stats.state = f"sealing {len(todo)} segment(s)"
        await asyncio.to_thread(self.ranges.refresh)
        last_sector = max(todo) * SECTORS_PER_SEGMENT + SECTORS_PER_SEGMENT
        if not self.ranges.ends or self.ranges.ends[-1] < last_sector:
            # The epoch that appended this data has ended but nobody closed it on chain yet: close it, since its
            # range (and so the context the data is sealed with) is recorded only then.
            await asyncio.to_thread(self.flow.make_context, self.sender)
            await asyncio.to_thread(self.ranges.refresh)
        done = 0
        for segment in todo:
            if await asyncio.to_thread(self._seal_segment, miner_id, sealed, segment):
                done += 1
        self.stats.sealed_segments = sealed.count()
        if done:
            log.info("segments_sealed", count=done, total=self.stats.sealed_segments)

    def _seal_segment(self, miner_id: bytes, sealed: SealedStore, segment: int) -> bool:
        first_sector = segment * SECTORS_PER_SEGMENT
        digests = []
        for index in range(SEALS_PER_SEGMENT):
            digest = self.ranges.digest_for_seal(first_sector + index * SECTORS_PER_SEAL)
            if digest is None:
                return False  # appended in an epoch whose context is not recorded yet
            digests.append(digest)
        data = self.node.store.read_flow_segment(segment)
        pieces = []
        for index in range(SEALS_PER_SEGMENT):
            sector = first_sector + index * SECTORS_PER_SEAL
            piece = data[index * BYTES_PER_SEAL : (index + 1) * BYTES_PER_SEAL]
            pieces.append(fast.seal_chunk(piece, miner_id, digests[index], sector))
        sealed.put(segment, b"".join(pieces), digests)
        return True

    async def on_reverted(self, flow_length: int) -> None:
        """A reorg cut the flow to `flow_length` sectors: drop the seals of every segment it touched."""
        if self.sealed is not None:
            dropped = self.sealed.drop_from(flow_length // SECTORS_PER_SEGMENT)
            self.ranges = _EpochRanges(self.flow)
            log.warning("seals_dropped_after_reorg", segments=dropped)

    # --- searching (worker thread) ---------------------------------------------------------------------------

    def _search(
        self, miner_id: bytes, context: WorkerContext, recall_range: RecallRange, target: int
    ) -> PoraHit | None:
        """Search nonces for up to SEARCH_SLICE_S of busy time at the configured CPU share; the first hit wins."""
        _, sealed = self._require()
        share = self.config.miner.cpu_percentage / 100
        range_digest = recall_range.digest()
        batch = max(1, self.config.miner.iter_batch)
        started = time.monotonic()
        busy = 0.0
        searched = 0
        while busy < SEARCH_SLICE_S and not self._stop_search.is_set():
            burst = time.monotonic()
            for _ in range(0, batch, NONCES_PER_CALL):
                nonces = [os.urandom(32) for _ in range(NONCES_PER_CALL)]
                pads = fast.compute_pora_pads(miner_id, nonces, context.subtask_digest, range_digest)
                searched += len(pads)
                for pad in pads:
                    offset = compute_recall_chunk_offset(pad.recall_seed, recall_range)
                    position = recall_range.start_position + offset * SECTORS_PER_SEGMENT
                    if offset * SECTORS_PER_SEGMENT > recall_range.mine_length:
                        continue  # the contract rejects a recall past the range
                    chunk = sealed.get_seal(position // SECTORS_PER_SEGMENT)
                    if chunk is None:
                        continue  # not held (another shard's, or lost) or not sealed: no answer possible
                    for seal_offset, quality in fast.search_chunk(pad.pad_seed, pad.scratchpad, chunk, target):
                        if position == 0 and seal_offset == 0:
                            continue  # the flow's dummy sector 0 has no provable data
                        self._count(searched, started)
                        return PoraHit(pad.nonce, position + seal_offset * SECTORS_PER_SEAL, seal_offset, quality)
            spent = time.monotonic() - burst
            busy += spent
            if share < 1:
                time.sleep(spent * (1 - share) / share)
        self._count(searched, started)
        return None

    def _count(self, searched: int, started: float) -> None:
        self.stats.nonces += searched
        self._nonces.inc(searched)
        elapsed = time.monotonic() - started
        if elapsed >= 0.2:  # a slice cut short by a hit says little about the rate
            rate = searched / elapsed
            self.stats.hash_rate = rate if self.stats.hash_rate == 0 else 0.7 * self.stats.hash_rate + 0.3 * rate

    # --- answering -------------------------------------------------------------------------------------------

    async def _submit(
        self, hit: PoraHit, context: WorkerContext, recall_range: RecallRange, sealed: SealedStore
    ) -> None:
        miner_id, _ = self._require()
        segment = hit.recall_position // SECTORS_PER_SEGMENT
        stored = sealed.get(segment)
        if stored is None:
            return
        sealed_bytes, digests = stored
        now = await asyncio.to_thread(self.mine.worker_context, miner_id)
        if now.context.digest != context.context.digest or not now.can_mine:
            self.stats.stale += 1  # the epoch moved on while this nonce was searched: the answer would be refused
            return
        seal = sealed_bytes[hit.seal_offset * BYTES_PER_SEAL : (hit.seal_offset + 1) * BYTES_PER_SEAL]
        try:
            proof = self.node.flow_index.sector_proof(
                hit.recall_position,
                context.context.flow_length,
                self.node.store.read_flow_segment,
                self.node.store.get_segment_proof,
            )
        except (NotFound, ZerogError) as exc:
            self._error(f"no proof for sector {hit.recall_position}: {exc}")
            return
        siblings = tuple(proof.lemma[1 + PROOF_SKIP_LEVELS : -1])
        data = fast.unseal_chunk(seal, miner_id, digests[hit.seal_offset], hit.recall_position)
        if _fold_seal_proof(data, hit.recall_position, siblings) != context.context.flow_root:
            # The stored copy is damaged: the contract would refuse the answer. Stop mining that segment.
            self.stats.damaged += 1
            sealed.drop_from_one(segment)
            self._error(f"stored data of flow segment {segment} does not match the flow root: damaged copy, not mined")
            return
        answer = PoraAnswer(
            context_digest=context.context.digest,
            nonce=hit.nonce,
            miner_id=miner_id,
            recall_range=recall_range,
            recall_position=hit.recall_position,
            seal_offset=hit.seal_offset,
            sealed_context_digest=digests[hit.seal_offset],
            sealed_data=seal,
            merkle_proof=siblings,
        )
        self.stats.submitted += 1
        try:
            result = await asyncio.to_thread(self.mine.submit, self.sender, answer)
        except TransactionReverted as exc:
            self.stats.rejected += 1
            self._answers.labels(outcome="rejected").inc()
            self._error(f"answer rejected: {exc} {exc.args[1:] if len(exc.args) > 1 else ''}".strip())
            return
        except ZerogError as exc:
            self.stats.rejected += 1
            self._answers.labels(outcome="failed").inc()
            self._error(f"answer not sent: {exc}")
            return
        reward = result.reward.amount if result.reward is not None else 0
        self.stats.accepted += 1
        self.stats.rewards_wei += reward
        self._answers.labels(outcome="accepted").inc()
        self.stats.last_answer = {
            "txHash": result.receipt.tx_hash,
            "epoch": result.submission.epoch,
            "recallPosition": hit.recall_position,
            "rewardWei": str(reward),
            "block": result.receipt.block_number,
        }
        log.info(
            "pora_answer_accepted",
            epoch=result.submission.epoch,
            recall_position=hit.recall_position,
            reward_wei=reward,
            tx=result.receipt.tx_hash,
        )

    def _error(self, message: str) -> None:
        self.stats.last_error = message
        self.stats.errors = [*self.stats.errors[-9:], message]
        log.warning("miner_error", error=message)

    async def pending_payments(self) -> int:
        """Wei the beneficiary can withdraw from the reward pool now."""
        if self.stats.beneficiary is None:
            return 0
        reward = RewardContract(self.w3, await asyncio.to_thread(self.mine.reward_address))
        return await asyncio.to_thread(reward.payments, self.stats.beneficiary)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def _fold_seal_proof(data: bytes, recall_position: int, siblings: tuple[bytes, ...]) -> bytes:
    """The flow root the contract computes: the seal's 16 sector hashes to its root, then up the proof."""
    level = hash_leaves(data, BYTES_PER_SECTOR)
    while len(level) > 32:
        level = hash_level(level)
    node, index = level, recall_position // SECTORS_PER_SEAL
    for sibling in siblings:
        node = hash_pair(node, sibling) if index & 1 == 0 else hash_pair(sibling, node)
        index >>= 1
    return node
