"""The local devnet: one anvil chain with zerog's contracts, described by `devnet.json`.

`up` starts anvil detached (it survives the command) with a state file, so `down` then `up` keeps the chain;
`--fresh` starts over. Later layers add their services to the same file.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zerog.chain import DEVNET_FILE_NAME, Account, NetworkInfo, TxSender, connect, load_account
from zerog.chain.contracts import FlowContract
from zerog.codec.address import bytes_to_address, to_checksum_address
from zerog.devnet.anvil import AnvilConfig, AnvilProcess, is_running, stop_process
from zerog.devnet.deploy import DeployConfig, deploy_storage_contracts
from zerog.errors import NotFound, ZerogError

__all__ = ["DevnetStatus", "devnet_down", "devnet_status", "devnet_up"]

STATE_FILE_NAME = "anvil-state.json"


@dataclass(frozen=True, slots=True)
class DevnetStatus:
    """What `zerog devnet status` reports."""

    directory: Path
    running: bool
    info: NetworkInfo | None
    block_number: int | None = None
    submissions: int | None = None
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "running": self.running,
            "block_number": self.block_number,
            "submissions": self.submissions,
            "problems": list(self.problems),
            "network": self.info.to_json() if self.info else None,
        }


def devnet_up(
    directory: Path,
    *,
    port: int = 8545,
    fresh: bool = False,
    block_time_s: float | None = None,
    deploy: DeployConfig | None = None,
) -> NetworkInfo:
    """Start (or resume) the devnet in `directory` and return its description."""
    devnet_file = directory / DEVNET_FILE_NAME
    previous = _load_if_present(devnet_file)
    if previous is not None and is_running(_anvil_pid(previous)):
        if not fresh:
            return previous
        stop_process(_anvil_pid(previous))
    if fresh and directory.exists():
        shutil.rmtree(directory)
        previous = None
    directory.mkdir(parents=True, exist_ok=True)

    anvil = AnvilProcess.start(
        AnvilConfig(port=port, state_file=directory / STATE_FILE_NAME, block_time_s=block_time_s),
        directory,
        detach=True,
    )
    try:
        w3 = connect(anvil.rpc_url)
        deployer = TxSender(w3, load_account(anvil.accounts[0][1]))
        if previous is not None and _contracts_present(w3, previous):
            contracts, deploy_block = previous.contracts, previous.deploy_block
        else:
            deploy_block = w3.eth.block_number + 1
            contracts = deploy_storage_contracts(deployer, deploy or DeployConfig())
        info = NetworkInfo(
            chain_id=w3.eth.chain_id,
            rpc_url=anvil.rpc_url,
            contracts=contracts,
            deploy_block=deploy_block,
            accounts=[Account(to_checksum_address(bytes_to_address(a)), key) for a, key in anvil.accounts],
            extra={"anvil": {"pid": anvil.pid, "port": port, "state_file": str(directory / STATE_FILE_NAME)}},
        )
        info.save(devnet_file)
    except ZerogError:
        stop_process(anvil.pid)
        raise
    return info


def devnet_status(directory: Path) -> DevnetStatus:
    """Whether the devnet runs, and whether its chain and contracts answer."""
    info = _load_if_present(directory / DEVNET_FILE_NAME)
    if info is None:
        return DevnetStatus(directory, False, None, problems=("no devnet here; run 'zerog devnet up'",))
    if not is_running(_anvil_pid(info)):
        return DevnetStatus(directory, False, info, problems=("the chain is stopped; run 'zerog devnet up'",))
    try:
        w3 = connect(info.rpc_url, timeout_s=5)
        flow = FlowContract(w3, info.contract("Flow"))
        flow.require_code()
        return DevnetStatus(directory, True, info, w3.eth.block_number, flow.submission_count())
    except ZerogError as exc:
        return DevnetStatus(directory, True, info, problems=(str(exc),))


def devnet_down(directory: Path) -> bool:
    """Stop the devnet's processes, keeping its state for the next `up`. False if nothing was running."""
    info = _load_if_present(directory / DEVNET_FILE_NAME)
    if info is None:
        raise NotFound(f"no devnet in {directory}")
    pid = _anvil_pid(info)
    if not is_running(pid):
        return False
    stop_process(pid)
    return True


def _load_if_present(path: Path) -> NetworkInfo | None:
    return NetworkInfo.load(path) if path.exists() else None


def _anvil_pid(info: NetworkInfo) -> int:
    anvil = info.extra.get("anvil") or {}
    return int(anvil.get("pid", 0))


def _contracts_present(w3: Any, info: NetworkInfo) -> bool:
    return all(w3.eth.get_code(address) for address in info.contracts.values())
