"""Uploading a file: tree, node selection, one chain tx, segments with proofs to every chosen node, then wait.

Resumable by design: when a selected node already knows a tx for this root that is not finalized, the upload
reuses it (no second fee) and sends only the segments each node does not hold yet (zerog's
`zerog_getStoredSegments`); a node that restarts mid-upload is retried with backoff.
"""

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import aiohttp
import structlog

from zerog.chain import FlowContract, TxSender, connect, load_account
from zerog.client.nodes import discover_nodes
from zerog.codec import build_submission
from zerog.codec.address import bytes_to_address
from zerog.codec.segment import SegmentWithProof, compute_data_segment_count, compute_segment_data_size
from zerog.crypto import FileTree, FileTreeBuilder
from zerog.crypto.encryption import EncryptionHeader, crypt_at, new_header_v1
from zerog.errors import InvalidInput, NotFound, Unavailable, ZerogError
from zerog.rpc import METHOD_NOT_FOUND, JsonRpcError
from zerog.spec import BYTES_PER_SEGMENT, SECTORS_PER_SEGMENT
from zerog.storage import ShardedNode, StorageNodeClient, select_nodes

__all__ = ["FileSource", "UploadOptions", "UploadResult", "upload_file"]

log = structlog.get_logger("zerog.client")

ProgressCallback = Callable[[int, int], None]
READ_SIZE_BYTES = 64 * BYTES_PER_SEGMENT


class FileSource:
    """The bytes an upload stores: the file (or in-memory data) itself, or 0G's v1 encryption of it (header, then
    AES-256-CTR)."""

    def __init__(
        self, path: Path | bytes, encrypt_key: bytes | None = None, header: EncryptionHeader | None = None
    ) -> None:
        self._fd: int | None = None
        self._data = b""
        if isinstance(path, bytes):
            self.path: Path | None = None
            self._data = path
            self.plain_size = len(path)
            if self.plain_size == 0:
                raise InvalidInput("the data is empty; 0G stores files of at least one byte")
        else:
            if not path.exists():
                raise NotFound(f"no such file: {path}")
            if not path.is_file():
                raise InvalidInput(f"not a regular file: {path}")
            self.path = path
            self.plain_size = path.stat().st_size
            if self.plain_size == 0:
                raise InvalidInput(f"{path} is empty; 0G stores files of at least one byte")
        self.key = encrypt_key
        self.header = (header or new_header_v1()) if encrypt_key is not None else None
        self._prefix = self.header.to_bytes() if self.header is not None else b""
        self.size = self.plain_size + len(self._prefix)
        if self.path is not None:
            self._fd = os.open(self.path, os.O_RDONLY)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def read(self, offset: int, length: int) -> bytes:
        """Stored bytes [offset, offset + length), zero-padded past the end."""
        head = self._prefix[offset : offset + length] if offset < len(self._prefix) else b""
        plain_offset = max(0, offset - len(self._prefix))
        want = length - len(head)
        body = self._read_plain(plain_offset, want) if want > 0 else b""
        if self.key is not None and self.header is not None and body:
            body = crypt_at(self.key, self.header.nonce, plain_offset, body)
        data = head + body
        return data + bytes(length - len(data))

    def _read_plain(self, offset: int, length: int) -> bytes:
        if self._fd is None:
            return self._data[offset : offset + length]
        return os.pread(self._fd, length, offset)

    def build_tree(self, on_progress: ProgressCallback | None = None) -> FileTree:
        builder = FileTreeBuilder(self.size)
        for offset in range(0, self.size, READ_SIZE_BYTES):
            builder.update(self.read(offset, min(READ_SIZE_BYTES, self.size - offset)))
            if on_progress:
                on_progress(builder.bytes_received, self.size)
        return builder.finish()


@dataclass(frozen=True, slots=True)
class UploadOptions:
    replicas: int = 1
    """Copies of every segment the chosen nodes must hold together."""
    method: str = "min"
    """Node selection: min (few large nodes), max (many small), random, or a shard count."""
    wait: Literal["packed", "finalized"] = "finalized"
    """Return once nodes saw the tx and took the segments (packed), or once they finalized it."""
    tags: bytes = b""
    fee_wei: int | None = None
    """Override the market fee."""
    task_size: int = 10
    """Segments per zgs_uploadSegmentsByTxSeq request (0G's default)."""
    parallel_per_node: int = 4
    retries: int = 8
    timeout_s: float = 300.0
    encrypt_key: bytes | None = None
    skip_if_finalized: bool = True
    new_tx: bool = False
    """Always submit a new log entry, even when the same bytes are already stored or pending (KV writes: every
    write is its own tx)."""


