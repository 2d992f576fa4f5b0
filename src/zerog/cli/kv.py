"""`zerog kv`: run a KV node; write, read and list keys; grant and revoke access.

STREAM is a 32-byte stream id ("0x" + 64 hex) or any name, which stands for keccak256(name). KEY and VALUE are
text (UTF-8); `--value-file` reads a value from a file. Every write is one log entry (a StreamData upload) and by
default waits until the KV node has replayed it, then prints 0G's result; anything but "Commit" exits 1.
"""

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zerog.cli.common import (
    DevnetDirOption,
    FlowOption,
    JsonFlag,
    KeyOption,
    LogFormatOption,
    LogLevelOption,
    RpcOption,
    fail,
    print_json,
    run_service,
    stderr,
    stdout,
)
from zerog.cli.transfer import IndexerOption, NodeOption
from zerog.client import Network, resolve_network
from zerog.client.kv import NEVER_CONFLICT, Batcher, KvClient, KvValue, KvWrite, stream_id_for
from zerog.errors import InvalidInput
from zerog.kv import KvService, load_kv_config

app = typer.Typer(no_args_is_help=True, help="A 0G-compatible KV store on the storage log: run a node, read, write.")

KvOption = Annotated[str | None, typer.Option("--kv", help="KV node URL [env ZEROG_KV; devnet]")]
StreamArg = Annotated[str, typer.Argument(help="Stream id (0x + 64 hex) or a name (keccak256 of it)")]
KeyArg = Annotated[str, typer.Argument(help="The key (text)")]
VersionOption = Annotated[
    int | None, typer.Option("--version", min=0, help="Read as of this tx seq (default: the latest)")
]
WaitOption = Annotated[str, typer.Option("--wait", help="applied (the KV node replayed it) or stored")]


@app.command("run")
def run(
    config: Annotated[Path, typer.Option("--config", help="The KV node's TOML config file")],
    log_format: LogFormatOption = "json",
    log_level: LogLevelOption = "info",
) -> None:
    """Run a KV node (and the agent memory API on it) until SIGTERM or SIGINT."""
    from zerog.memory import plugins_for

    kv_config = load_kv_config(config)
    run_service(KvService(kv_config, plugins_for(kv_config)), "kv", log_format, log_level)


def _network(
    rpc: str | None,
    key: str | None,
    flow: str | None,
    devnet: Path | None,
    node: list[str] | None,
    indexer: str | None,
    kv: str | None,
) -> Network:
    return resolve_network(rpc, key, flow, devnet, nodes=tuple(node or ()), indexer=indexer, kv=kv)


def _key(text: str) -> bytes:
    key = text.encode()
    if not key:
        raise InvalidInput("a key cannot be empty")
    return key


def _execute(batch: Batcher, network: Network, wait: str, json_output: bool, what: str) -> KvWrite:
    if wait not in ("applied", "stored"):
        raise InvalidInput("--wait is applied or stored")
    network.require_storage()
    if wait == "applied":
        network.require_kv()

    def stage(text: str) -> None:
        if not json_output:
            stderr.print(f"[dim]{text}…[/dim]")

    written = asyncio.run(batch.execute(wait="applied" if wait == "applied" else "stored", on_stage=stage))
    if json_output:
        print_json(
            {
                "tx_seq": written.tx_seq,
                "root": "0x" + written.root.hex(),
                "tx_hash": written.upload.tx_hash,
                "result": written.result,
                "upload_s": round(written.upload.elapsed_s, 3),
                "replay_wait_s": round(written.waited_s, 3),
            }
        )
    else:
        stdout.print(f"{what}: tx seq {written.tx_seq}, root 0x{written.root.hex()}")
        if written.result is not None:
            stdout.print(f"result     {written.result} (replayed {written.waited_s:.2f}s after the upload)")
    if written.result is not None and not written.committed:
        raise fail(f"the KV node did not apply tx {written.tx_seq}: {written.result}")
    return written


