"""Indexer configuration: a TOML file validated once into a frozen `IndexerConfig`.

```toml
listen_address = "127.0.0.1:12345"        # indexer_* JSON-RPC on POST /, REST gateway, /metrics, /status
trusted_nodes = ["http://127.0.0.1:5678"] # storage nodes' public zgs_* URLs
discovery_nodes = []                      # optional: storage nodes' admin_* URLs; their admin_getPeers
                                          #   answers add "discovered" nodes (0G's --node discovery)
discovery_interval_secs = 10
health_check_interval_secs = 2            # every node gets zgs_getStatus + zgs_getShardConfig this often
max_failures = 3                          # consecutive failed checks before a node leaves the answers
file_location_cache_secs = 5              # how long indexer_getFileLocations answers are reused
request_timeout_secs = 3                  # per health check or file lookup call (0G's indexer uses 3 s)
download_timeout_secs = 30                # gateway: per segment fetch from one node before failing over
download_read_ahead_segments = 4          # gateway: segments fetched ahead of the one being sent
ip_locations_file = ""                    # optional: 0G's IP location cache file, {ip: {city, region, ...}}
```
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zerog.errors import ConfigError, InvalidInput
from zerog.indexer.types import IpLocation, parse_ip_locations
from zerog.settings import describe_validation_error, parse_listen_address, read_toml

__all__ = ["IndexerConfig", "load_indexer_config", "parse_indexer_config", "parse_node_url"]


def parse_node_url(text: str) -> str:
    """A storage node URL, 'http(s)://host[:port][/path]', without a trailing slash."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"a node URL looks like 'http://host:port', got {text!r}")
    try:
        _ = parts.port
    except ValueError as exc:
        raise InvalidInput(f"bad port in node URL {text!r}") from exc
    return text.strip().rstrip("/")


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    listen_address: str = "127.0.0.1:12345"
    trusted_nodes: list[str] = Field(default_factory=list)
    discovery_nodes: list[str] = Field(default_factory=list)
    discovery_interval_secs: float = Field(default=10.0, gt=0)
    health_check_interval_secs: float = Field(default=2.0, gt=0)
    max_failures: int = Field(default=3, ge=1)
    file_location_cache_secs: float = Field(default=5.0, ge=0)
    request_timeout_secs: float = Field(default=3.0, gt=0)
    download_timeout_secs: float = Field(default=30.0, gt=0)
    download_read_ahead_segments: int = Field(default=4, ge=1, le=64)
    ip_locations_file: str = ""

    @field_validator("listen_address")
    @classmethod
    def _address(cls, value: str) -> str:
        parse_listen_address(value)
        return value

    @field_validator("trusted_nodes", "discovery_nodes")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [parse_node_url(url) for url in value]


@dataclass(frozen=True, slots=True)
class IndexerConfig:
    """An indexer's settings, validated."""

    trusted_nodes: tuple[str, ...]
    """Storage node URLs the indexer trusts and serves under `trusted`."""
    listen: tuple[str, int] = ("127.0.0.1", 12345)
    discovery_nodes: tuple[str, ...] = ()
    """admin_* URLs asked for their peers; the peers are served under `discovered`."""
    discovery_interval_s: float = 10.0
    health_check_interval_s: float = 2.0
    max_failures: int = 3
    """Consecutive failed health checks after which a node is left out of every answer."""
    file_location_cache_s: float = 5.0
    request_timeout_s: float = 3.0
    """Per health check or file lookup call to a node."""
    download_timeout_s: float = 30.0
    """Per segment fetch from one node, before the gateway fails over to the next."""
    download_read_ahead: int = 4
    """Segments the gateway fetches ahead of the one it is sending."""
    ip_locations: Mapping[str, IpLocation] = field(default_factory=dict)
    """Known IP locations for indexer_getNodeLocations, keyed by IP."""

    @property
    def url(self) -> str:
        return f"http://{self.listen[0]}:{self.listen[1]}"


def parse_indexer_config(raw: Mapping[str, Any], base_dir: Path, source: str = "config") -> IndexerConfig:
    """Validate a parsed TOML document; every problem is a `ConfigError` naming the key."""
    try:
        parsed = _ConfigFile.model_validate(dict(raw))
    except ValidationError as exc:
        raise describe_validation_error(source, exc) from exc
    trusted = tuple(dict.fromkeys(parsed.trusted_nodes))
    discovery = tuple(dict.fromkeys(parsed.discovery_nodes))
    if not trusted and not discovery:
        raise ConfigError(f"{source}: trusted_nodes: list at least one storage node URL (or set discovery_nodes)")
    return IndexerConfig(
        trusted_nodes=trusted,
        listen=parse_listen_address(parsed.listen_address),
        discovery_nodes=discovery,
        discovery_interval_s=parsed.discovery_interval_secs,
        health_check_interval_s=parsed.health_check_interval_secs,
        max_failures=parsed.max_failures,
        file_location_cache_s=parsed.file_location_cache_secs,
        request_timeout_s=parsed.request_timeout_secs,
        download_timeout_s=parsed.download_timeout_secs,
        download_read_ahead=parsed.download_read_ahead_segments,
        ip_locations=_load_ip_locations(parsed.ip_locations_file, base_dir, source),
    )


def load_indexer_config(path: Path) -> IndexerConfig:
    """Read and validate an indexer's TOML config file."""
    return parse_indexer_config(read_toml(path), path.parent, str(path))


def _load_ip_locations(name: str, base_dir: Path, source: str) -> dict[str, IpLocation]:
    if not name:
        return {}
    path = Path(name) if Path(name).is_absolute() else base_dir / name
    try:
        return parse_ip_locations(json.loads(path.read_text()))
    except FileNotFoundError as exc:
        raise ConfigError(f"{source}: ip_locations_file: no file at {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, InvalidInput) as exc:
        raise ConfigError(f"{source}: ip_locations_file: {path}: {exc}") from exc
