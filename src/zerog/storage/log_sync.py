"""Log sync: follow the Flow contract's `Submit` events into the store, in order, surviving restarts and reorgs.

Blocks are read in bounded ranges up to `head - confirmations`. Each range's txs and the scan position are stored
in one transaction, so a restart resumes exactly where the last range ended. Before each round the hash of the
last scanned block is compared with the chain's: if it changed (a reorg), everything synced after the newest
block whose hash still matches is undone and scanned again.
"""

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from web3 import Web3

from zerog.chain import FlowContract, SubmitEvent
from zerog.errors import ChainError, ZerogError
from zerog.storage.store import FlowStore
from zerog.storage.types import TxRecord

__all__ = ["LogSync", "LogSyncSettings", "LogSyncTarget", "SyncProgress", "tx_from_event"]


@dataclass
class SyncProgress:
    """Where log sync is; shown by zgs_getStatus."""

    height: int = 0
    block_hash: bytes = bytes(32)


@dataclass(frozen=True, slots=True)
class LogSyncSettings:
    flow_address: str
    start_block: int = 0
    confirmations: int = 3
    page_size: int = 999
    poll_interval_s: float = 1.0


class LogSyncTarget(Protocol):
    """What log sync feeds: a store of tx records, its progress, and hooks (a storage node, a KV node)."""

    store: FlowStore
    sync_progress: SyncProgress

    async def on_txs_synced(self, txs: list[TxRecord]) -> None: ...

    async def on_reverted(self, seqs: list[int]) -> None: ...


log = structlog.get_logger("zerog.storage.log_sync")


def tx_from_event(event: SubmitEvent) -> TxRecord:
    submission = event.submission
    return TxRecord.from_submission(
        seq=event.tx_seq,
        size=submission.length,
        start=event.start_sector,
        nodes=tuple((node.height, node.root) for node in submission.nodes),
        tags=submission.tags,
        sender=event.sender,
        block_number=event.block_number,
        block_hash=event.block_hash,
        tx_hash=event.tx_hash,
    )


class LogSync:
    """Owns the scan of the chain for one node."""

    def __init__(self, config: LogSyncSettings, node: LogSyncTarget, w3: Web3) -> None:
        self.config = config
        self.node = node
        self.w3 = w3
        self.flow = FlowContract(w3, config.flow_address)

    async def run(self, ready: asyncio.Event) -> None:
        """Scan forever; `ready` is set after the first round caught up with the chain."""
        while True:
            try:
                await self.sync_once()
                ready.set()
            except ZerogError as exc:
                log.warning("log_sync_failed", error=str(exc))
            await asyncio.sleep(self.config.poll_interval_s)

    async def sync_once(self) -> int:
        """One round: check for a reorg, then scan every confirmed block not scanned yet. Returns txs added."""
        store = self.node.store
        await self._handle_reorg()
        head = await asyncio.to_thread(self._block_number) - self.config.confirmations
        start = store.get_next_block()
        if start is None:
            start = self.config.start_block
        added = 0
        while start <= head:
            end = min(start + self.config.page_size - 1, head)
            events = await asyncio.to_thread(self.flow.get_submit_events, start, end, self.config.page_size)
            end_hash = await asyncio.to_thread(self._block_hash, end)
            txs = []
            expected = store.next_tx_seq()
            for event in events:
                if event.tx_seq < expected:
                    continue  # already synced (a range scanned twice after a crash between two writes)
                if event.tx_seq != expected:
                    raise ChainError(f"log sync expected tx seq {expected}, the chain has {event.tx_seq}")
                txs.append(tx_from_event(event))
                expected += 1
            await asyncio.to_thread(store.record_sync, txs, {}, end + 1, (end, end_hash))
            self.node.sync_progress.height, self.node.sync_progress.block_hash = end, end_hash
            if txs:
                log.info("txs_synced", first=txs[0].seq, last=txs[-1].seq, block=end)
                await self.node.on_txs_synced(txs)
            added += len(txs)
            start = end + 1
        return added

    async def _handle_reorg(self) -> None:
        store = self.node.store
        last = store.get_last_block_hash()
        if last is None:
            return
        number, stored_hash = last
        if await asyncio.to_thread(self._block_hash_or_none, number) == stored_hash:
            return
        ancestor = self.config.start_block - 1
        for block, block_hash in store.iter_block_hashes_desc():
            if await asyncio.to_thread(self._block_hash_or_none, block) == block_hash:
                ancestor = block
                break
        reverted = await asyncio.to_thread(store.revert_to_block, ancestor)
        log.warning("reorg_detected", last_block=number, common_ancestor=ancestor, reverted_txs=reverted)
        await self.node.on_reverted(reverted)

    def _block_number(self) -> int:
        try:
            return int(self.w3.eth.block_number)
        except Exception as exc:
            raise ChainError(f"cannot read the chain head: {exc}") from exc

    def _block_hash(self, number: int) -> bytes:
        block_hash = self._block_hash_or_none(number)
        if block_hash is None:
            raise ChainError(f"block {number} is not available")
        return block_hash

    def _block_hash_or_none(self, number: int) -> bytes | None:
        try:
            block: Any = self.w3.eth.get_block(number)
        except Exception:
            return None
        return bytes(block["hash"])