@dataclass
class UploadResult:
    root: bytes
    tx_seq: int
    size: int
    """Bytes stored (the file, plus the 17-byte header when encrypted)."""
    tx_hash: str | None
    """None when no transaction was needed (the file was already stored, or an earlier tx was resumed)."""
    fee_wei: int
    nodes: list[str]
    segments_sent: int = 0
    resumed: bool = False
    already_stored: bool = False
    elapsed_s: float = 0.0
    encryption_header: bytes | None = None
    per_node: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent hashing, selecting nodes, submitting, waiting for nodes to see the tx, sending, finalizing."""


async def upload_file(
    path: Path | bytes,
    *,
    rpc_url: str,
    private_key: str,
    flow_address: str,
    nodes: Sequence[str] = (),
    indexer: str | None = None,
    options: UploadOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> UploadResult:
    """Upload `path` (a file, or bytes in memory) to a zerog (or 0G) storage network and return where it is."""
    opts = options or UploadOptions()
    started = time.monotonic()
    source = FileSource(path, opts.encrypt_key)
    clock = _Phases()
    try:
        tree = await asyncio.to_thread(source.build_tree)
        clock.mark("hash")
        async with aiohttp.ClientSession() as session:
            candidates = await discover_nodes(session, nodes=nodes, indexer=indexer)
            chosen = select_nodes(candidates, opts.replicas, opts.method)
            if chosen is None:
                shards = ", ".join(f"{n.url} ({n.shard.shard_id}/{n.shard.num_shard})" for n in candidates)
                raise Unavailable(f"cannot place {opts.replicas} replica(s) with method {opts.method} on: {shards}")
            clients = {n.url: StorageNodeClient(n.url, session, timeout_s=60) for n in chosen}
            clock.mark("select")
            result = await _upload(
                source, tree, chosen, clients, opts, rpc_url, private_key, flow_address, on_progress, clock
            )
    finally:
        source.close()
    result.elapsed_s = time.monotonic() - started
    result.phases = clock.phases
    result.encryption_header = source.header.to_bytes() if source.header is not None else None
    return result


async def _upload(
    source: FileSource,
    tree: FileTree,
    chosen: list[ShardedNode],
    clients: dict[str, StorageNodeClient],
    opts: UploadOptions,
    rpc_url: str,
    private_key: str,
    flow_address: str,
    on_progress: ProgressCallback | None,
    clock: "_Phases",
) -> UploadResult:
    infos = await asyncio.gather(*(_file_info(clients[n.url], tree.root) for n in chosen))
    known = [info for info in infos if info is not None and int(info["tx"]["size"]) == tree.size]
    urls = [n.url for n in chosen]
    if opts.new_tx:
        known = []
    if opts.skip_if_finalized and len(known) == len(chosen) and all(info["finalized"] for info in known):
        seq = int(known[0]["tx"]["seq"])
        log.info("upload_skipped_already_stored", root="0x" + tree.root.hex(), tx_seq=seq)
        return UploadResult(tree.root, seq, tree.size, None, 0, urls, already_stored=True)
    pending = [info for info in known if not info["finalized"]]
    if pending:
        tx_seq, tx_hash, fee, resumed = int(pending[0]["tx"]["seq"]), None, 0, True
        log.info("upload_resumed", root="0x" + tree.root.hex(), tx_seq=tx_seq)
    else:
        tx_seq, tx_hash, fee = await asyncio.to_thread(_submit, tree, opts, rpc_url, private_key, flow_address)
        resumed = False
    clock.mark("submit")
    result = UploadResult(tree.root, tx_seq, tree.size, tx_hash, fee, urls, resumed=resumed)
    start_entry = await _wait_packed(chosen, clients, tx_seq, opts.timeout_s)
    clock.mark("packed")
    plans = await asyncio.gather(*(_plan(n, clients[n.url], tree.size, tx_seq, start_entry) for n in chosen))
    total = sum(compute_segment_data_size(tree.size, i) for todo in plans for i in todo)
    progress = _Progress(total, on_progress)
    await asyncio.gather(
        *(
            _upload_to_node(node, clients[node.url], todo, source, tree, tx_seq, opts, result, progress)
            for node, todo in zip(chosen, plans, strict=True)
        )
    )
    clock.mark("send")
    if opts.wait == "finalized":
        await _wait_finalized(chosen, clients, tx_seq, opts.timeout_s)
        clock.mark("finalize")
    return result


class _Phases:
    """Wall time per upload phase."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._last = time.monotonic()

    def mark(self, name: str) -> None:
        now = time.monotonic()
        self.phases[name] = round(now - self._last, 4)
        self._last = now


def _submit(
    tree: FileTree, opts: UploadOptions, rpc_url: str, private_key: str, flow_address: str
) -> tuple[int, str, int]:
    account = load_account(private_key)
    w3 = connect(rpc_url)
    flow = FlowContract(w3, flow_address)
    flow.require_code()
    submission = build_submission(tree, tags=opts.tags, submitter=bytes_to_address(account.address))
    outcome = flow.submit(TxSender(w3, account), submission, value=opts.fee_wei)
    fee = outcome.fee if opts.fee_wei is None else opts.fee_wei
    return outcome.events[0].tx_seq, outcome.receipt.tx_hash, fee


