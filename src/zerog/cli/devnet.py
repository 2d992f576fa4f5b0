"""`zerog devnet`: a local chain with zerog's contracts (and, as layers land, its services) on 127.0.0.1."""

from pathlib import Path
from typing import Annotated

import typer

from zerog.chain import DEVNET_FILE_NAME, default_devnet_dir
from zerog.cli.common import JsonFlag, fail, print_json, stdout
from zerog.devnet import devnet_down, devnet_status, devnet_up

app = typer.Typer(no_args_is_help=True, help="Run a local zerog network: anvil chain, contracts, services.")

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="Where the devnet keeps its files [env ZEROG_DEVNET_DIR; ./.zerog/devnet]")
]


@app.command("up")
def up(
    directory: DirOption = None,
    port: Annotated[int, typer.Option(help="Chain JSON-RPC port on 127.0.0.1")] = 8545,
    fresh: Annotated[bool, typer.Option("--fresh", help="Discard the saved chain and deploy anew")] = False,
    block_time: Annotated[
        float | None,
        typer.Option("--block-time", help="Seconds per block (default: 1 s while mining, txs mined at once)"),
    ] = None,
    no_mining: Annotated[
        bool, typer.Option("--no-mining", help="Storage nodes do not mine (and blocks come only with transactions)")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Start the devnet (or resume the saved one) and write devnet.json."""
    directory = directory or default_devnet_dir()
    if not json_output:
        stdout.print(f"starting the devnet in {directory} ...")
    info = devnet_up(directory, port=port, fresh=fresh, block_time_s=block_time, mining=not no_mining)
    if json_output:
        print_json(info.to_json())
        return
    stdout.print(f"chain      {info.rpc_url} (chain id {info.chain_id}, anvil, Prague)")
    for name, address in info.contracts.items():
        stdout.print(f"contract   {name:<17} {address}")
    stdout.print(f"account 0  {info.accounts[0].address} (funded dev key; 20 accounts in devnet.json)")
    for node in info.services.get("storage_nodes", []):
        stdout.print(f"storage    {node['url']} shard {node['shard']} (admin {node['admin_url']})")
    if not no_mining and "PoraMine" in info.contracts:
        stdout.print("mining     every storage node mines PoRA at 10% of a core; 'zerog mining status' shows it")
    for indexer in info.services.get("indexer", []):
        stdout.print(f"indexer    {indexer['url']} (JSON-RPC, GET /file?root=..., /file/info/ROOT)")
    for kv in info.services.get("kv_nodes", []):
        stdout.print(f"kv node    {kv['url']} (kv_* JSON-RPC, all streams; agent memory at /v1/memory)")
    for signer in info.services.get("da_signers", []):
        stake = int(signer.get("stake_wei", 0)) // 10**18
        stdout.print(f"da signer  {signer['url']} (gRPC; {signer.get('address')}, stake {stake} ETH)")
    for disperser in info.services.get("da_dispersers", []):
        stdout.print(f"disperser  {disperser['url']} (gRPC, 0G's disperser API; 'zerog da put FILE')")
    stdout.print(f"wrote      {directory / DEVNET_FILE_NAME}")


@app.command("status")
def status(directory: DirOption = None, json_output: JsonFlag = False) -> None:
    """Show whether the devnet runs and what it holds; exits 1 when it is not healthy."""
    result = devnet_status(directory or default_devnet_dir())
    if json_output:
        print_json(result.to_json())
    elif result.info is not None:
        state = ("running" if not result.problems else "degraded") if result.running else "stopped"
        stdout.print(f"devnet     {state} ({result.directory})")
        stdout.print(f"chain      {result.info.rpc_url} chain id {result.info.chain_id}", end="")
        stdout.print(f", block {result.block_number}" if result.block_number is not None else "")
        for name, address in result.info.contracts.items():
            stdout.print(f"contract   {name:<17} {address}")
        if result.submissions is not None:
            stdout.print(f"log        {result.submissions} entries")
        for service in result.services:
            state = "running" if service["running"] else "STOPPED"
            shard = f" shard {service['shard']}" if service.get("shard") else ""
            stdout.print(f"{service['name']:<12} {service['url']}{shard} {state}")
    if result.problems:
        raise fail("; ".join(result.problems))


@app.command("down")
def down(directory: DirOption = None) -> None:
    """Stop the devnet, keeping its chain state for the next 'up'."""
    directory = directory or default_devnet_dir()
    if devnet_down(directory):
        stdout.print(f"stopped the devnet in {directory} (state kept; 'zerog devnet up --fresh' discards it)")
    else:
        stdout.print(f"the devnet in {directory} was not running")
