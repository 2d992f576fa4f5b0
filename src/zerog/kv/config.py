"""KV node configuration: a TOML file with 0g-storage-kv's key names where it has one.

```toml
blockchain_rpc_endpoint = "http://127.0.0.1:8545"
log_contract_address = "0x..."        # the Flow contract
log_sync_start_block_number = 0
confirmation_block_count = 3
zgs_node_urls = ["http://127.0.0.1:5678"]  # storage nodes to read KV data from
indexer_url = ""                       # or find them through an indexer
stream_ids = ["0x..."]                 # the streams this node holds
all_streams = false                    # zerog: hold every stream
rpc_listen_address = "127.0.0.1:6789"  # kv_* JSON-RPC, memory REST, /metrics, /status
db_dir = "db"
data_wait_secs = 60                    # zerog: a tx whose data never arrives is recorded as DataUnavailable
memory_writer_key = ""                 # zerog: key the memory REST API writes with (pays the storage fee)
```
"""

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from zerog.errors import ConfigError
from zerog.settings import describe_validation_error, parse_listen_address, read_toml
from zerog.spec.types import parse_fixed_bytes
from zerog.storage import LogFollowerFile, LogSyncSettings

__all__ = ["KvConfig", "load_kv_config"]


class _ConfigFile(LogFollowerFile):
    zgs_node_urls: list[str] = Field(default_factory=list)
    indexer_url: str = ""
    stream_ids: list[str] = Field(default_factory=list)
    all_streams: bool = False
    rpc_listen_address: str = "127.0.0.1:6789"
    db_dir: str = "db"
    db_max_size_gib: int = Field(default=16, gt=0)
    data_wait_secs: float = Field(default=60.0, gt=0)
    replay_interval_secs: float = Field(default=0.2, gt=0)
    max_query_len_in_bytes: int = Field(default=256 * 1024, gt=0)
    max_request_body_size: int = Field(default=16 * 1024 * 1024, gt=0)
    memory_enabled: bool = True
    memory_writer_key: str = ""

    @field_validator("rpc_listen_address")
    @classmethod
    def _address(cls, value: str) -> str:
        parse_listen_address(value)
        return value

    @field_validator("stream_ids")
    @classmethod
    def _streams(cls, value: list[str]) -> list[str]:
        for stream in value:
            parse_fixed_bytes(stream, 32, "a stream id")
        return value


@dataclass(frozen=True, slots=True)
class KvConfig:
    rpc_url: str
    flow_address: str
    db_dir: Path
    start_block: int = 0
    confirmations: int = 3
    log_page_size: int = 999
    log_poll_interval_s: float = 1.0
    storage_nodes: tuple[str, ...] = ()
    indexer_url: str = ""
    stream_ids: tuple[bytes, ...] = ()
    all_streams: bool = False
    listen: tuple[str, int] = ("127.0.0.1", 6789)
    db_max_size_bytes: int = 16 << 30
    data_wait_s: float = 60.0
    replay_interval_s: float = 0.2
    max_query_len: int = 256 * 1024
    max_request_bytes: int = 16 * 1024 * 1024
    memory_enabled: bool = True
    memory_writer_key: str = ""

    @property
    def held_streams(self) -> frozenset[bytes] | None:
        """The streams this node replays; None means every stream."""
        return None if self.all_streams else frozenset(self.stream_ids)

    @property
    def url(self) -> str:
        return f"http://{self.listen[0]}:{self.listen[1]}"

    @property
    def log_sync(self) -> LogSyncSettings:
        return LogSyncSettings(
            self.flow_address, self.start_block, self.confirmations, self.log_page_size, self.log_poll_interval_s
        )


def load_kv_config(path: Path) -> KvConfig:
    """Read and validate a KV node's TOML config; every problem is a `ConfigError` naming the key."""
    try:
        parsed = _ConfigFile.model_validate(read_toml(path))
    except ValidationError as exc:
        raise describe_validation_error(str(path), exc) from exc
    if not parsed.zgs_node_urls and not parsed.indexer_url:
        raise ConfigError(f"{path}: set zgs_node_urls or indexer_url: the KV node reads its data from storage nodes")
    if not parsed.stream_ids and not parsed.all_streams:
        raise ConfigError(f"{path}: list stream_ids, or set all_streams = true")
    db_dir = Path(parsed.db_dir)
    if not db_dir.is_absolute():
        db_dir = path.parent / db_dir
    return KvConfig(
        rpc_url=parsed.blockchain_rpc_endpoint,
        flow_address=parsed.log_contract_address,
        db_dir=db_dir,
        start_block=parsed.log_sync_start_block_number,
        confirmations=parsed.confirmation_block_count,
        log_page_size=parsed.log_page_size,
        log_poll_interval_s=parsed.log_poll_interval_secs,
        storage_nodes=tuple(u.rstrip("/") for u in parsed.zgs_node_urls),
        indexer_url=parsed.indexer_url.rstrip("/"),
        stream_ids=tuple(parse_fixed_bytes(s, 32, "a stream id") for s in parsed.stream_ids),
        all_streams=parsed.all_streams,
        listen=parse_listen_address(parsed.rpc_listen_address),
        db_max_size_bytes=parsed.db_max_size_gib << 30,
        data_wait_s=parsed.data_wait_secs,
        replay_interval_s=parsed.replay_interval_secs,
        max_query_len=parsed.max_query_len_in_bytes,
        max_request_bytes=parsed.max_request_body_size,
        memory_enabled=parsed.memory_enabled,
        memory_writer_key=parsed.memory_writer_key,
    )
