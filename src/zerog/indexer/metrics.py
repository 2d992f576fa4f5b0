"""The indexer's Prometheus metrics, all in the service's own registry."""

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["IndexerMetrics"]


class IndexerMetrics:
    """Node health, location lookups and gateway downloads."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.nodes = Gauge(
            "zerog_indexer_nodes", "Known storage nodes by kind and health", ["kind", "state"], registry=registry
        )
        self.health_checks = Counter(
            "zerog_indexer_health_checks", "Node health checks by outcome", ["outcome"], registry=registry
        )
        self.location_lookups = Counter(
            "zerog_indexer_location_lookups", "File location lookups by cache result", ["cache"], registry=registry
        )
        self.downloads = Counter(
            "zerog_indexer_gateway_downloads", "Gateway downloads by outcome", ["outcome"], registry=registry
        )
        self.download_bytes = Counter(
            "zerog_indexer_gateway_bytes", "File bytes sent by the gateway", registry=registry
        )
        self.segment_failovers = Counter(
            "zerog_indexer_segment_failovers", "Segments fetched from another node after one failed", registry=registry
        )
