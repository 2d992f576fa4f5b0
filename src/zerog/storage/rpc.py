"""The storage node's JSON-RPC surface: 0G's `zgs_*` table (public) and `admin_*` (127.0.0.1 only).

Shapes follow 0G's node (rpc/src/zgs/api.rs): hashes 0x-hex, bytes base64, `null` for "not here, try another
node". Upload methods return the number of segments newly stored (an integer, never null: the SDKs treat null as
a failure and retry). Every parameter is validated here, once, before the node sees it.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt, TypeAdapter

from zerog.codec.proof import proof_to_json
from zerog.codec.segment import SegmentWithProof, encode_base64, parse_segment_json
from zerog.errors import NotFound
from zerog.rpc import JsonRpcServer, Param, invalid_params, parse_params
from zerog.spec import bytes_to_root
from zerog.storage.miner import Miner
from zerog.storage.node import StorageNode
from zerog.storage.types import TxRecord

__all__ = ["MAX_SEGMENTS_PER_CALL", "register_admin_methods", "register_miner_methods", "register_zgs_methods"]

MAX_SEGMENTS_PER_CALL = 1024

U64 = Annotated[StrictInt, Field(ge=0, lt=1 << 64)]
_root = TypeAdapter(Annotated[str, AfterValidator(bytes_to_root)])
_u64 = TypeAdapter(U64)
_bool = TypeAdapter(StrictBool)
_segment = TypeAdapter(Annotated[Any, AfterValidator(parse_segment_json)])
_segments = TypeAdapter(
    Annotated[list[Annotated[Any, AfterValidator(parse_segment_json)]], Field(max_length=MAX_SEGMENTS_PER_CALL)]
)


def _seq_or_root(value: Any) -> int | bytes:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        return bytes_to_root(value)
    raise ValueError("expected a tx seq (integer) or a data root (0x-hex)")


_tx_seq_or_root = TypeAdapter(Annotated[Any, BeforeValidator(_seq_or_root)])

Method = Callable[[Any], Awaitable[Any]]


def register_zgs_methods(server: JsonRpcServer, node: StorageNode) -> None:
    """Add every `zgs_*` method of 0G's node to `server`."""

    def tx_by_seq(seq: int) -> TxRecord | None:
        return node.get_tx(seq)

    def tx_by_root(root: bytes) -> TxRecord | None:
        return node.find_tx_by_root(root, need_available=True)

    @server.method("zgs_getStatus")
    async def get_status() -> Any:
        return node.status_json()

    @server.method("zgs_getShardConfig")
    async def get_shard_config() -> Any:
        return {"shardId": node.config.shard.shard_id, "numShard": node.config.shard.num_shard}

    @server.method("zgs_uploadSegment", Param("segment", _segment))
    async def upload_segment(segment: SegmentWithProof) -> int:
        return await node.upload_segments([segment], None, batch=False)

    @server.method("zgs_uploadSegmentByTxSeq", Param("segment", _segment), Param("txSeq", _u64))
    async def upload_segment_by_tx_seq(segment: SegmentWithProof, seq: int) -> int:
        return await node.upload_segments([segment], seq, batch=False)

    @server.method("zgs_uploadSegments", Param("segments", _segments))
    async def upload_segments(segments: list[SegmentWithProof]) -> int:
        return await node.upload_segments(segments, None, batch=True)

    @server.method("zgs_uploadSegmentsByTxSeq", Param("segments", _segments), Param("txSeq", _u64))
    async def upload_segments_by_tx_seq(segments: list[SegmentWithProof], seq: int) -> int:
        return await node.upload_segments(segments, seq, batch=True)

    async def download(tx: TxRecord | None, start: int, end: int) -> str | None:
        if tx is None:
            return None
        data = node.download_chunks(tx, start, end)
        return None if data is None else encode_base64(data)

    @server.method("zgs_downloadSegment", Param("root", _root), Param("start_index", _u64), Param("end_index", _u64))
    async def download_segment(root: bytes, start: int, end: int) -> str | None:
        return await download(tx_by_root(root), start, end)

    @server.method(
        "zgs_downloadSegmentByTxSeq", Param("tx_seq", _u64), Param("start_index", _u64), Param("end_index", _u64)
    )
    async def download_segment_by_tx_seq(seq: int, start: int, end: int) -> str | None:
        return await download(tx_by_seq(seq), start, end)

    async def download_with_proof(tx: TxRecord | None, index: int) -> Any:
        if tx is None:
            return None
        segment = node.download_with_proof(tx, index)
        return None if segment is None else segment.to_json()

    @server.method("zgs_downloadSegmentWithProof", Param("root", _root), Param("index", _u64))
    async def download_segment_with_proof(root: bytes, index: int) -> Any:
        return await download_with_proof(tx_by_root(root), index)

    @server.method("zgs_downloadSegmentWithProofByTxSeq", Param("tx_seq", _u64), Param("index", _u64))
    async def download_segment_with_proof_by_tx_seq(seq: int, index: int) -> Any:
        return await download_with_proof(tx_by_seq(seq), index)

    @server.method("zgs_checkFileFinalized", Param("tx_seq_or_root", _tx_seq_or_root))
    async def check_file_finalized(key: int | bytes) -> bool | None:
        tx = tx_by_seq(key) if isinstance(key, int) else node.find_tx_by_root(key)
        return None if tx is None else node.store.get_status(tx.seq).finalized

    @server.method(
        "zgs_getFileInfo", Param("data_root", _root), Param("need_available", _bool, optional=True, default=False)
    )
    async def get_file_info(root: bytes, need_available: bool) -> Any:
        tx = node.find_tx_by_root(root, need_available=need_available)
        return None if tx is None else node.file_info(tx)

    @server.method("zgs_getFileInfoByTxSeq", Param("tx_seq", _u64))
    async def get_file_info_by_tx_seq(seq: int) -> Any:
        tx = tx_by_seq(seq)
        return None if tx is None else node.file_info(tx)

    @server.method("zgs_getSectorProof", Param("sector_index", _u64), Param("flow_root", _root, optional=True))
    async def get_sector_proof(sector: int, flow_root: bytes | None) -> Any:
        try:
            return proof_to_json(node.sector_proof(sector, flow_root))
        except NotFound as exc:
            raise invalid_params("sector_index", str(exc)) from exc

    @server.method("zgs_getFlowContext")
    async def get_flow_context() -> Any:
        return ["0x" + node.flow_index.root().hex(), node.flow_index.length]

    @server.method("zerog_getStoredSegments", Param("tx_seq", _u64))
    async def get_stored_segments(seq: int) -> Any:
        """zerog extension: which data segments of a tx this node holds (lets an interrupted upload resume)."""
        if tx_by_seq(seq) is None:
            return None
        return node.store.stored_segments(seq)


