"""Verified segment download with failover, shared by the client's downloader and the indexer's gateway.

Every segment is verified against the file root before it is returned; a node that times out, errs, answers
null or serves data that fails verification is skipped for the next node of the same shard (0G's own client
fails the whole download instead: 0g-storage-client #151), and is tried last afterwards.

Fast path: `fetch_batch` asks one node for several segments at once through zerog's binary endpoint and
verifies them in a worker thread (the native hasher releases the GIL); whatever that misses goes through
`fetch`, one segment at a time, across every holder. Nodes without the endpoint (0G's) are read through zgs_*.
"""

import asyncio
from collections import Counter
from collections.abc import Sequence
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
    """Whether to use zerog's binary endpoint; turned off for nodes without it (0G's own)."""
    in_flight: int = 0
    """Requests sent and not answered yet: new batches go to the least busy holder."""

    async def download(self, tx_seq: int, indices: list[int]) -> dict[int, SegmentWithProof]:
        """The requested segments this node holds (unverified)."""
        self.in_flight += 1
        try:
            return await self._download(tx_seq, indices)
        finally:
            self.in_flight -= 1

    async def _download(self, tx_seq: int, indices: list[int]) -> dict[int, SegmentWithProof]:
        if self.binary:
            try:
                return await self.client.download_segments_binary(tx_seq, indices)
            except EndpointMissing:
                self.binary = False
        found = {}
        for index in indices:
            segment = await self.client.download_segment_with_proof_by_tx_seq(tx_seq, index)
            if segment is not None:
                found[index] = segment
        return found


@dataclass
class SegmentFetcher:
    """Fetches verified segments of one file from a set of nodes."""

    location: FileLocation
    sources: list[SourceNode]
    timeout_s: float = 30.0
    failovers: int = 0
    served_by: Counter[str] = field(default_factory=Counter)

    def holders(self, index: int) -> list[SourceNode]:
        """Nodes whose shard holds segment `index`, best first: fewest failures, least busy, then as listed."""
        flow_segment = self.location.flow_segment(index)
        holders = [s for s in self.sources if s.shard.holds_segment(flow_segment)]
        order = sorted(range(len(holders)), key=lambda i: (holders[i].strikes, holders[i].in_flight, i))
        return [holders[i] for i in order]

    def plan_batches(self, indices: Sequence[int], batch_size: int) -> list[list[int]]:
        """Group indices held by the same nodes into batches (each batch then goes to one of those nodes)."""
        groups: dict[tuple[str, ...], list[int]] = {}
        for index in indices:
            key = tuple(sorted(s.client.url for s in self.holders(index)))
            groups.setdefault(key, []).append(index)
        return [group[i : i + batch_size] for group in groups.values() for i in range(0, len(group), batch_size)]

    async def fetch_batch(self, indices: list[int]) -> dict[int, SegmentWithProof]:
        """Verified segments of `indices` from the best holder; missing or bad ones are left out (use `fetch`)."""
        holders = self.holders(indices[0])
        if not holders:
            return {}
        source = holders[0]
        try:
            raw = await asyncio.wait_for(source.download(self.location.tx_seq, indices), self.timeout_s)
        except (TimeoutError, ZerogError) as exc:
            source.strikes += 1
            self.failovers += len(indices)
            log.warning("segment_batch_failed", node=source.client.url, first=indices[0], error=str(exc) or "timeout")
            return {}
        good = await asyncio.to_thread(self._verify_all, [raw[i] for i in indices if i in raw])
        if len(good) < len(indices):
            source.strikes += 1
            self.failovers += len(indices) - len(good)  # the rest fails over, one segment at a time
        if good:
            self.served_by[source.client.url] += len(good)
        return {segment.index: segment for segment in good}

    async def fetch(self, index: int) -> SegmentWithProof:
        """Segment `index`, verified; raises `Unavailable` when no node of its shard serves it correctly."""
        holders = self.holders(index)
        if not holders:
            raise NotFound(f"no known node holds segment {index} (flow segment {self.location.flow_segment(index)})")
        problems = []
        for attempt, source in enumerate(holders):
            try:
                found = await asyncio.wait_for(source.download(self.location.tx_seq, [index]), self.timeout_s)
                segment = found.get(index)
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

    def _verify_all(self, segments: list[SegmentWithProof]) -> list[SegmentWithProof]:
        good = []
        for segment in segments:
            try:
                self._check(segment, segment.index)
            except InvalidProof as exc:
                log.warning("segment_rejected", index=segment.index, error=str(exc))
                continue
            good.append(segment)
        return good

    def _check(self, segment: SegmentWithProof, index: int) -> None:
        if segment.root != self.location.root:
            raise InvalidProof("the node served a segment of another file")
        if segment.index != index or segment.file_size != self.location.size:
            raise InvalidProof("the node served a segment with the wrong index or file size")
        try:
            verify_segment(segment)
        except InvalidInput as exc:
            raise InvalidProof(f"bad segment: {exc}") from exc
