"""Harnesses for tests: a fresh local chain with zerog's contracts, and seeded test data."""

from zerog.testing.chain import LocalChain, start_local_chain
from zerog.testing.data import pattern_bytes, random_bytes
from zerog.testing.kv import kv_config, running_kv_node
from zerog.testing.storage import RunningNode, node_config, running_node, running_nodes

__all__ = [
    "LocalChain",
    "RunningNode",
    "kv_config",
    "node_config",
    "pattern_bytes",
    "random_bytes",
    "running_kv_node",
    "running_node",
    "running_nodes",
    "start_local_chain",
]
