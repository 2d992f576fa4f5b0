"""Deploying zerog's contracts to a chain and recording their addresses."""

from dataclasses import dataclass

from zerog.chain import FlowContract, MarketContract, TxSender, deploy_contract

__all__ = ["DeployConfig", "deploy_storage_contracts"]


@dataclass(frozen=True, slots=True)
class DeployConfig:
    """Parameters of a fresh deployment."""

    price_per_sector_wei: int = 10**9
    """1 gwei per 256-byte sector, about 4 ETH-units per GiB: visible in fees, cheap on a devnet."""
    blocks_per_epoch: int = 20
    deploy_delay_blocks: int = 0


def deploy_storage_contracts(sender: TxSender, config: DeployConfig) -> dict[str, str]:
    """Deploy the market and the Flow, bind them, and return name -> address. `sender` becomes the admin."""
    admin = sender.address
    market = deploy_contract(sender, "FixedPriceMarket", admin, config.price_per_sector_wei)
    flow = deploy_contract(sender, "Flow", admin, market, config.blocks_per_epoch, config.deploy_delay_blocks)
    sender.send(MarketContract(sender.w3, market).contract.functions.setFlow(flow))
    FlowContract(sender.w3, flow).require_code()
    return {"Flow": flow, "FixedPriceMarket": market}
