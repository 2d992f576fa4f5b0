"""Typed async client for one storage node's zgs_* methods (and zerog's extensions)."""

from typing import Any

import aiohttp

from zerog.codec.segment import SegmentWithProof, parse_base64, parse_segment_json
from zerog.errors import Unavailable
from zerog.rpc import JsonRpcClient
from zerog.spec import ShardConfig

__all__ = ["StorageNodeClient"]


class StorageNodeClient:
    """Calls one node. Share an `aiohttp.ClientSession` across nodes for connection reuse."""

    def __init__(self, url: str, session: aiohttp.ClientSession | None = None, *, timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.rpc = JsonRpcClient(self.url, session=session, timeout_s=timeout_s)

    async def close(self) -> None:
        await self.rpc.close()

    async def get_status(self) -> dict[str, Any]:
        return dict(await self.rpc.call("zgs_getStatus"))

    async def get_shard_config(self) -> ShardConfig:
        raw = await self.rpc.call("zgs_getShardConfig")
        try:
            return ShardConfig(int(raw["shardId"]), int(raw["numShard"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Unavailable(f"{self.url} answered zgs_getShardConfig with {raw!r}") from exc

    async def get_file_info(self, root: bytes, need_available: bool = True) -> dict[str, Any] | None:
        info = await self.rpc.call("zgs_getFileInfo", "0x" + root.hex(), need_available)
        return None if info is None else dict(info)

    async def get_file_info_by_tx_seq(self, tx_seq: int) -> dict[str, Any] | None:
        info = await self.rpc.call("zgs_getFileInfoByTxSeq", tx_seq)
        return None if info is None else dict(info)

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
