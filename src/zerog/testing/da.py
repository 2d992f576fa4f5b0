"""A DA network on a test chain: the DA contracts, signers with chosen stakes, a disperser, and a live epoch."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from zerog.chain import DAEntranceContract, DASignerRegistryContract
from zerog.da.config import DisperserConfig, SignerConfig
from zerog.da.disperser import DisperserService
from zerog.da.signer import SignerService
from zerog.devnet import DADeployConfig, deploy_da_contracts, find_free_port
from zerog.testing.chain import LocalChain
from zerog.testing.service import running_service

__all__ = [
    "DANetwork",
    "SignerFactory",
    "default_signer",
    "deploy_da",
    "disperser_config",
    "mine_to_live_epoch",
    "running_da_network",
    "running_signers",
    "signer_config",
]

ETHER = 10**18
DEFAULT_STAKES = (10 * ETHER, 20 * ETHER, 30 * ETHER, 40 * ETHER)
SIGNER_ACCOUNTS = (14, 15, 16, 17)
DISPERSER_ACCOUNT = 18

SignerFactory = Callable[[int, SignerConfig], SignerService]
"""Builds signer `i` of a network from its config; fault tests pass subclasses of `SignerService` this way."""


def default_signer(_index: int, config: SignerConfig) -> SignerService:
    """An honest signer."""
    return SignerService(config)


def deploy_da(
    chain: LocalChain, config: DADeployConfig | None = None
) -> tuple[DAEntranceContract, DASignerRegistryContract]:
    addresses = deploy_da_contracts(chain.sender, config or DADeployConfig())
    return (
        DAEntranceContract(chain.w3, addresses["DAEntrance"]),
        DASignerRegistryContract(chain.w3, addresses["DASignerRegistry"]),
    )


def signer_config(
    chain: LocalChain, entrance: str, db_dir: Path, account: int, stake_wei: int, **overrides: Any
) -> SignerConfig:
    config = SignerConfig(
        rpc_url=chain.rpc_url,
        entrance_address=entrance,
        eth_key=chain.accounts[account][1],
        bls_key=bytes([account]) * 32,
        db_dir=db_dir,
        stake_wei=stake_wei,
        listen=("127.0.0.1", find_free_port()),
        http_listen=("127.0.0.1", find_free_port()),
        poll_interval_s=0.5,
    )
    return replace(config, **overrides)


def disperser_config(chain: LocalChain, entrance: str, db_dir: Path, **overrides: Any) -> DisperserConfig:
    config = DisperserConfig(
        rpc_url=chain.rpc_url,
        entrance_address=entrance,
        eth_key=chain.accounts[DISPERSER_ACCOUNT][1],
        db_dir=db_dir,
        listen=("127.0.0.1", find_free_port()),
        http_listen=("127.0.0.1", find_free_port()),
        sign_timeout_s=10.0,
        sign_retries=1,
        finalization_blocks=1,
    )
    return replace(config, **overrides)


def mine_to_live_epoch(chain: LocalChain, registry: DASignerRegistryContract, entrance: DAEntranceContract) -> int:
    """Mine to the start of the epoch the signers joined and make it; returns that epoch (which has quorums)."""
    target = registry.due_epoch() + 1
    if not registry.signers_of(target):
        raise RuntimeError(f"no signer joined epoch {target}")
    start = registry.epoch_start_block(target)
    behind = start - int(chain.w3.eth.block_number)
    if behind > 0:
        chain.w3.provider.make_request("anvil_mine", [hex(behind)])  # type: ignore[arg-type]
    entrance.sync(chain.sender)
    if registry.epoch_number() != target or registry.quorum_count(target) == 0:
        raise RuntimeError(f"epoch {target} was not made with quorums")
    return target


async def wait_joined(registry: DASignerRegistryContract, signers: Sequence[SignerService], epoch: int) -> None:
    for _ in range(200):
        joined = await asyncio.gather(
            *(asyncio.to_thread(registry.registered_epoch, signer.address, epoch) for signer in signers)
        )
        if all(joined):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"signers did not all join epoch {epoch}")


@dataclass
class DANetwork:
    chain: LocalChain
    entrance: DAEntranceContract
    registry: DASignerRegistryContract
    signers: list[SignerService]
    disperser: DisperserService
    epoch: int
    signer_tasks: list["asyncio.Task[None]"] = field(default_factory=list)

    async def stop_signer(self, index: int) -> None:
        """Stop one signer (as if it crashed); its rows become unavailable."""
        self.signers[index].stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.signer_tasks[index], 30)


@contextlib.asynccontextmanager
async def running_signers(
    chain: LocalChain,
    entrance: DAEntranceContract,
    work_dir: Path,
    stakes: Sequence[int] = DEFAULT_STAKES,
    *,
    signer_factory: SignerFactory = default_signer,
    **overrides: Any,
) -> AsyncIterator[tuple[list[SignerService], list["asyncio.Task[None]"]]]:
    signers = [
        signer_factory(i, signer_config(chain, entrance.address, work_dir / f"signer{i}", account, stake, **overrides))
        for i, (account, stake) in enumerate(zip(SIGNER_ACCOUNTS, stakes, strict=False))
    ]
    async with contextlib.AsyncExitStack() as stack:
        tasks = []
        for i, signer in enumerate(signers):  # one by one: registrations share the chain
            tasks.append(await stack.enter_async_context(running_service(signer, f"DA signer {i}", timeout_s=60)))
        yield signers, tasks


@contextlib.asynccontextmanager
async def running_da_network(
    chain: LocalChain,
    work_dir: Path,
    *,
    deploy: DADeployConfig | None = None,
    stakes: Sequence[int] = DEFAULT_STAKES,
    signer_overrides: dict[str, Any] | None = None,
    disperser_overrides: dict[str, Any] | None = None,
    signer_factory: SignerFactory = default_signer,
) -> AsyncIterator[DANetwork]:
    """Deploy the DA contracts, start signers (built by `signer_factory`) and a disperser, and mine to an epoch with
    quorums."""
    entrance, registry = await asyncio.to_thread(deploy_da, chain, deploy)
    running = running_signers(
        chain, entrance, work_dir, stakes, signer_factory=signer_factory, **(signer_overrides or {})
    )
    async with running as (signers, tasks):
        target = await asyncio.to_thread(registry.due_epoch) + 1
        await wait_joined(registry, signers, target)
        epoch = await asyncio.to_thread(mine_to_live_epoch, chain, registry, entrance)
        disperser = DisperserService(
            disperser_config(chain, entrance.address, work_dir / "disperser", **(disperser_overrides or {}))
        )
        async with running_service(disperser, "DA disperser", timeout_s=60):
            yield DANetwork(chain, entrance, registry, signers, disperser, epoch, tasks)
