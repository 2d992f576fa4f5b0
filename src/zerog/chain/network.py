"""A network description file (`devnet.json`): chain, contract addresses, accounts and service URLs.

`zerog devnet up` writes one; clients read it to find the chain and contracts when no flag or environment
variable names them. The same file describes any network, so a multi-host deployment can hand it to every host.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zerog.errors import ConfigError, NotFound

__all__ = ["DEVNET_FILE_NAME", "SERVICE_KINDS", "Account", "NetworkInfo", "default_devnet_dir"]

DEVNET_FILE_NAME = "devnet.json"
SERVICE_KINDS = ("storage_nodes", "indexer", "kv_nodes", "da_signers", "da_dispersers", "compute_providers")
"""One list of service entries per kind; later layers fill them."""


def default_devnet_dir() -> Path:
    """$ZEROG_DEVNET_DIR, else `.zerog/devnet` under the working directory."""
    configured = os.environ.get("ZEROG_DEVNET_DIR")
    return Path(configured) if configured else Path.cwd() / ".zerog" / "devnet"


@dataclass(frozen=True, slots=True)
class Account:
    """A funded development account."""

    address: str
    private_key: str


@dataclass
class NetworkInfo:
    """Everything a client needs to reach one zerog network."""

    chain_id: int
    rpc_url: str
    contracts: dict[str, str]
    """Contract name -> address."""
    deploy_block: int = 0
    """Block of the first deployment: where event followers start."""
    accounts: list[Account] = field(default_factory=list)
    services: dict[str, list[Any]] = field(default_factory=lambda: {kind: [] for kind in SERVICE_KINDS})
    extra: dict[str, Any] = field(default_factory=dict)
    """Anything else a writer keeps (the devnet records its processes here)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "rpc_url": self.rpc_url,
            "contracts": dict(self.contracts),
            "deploy_block": self.deploy_block,
            "accounts": [{"address": a.address, "private_key": a.private_key} for a in self.accounts],
            **{kind: list(self.services.get(kind, [])) for kind in SERVICE_KINDS},
            **self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "NetworkInfo":
        try:
            known = {"chain_id", "rpc_url", "contracts", "deploy_block", "accounts", *SERVICE_KINDS}
            return cls(
                chain_id=int(data["chain_id"]),
                rpc_url=str(data["rpc_url"]),
                contracts={str(k): str(v) for k, v in data["contracts"].items()},
                deploy_block=int(data.get("deploy_block", 0)),
                accounts=[Account(str(a["address"]), str(a["private_key"])) for a in data.get("accounts", [])],
                services={kind: list(data.get(kind, [])) for kind in SERVICE_KINDS},
                extra={k: v for k, v in data.items() if k not in known},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"network file is malformed: {exc!r}") from exc

    @classmethod
    def load(cls, path: Path) -> "NetworkInfo":
        """Read a network file; `NotFound` if it is missing, `ConfigError` if it is not one."""
        try:
            text = path.read_text()
        except FileNotFoundError as exc:
            raise NotFound(f"no network file at {path}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path} does not hold a JSON object")
        return cls.from_json(data)

    def save(self, path: Path) -> None:
        """Write atomically, so a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        tmp.replace(path)

    def contract(self, name: str) -> str:
        try:
            return self.contracts[name]
        except KeyError as exc:
            raise NotFound(f"the network file names no {name} contract") from exc
