"""Downloading a file by root: locate it, fetch every segment with its proof, verify, fail over, write atomically.

Segments are fetched several at a time and written in place into `<out>.part`; only a complete, fully verified
file is renamed to `<out>`. An encrypted file (0G v1/v2 header) is decrypted on the way when a key is given.
"""

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import structlog

from zerog.client.nodes import discover_nodes, parse_sharded_nodes
from zerog.crypto.encryption import EncryptionHeader, decrypt_stored_range, parse_encryption_header
from zerog.errors import InvalidInput, NotFound, ZerogError
from zerog.rpc import JsonRpcClient
from zerog.spec import BYTES_PER_SEGMENT
from zerog.storage import FileLocation, SegmentFetcher, SourceNode, StorageNodeClient

__all__ = ["DownloadOptions", "DownloadResult", "download_file", "locate_file"]

log = structlog.get_logger("zerog.client")
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class DownloadOptions:
    parallel: int = 4
    """Batch requests in flight at once."""
    batch_size: int = 8
    """Segments per request to one node (zerog's binary endpoint)."""
    timeout_s: float = 30.0
    """Per segment request; a slower node is failed over."""
    encrypt_key: bytes | None = None
    overwrite: bool = False


@dataclass
class DownloadResult:
    root: bytes
    path: Path
    size: int
    """Bytes written (plaintext when decrypted)."""
    tx_seq: int
    segments: int
    failovers: int
    served_by: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0


async def locate_file(
    session: aiohttp.ClientSession,
    root: bytes,
    *,
    nodes: Sequence[str] = (),
    indexer: str | None = None,
    timeout_s: float = 30.0,
) -> tuple[FileLocation, list[SourceNode]]:
    """Where a finalized file is: its tx and the nodes that hold it."""
    if indexer:
        raw = await JsonRpcClient(indexer, session=session, timeout_s=15).call(
            "indexer_getFileLocations", "0x" + root.hex()
        )
        candidates = parse_sharded_nodes(raw or [])
    else:
        candidates = await discover_nodes(session, nodes=nodes)
    location: FileLocation | None = None
    sources: list[SourceNode] = []
    for node in candidates:
        client = StorageNodeClient(node.url, session, timeout_s=timeout_s)
        try:
            info = await client.get_file_info(root, True)
        except ZerogError as exc:
            log.warning("file_info_failed", node=node.url, error=str(exc))
            continue
        if info is None or not info.get("finalized"):
            continue
        tx = info["tx"]
        if location is None:
            location = FileLocation(root, int(tx["seq"]), int(tx["size"]), int(tx["startEntryIndex"]))
        sources.append(SourceNode(client, node.shard))
    if location is None:
        raise NotFound(f"no reachable node holds a finalized file with root 0x{root.hex()}")
    return location, sources


async def download_file(
    root: bytes,
    out: Path,
    *,
    nodes: Sequence[str] = (),
    indexer: str | None = None,
    options: DownloadOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> DownloadResult:
    """Download the file with `root` to `out`, verifying every segment against the root."""
    opts = options or DownloadOptions()
    if out.exists() and not opts.overwrite:
        raise InvalidInput(f"{out} exists; pass --overwrite to replace it")
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        location, sources = await locate_file(session, root, nodes=nodes, indexer=indexer, timeout_s=opts.timeout_s)
        fetcher = SegmentFetcher(location, sources, timeout_s=opts.timeout_s)
        written = await _fetch_all(fetcher, out, opts, on_progress)
    return DownloadResult(
        root,
        out,
        written,
        location.tx_seq,
        location.segment_count,
        fetcher.failovers,
        fetcher.served_by,
        time.monotonic() - started,
    )


async def _fetch_all(
    fetcher: SegmentFetcher, out: Path, opts: DownloadOptions, on_progress: ProgressCallback | None
) -> int:
    location = fetcher.location
    partial = out.with_name(out.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    header: EncryptionHeader | None = None
    done = 0
    try:
        first = (await fetcher.fetch_batch([0])).get(0) or await fetcher.fetch(0)
        if opts.encrypt_key is not None:
            header = parse_encryption_header(first.data)
        plain_size = location.size - (header.size if header else 0)
        done = _write_segment(fd, 0, first.data, location.size, opts.encrypt_key, header)
        if on_progress:
            on_progress(done, plain_size)
        slots = asyncio.Semaphore(opts.parallel)

        async def run(batch: list[int]) -> None:
            nonlocal done
            async with slots:
                found = await fetcher.fetch_batch(batch)
                segments = [found.get(index) or await fetcher.fetch(index) for index in batch]
            # Writing to the page cache can stall under writeback pressure: do it off the event loop.
            written = await asyncio.to_thread(
                lambda: sum(
                    _write_segment(fd, s.index, s.data, location.size, opts.encrypt_key, header) for s in segments
                )
            )
            done += written
            if on_progress:
                on_progress(done, plain_size)

        # A segment nobody can serve fails the group, which cancels the rest.
        batches = fetcher.plan_batches(range(1, location.segment_count), opts.batch_size)
        async with asyncio.TaskGroup() as group:
            for batch in batches:
                group.create_task(run(batch))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        partial.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(partial, out)
    return done


def _write_segment(
    fd: int, index: int, data: bytes, stored_size: int, key: bytes | None, header: EncryptionHeader | None
) -> int:
    """Write one segment's bytes (trimmed to the file) at their place; returns bytes written."""
    offset = index * BYTES_PER_SEGMENT
    data = data[: max(0, stored_size - offset)]
    if key is not None and header is not None:
        plain = decrypt_stored_range(key, header, offset, data)
        plain_offset = max(0, offset - header.size)
        os.pwrite(fd, plain, plain_offset)
        return len(plain)
    os.pwrite(fd, data, offset)
    return len(data)
