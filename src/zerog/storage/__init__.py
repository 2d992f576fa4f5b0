"""The storage node: log sync from the Flow contract, an LMDB flow store, 0G's zgs_* RPC, sharding, peer sync."""

from zerog.storage.config import LogFollowerFile, MinerConfig, StorageConfig, load_storage_config
from zerog.storage.fetch import FileLocation, SegmentFetcher, SourceNode
from zerog.storage.log_sync import LogSync, LogSyncSettings, LogSyncTarget, SyncProgress
from zerog.storage.node import StorageNode
from zerog.storage.node_client import StorageNodeClient
from zerog.storage.service import StorageService
from zerog.storage.shard import SELECTION_METHODS, ShardedNode, compute_replica_count, order_candidates, select_nodes
from zerog.storage.store import FlowStore
from zerog.storage.types import STREAM_TAG, TxRecord, TxStatus, parse_stream_ids

__all__ = [
    "SELECTION_METHODS",
    "STREAM_TAG",
    "FileLocation",
    "FlowStore",
    "LogFollowerFile",
    "LogSync",
    "LogSyncSettings",
    "LogSyncTarget",
    "MinerConfig",
    "SegmentFetcher",
    "ShardedNode",
    "SourceNode",
    "StorageConfig",
    "StorageNode",
    "StorageNodeClient",
    "StorageService",
    "SyncProgress",
    "TxRecord",
    "TxStatus",
    "compute_replica_count",
    "load_storage_config",
    "order_candidates",
    "parse_stream_ids",
    "select_nodes",
]
