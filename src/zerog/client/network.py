"""Finding the network a command talks to: flags, else environment variables, else the working directory's devnet.

| setting       | flag     | environment       | devnet.json            |
|---------------|----------|-------------------|------------------------|
| chain RPC URL | --rpc    | ZEROG_RPC         | rpc_url                |
| signing key   | --key    | ZEROG_KEY         | accounts[0].private_key|
| Flow address  | --flow   | ZEROG_FLOW        | contracts.Flow         |
| devnet dir    | --devnet | ZEROG_DEVNET_DIR  | ./.zerog/devnet        |
| storage nodes | --node   | ZEROG_NODES (comma-separated) | storage_nodes[].url |
| indexer       | --indexer| ZEROG_INDEXER     | indexer[0].url         |
| KV node       | --kv     | ZEROG_KV          | kv_nodes[0].url        |

Where both are known, storage commands prefer the nodes given by flag or environment, then the indexer.
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
    nodes: tuple[str, ...] = ()
    indexer: str | None = None
    kv: str | None = None
    da_entrance: str | None = None
    da_disperser: str | None = None
    """A DA disperser's gRPC host:port."""

    def require_da_entrance(self) -> str:
        if not self.da_entrance:
            raise ConfigError(
                "no DAEntrance address: pass --entrance, set ZEROG_DA_ENTRANCE, or run 'zerog devnet up' here"
            )
        return self.da_entrance

    def require_da_disperser(self) -> str:
        if not self.da_disperser:
            raise ConfigError(
                "no DA disperser: pass --disperser HOST:PORT, set ZEROG_DA_DISPERSER, or run 'zerog devnet up' here"
            )
        return self.da_disperser.removeprefix("grpc://")

    def require_kv(self) -> str:
        if not self.kv:
            raise ConfigError("no KV node: pass --kv URL, set ZEROG_KV, or run 'zerog devnet up' here")
        return self.kv

    def require_storage(self) -> None:
        if not self.nodes and not self.indexer:
            raise ConfigError(
                "no storage network: pass --node URL or --indexer URL, set ZEROG_NODES or ZEROG_INDEXER, "
                "or run 'zerog devnet up' here"
            )

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
    *,
    nodes: tuple[str, ...] = (),
    indexer: str | None = None,
    kv: str | None = None,
    da_entrance: str | None = None,
    da_disperser: str | None = None,
    require_chain: bool = True,
) -> Network:
    """Combine flags, environment and the devnet file into one `Network`; flags win."""
    rpc = rpc or os.environ.get("ZEROG_RPC")
    key = key or os.environ.get("ZEROG_KEY")
    flow = flow or os.environ.get("ZEROG_FLOW")
    nodes = nodes or tuple(u.strip() for u in os.environ.get("ZEROG_NODES", "").split(",") if u.strip())
    indexer = indexer or os.environ.get("ZEROG_INDEXER") or None
    kv = kv or os.environ.get("ZEROG_KV") or None
    da_entrance = da_entrance or os.environ.get("ZEROG_DA_ENTRANCE") or None
    da_disperser = da_disperser or os.environ.get("ZEROG_DA_DISPERSER") or None
    directory = devnet_dir or default_devnet_dir()
    info = None
    if (directory / DEVNET_FILE_NAME).exists() and not (rpc and key and flow and (nodes or indexer) and kv):
        info = NetworkInfo.load(directory / DEVNET_FILE_NAME)
        rpc = rpc or info.rpc_url
        key = key or (info.accounts[0].private_key if info.accounts else None)
        flow = flow or info.contracts.get("Flow")
        kv = kv or next(
            (e["url"] for e in info.services.get("kv_nodes", []) if isinstance(e, dict) and "url" in e), None
        )
        da_entrance = da_entrance or info.contracts.get("DAEntrance")
        da_disperser = da_disperser or next(
            (e["url"] for e in info.services.get("da_dispersers", []) if isinstance(e, dict) and "url" in e), None
        )
        if not nodes and not indexer:
            indexers = [e["url"] for e in info.services.get("indexer", []) if isinstance(e, dict) and "url" in e]
            indexer = indexers[0] if indexers else None
            if indexer is None:
                nodes = tuple(
                    e["url"] for e in info.services.get("storage_nodes", []) if isinstance(e, dict) and "url" in e
                )
    if not rpc and require_chain:
        raise ConfigError("no chain RPC: pass --rpc, set ZEROG_RPC, or run 'zerog devnet up' in this directory")
    return Network(
        rpc_url=rpc or "",
        flow_address=flow,
        private_key=key,
        info=info,
        nodes=nodes,
        indexer=indexer,
        kv=kv,
        da_entrance=da_entrance,
        da_disperser=da_disperser,
    )
