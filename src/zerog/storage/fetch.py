"""Verified segment download with failover, shared by the client's downloader and the indexer's gateway.

Every segment is fetched with its proof and verified against the file root before it is returned; a node that
times out, errs, answers null or serves data that fails verification is skipped for the next node of the same
shard (0G's own client fails the whole download instead: 0g-storage-client #151), and is tried last afterwards.
"""

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import structlog

from zerog.codec.segment import SegmentWithProof, compute_data_segment_count, verify_segment
from zerog.errors import InvalidInput, InvalidProof, NotFound, Unavailable, ZerogError
from zerog.spec import SECTORS_PER_SEGMENT, ShardConfig
from zerog.storage.node_client import EndpointMissing, StorageNodeClient

__all__ = ["FileLocation", "SegmentFetcher", "SourceNode"]

log = structlog.get_logger("zerog.storage.fetch")


@dataclass(frozen=True, slots=True)
class FileLocation:
    """What a download needs to know about a stored file."""

    root: bytes
    tx_seq: int
    size: int
    start_entry_index: int

    @property
    def segment_count(self) -> int:
        return compute_data_segment_count(self.size)

    def flow_segment(self, index: int) -> int:
        return self.start_entry_index // SECTORS_PER_SEGMENT + index


@dataclass
class SourceNode:
    """A node that holds (part of) the file."""

    client: StorageNodeClient
    shard: ShardConfig
    strikes: int = 0
    """Failures so far; nodes with more strikes are tried later."""
    binary: bool = True
    """Whether to use zerog's binary segment endpoint; turned off for nodes without it (0G's own)."""

    async def download(self, tx_seq: int, index: int) -> SegmentWithProof | None:
        if self.binary:
            try:
                return await self.client.download_segment_binary(tx_seq, index)
            except EndpointMissing:
                self.binary = False
        return await self.client.download_segment_with_proof_by_tx_seq(tx_seq, index)


@dataclass
class SegmentFetcher:
    """Fetches verified segments of one file from a set of nodes."""

    location: FileLocation
    sources: list[SourceNode]
    timeout_s: float = 30.0
    failovers: int = 0
    served_by: Counter[str] = field(default_factory=Counter)

    async def fetch(self, index: int) -> SegmentWithProof:
        """Segment `index`, verified; raises `Unavailable` when no node of its shard serves it correctly."""
        flow_segment = self.location.flow_segment(index)
        holders = [s for s in self.sources if s.shard.holds_segment(flow_segment)]
        if not holders:
            raise NotFound(f"no known node holds segment {index} (flow segment {flow_segment})")
        # Spread load across equally good nodes, and put nodes that failed before at the back.
        order = sorted(range(len(holders)), key=lambda i: (holders[i].strikes, (i - index) % len(holders)))
        problems = []
        for attempt, source in enumerate(holders[i] for i in order):
            try:
                segment = await asyncio.wait_for(source.download(self.location.tx_seq, index), self.timeout_s)
                if segment is None:
                    raise NotFound("the node does not hold it")
                self._check(segment, index)
            except (TimeoutError, ZerogError) as exc:
                source.strikes += 1
                problems.append(f"{source.client.url}: {exc or type(exc).__name__}")
                log.warning("segment_failover", node=source.client.url, index=index, error=str(exc) or "timeout")
                continue
            self.failovers += attempt
            self.served_by[source.client.url] += 1
            return segment
        raise Unavailable(f"segment {index} could not be fetched: " + "; ".join(problems))

    def _check(self, segment: SegmentWithProof, index: int) -> None:
        if segment.root != self.location.root:
            raise InvalidProof("the node served a segment of another file")
        if segment.index != index or segment.file_size != self.location.size:
            raise InvalidProof("the node served a segment with the wrong index or file size")
        try:
            verify_segment(segment)
        except InvalidInput as exc:
            raise InvalidProof(f"bad segment: {exc}") from exc
