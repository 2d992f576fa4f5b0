"""Finding the network a command talks to: flags, else environment variables, else the working directory's devnet.

| setting       | flag     | environment       | devnet.json            |
|---------------|----------|-------------------|------------------------|
| chain RPC URL | --rpc    | ZEROG_RPC         | rpc_url                |
| signing key   | --key    | ZEROG_KEY         | accounts[0].private_key|
| Flow address  | --flow   | ZEROG_FLOW        | contracts.Flow         |
| devnet dir    | --devnet | ZEROG_DEVNET_DIR  | ./.zerog/devnet        |
"""

import os
from dataclasses import dataclass
from pathlib import Path

from zerog.chain import DEVNET_FILE_NAME, NetworkInfo, default_devnet_dir
from zerog.errors import ConfigError

__all__ = ["Network", "resolve_network"]


@dataclass(frozen=True, slots=True)
class Network:
    """Where a command sends its calls."""

    rpc_url: str
    flow_address: str | None
    private_key: str | None
    info: NetworkInfo | None
    """The devnet file, when one was used."""

    def require_key(self) -> str:
        if not self.private_key:
            raise ConfigError("no signing key: pass --key, set ZEROG_KEY, or run 'zerog devnet up' here")
        return self.private_key

    def require_flow(self) -> str:
        if not self.flow_address:
            raise ConfigError("no Flow contract address: pass --flow, set ZEROG_FLOW, or run 'zerog devnet up' here")
        return self.flow_address


def resolve_network(
    rpc: str | None = None,
    key: str | None = None,
    flow: str | None = None,
    devnet_dir: Path | None = None,
) -> Network:
    """Combine flags, environment and the devnet file into one `Network`; flags win."""
    rpc = rpc or os.environ.get("ZEROG_RPC")
    key = key or os.environ.get("ZEROG_KEY")
    flow = flow or os.environ.get("ZEROG_FLOW")
    directory = devnet_dir or default_devnet_dir()
    info = None
    if not (rpc and key and flow) and (directory / DEVNET_FILE_NAME).exists():
        info = NetworkInfo.load(directory / DEVNET_FILE_NAME)
        rpc = rpc or info.rpc_url
        key = key or (info.accounts[0].private_key if info.accounts else None)
        flow = flow or info.contracts.get("Flow")
    if not rpc:
        raise ConfigError("no chain RPC: pass --rpc, set ZEROG_RPC, or run 'zerog devnet up' in this directory")
    return Network(rpc_url=rpc, flow_address=flow, private_key=key, info=info)
