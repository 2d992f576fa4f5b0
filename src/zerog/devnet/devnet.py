"""The local devnet: one anvil chain with zerog's contracts and zerog's services, described by `devnet.json`.

`up` starts anvil detached (it survives the command) with a state file, deploys (or finds) the contracts, then
starts 4 storage nodes (two full, one per half of the flow), an indexer, a KV node holding every stream (with
the agent memory API), 4 DA signers with different stakes and a DA disperser (`zerog.devnet.da`); `down` stops
them all and keeps every state (chain, node databases) for the next `up`; `--fresh` starts over.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zerog.chain import DEVNET_FILE_NAME, Account, NetworkInfo, TxSender, connect, load_account
from zerog.chain.contracts import FlowContract
from zerog.codec.address import bytes_to_address, to_checksum_address
from zerog.devnet.anvil import AnvilConfig, AnvilProcess, is_running, stop_process, stop_processes
from zerog.devnet.da import ensure_da
from zerog.devnet.deploy import DADeployConfig, DeployConfig, deploy_da_contracts, deploy_storage_contracts
from zerog.devnet.services import (
    DEVNET_SHARDS,
    SERVICE_MARKER,
    ServiceSpec,
    kept_port,
    pick_port,
    start_service,
    wait_ready,
)
from zerog.errors import NotFound, ZerogError

__all__ = ["DevnetStatus", "devnet_down", "devnet_status", "devnet_up"]

STATE_FILE_NAME = "anvil-state.json"
SERVICE_KINDS = ("storage_nodes", "indexer", "kv_nodes", "da_signers", "da_dispersers")
"""The keys of devnet.json's `services` that list processes."""
DEVNET_ACCOUNTS = 20
MEMORY_WRITER_ACCOUNT = 9
MINER_ACCOUNTS_FROM = 10
"""Storage node i mines with dev account 10 + i."""
MINER_CPU_PERCENTAGE = 10
"""Of one core, per node: 4 nodes take 40% of one core of a 2-core laptop."""
MINING_BLOCK_TIME_S = 1.0
"""The dev account the KV node's memory API writes with (account 0 is the CLI's default signer)."""


@dataclass(frozen=True, slots=True)
class DevnetStatus:
    """What `zerog devnet status` reports."""

    directory: Path
    running: bool
    info: NetworkInfo | None
    block_number: int | None = None
    submissions: int | None = None
    problems: tuple[str, ...] = ()
    services: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "running": self.running,
            "block_number": self.block_number,
            "submissions": self.submissions,
            "problems": list(self.problems),
            "services": list(self.services),
            "network": self.info.to_json() if self.info else None,
        }


