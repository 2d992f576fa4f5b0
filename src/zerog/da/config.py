"""DA service configuration: TOML files for `zerog da signer run` and `zerog da disperser run`.

Signer:
```toml
blockchain_rpc_endpoint = "http://127.0.0.1:8545"
da_entrance_address = "0x..."          # DAEntrance (the signer registry is read from it)
signer_eth_key = "0x..."                # registers, stakes and signs up for epochs; its address is the signer
signer_bls_key = "0x..."                # 32-byte BLS12-381 secret key seed
stake_wei = "1000000000000000000"       # staked at registration (only the first time)
grpc_listen_address = "127.0.0.1:34000" # Signer gRPC (BatchSign, BatchRetrieve, GetStatus)
socket = ""                             # how dispersers reach it (default: the listen address)
http_listen_address = "127.0.0.1:9184"  # /metrics, /status
db_dir = "db"
epoch_window = 300                      # rows are pruned this many epochs after theirs (0G's default)
max_ongoing_sign_requests = 10          # beyond: RESOURCE_EXHAUSTED "request pool is full" (0G's default)
max_requests_per_peer = 2               # concurrent requests from one peer (0g-da-node #31)
max_blobs_per_request = 32
poll_interval_secs = 1.0                # epoch registration
```

Disperser:
```toml
blockchain_rpc_endpoint = "http://127.0.0.1:8545"
da_entrance_address = "0x..."
disperser_eth_key = "0x..."             # pays the blob fees and submits certificates
grpc_listen_address = "127.0.0.1:51001"
http_listen_address = "127.0.0.1:9185"  # /metrics, /status
db_dir = "db"
storage_node_urls = []                  # also store each encoded blob in zerog storage (optional)
indexer_url = ""
flow_address = ""                       # the storage Flow, needed with storage_node_urls / indexer_url
storage_eth_key = ""                    # pays for storage (default: disperser_eth_key; own key = in parallel)
sign_timeout_secs = 30
sign_retries = 3
max_blob_bytes = 32505852
encoder_workers = 2                     # processes running ckzg
finalization_blocks = 2                 # CONFIRMED becomes FINALIZED this many blocks after the certificate
```
"""

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zerog.errors import ConfigError
from zerog.settings import describe_validation_error, parse_listen_address, read_toml
from zerog.spec.types import parse_fixed_bytes

__all__ = ["DisperserConfig", "SignerConfig", "load_disperser_config", "load_signer_config"]


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    blockchain_rpc_endpoint: str
    da_entrance_address: str
    grpc_listen_address: str
    http_listen_address: str
    db_dir: str = "db"

    @field_validator("grpc_listen_address", "http_listen_address")
    @classmethod
    def _address(cls, value: str) -> str:
        parse_listen_address(value)
        return value


class _SignerFile(_Common):
    signer_eth_key: str
    signer_bls_key: str
    stake_wei: int = Field(default=10**18, ge=0)
    grpc_listen_address: str = "127.0.0.1:34000"
    http_listen_address: str = "127.0.0.1:9184"
    socket: str = ""
    epoch_window: int = Field(default=300, gt=0)
    max_ongoing_sign_requests: int = Field(default=10, gt=0)
    max_requests_per_peer: int = Field(default=2, gt=0)
    max_blobs_per_request: int = Field(default=32, gt=0)
    poll_interval_secs: float = Field(default=1.0, gt=0)

    @field_validator("signer_bls_key", "signer_eth_key")
    @classmethod
    def _key(cls, value: str) -> str:
        parse_fixed_bytes(value, 32, "a key")
        return value


