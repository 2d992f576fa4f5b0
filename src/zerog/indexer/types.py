"""Records the indexer keeps and serves: a node's view of a file, a located file, an IP location.

Storage nodes are not trusted: their `FileInfo` answers are parsed here, once, and anything malformed is rejected.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from zerog.errors import InvalidInput
from zerog.spec import bytes_to_root
from zerog.storage import FileLocation, ShardedNode

__all__ = [
    "IpLocation",
    "LocatedFile",
    "NodeFileInfo",
    "parse_ip_locations",
    "parse_node_file_info",
    "parse_node_host",
]


@dataclass(frozen=True, slots=True)
class NodeFileInfo:
    """One node's answer to zgs_getFileInfo / zgs_getFileInfoByTxSeq."""

    tx_seq: int
    root: bytes
    size: int
    start_entry_index: int
    finalized: bool
    pruned: bool
    uploaded_segments: int

    @property
    def identity(self) -> tuple[int, bytes, int, int]:
        """What two nodes must agree on to be serving the same log entry."""
        return self.tx_seq, self.root, self.size, self.start_entry_index

    @property
    def location(self) -> FileLocation:
        return FileLocation(self.root, self.tx_seq, self.size, self.start_entry_index)


def _uint(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{what} must be a non-negative integer, got {value!r}")
    return value


def parse_node_file_info(raw: Any) -> NodeFileInfo:
    """Validate 0G's `FileInfo` JSON, `{tx: {seq, dataMerkleRoot, size, startEntryIndex, ...}, finalized, ...}`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("tx"), dict):
        raise InvalidInput("a FileInfo is an object with a `tx` object")
    tx = raw["tx"]
    root = tx.get("dataMerkleRoot")
    if not isinstance(root, str):
        raise InvalidInput("tx.dataMerkleRoot must be 0x-hex")
    finalized, pruned = raw.get("finalized", False), raw.get("pruned", False)
    if not isinstance(finalized, bool) or not isinstance(pruned, bool):
        raise InvalidInput("finalized and pruned must be booleans")
    return NodeFileInfo(
        tx_seq=_uint(tx.get("seq"), "tx.seq"),
        root=bytes_to_root(root),
        size=_uint(tx.get("size"), "tx.size"),
        start_entry_index=_uint(tx.get("startEntryIndex"), "tx.startEntryIndex"),
        finalized=finalized,
        pruned=pruned,
        uploaded_segments=_uint(raw.get("uploadedSegNum", 0), "uploadedSegNum"),
    )


@dataclass(frozen=True, slots=True)
class LocatedFile:
    """A log entry and the healthy nodes that report it finalized."""

    info: NodeFileInfo
    holders: tuple[ShardedNode, ...]
    pruned: bool = False
    """True when some node reported the entry pruned."""

    @property
    def location(self) -> FileLocation:
        return self.info.location


@dataclass(frozen=True, slots=True)
class IpLocation:
    """0G's `IPLocation` (ipinfo.io fields)."""

    city: str = ""
    region: str = ""
    country: str = ""
    loc: str = ""
    """"latitude,longitude"."""
    timezone: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "city": self.city,
            "region": self.region,
            "country": self.country,
            "loc": self.loc,
            "timezone": self.timezone,
        }


def parse_ip_locations(raw: Any) -> dict[str, IpLocation]:
    """Validate 0G's IP location cache document, `{ip: {city, region, country, loc, timezone}}`."""
    if not isinstance(raw, dict):
        raise InvalidInput("IP locations are a JSON object keyed by IP")
    locations = {}
    for ip, entry in raw.items():
        if not isinstance(entry, dict):
            raise InvalidInput(f"the location of {ip} must be an object")
        fields = {k: entry.get(k, "") for k in ("city", "region", "country", "loc", "timezone")}
        if not all(isinstance(v, str) for v in fields.values()):
            raise InvalidInput(f"the location fields of {ip} must be strings")
        locations[str(ip).lower()] = IpLocation(**fields)
    return locations


def parse_node_host(url: str) -> str:
    """The host part of a node URL, lowercased: 0G keys node locations by it."""
    return (urlsplit(url).hostname or url).lower()
