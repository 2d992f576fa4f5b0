"""The KV node: replays 0G's StreamData log entries into versioned, access-controlled key-value streams and serves
0G's kv_* JSON-RPC (0g-storage-kv compatible)."""

from zerog.kv.config import KvConfig, load_kv_config
from zerog.kv.node import KvNode
from zerog.kv.replay import COMMIT, KvTx, ReplayOutcome, replay_tx
from zerog.kv.replayer import DATA_UNAVAILABLE, Replayer
from zerog.kv.service import KvPlugin, KvService
from zerog.kv.state import KvState, StoredValue

__all__ = [
    "COMMIT",
    "DATA_UNAVAILABLE",
    "KvConfig",
    "KvNode",
    "KvPlugin",
    "KvService",
    "KvState",
    "KvTx",
    "ReplayOutcome",
    "Replayer",
    "StoredValue",
    "load_kv_config",
    "replay_tx",
]
