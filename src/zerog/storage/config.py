"""Storage node configuration: a TOML file with 0G's key names where 0G has one.

```toml
blockchain_rpc_endpoint = "http://127.0.0.1:8545"
log_contract_address = "0x..."          # the Flow contract
log_sync_start_block_number = 0
confirmation_block_count = 3            # 0 on a devnet
rpc_listen_address = "127.0.0.1:5678"   # zgs_* JSON-RPC, /metrics, /status
rpc_listen_address_admin = "127.0.0.1:5679"  # admin_*; always bound to 127.0.0.1
db_dir = "db"                            # relative to the config file
shard_position = "0/1"
public_url = "http://127.0.0.1:5678"    # how peers and the indexer reach this node
peers = ["http://127.0.0.1:5680"]        # static peers for sync
indexer_url = ""                         # optional: discover peers through an indexer
mine_contract_address = ""               # PoRA mining (0G's keys): mines when this and miner_key are set
miner_key = ""                           # signs answers; pays their gas
miner_id = ""                            # optional: registered on first start when empty (kept in the db)
miner_beneficiary = ""                   # zerog: who the rewards go to (default: the miner_key's address)
miner_cpu_percentage = 100               # share of one core the nonce search may use
mine_iter_batch_size = 100               # nonces per batch between checks
mine_context_query_seconds = 5           # how often to look for a new epoch
```
"""

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zerog.errors import ConfigError
from zerog.settings import describe_validation_error, parse_listen_address, read_toml
from zerog.spec import ShardConfig
from zerog.spec.types import parse_fixed_bytes
from zerog.storage.log_sync import LogSyncSettings

__all__ = ["LogFollowerFile", "MinerConfig", "StorageConfig", "load_storage_config"]


class LogFollowerFile(BaseModel):
    """The config keys of anything that follows the Flow log (a storage node, a KV node), with 0G's names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    blockchain_rpc_endpoint: str
    log_contract_address: str
    log_sync_start_block_number: int = Field(default=0, ge=0)
    confirmation_block_count: int = Field(default=3, ge=0)
    log_page_size: int = Field(default=999, gt=0)
    log_poll_interval_secs: float = Field(default=1.0, gt=0)


class _ConfigFile(LogFollowerFile):
    rpc_listen_address: str = "127.0.0.1:5678"
    rpc_listen_address_admin: str = "127.0.0.1:5679"
    db_dir: str = "db"
    db_max_size_gib: int = Field(default=64, gt=0)
    shard_position: str = "0/1"
    public_url: str = ""
    peers: list[str] = Field(default_factory=list)
    indexer_url: str = ""
    auto_sync_enabled: bool = True
    sync_interval_secs: float = Field(default=2.0, gt=0)
    sync_wait_secs: float = Field(default=3.0, ge=0)
    max_cache_file_size: int = Field(default=10 * 1024 * 1024, gt=0)
    max_cache_total_size: int = Field(default=256 * 1024 * 1024, gt=0)
    cache_expiration_secs: float = Field(default=300, gt=0)
    write_window_size: int = Field(default=4, gt=0)
    max_writings: int = Field(default=16, gt=0)
    max_request_body_size: int = Field(default=100 * 1024 * 1024, gt=0)
    mine_contract_address: str = ""
    reward_contract_address: str = ""
    miner_key: str = ""
    miner_id: str = ""
    miner_beneficiary: str = ""
    miner_cpu_percentage: int = Field(default=100, ge=1, le=100)
    mine_iter_batch_size: int = Field(default=100, gt=0)
    mine_context_query_seconds: float = Field(default=5.0, gt=0)

    @field_validator("rpc_listen_address", "rpc_listen_address_admin")
    @classmethod
    def _address(cls, value: str) -> str:
        parse_listen_address(value)
        return value

    @field_validator("shard_position")
    @classmethod
    def _shard(cls, value: str) -> str:
        ShardConfig.parse(value)
        return value


@dataclass(frozen=True, slots=True)
class MinerConfig:
    """PoRA mining settings; a node mines when `mine_address` and `key` are set."""

    mine_address: str = ""
    key: str = ""
    miner_id: bytes | None = None
    beneficiary: str = ""
    cpu_percentage: int = 100
    iter_batch: int = 100
    context_query_s: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.mine_address and self.key)


@dataclass(frozen=True, slots=True)
class StorageConfig:
    """A storage node's settings, validated."""

    rpc_url: str
    flow_address: str
    db_dir: Path
    start_block: int = 0
    confirmations: int = 3
    log_page_size: int = 999
    log_poll_interval_s: float = 1.0
    listen: tuple[str, int] = ("127.0.0.1", 5678)
    admin_listen: tuple[str, int] = ("127.0.0.1", 5679)
    db_max_size_bytes: int = 64 << 30
    shard: ShardConfig = field(default_factory=lambda: ShardConfig(0, 1))
    public_url: str = ""
    peers: tuple[str, ...] = ()
    indexer_url: str = ""
    auto_sync: bool = True
    sync_interval_s: float = 2.0
    sync_wait_s: float = 3.0
    """How long a tx may wait for its uploader before this node fetches it from peers."""
    max_cache_file_bytes: int = 10 * 1024 * 1024
    max_cache_total_bytes: int = 256 * 1024 * 1024
    cache_expiration_s: float = 300.0
    write_window_size: int = 4
    max_writings: int = 16
    max_request_bytes: int = 100 * 1024 * 1024
    miner: MinerConfig = field(default_factory=MinerConfig)

    @property
    def log_sync(self) -> LogSyncSettings:
        return LogSyncSettings(
            self.flow_address, self.start_block, self.confirmations, self.log_page_size, self.log_poll_interval_s
        )

    @property
    def url(self) -> str:
        """The URL others use to reach this node."""
        return self.public_url or f"http://{self.listen[0]}:{self.listen[1]}"


