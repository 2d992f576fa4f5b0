"""The KV replayer: applies KV txs in tx-seq order per stream, persisting every result.

Strict order holds within a stream: a tx waits for every earlier tx that shares a stream with it. Unlike 0G's
replayer, a tx whose data is not available does not stop the world (0g-storage-kv #41): it blocks only the streams
it touches, later txs of other streams go on, and once it has waited `data_wait_s` it is recorded as
"DataUnavailable" (not applied) so its streams move on too. The wait is node-local, so two KV nodes could in
principle disagree about a tx whose data appears only around that deadline; the default is generous.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import structlog

from zerog.codec.address import bytes_to_address
from zerog.codec.stream import StreamData, StreamDataError, parse_replayed_stream_data, parse_stream_tags
from zerog.kv.config import KvConfig
from zerog.kv.replay import COMMIT, KvTx, ReplayOutcome, replay_tx
from zerog.kv.state import KvState
from zerog.storage import FlowStore, TxRecord

__all__ = ["DATA_UNAVAILABLE", "Replayer"]

log = structlog.get_logger("zerog.kv.replayer")
DATA_UNAVAILABLE = "DataUnavailable"

CommitHook = Callable[[TxRecord, KvTx, ReplayOutcome], Awaitable[None]]


@dataclass
class _Waiting:
    tx: TxRecord
    kv: KvTx
    since: float


class Replayer:
    """Owns the replay cursor; `step` does one round, `run` loops."""

    def __init__(
        self,
        config: KvConfig,
        state: KvState,
        log_store: FlowStore,
        fetch: Callable[[TxRecord], Awaitable[bytes | None]],
    ) -> None:
        self.config = config
        self.state = state
        self.log_store = log_store
        self.fetch = fetch
        self.next_seq = state.get_cursor()
        self.waiting: list[_Waiting] = []
        self.hooks: list[CommitHook] = []
        self.revert_hooks: list[Callable[[int], Awaitable[None]]] = []
        self.wake = asyncio.Event()
        self._lock = asyncio.Lock()
        """A step and a revert never interleave."""
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zerog-kv-writer")

    async def run(self, ready: asyncio.Event) -> None:
        """Replay forever; `ready` is set after the first round (everything synced so far whose data is there)."""
        try:
            while True:
                await self.step()
                ready.set()
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.config.replay_interval_s)
        finally:
            self._writer.shutdown(wait=True)

    async def step(self) -> None:
        """Scan new txs, then try every waiting one whose streams are not blocked by an earlier one."""
        async with self._lock:
            await self._step()

    async def _step(self) -> None:
        end = self.log_store.next_tx_seq()
        while self.next_seq < end:
            tx = self.log_store.get_tx(self.next_seq)
            kv = self._as_kv(tx) if tx is not None else None
            if tx is not None and kv is not None and self.state.get_result(tx.seq) is None:
                self.waiting.append(_Waiting(tx, kv, time.monotonic()))
            self.next_seq += 1
        blocked: set[bytes] = set()
        for item in list(self.waiting):
            streams = set(item.kv.stream_ids)
            if streams & blocked:
                blocked |= streams
                continue
            blob = await self.fetch(item.tx)
            if blob is None:
                if time.monotonic() - item.since < self.config.data_wait_s:
                    blocked |= streams
                    continue
                outcome = ReplayOutcome(DATA_UNAVAILABLE)
            else:
                if _read_streams(blob) & blocked:
                    blocked |= streams  # it reads a stream an earlier tx may still change: wait for it
                    continue
                outcome = replay_tx(item.kv, blob, self.state, self.config.held_streams)
            await self._commit(item, outcome)
        cursor = min((item.tx.seq for item in self.waiting), default=self.next_seq)
        if cursor != self.state.get_cursor():
            await self._write(lambda: self.state.set_cursor(cursor))

    async def _commit(self, item: _Waiting, outcome: ReplayOutcome) -> None:
        # Hooks (agent memory's index) run first, so once kv_getTransactionResult answers, they reflect the tx too.
        # They hold derived state only, rebuilt from the KV state on start, so a crash in between loses nothing.
        for hook in self.hooks:
            try:
                await hook(item.tx, item.kv, outcome)
            except Exception:
                log.exception("kv_replay_hook_failed", tx_seq=item.tx.seq)
        await self._write(lambda: self.state.commit(item.tx.seq, outcome.result, outcome.writes, outcome.acls))
        self.waiting.remove(item)
        level = "info" if outcome.result == COMMIT else "warning"
        getattr(log, level)("kv_tx_replayed", tx_seq=item.tx.seq, result=outcome.result, writes=len(outcome.writes))

    def applied_through(self) -> int:
        """Every tx up to this seq is replayed, hooks included (-1: none yet)."""
        return min((item.tx.seq for item in self.waiting), default=self.next_seq) - 1

    async def revert(self, seqs: list[int]) -> None:
        """The log lost txs `seqs` (a reorg): forget them and everything replayed after the first."""
        first = min(seqs)
        async with self._lock:
            await self._write(lambda: self.state.revert_from(first))
            self._revert_waiting(first)
        for hook in self.revert_hooks:
            await hook(first)

    def _revert_waiting(self, first: int) -> None:
        self.waiting = [item for item in self.waiting if item.tx.seq < first]
        self.next_seq = min(self.next_seq, first)

    def progress(self, stream_id: bytes) -> dict[str, Any]:
        """kv_getReplayProgress: how far this stream is replayed, and what it waits for."""
        pending = [item.tx.seq for item in self.waiting if stream_id in item.kv.stream_ids]
        blocked_on = min(pending, default=None)
        applied = (blocked_on if blocked_on is not None else self.next_seq) - 1
        return {"appliedTxSeq": applied if applied >= 0 else None, "waitingTxSeq": blocked_on}

    def _as_kv(self, tx: TxRecord) -> KvTx | None:
        """The tx as a KV tx for this node, or None (not a KV entry, or a stream this node does not hold)."""
        streams = parse_stream_tags(tx.tags)
        if not streams:
            return None
        held = self.config.held_streams
        if held is not None and not set(streams) <= held:
            return None
        return KvTx(tx.seq, bytes_to_address(tx.sender), streams)

    async def _write(self, action: Callable[[], object]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._writer, action)


def _read_streams(blob: bytes) -> set[bytes]:
    """Streams a KV tx reads (its version checks), which need not be among its tags."""
    try:
        data: StreamData | None = parse_replayed_stream_data(blob)
    except StreamDataError as exc:
        data = exc.parsed
    return set() if data is None else {read.stream_id for read in data.reads}
