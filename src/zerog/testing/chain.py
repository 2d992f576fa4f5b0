"""A fresh anvil with zerog's contracts deployed, for one test module; stopped on exit."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from zerog.chain import FlowContract, MarketContract, TxSender, connect, load_account
from zerog.devnet import AnvilConfig, AnvilProcess, DeployConfig, deploy_storage_contracts, find_free_port
from zerog.devnet.anvil import stop_process

__all__ = ["LocalChain", "start_local_chain"]


@dataclass(frozen=True, slots=True)
class LocalChain:
    """A running chain with the storage contracts; `sender` is the deployer and admin (account 0)."""

    rpc_url: str
    w3: Web3
    accounts: list[tuple[str, str]]
    sender: TxSender
    flow: FlowContract
    market: MarketContract
    deploy_config: DeployConfig
    contracts: dict[str, str]
    """Every deployed contract by name (Flow, FixedPriceMarket, ChunkLinearReward, PoraMine)."""

    def sender_for(self, index: int) -> TxSender:
        """A sender for dev account `index`."""
        return TxSender(self.w3, load_account(self.accounts[index][1]))


@contextmanager
def start_local_chain(work_dir: Path, deploy: DeployConfig | None = None) -> Iterator[LocalChain]:
    """Start anvil on a free 127.0.0.1 port in `work_dir`, deploy, yield, and always stop it."""
    config = deploy or DeployConfig()
    anvil = AnvilProcess.start(AnvilConfig(port=find_free_port(), accounts=20), work_dir)
    try:
        w3 = connect(anvil.rpc_url)
        sender = TxSender(w3, load_account(anvil.accounts[0][1]))
        contracts = deploy_storage_contracts(sender, config)
        yield LocalChain(
            rpc_url=anvil.rpc_url,
            w3=w3,
            accounts=anvil.accounts,
            sender=sender,
            flow=FlowContract(w3, contracts["Flow"]),
            market=MarketContract(w3, contracts["FixedPriceMarket"]),
            deploy_config=config,
            contracts=contracts,
        )
    finally:
        stop_process(anvil.pid)
