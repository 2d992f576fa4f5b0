"""The storage node: log sync from the Flow contract, an LMDB flow store, 0G's zgs_* RPC, sharding, peer sync."""

from zerog.storage.config import StorageConfig, load_storage_config
from zerog.storage.node import StorageNode
from zerog.storage.service import StorageService
from zerog.storage.store import FlowStore
from zerog.storage.types import STREAM_TAG, TxRecord, TxStatus, parse_stream_ids

__all__ = [
    "STREAM_TAG",
    "FlowStore",
    "StorageConfig",
    "StorageNode",
    "StorageService",
    "TxRecord",
    "TxStatus",
    "load_storage_config",
    "parse_stream_ids",
]