async def _file_info(client: StorageNodeClient, root: bytes) -> dict[str, Any] | None:
    try:
        return await client.get_file_info(root, True)
    except ZerogError as exc:
        log.warning("file_info_failed", node=client.url, error=str(exc))
        return None


async def _wait_packed(
    chosen: list[ShardedNode], clients: dict[str, StorageNodeClient], tx_seq: int, timeout_s: float
) -> int:
    """Wait until every chosen node has synced the tx; returns its first flow sector."""
    infos = await _wait_nodes(chosen, clients, tx_seq, timeout_s, "synced", lambda info: True)
    return int(infos[0]["tx"]["startEntryIndex"])


async def _wait_finalized(
    chosen: list[ShardedNode], clients: dict[str, StorageNodeClient], tx_seq: int, timeout_s: float
) -> None:
    await _wait_nodes(chosen, clients, tx_seq, timeout_s, "finalized", lambda info: bool(info.get("finalized")))


async def _wait_nodes(
    chosen: list[ShardedNode],
    clients: dict[str, StorageNodeClient],
    tx_seq: int,
    timeout_s: float,
    what: str,
    done: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """Poll every chosen node's file info for the tx until `done` holds on all; returns their infos."""
    deadline = time.monotonic() + timeout_s
    found: dict[str, dict[str, Any]] = {}
    while len(found) < len(chosen):
        for node in chosen:
            if node.url in found:
                continue
            try:
                info = await clients[node.url].get_file_info_by_tx_seq(tx_seq)
            except ZerogError:
                info = None
            if info is not None and done(info):
                found[node.url] = info
        if len(found) < len(chosen):
            if time.monotonic() > deadline:
                late = ", ".join(n.url for n in chosen if n.url not in found)
                raise Unavailable(f"tx {tx_seq} not {what} by {late} within {timeout_s:.0f}s")
            await asyncio.sleep(0.2)
    return [found[n.url] for n in chosen]


class _Progress:
    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total, self.done, self.callback = total, 0, callback

    def add(self, amount: int) -> None:
        self.done += amount
        if self.callback:
            self.callback(min(self.done, self.total), self.total)


async def _plan(node: ShardedNode, client: StorageNodeClient, size: int, tx_seq: int, start_entry: int) -> list[int]:
    """Data segments this node must still receive: those of its shard that it does not hold."""
    first_flow_segment = start_entry // SECTORS_PER_SEGMENT
    mine = [i for i in range(compute_data_segment_count(size)) if node.shard.holds_segment(first_flow_segment + i)]
    held = set(await _stored_segments(client, tx_seq))
    return [i for i in mine if i not in held]


async def _upload_to_node(
    node: ShardedNode,
    client: StorageNodeClient,
    todo: list[int],
    source: FileSource,
    tree: FileTree,
    tx_seq: int,
    opts: UploadOptions,
    result: UploadResult,
    progress: _Progress,
) -> None:
    slots = asyncio.Semaphore(opts.parallel_per_node)
    finished = asyncio.Event()

    async def send(batch: list[int]) -> None:
        async with slots:
            if not finished.is_set():
                segments = [
                    SegmentWithProof.from_tree(
                        tree, i, source.read(i * BYTES_PER_SEGMENT, compute_segment_data_size(tree.size, i))
                    )
                    for i in batch
                ]
                if await _send_with_retries(client, segments, tx_seq, opts.retries):
                    finished.set()  # the node already finalized the tx: nothing left to send it
                result.segments_sent += len(batch)
                result.per_node[node.url] = result.per_node.get(node.url, 0) + len(batch)
            progress.add(sum(compute_segment_data_size(tree.size, i) for i in batch))

    batches = [todo[i : i + opts.task_size] for i in range(0, len(todo), opts.task_size)]
    await asyncio.gather(*(send(batch) for batch in batches))


async def _stored_segments(client: StorageNodeClient, tx_seq: int) -> list[int]:
    try:
        return await client.get_stored_segments(tx_seq) or []
    except JsonRpcError as exc:
        if exc.code == METHOD_NOT_FOUND:
            return []  # a 0G node: it skips duplicates itself
        raise


async def _send_with_retries(
    client: StorageNodeClient, segments: list[SegmentWithProof], tx_seq: int, retries: int
) -> bool:
    """Send one task; True when the node says the tx is already finalized."""
    delay = 0.5
    for attempt in range(retries + 1):
        try:
            await client.upload_segments_by_tx_seq(segments, tx_seq)
            return False
        except JsonRpcError as exc:
            text = f"{exc.message} {exc.data}"
            if "already uploaded and finalized" in text:
                return True
            if "too many data writing" not in text or attempt == retries:
                raise
        except Unavailable:
            if attempt == retries:
                raise
        log.warning("upload_retry", node=client.url, attempt=attempt + 1, delay_s=delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)
    return False
