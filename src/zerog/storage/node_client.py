"""Typed async client for one storage node's zgs_* methods (and zerog's extensions)."""

import json
from typing import Any

import aiohttp

from zerog.codec.segment import SegmentWithProof, parse_base64, parse_segment_binary, parse_segment_json
from zerog.errors import InvalidInput, Unavailable
from zerog.rpc import JsonRpcClient
from zerog.spec import ShardConfig

__all__ = ["MAX_SEGMENTS_PER_BATCH", "SEGMENTS_PATH", "EndpointMissing", "StorageNodeClient"]

SEGMENTS_PATH = "/zerog/v1/segments"
"""zerog extension: GET ?txSeq=N&indices=i,j returns the held ones of those segments with proofs, in binary."""
MAX_SEGMENTS_PER_BATCH = 16


class EndpointMissing(Unavailable):
    """The node does not offer a zerog extension (it is a 0G node, or an older zerog)."""


class StorageNodeClient:
    """Calls one node. Share an `aiohttp.ClientSession` across nodes for connection reuse."""

    def __init__(self, url: str, session: aiohttp.ClientSession | None = None, *, timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = session
        self._owns_session = session is None
        self._rpc: JsonRpcClient | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    @property
    def rpc(self) -> JsonRpcClient:
        if self._rpc is None:
            self._rpc = JsonRpcClient(self.url, session=self.session, timeout_s=self.timeout_s)
        return self._rpc

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
            self._rpc = None

    async def download_segments_binary(self, tx_seq: int, indices: list[int]) -> dict[int, SegmentWithProof]:
        """zerog's binary batch download: the requested segments this node holds (unverified), by index."""
        url = f"{self.url}{SEGMENTS_PATH}?txSeq={tx_seq}&indices={','.join(map(str, indices))}"
        try:
            async with self.session.get(url, timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as response:
                body = await response.read()
                status, kind = response.status, response.content_type
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise Unavailable(f"{self.url} did not answer a segment request: {exc or type(exc).__name__}") from exc
        if status == 200 and kind == "application/octet-stream":
            return _parse_frames(body, self.url)
        if kind == "application/json" and status in (400, 404):
            if status == 404:
                return {}
            detail = json.loads(body).get("error", "") if body else ""
            raise Unavailable(f"{self.url} refused the segment request: {detail}")
        raise EndpointMissing(f"{self.url} has no {SEGMENTS_PATH} (HTTP {status})")

    async def get_status(self) -> dict[str, Any]:
        return _object(await self.rpc.call("zgs_getStatus"), self.url, "zgs_getStatus")

    async def get_shard_config(self) -> ShardConfig:
        raw = await self.rpc.call("zgs_getShardConfig")
        try:
            return ShardConfig(int(raw["shardId"]), int(raw["numShard"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Unavailable(f"{self.url} answered zgs_getShardConfig with {raw!r}") from exc

    async def get_file_info(self, root: bytes, need_available: bool = True) -> dict[str, Any] | None:
        info = await self.rpc.call("zgs_getFileInfo", "0x" + root.hex(), need_available)
        return None if info is None else _object(info, self.url, "zgs_getFileInfo")

    async def get_file_info_by_tx_seq(self, tx_seq: int) -> dict[str, Any] | None:
        info = await self.rpc.call("zgs_getFileInfoByTxSeq", tx_seq)
        return None if info is None else _object(info, self.url, "zgs_getFileInfoByTxSeq")

    async def upload_segments_by_tx_seq(self, segments: list[SegmentWithProof], tx_seq: int) -> int:
        result = await self.rpc.call("zgs_uploadSegmentsByTxSeq", [s.to_json() for s in segments], tx_seq)
        return int(result or 0)

    async def download_segment_with_proof_by_tx_seq(self, tx_seq: int, index: int) -> SegmentWithProof | None:
        raw = await self.rpc.call("zgs_downloadSegmentWithProofByTxSeq", tx_seq, index)
        return None if raw is None else parse_segment_json(raw)

    async def download_segment_by_tx_seq(self, tx_seq: int, start_chunk: int, end_chunk: int) -> bytes | None:
        raw = await self.rpc.call("zgs_downloadSegmentByTxSeq", tx_seq, start_chunk, end_chunk)
        return None if raw is None else parse_base64(raw)

    async def get_stored_segments(self, tx_seq: int) -> list[int] | None:
        """zerog extension; None when the node does not know the tx."""
        raw = await self.rpc.call("zerog_getStoredSegments", tx_seq)
        return None if raw is None else [int(i) for i in raw]


def _object(value: object, url: str, method: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unavailable(f"{url} answered {method} with {type(value).__name__}, not an object")
    return value


def _parse_frames(body: bytes, url: str) -> dict[int, SegmentWithProof]:
    found: dict[int, SegmentWithProof] = {}
    view = memoryview(body)
    offset = 0
    try:
        while offset < len(body):
            length = int.from_bytes(view[offset : offset + 4], "big")
            if length <= 0 or offset + 4 + length > len(body):
                raise InvalidInput("truncated frame")
            segment = parse_segment_binary(bytes(view[offset + 4 : offset + 4 + length]))
            found[segment.index] = segment
            offset += 4 + length
    except InvalidInput as exc:
        raise Unavailable(f"{url} sent malformed segment frames: {exc}") from exc
    return found
