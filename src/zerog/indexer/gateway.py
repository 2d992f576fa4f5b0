"""The REST gateway: verified file downloads and file status over plain HTTP (0G's indexer/gateway routes).

- `GET /file?root=0x...` or `GET /file?txSeq=N` (optional `name=`): the file's bytes, streamed. Every segment is
  fetched with its proof from a healthy node holding the file and verified against the root before it is sent
  (`SegmentFetcher`, which fails over to the next node of the same shard); a few segments are fetched ahead.
  Problems found before the first byte are JSON errors: 400 bad query, 404 unknown file, 410 pruned, 503 when
  no healthy node can serve some segment. A failure after the headers went out aborts the connection, so the
  client sees a short body, never wrong bytes.
- `GET /file/info/{root or txSeq}`: `{root, txSeq, size, finalized, locations: [ShardedNode]}`, or 400/404.
  `locations` are the healthy nodes reporting the entry finalized (a node finalizes once it holds its shard's
  part, so it may hold none of a small file); `finalized` is true when they hold every segment between them.

Unlike 0G's gateway, which downloads the whole file to a temporary file first, this one streams.
"""

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import structlog
from aiohttp import web

from zerog.codec.segment import SegmentWithProof
from zerog.errors import InvalidInput, ZerogError
from zerog.indexer.config import IndexerConfig
from zerog.indexer.core import compute_plain_segment_size, find_uncovered_segments
from zerog.indexer.locations import FileLocator
from zerog.indexer.metrics import IndexerMetrics
from zerog.indexer.registry import NodeRegistry
from zerog.indexer.types import LocatedFile
from zerog.spec import bytes_to_root
from zerog.storage import SegmentFetcher, SourceNode

__all__ = ["Cid", "Gateway", "content_disposition", "iter_file_bytes", "parse_cid", "parse_file_query"]

log = structlog.get_logger("zerog.indexer.gateway")

MAX_FILENAME_CHARS = 255


@dataclass(frozen=True, slots=True)
class Cid:
    """How a request names a file: by data root, by tx seq, or both (then they must agree)."""

    root: bytes | None = None
    tx_seq: int | None = None


def _parse_tx_seq(text: str) -> int:
    if not text.isdigit() or len(text) > 20 or int(text) >= 1 << 64:
        raise InvalidInput(f"txSeq must be a non-negative integer, got {text[:80]!r}")
    return int(text)


def parse_cid(text: str) -> Cid:
    """0G's CID in a path: a decimal tx seq, else a 0x-hex data root."""
    text = text.strip()
    return Cid(tx_seq=int(text)) if text.isdigit() and len(text) <= 20 else Cid(root=bytes_to_root(text))


def parse_file_query(query: Mapping[str, str]) -> Cid:
    """The file named by `?root=` and/or `?txSeq=`."""
    root_text, seq_text = query.get("root", "").strip(), query.get("txSeq", "").strip()
    if not root_text and not seq_text:
        raise InvalidInput("Either 'root' or 'txSeq' must be provided")
    return Cid(
        root=bytes_to_root(root_text) if root_text else None,
        tx_seq=_parse_tx_seq(seq_text) if seq_text else None,
    )


def content_disposition(name: str) -> str:
    """An `attachment` header for `name`: path separators and control characters removed, UTF-8 per RFC 6266."""
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in '"\\/')[:MAX_FILENAME_CHARS] or "file"
    fallback = cleaned.encode("ascii", "replace").decode("ascii").replace("?", "_")
    if fallback == cleaned:
        return f'attachment; filename="{cleaned}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


async def iter_file_bytes(fetcher: SegmentFetcher, read_ahead: int) -> AsyncGenerator[bytes, None]:
    """The file's bytes segment by segment, in order, verified; up to `read_ahead` later segments in flight."""
    location = fetcher.location
    count = location.segment_count
    pending: deque[asyncio.Task[SegmentWithProof]] = deque()
    scheduled = 0
    try:
        for index in range(count):
            while scheduled < count and len(pending) <= read_ahead:
                pending.append(asyncio.create_task(fetcher.fetch(scheduled)))
                scheduled += 1
            segment = await pending.popleft()
            yield segment.data[: compute_plain_segment_size(location.size, index)]
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def file_info_json(located: LocatedFile) -> dict[str, Any]:
    """The gateway's file status document; `finalized` means every segment has a healthy node holding it."""
    shards = [n.shard for n in located.holders]
    return {
        "root": "0x" + located.info.root.hex(),
        "txSeq": located.info.tx_seq,
        "size": located.info.size,
        "finalized": bool(shards) and not find_uncovered_segments(located.location, shards),
        "locations": [n.to_json() for n in located.holders],
    }