def load_storage_config(path: Path) -> StorageConfig:
    """Read and validate a node's TOML config; every problem is a `ConfigError` naming the key."""
    try:
        parsed = _ConfigFile.model_validate(read_toml(path))
    except ValidationError as exc:
        raise describe_validation_error(str(path), exc) from exc
    db_dir = Path(parsed.db_dir)
    if not db_dir.is_absolute():
        db_dir = path.parent / db_dir
    host, port = parse_listen_address(parsed.rpc_listen_address)
    admin_host, admin_port = parse_listen_address(parsed.rpc_listen_address_admin)
    if admin_host not in ("127.0.0.1", "localhost"):
        raise ConfigError("rpc_listen_address_admin must be on 127.0.0.1: admin_* methods are local only")
    return StorageConfig(
        rpc_url=parsed.blockchain_rpc_endpoint,
        flow_address=parsed.log_contract_address,
        db_dir=db_dir,
        start_block=parsed.log_sync_start_block_number,
        confirmations=parsed.confirmation_block_count,
        log_page_size=parsed.log_page_size,
        log_poll_interval_s=parsed.log_poll_interval_secs,
        listen=(host, port),
        admin_listen=("127.0.0.1", admin_port),
        db_max_size_bytes=parsed.db_max_size_gib << 30,
        shard=ShardConfig.parse(parsed.shard_position),
        public_url=parsed.public_url.rstrip("/"),
        peers=tuple(p.rstrip("/") for p in parsed.peers),
        indexer_url=parsed.indexer_url.rstrip("/"),
        auto_sync=parsed.auto_sync_enabled,
        sync_interval_s=parsed.sync_interval_secs,
        sync_wait_s=parsed.sync_wait_secs,
        max_cache_file_bytes=parsed.max_cache_file_size,
        max_cache_total_bytes=parsed.max_cache_total_size,
        cache_expiration_s=parsed.cache_expiration_secs,
        write_window_size=parsed.write_window_size,
        max_writings=parsed.max_writings,
        max_request_bytes=parsed.max_request_body_size,
        miner=MinerConfig(
            mine_address=parsed.mine_contract_address,
            key=parsed.miner_key,
            miner_id=parse_fixed_bytes(parsed.miner_id, 32, "miner_id") if parsed.miner_id else None,
            beneficiary=parsed.miner_beneficiary,
            cpu_percentage=parsed.miner_cpu_percentage,
            iter_batch=parsed.mine_iter_batch_size,
            context_query_s=parsed.mine_context_query_seconds,
        ),
    )
