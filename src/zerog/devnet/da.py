"""The devnet's DA network: 4 signers with different stakes and a disperser, and an epoch with quorums.

Signer i uses dev account 14 + i (stake 10, 20, 30 and 40 ether: 10 to 40 ballots each) and a BLS key derived
from that account's key; the disperser uses account 18 (and 19 for its copies in storage). Signers register and
join the next epoch on start; `ensure_da` then mines to the start of that epoch (a devnet may skip blocks) and
makes it, so blobs can be dispersed at once.
"""

import time
from pathlib import Path
from typing import Any

from zerog.chain import DEVNET_FILE_NAME, DAEntranceContract, NetworkInfo, TxSender, connect, load_account
from zerog.crypto import keccak256
from zerog.devnet.anvil import is_running
from zerog.devnet.services import SERVICE_MARKER, ServiceSpec, kept_port, start_service, wait_ready
from zerog.errors import Unavailable

__all__ = ["DA_SIGNER_STAKES_WEI", "ensure_da", "make_live_epoch"]

ETHER = 10**18
DA_SIGNER_STAKES_WEI = (10 * ETHER, 20 * ETHER, 30 * ETHER, 40 * ETHER)
DA_SIGNER_ACCOUNTS_FROM = 14
DA_DISPERSER_ACCOUNT = 18
DA_STORAGE_ACCOUNT = 19
"""Pays for the disperser's copies in zerog storage, so they go beside the certificates rather than after them."""


def _entry_ports(entry: dict[str, Any]) -> tuple[int, int, bool, int]:
    """(gRPC port, HTTP port, running, pid) of a devnet.json entry, keeping the ports of a running process."""
    pid = int(entry.get("pid", 0))
    return kept_port(entry, "grpc_port"), kept_port(entry), is_running(pid, SERVICE_MARKER), pid


def _entry(spec: ServiceSpec, grpc_port: int, http_port: int, pid: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": spec.name,
        "url": f"127.0.0.1:{grpc_port}",
        "status_url": spec.url,
        "grpc_port": grpc_port,
        "port": http_port,
        "pid": pid,
        "config": str(spec.config_path),
        "log": str(spec.log_path),
        **extra,
    }


def ensure_da(directory: Path, info: NetworkInfo, storage_urls: list[str]) -> None:
    """Start the DA signers and disperser that are not running, record them in `info.services`, and make sure
    the current epoch has quorums."""
    if "DAEntrance" not in info.contracts or len(info.accounts) <= DA_STORAGE_ACCOUNT:
        return
    entrance = info.contract("DAEntrance")
    previous = {e.get("name"): e for e in info.services.get("da_signers", []) if isinstance(e, dict)}
    signers: list[dict[str, Any]] = []
    started: list[tuple[ServiceSpec, int]] = []
    for index, stake in enumerate(DA_SIGNER_STAKES_WEI):
        name = f"da-signer-{index}"
        grpc_port, http_port, running, pid = _entry_ports(previous.get(name) or {})
        key = info.accounts[DA_SIGNER_ACCOUNTS_FROM + index].private_key
        spec = ServiceSpec(
            kind="da signer",
            name=name,
            directory=directory / "da" / f"signer{index}",
            config=_signer_config(info.rpc_url, entrance, key, stake, grpc_port, http_port),
            url=f"http://127.0.0.1:{http_port}",
        )
        if not running:
            pid = start_service(spec)
            started.append((spec, pid))
        signers.append(
            _entry(
                spec,
                grpc_port,
                http_port,
                pid,
                address=info.accounts[DA_SIGNER_ACCOUNTS_FROM + index].address,
                stake_wei=str(stake),
            )
        )
    info.services["da_signers"] = signers
    info.save(directory / DEVNET_FILE_NAME)  # so that `down` finds them even if this `up` is interrupted
    for spec, pid in started:
        wait_ready(spec, pid)
    old = next((e for e in info.services.get("da_dispersers", []) if isinstance(e, dict)), {})
    grpc_port, http_port, running, pid = _entry_ports(old)
    spec = ServiceSpec(
        kind="da disperser",
        name="da-disperser",
        directory=directory / "da" / "disperser",
        config=_disperser_config(info, entrance, grpc_port, http_port, storage_urls),
        url=f"http://127.0.0.1:{http_port}",
    )
    if not running:
        pid = start_service(spec)
        info.services["da_dispersers"] = [_entry(spec, grpc_port, http_port, pid)]
        info.save(directory / DEVNET_FILE_NAME)
        wait_ready(spec, pid)
    info.services["da_dispersers"] = [_entry(spec, grpc_port, http_port, pid)]
    make_live_epoch(info, [s["address"] for s in signers])