@app.command("put")
def put(
    stream: StreamArg,
    key_text: KeyArg,
    value: Annotated[str | None, typer.Argument(help="The value (text)", show_default=False)] = None,
    value_file: Annotated[Path | None, typer.Option("--value-file", help="Read the value from a file")] = None,
    version: Annotated[
        int | None,
        typer.Option("--if-unchanged-since", min=0, help="Refuse (VersionConfliction) if the key changed after tx"),
    ] = None,
    wait: WaitOption = "applied",
    node: NodeOption = None,
    indexer: IndexerOption = None,
    kv: KvOption = None,
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Set KEY to VALUE in STREAM (one log entry)."""
    if value is not None and value_file is None:
        data = value.encode()
    elif value_file is not None and value is None:
        data = _read(value_file)
    else:
        raise InvalidInput("give a VALUE or --value-file, not both")
    stream_id, key_bytes = stream_id_for(stream), _key(key_text)
    network = _network(rpc, key, flow, devnet, node, indexer, kv)
    batch = Batcher(network, version=NEVER_CONFLICT if version is None else version)
    batch.set(stream_id, key_bytes, data)
    _execute(batch, network, wait, json_output, "written")


@app.command("delete")
def delete(
    stream: StreamArg,
    key_text: KeyArg,
    wait: WaitOption = "applied",
    node: NodeOption = None,
    indexer: IndexerOption = None,
    kv: KvOption = None,
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Delete KEY (0G writes an empty value; older versions stay readable with --version)."""
    stream_id, key_bytes = stream_id_for(stream), _key(key_text)
    network = _network(rpc, key, flow, devnet, node, indexer, kv)
    batch = Batcher(network).delete(stream_id, key_bytes)
    _execute(batch, network, wait, json_output, "deleted")


@app.command("get")
def get(
    stream: StreamArg,
    key_text: KeyArg,
    version: VersionOption = None,
    raw: Annotated[bool, typer.Option("--raw", help="Write the value's bytes to stdout, nothing else")] = False,
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Read KEY from STREAM; exits 1 if the key has no value."""
    url = resolve_network(devnet_dir=devnet, kv=kv, require_chain=False).require_kv()

    async def read() -> KvValue:
        async with KvClient(url) as client:
            return await client.get(stream_id_for(stream), _key(key_text), version)

    value = asyncio.run(read())
    if raw:
        sys.stdout.buffer.write(value.data)
    elif json_output:
        print_json(_value_json(value))
    elif value.exists:
        stdout.print(f"{_show(value.data)}")
        stderr.print(f"[dim]version {value.version} (the tx seq that wrote it)[/dim]")
    if not value.exists:
        state = f"deleted at version {value.version}" if value.version else "never written"
        raise fail(f"{key_text!r} has no value in this stream ({state})")


@app.command("ls")
def ls(
    stream: StreamArg,
    version: VersionOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="List at most this many keys")] = 1000,
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """List the live keys of STREAM in key order, with their versions."""
    url = resolve_network(devnet_dir=devnet, kv=kv, require_chain=False).require_kv()

    async def collect() -> list[KvValue]:
        found: list[KvValue] = []
        async with KvClient(url) as client:
            async for value in client.items(stream_id_for(stream), version=version):
                found.append(value)
                if len(found) >= limit:
                    break
        return found

    values = asyncio.run(collect())
    if json_output:
        print_json([_value_json(v) for v in values])
        return
    for value in values:
        stdout.print(f"{_show(value.key)}\t{_show(value.data, 60)}\tv{value.version}")
    stderr.print(f"[dim]{len(values)} key(s)[/dim]")


ROLES = ("writer", "admin", "key-writer")
RoleOption = Annotated[str, typer.Option("--role", help="writer (whole stream), admin, or key-writer (with --key)")]
KeyNameOption = Annotated[str | None, typer.Option("--key-name", help="The key, for --role key-writer")]


@app.command("grant")
def grant(
    stream: StreamArg,
    account: Annotated[str, typer.Argument(help="The account (0x address) to grant to")],
    role: RoleOption = "writer",
    key_name: KeyNameOption = None,
    wait: WaitOption = "applied",
    node: NodeOption = None,
    indexer: IndexerOption = None,
    kv: KvOption = None,
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Grant ACCOUNT a role on STREAM (admins grant anything; writers may grant writing)."""
    stream_id = stream_id_for(stream)
    network = _network(rpc, key, flow, devnet, node, indexer, kv)
    batch = Batcher(network)
    if role == "writer":
        batch.grant_writer(stream_id, account)
    elif role == "admin":
        batch.grant_admin(stream_id, account)
    elif role == "key-writer":
        batch.grant_special_writer(stream_id, _require_key(key_name), account)
    else:
        raise InvalidInput(f"--role is one of {', '.join(ROLES)}")
    _execute(batch, network, wait, json_output, f"granted {role}")


@app.command("revoke")
def revoke(
    stream: StreamArg,
    account: Annotated[str, typer.Argument(help="The account (0x address) to revoke")],
    role: RoleOption = "writer",
    key_name: KeyNameOption = None,
    wait: WaitOption = "applied",
    node: NodeOption = None,
    indexer: IndexerOption = None,
    kv: KvOption = None,
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Revoke ACCOUNT's writer or key-writer role on STREAM (admins only; admins can only renounce themselves)."""
    stream_id = stream_id_for(stream)
    network = _network(rpc, key, flow, devnet, node, indexer, kv)
    batch = Batcher(network)
    if role == "writer":
        batch.revoke_writer(stream_id, account)
    elif role == "key-writer":
        batch.revoke_special_writer(stream_id, _require_key(key_name), account)
    else:
        raise InvalidInput("--role is writer or key-writer (an admin can only renounce: zerog kv renounce)")
    _execute(batch, network, wait, json_output, f"revoked {role}")


@app.command("renounce")
def renounce(
    stream: StreamArg,
    role: RoleOption = "writer",
    key_name: KeyNameOption = None,
    wait: WaitOption = "applied",
    node: NodeOption = None,
    indexer: IndexerOption = None,
    kv: KvOption = None,
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Give up one of your own roles on STREAM."""
    stream_id = stream_id_for(stream)
    network = _network(rpc, key, flow, devnet, node, indexer, kv)
    batch = Batcher(network)
    if role == "writer":
        batch.renounce_writer(stream_id)
    elif role == "admin":
        batch.renounce_admin(stream_id)
    elif role == "key-writer":
        batch.renounce_special_writer(stream_id, _require_key(key_name))
    else:
        raise InvalidInput(f"--role is one of {', '.join(ROLES)}")
    _execute(batch, network, wait, json_output, f"renounced {role}")


@app.command("special")
def special(
    stream: StreamArg,
    key_text: KeyArg,
    normal: Annotated[bool, typer.Option("--normal", help="Make the key normal again")] = False,
    wait: WaitOption = "applied",
    node: NodeOption = None,
    indexer: IndexerOption = None,
    kv: KvOption = None,
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Make KEY special (only its key-writers and admins may write it) or, with --normal, normal (admins only)."""
    stream_id = stream_id_for(stream)
    network = _network(rpc, key, flow, devnet, node, indexer, kv)
    batch = Batcher(network)
    if normal:
        batch.set_normal_key(stream_id, _key(key_text))
    else:
        batch.set_special_key(stream_id, _key(key_text))
    _execute(batch, network, wait, json_output, "normal key" if normal else "special key")


@app.command("result")
def result(
    tx_seq: Annotated[int, typer.Argument(min=0, help="The tx seq of a KV write")],
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
) -> None:
    """Print how the KV node replayed a tx ("Commit", or why not); exits 1 if it has not yet."""
    url = resolve_network(devnet_dir=devnet, kv=kv, require_chain=False).require_kv()

    async def ask() -> str | None:
        async with KvClient(url) as client:
            return await client.transaction_result(tx_seq)

    answer = asyncio.run(ask())
    if answer is None:
        raise fail(f"tx {tx_seq} is not replayed (yet), or is not a KV write")
    stdout.print(answer)


def _require_key(key_name: str | None) -> bytes:
    if not key_name:
        raise InvalidInput("--role key-writer needs --key-name")
    return _key(key_name)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


def _show(data: bytes, limit: int | None = None) -> str:
    try:
        text = data.decode()
    except UnicodeDecodeError:
        text = "0x" + data.hex()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _value_json(value: KvValue) -> dict[str, Any]:
    return {
        "key": _show(value.key),
        "value": _show(value.data),
        "version": value.version,
        "size": len(value.data),
        "exists": value.exists,
    }