class Gateway:
    """aiohttp handlers for the REST routes."""

    def __init__(
        self, config: IndexerConfig, registry: NodeRegistry, locator: FileLocator, metrics: IndexerMetrics
    ) -> None:
        self._config = config
        self._registry = registry
        self._locator = locator
        self._metrics = metrics

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/file", self.download, allow_head=False)
        app.router.add_get("/file/info/{cid}", self.file_info, allow_head=False)

    async def _locate(self, cid: Cid) -> LocatedFile | None:
        if cid.tx_seq is not None:
            located = await self._locator.find_by_tx_seq(cid.tx_seq)
            if located is not None and cid.root is not None and located.info.root != cid.root:
                return None
            return located
        if cid.root is None:
            return None
        return await self._locator.find_by_root(cid.root)

    async def file_info(self, request: web.Request) -> web.Response:
        try:
            cid = parse_cid(request.match_info["cid"])
        except InvalidInput as exc:
            return _error(400, str(exc))
        located = await self._locate(cid)
        if located is None:
            return _error(404, "file not found")
        return web.json_response(file_info_json(located))

    async def download(self, request: web.Request) -> web.StreamResponse:
        try:
            cid = parse_file_query(request.query)
        except InvalidInput as exc:
            return self._refuse(400, str(exc), "bad_request")
        located = await self._locate(cid)
        if located is None:
            return self._refuse(404, "file not found", "not_found")
        problem = self._check_servable(located)
        if problem is not None:
            return self._refuse(*problem)
        fetcher = SegmentFetcher(
            located.location,
            [SourceNode(self._registry.client(n.url), n.shard) for n in located.holders],
            timeout_s=self._config.download_timeout_s,
        )
        name = request.query.get("name", "") or "0x" + located.info.root.hex()
        async with aclosing(iter_file_bytes(fetcher, self._config.download_read_ahead)) as pieces:
            try:
                first = await anext(pieces, b"")
            except ZerogError as exc:
                return self._refuse(503, f"the file cannot be served now: {exc}", "unavailable")
            return await self._stream(request, located, name, first, pieces, fetcher)

    async def _stream(
        self,
        request: web.Request,
        located: LocatedFile,
        name: str,
        first: bytes,
        rest: AsyncGenerator[bytes, None],
        fetcher: SegmentFetcher,
    ) -> web.StreamResponse:
        """Send the headers, then the file; a segment that cannot be fetched and verified aborts the connection."""
        response = web.StreamResponse(
            headers={"Content-Type": "application/octet-stream", "Content-Disposition": content_disposition(name)}
        )
        response.content_length = located.info.size
        await response.prepare(request)
        sent = 0
        try:
            await response.write(first)
            sent += len(first)
            async for piece in rest:
                await response.write(piece)
                sent += len(piece)
        except ZerogError as exc:
            self._abort(request, located, sent, exc)
            return response
        finally:
            self._metrics.download_bytes.inc(sent)
            self._metrics.segment_failovers.inc(fetcher.failovers)
        await response.write_eof()
        self._metrics.downloads.labels("ok").inc()
        log.info("file_served", root="0x" + located.info.root.hex(), tx_seq=located.info.tx_seq, bytes=sent)
        return response

    def _check_servable(self, located: LocatedFile) -> tuple[int, str, str] | None:
        if not located.holders:
            if located.pruned:
                return 410, "file already pruned", "pruned"
            return 503, "file not finalized on any healthy node yet", "unavailable"
        missing = find_uncovered_segments(located.location, [n.shard for n in located.holders])
        if missing:
            shown = ", ".join(str(i) for i in missing[:10]) + (", ..." if len(missing) > 10 else "")
            return 503, f"no healthy node holds segments {shown}", "unavailable"
        return None

    def _refuse(self, status: int, message: str, outcome: str) -> web.Response:
        self._metrics.downloads.labels(outcome).inc()
        return _error(status, message)

    def _abort(self, request: web.Request, located: LocatedFile, sent: int, exc: ZerogError) -> None:
        """Cut the connection: the client must see a short body rather than a complete-looking wrong one."""
        self._metrics.downloads.labels("aborted").inc()
        root = "0x" + located.info.root.hex()
        log.error("download_aborted", root=root, tx_seq=located.info.tx_seq, sent=sent, error=str(exc))
        if request.transport is not None:
            request.transport.abort()