class _DisperserFile(_Common):
    disperser_eth_key: str
    grpc_listen_address: str = "127.0.0.1:51001"
    http_listen_address: str = "127.0.0.1:9185"
    storage_node_urls: list[str] = Field(default_factory=list)
    indexer_url: str = ""
    flow_address: str = ""
    storage_eth_key: str = ""
    sign_timeout_secs: float = Field(default=30.0, gt=0)
    sign_retries: int = Field(default=3, ge=0)
    max_blob_bytes: int = Field(default=32_505_852, gt=0, le=32_505_852)
    encoder_workers: int = Field(default=2, gt=0, le=64)
    finalization_blocks: int = Field(default=2, ge=0)

    @field_validator("disperser_eth_key", "storage_eth_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if value:
            parse_fixed_bytes(value, 32, "a key")
        return value


@dataclass(frozen=True, slots=True)
class SignerConfig:
    rpc_url: str
    entrance_address: str
    eth_key: str
    bls_key: bytes
    db_dir: Path
    stake_wei: int = 10**18
    listen: tuple[str, int] = ("127.0.0.1", 34000)
    http_listen: tuple[str, int] = ("127.0.0.1", 9184)
    socket: str = ""
    epoch_window: int = 300
    max_ongoing_sign_requests: int = 10
    max_requests_per_peer: int = 2
    max_blobs_per_request: int = 32
    poll_interval_s: float = 1.0

    @property
    def public_socket(self) -> str:
        return self.socket or f"{self.listen[0]}:{self.listen[1]}"


@dataclass(frozen=True, slots=True)
class DisperserConfig:
    rpc_url: str
    entrance_address: str
    eth_key: str
    db_dir: Path
    listen: tuple[str, int] = ("127.0.0.1", 51001)
    http_listen: tuple[str, int] = ("127.0.0.1", 9185)
    storage_nodes: tuple[str, ...] = ()
    indexer_url: str = ""
    flow_address: str = ""
    storage_eth_key: str = ""
    sign_timeout_s: float = 30.0
    sign_retries: int = 3
    max_blob_bytes: int = 32_505_852
    encoder_workers: int = 2
    finalization_blocks: int = 2

    @property
    def storage_key(self) -> str:
        return self.storage_eth_key or self.eth_key

    @property
    def url(self) -> str:
        return f"{self.listen[0]}:{self.listen[1]}"


def _db_dir(path: Path, value: str) -> Path:
    db_dir = Path(value)
    return db_dir if db_dir.is_absolute() else path.parent / db_dir


def load_signer_config(path: Path) -> SignerConfig:
    try:
        parsed = _SignerFile.model_validate(read_toml(path))
    except ValidationError as exc:
        raise describe_validation_error(str(path), exc) from exc
    return SignerConfig(
        rpc_url=parsed.blockchain_rpc_endpoint,
        entrance_address=parsed.da_entrance_address,
        eth_key=parsed.signer_eth_key,
        bls_key=parse_fixed_bytes(parsed.signer_bls_key, 32, "signer_bls_key"),
        db_dir=_db_dir(path, parsed.db_dir),
        stake_wei=parsed.stake_wei,
        listen=parse_listen_address(parsed.grpc_listen_address),
        http_listen=parse_listen_address(parsed.http_listen_address),
        socket=parsed.socket,
        epoch_window=parsed.epoch_window,
        max_ongoing_sign_requests=parsed.max_ongoing_sign_requests,
        max_requests_per_peer=parsed.max_requests_per_peer,
        max_blobs_per_request=parsed.max_blobs_per_request,
        poll_interval_s=parsed.poll_interval_secs,
    )


def load_disperser_config(path: Path) -> DisperserConfig:
    try:
        parsed = _DisperserFile.model_validate(read_toml(path))
    except ValidationError as exc:
        raise describe_validation_error(str(path), exc) from exc
    if (parsed.storage_node_urls or parsed.indexer_url) and not parsed.flow_address:
        raise ConfigError(f"{path}: storing blobs in zerog storage (storage_node_urls/indexer_url) needs flow_address")
    return DisperserConfig(
        rpc_url=parsed.blockchain_rpc_endpoint,
        entrance_address=parsed.da_entrance_address,
        eth_key=parsed.disperser_eth_key,
        db_dir=_db_dir(path, parsed.db_dir),
        listen=parse_listen_address(parsed.grpc_listen_address),
        http_listen=parse_listen_address(parsed.http_listen_address),
        storage_nodes=tuple(u.rstrip("/") for u in parsed.storage_node_urls),
        indexer_url=parsed.indexer_url.rstrip("/"),
        flow_address=parsed.flow_address,
        storage_eth_key=parsed.storage_eth_key,
        sign_timeout_s=parsed.sign_timeout_secs,
        sign_retries=parsed.sign_retries,
        max_blob_bytes=parsed.max_blob_bytes,
        encoder_workers=parsed.encoder_workers,
        finalization_blocks=parsed.finalization_blocks,
    )