def register_admin_methods(
    server: JsonRpcServer,
    node: StorageNode,
    *,
    shutdown: Callable[[], None],
    sync: Any,
    metrics: Callable[[], str],
) -> None:
    """Add 0G's `admin_*` methods (served on 127.0.0.1 only)."""

    def add(name: str, handler: Callable[..., Any], *spec: Param) -> None:
        async def call(params: Any) -> Any:
            return handler(*parse_params(params, spec))

        server.add(name, call)

    def find_file(seq: int) -> None:
        sync.request(seq)

    def start_sync_file(seq: int) -> None:
        if node.get_tx(seq) is None:
            raise invalid_params("tx_seq", f"tx {seq} is not synced yet")
        sync.request(seq)

    def start_sync_chunks(seq: int, start: int, end: int) -> None:
        tx = node.get_tx(seq)
        if tx is None:
            raise invalid_params("tx_seq", f"tx {seq} is not synced yet")
        if not 0 <= start < end <= -(-tx.size // 256):
            raise invalid_params("end_index", "chunk range outside the file")
        sync.request(seq)

    def get_sync_status(seq: int) -> Any:
        state = sync.states.get(seq)
        if state is not None:
            return state.state
        if node.get_tx(seq) is None:
            return "unknown"
        return "Completed" if node.store.get_status(seq).finalized else "Idle"

    def get_sync_info(seq: int | None) -> Any:
        items = sync.states.items() if seq is None else [(seq, sync.states.get(seq))]
        return {str(k): v.to_json() for k, v in items if v is not None}

    def get_file_location(seq: int, all_shards: bool) -> Any:
        tx = node.get_tx(seq)
        if tx is None:
            return None
        holders = [p for p in sync.peers.values() if p.healthy and p.shard is not None]
        locations = [
            {"url": p.url, "shardConfig": {"shardId": p.shard.shard_id, "numShard": p.shard.num_shard}} for p in holders
        ]
        if all_shards and node.store.get_status(seq).finalized:
            shard = node.config.shard
            locations.insert(
                0, {"url": node.config.url, "shardConfig": {"shardId": shard.shard_id, "numShard": shard.num_shard}}
            )
        return locations

    def get_peers() -> Any:
        return {
            p.url: {
                "healthy": p.healthy,
                "lastSeenSecs": int(time.monotonic() - p.last_seen) if p.last_seen else None,
                "shardConfig": None
                if p.shard is None
                else {"shardId": p.shard.shard_id, "numShard": p.shard.num_shard},
            }
            for p in sync.peers.values()
        }

    def get_network_info() -> Any:
        peers = list(sync.peers.values())
        healthy = sum(p.healthy for p in peers)
        return {
            "peerId": node.config.url,
            "listenAddresses": [node.config.url],
            "totalPeers": len(peers),
            "bannedPeers": 0,
            "disconnectedPeers": len(peers) - healthy,
            "connectedPeers": healthy,
            "connectedOutgoingPeers": healthy,
            "connectedIncomingPeers": 0,
        }

    add("admin_shutdown", shutdown)
    add("admin_findFile", find_file, Param("tx_seq", _u64))
    add("admin_startSyncFile", start_sync_file, Param("tx_seq", _u64))
    add(
        "admin_startSyncChunks",
        start_sync_chunks,
        Param("tx_seq", _u64),
        Param("start_index", _u64),
        Param("end_index", _u64),
    )
    add("admin_terminateSync", sync.terminate, Param("tx_seq", _u64))
    add(
        "admin_getSyncServiceState",
        lambda: {"autoSync": node.config.auto_sync, "pending": sorted(node.pending), "peers": len(sync.peers)},
    )
    add("admin_getSyncStatus", get_sync_status, Param("tx_seq", _u64))
    add("admin_getSyncInfo", get_sync_info, Param("tx_seq", _u64, optional=True))
    add("admin_getNetworkInfo", get_network_info)
    add("admin_getPeers", get_peers)
    add("admin_getFileLocation", get_file_location, Param("tx_seq", _u64), Param("all_shards", _bool))
    add("admin_getMetrics", metrics)


def register_miner_methods(server: JsonRpcServer, miner: "Miner | None") -> None:
    """`miner_start`, `miner_stop` and `miner_getStatus` (admin, 127.0.0.1 only)."""

    def require() -> "Miner":
        if miner is None:
            raise invalid_params("miner", "this node does not mine: set mine_contract_address and miner_key")
        return miner

    @server.method("miner_start")
    async def start() -> bool:
        require().start()
        return True

    @server.method("miner_stop")
    async def stop() -> bool:
        require().stop()
        return True

    @server.method("miner_getStatus")
    async def status() -> Any:
        if miner is None:
            return {"state": "disabled"}
        return {**miner.status_json(), "withdrawableWei": str(await miner.pending_payments())}