def make_live_epoch(info: NetworkInfo, signers: list[str], timeout_s: float = 60.0) -> int:
    """Make the due epoch; if it has no quorum (nobody joined it), wait for the signers to join the next one, mine
    to its first block and make it. Returns the live epoch."""
    w3 = connect(info.rpc_url)
    deployer = TxSender(w3, load_account(info.accounts[0].private_key))
    entrance = DAEntranceContract(w3, info.contract("DAEntrance"))
    registry = entrance.signer_registry()
    entrance.sync(deployer)
    epoch = registry.epoch_number()
    if registry.quorum_count(epoch) > 0:
        return epoch
    target = epoch + 1
    deadline = time.monotonic() + timeout_s
    while not all(registry.registered_epoch(signer, target) for signer in signers):
        if time.monotonic() > deadline:
            raise Unavailable(f"the DA signers did not join epoch {target}; see the logs under da/")
        time.sleep(0.2)
    behind = registry.epoch_start_block(target) - int(w3.eth.block_number)
    if behind > 0:
        w3.provider.make_request("anvil_mine", [hex(behind)])  # type: ignore[arg-type]
    entrance.sync(deployer)
    if registry.quorum_count(target) == 0:
        raise Unavailable(f"DA epoch {target} was made without quorums")
    return target


def _signer_config(rpc: str, entrance: str, eth_key: str, stake: int, grpc_port: int, http_port: int) -> str:
    bls_seed = keccak256(b"zerog-devnet-da-signer" + bytes.fromhex(eth_key.removeprefix("0x")))
    return (
        f'blockchain_rpc_endpoint = "{rpc}"\n'
        f'da_entrance_address = "{entrance}"\n'
        f'signer_eth_key = "{eth_key}"\n'
        f'signer_bls_key = "0x{bls_seed.hex()}"\n'
        f'stake_wei = "{stake}"\n'
        f'grpc_listen_address = "127.0.0.1:{grpc_port}"\n'
        f'http_listen_address = "127.0.0.1:{http_port}"\n'
        'db_dir = "db"\n'
        "poll_interval_secs = 1.0\n"
    )


def _disperser_config(info: NetworkInfo, entrance: str, grpc_port: int, http_port: int, storage_urls: list[str]) -> str:
    urls = ", ".join(f'"{u}"' for u in storage_urls)
    return (
        f'blockchain_rpc_endpoint = "{info.rpc_url}"\n'
        f'da_entrance_address = "{entrance}"\n'
        f'disperser_eth_key = "{info.accounts[DA_DISPERSER_ACCOUNT].private_key}"\n'
        f'grpc_listen_address = "127.0.0.1:{grpc_port}"\n'
        f'http_listen_address = "127.0.0.1:{http_port}"\n'
        'db_dir = "db"\n'
        f"storage_node_urls = [{urls}]\n"
        f'storage_eth_key = "{info.accounts[DA_STORAGE_ACCOUNT].private_key}"\n'
        f'flow_address = "{info.contract("Flow")}"\n'
        "sign_timeout_secs = 30\n"
        "finalization_blocks = 2\n"
    )
