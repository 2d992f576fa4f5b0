"""The indexer's rules as pure functions: replica selection, which log entry nodes agree on, shard coverage.

Selection follows 0G's indexer `GetSelectedNodes` (0g-storage-client indexer/api.go): unless `fullTrusted`, up
to 3/5 of the wanted replicas come from discovered nodes, and trusted nodes make up the rest.
"""

import random
from collections import Counter
from collections.abc import Collection, Sequence

from zerog.indexer.types import NodeFileInfo
from zerog.spec import BYTES_PER_SEGMENT, ShardConfig
from zerog.storage import FileLocation, ShardedNode, compute_replica_count, select_nodes

__all__ = [
    "DISCOVERED_REPLICA_SHARE",
    "choose_entry",
    "compute_plain_segment_size",
    "find_uncovered_segments",
    "is_fully_covered",
    "is_selection_method",
    "select_replicas",
]

DISCOVERED_REPLICA_SHARE = (3, 5)
"""At most 3/5 of the replicas come from discovered nodes (integer division, as in 0G)."""


def is_selection_method(method: str) -> bool:
    """0G's methods: "min", "max", "random", or a positive shard count such as "4"."""
    return method in ("min", "max", "random") or (method.isdigit() and int(method) > 0)


def select_replicas(
    trusted: Sequence[ShardedNode],
    discovered: Sequence[ShardedNode],
    expected_replica: int,
    method: str,
    *,
    full_trusted: bool = False,
    dropped: Collection[str] = (),
    rng: random.Random | None = None,
) -> tuple[list[ShardedNode], list[ShardedNode]] | None:
    """(trusted, discovered) nodes holding every segment `expected_replica` times, or None if that is impossible."""
    gone = {url.rstrip("/") for url in dropped}
    trusted = [n for n in trusted if n.url.rstrip("/") not in gone]
    discovered = [n for n in discovered if n.url.rstrip("/") not in gone]
    from_discovered: list[ShardedNode] = []
    discovered_replica = 0
    if not full_trusted:
        share, whole = DISCOVERED_REPLICA_SHARE
        discovered_replica = expected_replica * share // whole
        from_discovered = select_nodes(discovered, discovered_replica, method, rng) or []
        if not from_discovered:
            discovered_replica = 0
    from_trusted = select_nodes(trusted, expected_replica - discovered_replica, method, rng)
    if from_trusted is None:
        return None
    return from_trusted, from_discovered


def choose_entry(answers: Sequence[NodeFileInfo]) -> NodeFileInfo | None:
    """The log entry to serve: the one most nodes hold finalized (lowest tx seq on a tie), else the lowest seq."""
    finalized = [a for a in answers if a.finalized and not a.pruned]
    if finalized:
        votes = Counter(a.identity for a in finalized)
        best = min(votes, key=lambda identity: (-votes[identity], identity[0]))
        return next(a for a in finalized if a.identity == best)
    return min(answers, key=lambda a: a.tx_seq, default=None)


def is_fully_covered(shards: Sequence[ShardConfig]) -> bool:
    """Whether these shards together hold every flow segment at least once (0G's `Select(nodes, 1, ...)`)."""
    return compute_replica_count(shards) >= 1


def find_uncovered_segments(location: FileLocation, shards: Sequence[ShardConfig]) -> list[int]:
    """File segments of `location` that none of `shards` holds."""
    if is_fully_covered(shards):
        return []
    return [
        index
        for index in range(location.segment_count)
        if not any(shard.holds_segment(location.flow_segment(index)) for shard in shards)
    ]


def compute_plain_segment_size(file_size: int, index: int) -> int:
    """File bytes in segment `index`: 256 KiB, or what is left for the last one (its padding is not file data)."""
    return max(0, min(BYTES_PER_SEGMENT, file_size - index * BYTES_PER_SEGMENT))
