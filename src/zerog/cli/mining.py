"""`zerog mining`: the PoRA miners of storage nodes: status, start, stop (through each node's admin RPC)."""

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from zerog.chain import DEVNET_FILE_NAME, NetworkInfo, default_devnet_dir
from zerog.cli.common import DevnetDirOption, JsonFlag, print_json, stdout
from zerog.errors import ConfigError, ZerogError
from zerog.rpc import JsonRpcClient

app = typer.Typer(no_args_is_help=True, help="PoRA mining on storage nodes: status, start, stop.")

AdminOption = Annotated[
    list[str] | None,
    typer.Option("--admin", help="A storage node's admin URL (127.0.0.1), repeatable [devnet: every node]"),
]


def _targets(admin: list[str] | None, devnet: Path | None) -> list[tuple[str, str]]:
    """(name, admin URL) of the nodes to ask."""
    if admin:
        return [(url, url.rstrip("/")) for url in admin]
    path = (devnet or default_devnet_dir()) / DEVNET_FILE_NAME
    if not path.exists():
        raise ConfigError("no storage node: pass --admin URL, or run 'zerog devnet up' here")
    info = NetworkInfo.load(path)
    nodes = [e for e in info.services.get("storage_nodes", []) if isinstance(e, dict) and "admin_url" in e]
    return [(str(e.get("name", e["admin_url"])), str(e["admin_url"])) for e in nodes]


def _call_all(targets: list[tuple[str, str]], method: str) -> list[tuple[str, Any]]:
    async def one(url: str) -> Any:
        try:
            async with JsonRpcClient(url, timeout_s=10) as rpc:
                return await rpc.call(method)
        except ZerogError as exc:
            return {"state": "unreachable", "lastError": str(exc)}

    async def every() -> list[Any]:
        return list(await asyncio.gather(*(one(url) for _, url in targets)))

    return list(zip([name for name, _ in targets], asyncio.run(every()), strict=True))


@app.command("status")
def status(admin: AdminOption = None, devnet: DevnetDirOption = None, json_output: JsonFlag = False) -> None:
    """Each node's miner: state, hash rate, answers, rewards earned and withdrawable."""
    answers = _call_all(_targets(admin, devnet), "miner_getStatus")
    if json_output:
        print_json({name: answer for name, answer in answers})
        return
    for name, answer in answers:
        if not isinstance(answer, dict) or answer.get("state") in ("disabled", "unreachable"):
            state = answer.get("state") if isinstance(answer, dict) else answer
            stdout.print(f"{name:<10} {state}")
            continue
        stdout.print(
            f"{name:<10} {answer['state']:<28} {answer['hashRate']:>8.1f} nonces/s  epoch {answer['epoch']}  "
            f"answers {answer['accepted']}/{answer['submitted']}  sealed {answer['sealedSegments']} seg  "
            f"earned {int(answer['rewardsWei']) / 1e18:.6f}  withdrawable {int(answer['withdrawableWei']) / 1e18:.6f}"
        )
        if answer.get("lastError"):
            stdout.print(f"{'':<10} [dim]last error: {answer['lastError']}[/dim]")


@app.command("start")
def start(admin: AdminOption = None, devnet: DevnetDirOption = None) -> None:
    """Resume mining on the nodes."""
    for name, answer in _call_all(_targets(admin, devnet), "miner_start"):
        stdout.print(f"{name:<10} {'mining' if answer is True else _why(answer)}")


@app.command("stop")
def stop(admin: AdminOption = None, devnet: DevnetDirOption = None) -> None:
    """Pause mining on the nodes (the node keeps serving data)."""
    for name, answer in _call_all(_targets(admin, devnet), "miner_stop"):
        stdout.print(f"{name:<10} {'stopped' if answer is True else _why(answer)}")


def _why(answer: Any) -> str:
    return str(answer.get("lastError")) if isinstance(answer, dict) else str(answer)
