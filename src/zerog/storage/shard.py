"""Choosing storage nodes so that every flow segment has enough replicas (0G client's `shard.Select`).

A node with shard (id, n) holds flow segments s with s mod n == id. Coverage is counted per residue modulo the
largest n among the candidates; a node is taken only if some residue it covers is still short of the wanted
replica count, and selection stops once every residue has it. Candidate order decides which nodes win:
"min" prefers few large nodes (numShard ascending), "max" many small ones, "random" shuffles, and a number keeps
only nodes with that numShard.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass

from zerog.errors import InvalidInput
from zerog.spec import ShardConfig

__all__ = ["SELECTION_METHODS", "ShardedNode", "compute_replica_count", "order_candidates", "select_nodes"]

SELECTION_METHODS = ("min", "max", "random")


@dataclass(frozen=True, slots=True)
class ShardedNode:
    """A storage node as the indexer and the client see it."""

    url: str
    shard: ShardConfig
    latency_ms: int = 0
    since: int = 0
    """Unix time of the last successful health check."""

    def to_json(self) -> dict[str, object]:
        """0G's `ShardedNode` JSON."""
        return {
            "url": self.url,
            "config": {"shardId": self.shard.shard_id, "numShard": self.shard.num_shard},
            "latency": self.latency_ms,
            "since": self.since,
        }


def order_candidates(nodes: Sequence[ShardedNode], method: str, rng: random.Random | None = None) -> list[ShardedNode]:
    """The candidates in the order `method` tries them."""
    if method == "random":
        shuffled = list(nodes)
        (rng or random.Random()).shuffle(shuffled)
        return shuffled
    if method == "min":
        return sorted(nodes, key=lambda n: (n.shard.num_shard, n.shard.shard_id))
    if method == "max":
        return sorted(nodes, key=lambda n: (-n.shard.num_shard, n.shard.shard_id))
    if method.isdigit() and int(method) > 0:
        return [n for n in nodes if n.shard.num_shard == int(method)]
    raise InvalidInput(f"selection method must be min, max, random or a shard count, got {method!r}")


def _covered(shard: ShardConfig, width: int) -> range:
    return range(shard.shard_id, width, shard.num_shard)


def compute_replica_count(shards: Sequence[ShardConfig]) -> int:
    """How many copies of the scarcest flow segment these shards hold together."""
    if not shards:
        return 0
    width = max(s.num_shard for s in shards)
    counts = [0] * width
    for shard in shards:
        for residue in _covered(shard, width):
            counts[residue] += 1
    return min(counts)


def select_nodes(
    nodes: Sequence[ShardedNode], expected_replica: int, method: str = "min", rng: random.Random | None = None
) -> list[ShardedNode] | None:
    """Nodes that together hold every segment `expected_replica` times, or None if the candidates cannot."""
    if expected_replica < 0:
        raise InvalidInput("the replica count cannot be negative")
    if expected_replica == 0:
        return []
    candidates = order_candidates(nodes, method, rng)
    if not candidates:
        return None
    width = max(n.shard.num_shard for n in candidates)
    counts = [0] * width
    selected: list[ShardedNode] = []
    for node in candidates:
        covered = _covered(node.shard, width)
        if min(counts[r] for r in covered) >= expected_replica:
            continue  # adds nothing that is still missing
        for residue in covered:
            counts[residue] += 1
        selected.append(node)
        if min(counts) >= expected_replica:
            return selected
    return None
