"""The storage indexer: 0G's `indexer_*` JSON-RPC, a health-checked node registry, and a verified REST gateway."""

from zerog.indexer.config import IndexerConfig, load_indexer_config, parse_indexer_config
from zerog.indexer.core import choose_entry, find_uncovered_segments, is_fully_covered, select_replicas
from zerog.indexer.gateway import Gateway, iter_file_bytes
from zerog.indexer.locations import FileLocator
from zerog.indexer.registry import CheckResult, NodeRegistry, NodeState, apply_check
from zerog.indexer.rpc import register_indexer_methods
from zerog.indexer.service import IndexerService
from zerog.indexer.types import IpLocation, LocatedFile, NodeFileInfo, parse_node_file_info

__all__ = [
    "CheckResult",
    "FileLocator",
    "Gateway",
    "IndexerConfig",
    "IndexerService",
    "IpLocation",
    "LocatedFile",
    "NodeFileInfo",
    "NodeRegistry",
    "NodeState",
    "apply_check",
    "choose_entry",
    "find_uncovered_segments",
    "is_fully_covered",
    "iter_file_bytes",
    "load_indexer_config",
    "parse_indexer_config",
    "parse_node_file_info",
    "register_indexer_methods",
    "select_replicas",
]
