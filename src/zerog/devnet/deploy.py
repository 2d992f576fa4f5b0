"""Deploying zerog's contracts to a chain and recording their addresses."""

from dataclasses import dataclass

from zerog.chain import FlowContract, MarketContract, TxSender, deploy_contract
from zerog.chain.da import DAEntranceContract, DASignerRegistryContract
from zerog.chain.mining import PoraMineContract, RewardContract

__all__ = ["DADeployConfig", "DeployConfig", "deploy_da_contracts", "deploy_storage_contracts"]


@dataclass(frozen=True, slots=True)
class DeployConfig:
    """Parameters of a fresh deployment. The mining and reward defaults suit a devnet, not a public network."""

    price_per_sector_wei: int = 10**9
    """1 gwei per 256-byte sector, about 4 ETH-units per GiB: visible in fees, cheap on a devnet."""
    blocks_per_epoch: int = 20
    deploy_delay_blocks: int = 0

    # PoraMine
    mine_difficulty: int = 100_000
    """Initial difficulty: poraTarget = 2^256 / difficulty. An iteration tries up to 64 seals, so a miner needs
    about difficulty / 64 iterations per answer: ~1,600, seconds for a Python miner on one core (mainnet: 180,000;
    its loads are not all held by one node)."""
    mine_target_mine_blocks: int | None = None
    """Blocks a subtask's window lasts; None: blocks_per_epoch - 2, the longest 0G's schedule rule allows."""
    mine_target_submissions: int = 10
    """Answers per epoch the difficulty aims at; an epoch takes at most twice as many."""
    mine_max_shards: int = 32
    mine_n_subtasks: int = 1
    mine_subtask_interval: int | None = None
    """None: blocks_per_epoch."""
    mine_settings: int = 0
    """Development bits: 0x1 no seal, 0x2 no data proof, 0x4 fixed difficulty. A devnet checks everything."""

    # ChunkLinearReward
    reward_release_seconds: int = 30 * 86400
    """A chunk's fees release linearly over this (0G mainnet: 3 x 31 days)."""
    reward_pricing_chunk_sectors: int = 1024
    """Sectors per pricing chunk (0G: 2^25 = 8 GiB). A chunk starts releasing once the flow has passed its end, so
    the devnet uses one 256 KiB segment: rewards start flowing after the first segment of uploads."""
    reward_base_wei: int = 10**15
    """Base reward per answer while a chunk is in its release window, paid from the donated pool."""
    reward_base_pool_wei: int = 10**18
    """Donated to the base-reward pool at deployment (0 to skip)."""
    reward_service_fee_bps: int = 0
    """Share of each fee sent to the treasury (the deployer)."""

    @property
    def target_mine_blocks(self) -> int:
        return self.mine_target_mine_blocks or max(1, self.blocks_per_epoch - 2)

    @property
    def subtask_interval(self) -> int:
        return self.mine_subtask_interval or self.blocks_per_epoch


def deploy_storage_contracts(sender: TxSender, config: DeployConfig) -> dict[str, str]:
    """Deploy the market, the Flow, the reward pool and the PoRA mine, wire them, and return name -> address.

    `sender` becomes the admin of all four. Wiring: the market charges for the Flow and forwards fees to the
    reward pool; the reward pool pays answers the mine accepts.
    """
    admin = sender.address
    market = deploy_contract(sender, "FixedPriceMarket", admin, config.price_per_sector_wei)
    flow = deploy_contract(sender, "Flow", admin, market, config.blocks_per_epoch, config.deploy_delay_blocks)
    market_binding = MarketContract(sender.w3, market)
    sender.send(market_binding.contract.functions.setFlow(flow))

    reward = deploy_contract(
        sender,
        "ChunkLinearReward",
        admin,
        market,
        config.reward_release_seconds,
        config.reward_pricing_chunk_sectors,
    )
    params = (
        config.mine_difficulty,
        config.target_mine_blocks,
        config.mine_target_submissions,
        config.mine_max_shards,
        config.mine_n_subtasks,
        config.subtask_interval,
    )
    mine = deploy_contract(sender, "PoraMine", admin, flow, reward, config.mine_settings, params)
    reward_binding = RewardContract(sender.w3, reward)
    sender.send(reward_binding.contract.functions.setMine(mine))
    sender.send(market_binding.contract.functions.setReward(reward))
    if config.reward_base_wei:
        reward_binding.set_base_reward(sender, config.reward_base_wei)
    if config.reward_base_pool_wei:
        reward_binding.donate(sender, config.reward_base_pool_wei)
    if config.reward_service_fee_bps:
        reward_binding.set_service_fee_rate(sender, config.reward_service_fee_bps)

    FlowContract(sender.w3, flow).require_code()
    PoraMineContract(sender.w3, mine).require_code()
    return {"Flow": flow, "FixedPriceMarket": market, "ChunkLinearReward": reward, "PoraMine": mine}


@dataclass(frozen=True, slots=True)
class DADeployConfig:
    """Parameters of the DA contracts (docs/specs/da.md §3-4). The defaults suit a devnet, not a public network."""

    epoch_blocks: int = 20
    """Blocks per DA epoch (0G: 5,760, about 8 hours). Signers must join each next epoch within this many blocks."""
    tokens_per_vote_wei: int = 10**18
    """Stake per ballot: a signer with 10 ETH-units of stake gets 10 of the epoch's ballots (0G: 10-30 tokens)."""
    max_votes_per_signer: int = 64
    max_quorums: int = 4
    min_stake_wei: int = 10**18
    blob_price_wei: int = 10**12
    """Fee per ckzg blob (48-byte commitment) of a DA blob."""
    threshold_bps: int = 7_500
    """Rows of 128 a certificate's signers must own, in basis points: safe against an adversary with < 1/4."""
    treasury: str | None = None
    """Where `withdrawFees` sends the fees; None: the deployer."""


def deploy_da_contracts(sender: TxSender, config: DADeployConfig) -> dict[str, str]:
    """Deploy the DA signer registry and the DA entrance wired to it; return name -> address.

    `sender` becomes the admin of both (DEFAULT_ADMIN_ROLE and PARAMS_ADMIN_ROLE).
    """
    admin = sender.address
    params = (
        config.epoch_blocks,
        config.tokens_per_vote_wei,
        config.max_votes_per_signer,
        config.max_quorums,
        config.min_stake_wei,
    )
    registry = deploy_contract(sender, "DASignerRegistry", admin, params)
    entrance = deploy_contract(
        sender,
        "DAEntrance",
        admin,
        registry,
        config.treasury or admin,
        config.blob_price_wei,
        config.threshold_bps,
    )
    DASignerRegistryContract(sender.w3, registry).require_code()
    DAEntranceContract(sender.w3, entrance).require_code()
    return {"DASignerRegistry": registry, "DAEntrance": entrance}
