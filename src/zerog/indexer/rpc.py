"""0G's `indexer_*` JSON-RPC methods (0g-storage-client indexer/api.go), served on POST /.

Shapes:
- `indexer_getShardedNodes()` -> `{trusted: [ShardedNode], discovered: [ShardedNode]}`; a ShardedNode is
  `{url, config: {shardId, numShard}, latency, since}`. Empty lists are `[]`, never `null` (Go would send `null`
  for an empty slice, which the Python and TS SDKs cannot index).
- `indexer_getSelectedNodes(expectedReplica, method, fullTrusted?, dropped?)` -> `{trusted, discovered}`, the
  nodes chosen by `select_replicas`; -32602 when `method` is unknown or the replicas cannot be reached.
- `indexer_getNodeLocations()` -> `{ip: {city, region, country, loc, timezone}}` for nodes whose IP location is
  known (from the configured location file; 0G looks them up on ipinfo.io and skips private addresses).
- `indexer_getFileLocations(root)` -> `[ShardedNode]` of healthy nodes holding the file finalized when they cover
  every shard, `null` when they do not (yet); error -32000 "file not found" when no healthy node knows the root.
"""

import random
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr, TypeAdapter

from zerog.errors import NotFound
from zerog.indexer.core import is_fully_covered, is_selection_method, select_replicas
from zerog.indexer.locations import FileLocator
from zerog.indexer.registry import NodeRegistry
from zerog.indexer.types import IpLocation, parse_node_host
from zerog.rpc import JsonRpcServer, Param, invalid_params
from zerog.spec import bytes_to_root
from zerog.storage import ShardedNode

__all__ = ["NO_REPLICAS_MESSAGE", "register_indexer_methods", "sharded_nodes_json"]

NO_REPLICAS_MESSAGE = "cannot select a subset from the returned nodes that meets the replication requirement"
"""0G's error text when the replica count cannot be reached."""

MAX_DROPPED_URLS = 4096


def _check_method(method: str) -> str:
    if not is_selection_method(method):
        raise ValueError(f"must be min, max, random or a shard count, got {method!r}")
    return method


_root = TypeAdapter(Annotated[StrictStr, AfterValidator(bytes_to_root)])
_replica = TypeAdapter(Annotated[StrictInt, Field(ge=0, lt=1 << 32)])
_method = TypeAdapter(Annotated[StrictStr, AfterValidator(_check_method)])
_bool = TypeAdapter(StrictBool)
_urls = TypeAdapter(Annotated[list[StrictStr], Field(max_length=MAX_DROPPED_URLS)])


def sharded_nodes_json(trusted: list[ShardedNode], discovered: list[ShardedNode]) -> dict[str, Any]:
    """0G's `ShardedNodes` JSON."""
    return {"trusted": [n.to_json() for n in trusted], "discovered": [n.to_json() for n in discovered]}


def register_indexer_methods(
    server: JsonRpcServer,
    registry: NodeRegistry,
    locator: FileLocator,
    ip_locations: Mapping[str, IpLocation],
    rng: random.Random | None = None,
) -> None:
    """Add 0G's `indexer_*` methods to `server`."""

    @server.method("indexer_getShardedNodes")
    async def get_sharded_nodes() -> Any:
        return sharded_nodes_json(registry.trusted(), registry.discovered())

    @server.method(
        "indexer_getSelectedNodes",
        Param("expectedReplica", _replica),
        Param("method", _method),
        Param("fullTrusted", _bool, optional=True, default=False),
        Param("dropped", _urls, optional=True, default=[]),
    )
    async def get_selected_nodes(expected_replica: int, how: str, full_trusted: bool, dropped: list[str]) -> Any:
        chosen = select_replicas(
            registry.trusted(),
            registry.discovered(),
            expected_replica,
            how,
            full_trusted=full_trusted,
            dropped=dropped,
            rng=rng,
        )
        if chosen is None:
            raise invalid_params("expectedReplica", NO_REPLICAS_MESSAGE)
        return sharded_nodes_json(*chosen)

    @server.method("indexer_getNodeLocations")
    async def get_node_locations() -> Any:
        urls = [s.url for s in registry.states() if s.trusted] + [n.url for n in registry.discovered()]
        hosts = [parse_node_host(url) for url in urls]
        return {host: ip_locations[host].to_json() for host in hosts if host in ip_locations}

    @server.method("indexer_getFileLocations", Param("root", _root))
    async def get_file_locations(root: bytes) -> Any:
        located = await locator.find_by_root(root)
        if located is None:
            raise NotFound("file not found")
        if not located.holders or not is_fully_covered([n.shard for n in located.holders]):
            return None
        return [n.to_json() for n in located.holders]