def devnet_up(
    directory: Path,
    *,
    port: int = 8545,
    fresh: bool = False,
    block_time_s: float | None = None,
    deploy: DeployConfig | None = None,
    with_services: bool = True,
    auto_sync: bool = True,
    mining: bool = True,
) -> NetworkInfo:
    """Start (or resume) the devnet in `directory` and return its description."""
    devnet_file = directory / DEVNET_FILE_NAME
    previous = _load_if_present(devnet_file)
    if previous is not None and is_running(_anvil_pid(previous)):
        if not fresh:
            return _ensure_services(directory, previous, with_services, auto_sync, mining)
        _stop_all(previous)
    if fresh and directory.exists():
        shutil.rmtree(directory)
        previous = None
    directory.mkdir(parents=True, exist_ok=True)

    anvil = AnvilProcess.start(
        AnvilConfig(
            port=port,
            state_file=directory / STATE_FILE_NAME,
            # Mining needs blocks to come (epochs and subtask windows are counted in blocks); transactions still
            # mine at once.
            block_time_s=block_time_s if block_time_s is not None or not mining else MINING_BLOCK_TIME_S,
            mixed_mining=mining and block_time_s is None,
            accounts=DEVNET_ACCOUNTS,
        ),
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
            previous = None  # a new chain: node databases of the old one do not apply
            shutil.rmtree(directory / "storage", ignore_errors=True)
            shutil.rmtree(directory / "kv", ignore_errors=True)
            shutil.rmtree(directory / "da", ignore_errors=True)
        if "DAEntrance" not in contracts:  # a new chain, or a devnet made before DA existed
            contracts = {**contracts, **deploy_da_contracts(deployer, DADeployConfig())}
        info = NetworkInfo(
            chain_id=w3.eth.chain_id,
            rpc_url=anvil.rpc_url,
            contracts=contracts,
            deploy_block=deploy_block,
            accounts=[Account(to_checksum_address(bytes_to_address(a)), key) for a, key in anvil.accounts],
            extra={"anvil": {"pid": anvil.pid, "port": port, "state_file": str(directory / STATE_FILE_NAME)}},
        )
        if previous is not None:
            info.services = previous.services
        info.save(devnet_file)
        return _ensure_services(directory, info, with_services, auto_sync, mining)
    except ZerogError:
        _stop_all(_load_if_present(devnet_file) or NetworkInfo(0, "", {}, extra={"anvil": {"pid": anvil.pid}}))
        raise


def _ensure_services(
    directory: Path, info: NetworkInfo, with_services: bool, auto_sync: bool, mining: bool
) -> NetworkInfo:
    """Start every service that is not running (all of them on a new devnet), then save devnet.json."""
    if not with_services:
        return info
    previous_nodes = {e.get("name"): e for e in info.services.get("storage_nodes", []) if isinstance(e, dict)}
    previous_indexer = next(iter(info.services.get("indexer", [])), None)
    indexer_port = kept_port(previous_indexer if isinstance(previous_indexer, dict) else {})
    indexer_url = f"http://127.0.0.1:{indexer_port}"
    ports = []
    for index in range(len(DEVNET_SHARDS)):
        old = previous_nodes.get(f"storage-{index}") or {}
        running = is_running(int(old.get("pid", 0)), SERVICE_MARKER)
        port = int(old["port"]) if running else pick_port(old.get("port"))
        admin = int(old["admin_port"]) if running else pick_port(old.get("admin_port"))
        ports.append((port, admin, running, int(old.get("pid", 0))))
    urls = [f"http://127.0.0.1:{port}" for port, _, _, _ in ports]
    nodes: list[dict[str, Any]] = []
    started: list[tuple[ServiceSpec, int]] = []
    for index, (shard, (port, admin, running, old_pid)) in enumerate(zip(DEVNET_SHARDS, ports, strict=True)):
        spec = ServiceSpec(
            kind="storage",
            name=f"storage-{index}",
            directory=directory / "storage" / f"node{index}",
            config=_storage_config(
                info, port, admin, shard, [u for u in urls if u != urls[index]], indexer_url, auto_sync
            )
            + (_miner_config(info, index) if mining else ""),
            url=urls[index],
        )
        pid = old_pid if running else start_service(spec)
        if not running:
            started.append((spec, pid))
        nodes.append(
            {
                "name": spec.name,
                "url": spec.url,
                "admin_url": f"http://127.0.0.1:{admin}",
                "shard": shard,
                "port": port,
                "admin_port": admin,
                "pid": pid,
                "config": str(spec.config_path),
                "log": str(spec.log_path),
            }
        )
    for spec, pid in started:
        wait_ready(spec, pid)
    info.services["storage_nodes"] = nodes
    info.services["indexer"] = [
        _ensure_single(
            info, "indexer", "indexer", directory / "indexer", indexer_port, _indexer_config(indexer_port, urls)
        )
    ]
    kv_entry = next(iter(info.services.get("kv_nodes", [])), None)
    kv_port = kept_port(kv_entry if isinstance(kv_entry, dict) else {})
    info.services["kv_nodes"] = [
        _ensure_single(info, "kv_nodes", "kv-0", directory / "kv", kv_port, _kv_config(info, kv_port, urls))
    ]
    info.save(directory / DEVNET_FILE_NAME)
    ensure_da(directory, info, urls)
    info.save(directory / DEVNET_FILE_NAME)
    return info


def _ensure_single(info: NetworkInfo, key: str, name: str, directory: Path, port: int, config: str) -> dict[str, Any]:
    """Start service `name` (one of `info.services[key]`) unless it runs; returns its devnet.json entry."""
    old = next((e for e in info.services.get(key, []) if isinstance(e, dict) and e.get("name") == name), {})
    kind = {"indexer": "indexer", "kv_nodes": "kv"}[key]
    spec = ServiceSpec(kind=kind, name=name, directory=directory, config=config, url=f"http://127.0.0.1:{port}")
    pid = int(old.get("pid", 0))
    if not is_running(pid, SERVICE_MARKER):
        pid = start_service(spec)
        wait_ready(spec, pid)
    return {
        "name": name,
        "url": spec.url,
        "port": port,
        "pid": pid,
        "config": str(spec.config_path),
        "log": str(spec.log_path),
    }


def _storage_config(
    info: NetworkInfo, port: int, admin: int, shard: str, peers: list[str], indexer: str, auto_sync: bool
) -> str:
    peer_list = ", ".join(f'"{p}"' for p in peers)
    return (
        f'blockchain_rpc_endpoint = "{info.rpc_url}"\n'
        f'log_contract_address = "{info.contract("Flow")}"\n'
        f"log_sync_start_block_number = {info.deploy_block}\n"
        "confirmation_block_count = 0\n"
        "log_poll_interval_secs = 0.2\n"
        f'rpc_listen_address = "127.0.0.1:{port}"\n'
        f'rpc_listen_address_admin = "127.0.0.1:{admin}"\n'
        'db_dir = "db"\n'
        "db_max_size_gib = 8\n"
        f'shard_position = "{shard}"\n'
        f'public_url = "http://127.0.0.1:{port}"\n'
        f"peers = [{peer_list}]\n"
        f'indexer_url = "{indexer}"\n'
        f"auto_sync_enabled = {'true' if auto_sync else 'false'}\n"
        "sync_interval_secs = 1.0\n"
        "sync_wait_secs = 2.0\n"
    )


def _miner_config(info: NetworkInfo, index: int) -> str:
    """Node `index` mines with its own dev account (no nonce shared with anything else), lightly."""
    if len(info.accounts) <= MINER_ACCOUNTS_FROM + index or "PoraMine" not in info.contracts:
        return ""  # a devnet made before mining existed
    account = info.accounts[MINER_ACCOUNTS_FROM + index]
    return (
        f'mine_contract_address = "{info.contract("PoraMine")}"\n'
        f'miner_key = "{account.private_key}"\n'
        f"miner_cpu_percentage = {MINER_CPU_PERCENTAGE}\n"
        "mine_context_query_seconds = 2\n"
    )


def _indexer_config(port: int, nodes: list[str]) -> str:
    node_list = ", ".join(f'"{n}"' for n in nodes)
    return (
        f'listen_address = "127.0.0.1:{port}"\n'
        f"trusted_nodes = [{node_list}]\n"
        "health_check_interval_secs = 1.0\n"
        "max_failures = 2\n"
    )


def _kv_config(info: NetworkInfo, port: int, nodes: list[str]) -> str:
    node_list = ", ".join(f'"{n}"' for n in nodes)
    writer = info.accounts[MEMORY_WRITER_ACCOUNT].private_key if len(info.accounts) > MEMORY_WRITER_ACCOUNT else ""
    return (
        f'blockchain_rpc_endpoint = "{info.rpc_url}"\n'
        f'log_contract_address = "{info.contract("Flow")}"\n'
        f"log_sync_start_block_number = {info.deploy_block}\n"
        "confirmation_block_count = 0\n"
        "log_poll_interval_secs = 0.1\n"
        f"zgs_node_urls = [{node_list}]\n"
        "all_streams = true\n"
        f'rpc_listen_address = "127.0.0.1:{port}"\n'
        'db_dir = "db"\n'
        "db_max_size_gib = 8\n"
        "data_wait_secs = 30\n"
        "replay_interval_secs = 0.05\n"
        f'memory_writer_key = "{writer}"\n'
    )


def devnet_status(directory: Path) -> DevnetStatus:
    """Whether the devnet runs, and whether its chain, contracts and services answer."""
    info = _load_if_present(directory / DEVNET_FILE_NAME)
    if info is None:
        return DevnetStatus(directory, False, None, problems=("no devnet here; run 'zerog devnet up'",))
    if not is_running(_anvil_pid(info)):
        return DevnetStatus(directory, False, info, problems=("the chain is stopped; run 'zerog devnet up'",))
    services = []
    problems = []
    for kind in SERVICE_KINDS:
        for entry in info.services.get(kind, []):
            if not isinstance(entry, dict):
                continue
            alive = is_running(int(entry.get("pid", 0)), SERVICE_MARKER)
            services.append(
                {
                    "kind": kind,
                    "name": entry.get("name"),
                    "url": entry.get("url"),
                    "running": alive,
                    "shard": entry.get("shard"),
                }
            )
            if not alive:
                problems.append(f"{entry.get('name')} is not running; 'zerog devnet up' restarts it")
    try:
        w3 = connect(info.rpc_url, timeout_s=5)
        flow = FlowContract(w3, info.contract("Flow"))
        flow.require_code()
        return DevnetStatus(
            directory, True, info, w3.eth.block_number, flow.submission_count(), tuple(problems), tuple(services)
        )
    except ZerogError as exc:
        return DevnetStatus(directory, True, info, problems=(*problems, str(exc)), services=tuple(services))


def devnet_down(directory: Path) -> bool:
    """Stop the devnet's processes, keeping its state for the next `up`. False if nothing was running."""
    info = _load_if_present(directory / DEVNET_FILE_NAME)
    if info is None:
        raise NotFound(f"no devnet in {directory}")
    return _stop_all(info)


def _stop_all(info: NetworkInfo) -> bool:
    """Stop the services (all at once), then the chain."""
    pids = [
        int(entry.get("pid", 0))
        for kind in SERVICE_KINDS
        for entry in info.services.get(kind, [])
        if isinstance(entry, dict)
    ]
    running = [pid for pid in pids if is_running(pid, SERVICE_MARKER)]
    stop_processes(running, timeout_s=20)
    anvil = _anvil_pid(info)
    anvil_running = is_running(anvil)
    if anvil_running:
        stop_process(anvil)
    return bool(running) or anvil_running


def _load_if_present(path: Path) -> NetworkInfo | None:
    return NetworkInfo.load(path) if path.exists() else None


def _anvil_pid(info: NetworkInfo) -> int:
    anvil = info.extra.get("anvil") or {}
    return int(anvil.get("pid", 0))


def _contracts_present(w3: Any, info: NetworkInfo) -> bool:
    return all(w3.eth.get_code(address) for address in info.contracts.values())
