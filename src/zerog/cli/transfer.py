"""`zerog upload` and `zerog download`: files to and from a storage network, verified end to end."""

import asyncio
from pathlib import Path
from typing import Annotated, Literal

import typer

from zerog.cli.common import (
    DevnetDirOption,
    FlowOption,
    JsonFlag,
    KeyOption,
    RpcOption,
    byte_progress,
    print_json,
    stdout,
)
from zerog.client import DownloadOptions, UploadOptions, download_file, resolve_network, upload_file
from zerog.crypto.encryption import parse_encryption_key
from zerog.errors import InvalidInput
from zerog.spec import bytes_to_root
from zerog.storage import SELECTION_METHODS

NodeOption = Annotated[
    list[str] | None, typer.Option("--node", help="Storage node URL, repeatable [env ZEROG_NODES; devnet]")
]
IndexerOption = Annotated[str | None, typer.Option("--indexer", help="Indexer URL [env ZEROG_INDEXER; devnet]")]
KeyHexOption = Annotated[str | None, typer.Option("--encrypt-key", help="32-byte hex key: AES-256-CTR, 0G's v1 format")]


def upload(
    path: Annotated[Path, typer.Argument(help="The file to upload", show_default=False)],
    replicas: Annotated[int, typer.Option("--replicas", min=1, help="Copies of every segment")] = 1,
    method: Annotated[str, typer.Option("--method", help="Node selection: min, max, random or a shard count")] = "min",
    wait: Annotated[str, typer.Option("--wait", help="packed (nodes saw the tx) or finalized (nodes stored it)")] = (
        "finalized"
    ),
    tags: Annotated[str, typer.Option(help="Submission tags, 0x-hex")] = "0x",
    fee: Annotated[int | None, typer.Option("--fee", help="Override the market fee (wei)")] = None,
    encrypt_key: KeyHexOption = None,
    node: NodeOption = None,
    indexer: IndexerOption = None,
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Upload a file: pay the fee, send every segment with its proof, wait until the nodes store it."""
    if wait not in ("packed", "finalized"):
        raise InvalidInput("--wait is packed or finalized")
    if method not in SELECTION_METHODS and not method.isdigit():
        raise InvalidInput("--method is min, max, random or a shard count")
    try:
        tag_bytes = bytes.fromhex(tags.removeprefix("0x"))
    except ValueError as exc:
        raise InvalidInput(f"--tags must be hex, got {tags!r}") from exc
    network = resolve_network(rpc, key, flow, devnet, nodes=tuple(node or ()), indexer=indexer)
    network.require_storage()
    wait_mode: Literal["packed", "finalized"] = "packed" if wait == "packed" else "finalized"
    options = UploadOptions(
        replicas=replicas,
        method=method,
        wait=wait_mode,
        tags=tag_bytes,
        fee_wei=fee,
        encrypt_key=parse_encryption_key(encrypt_key) if encrypt_key else None,
    )
    size = path.stat().st_size if path.is_file() else 0
    with byte_progress("uploading", size * replicas) as on_progress:
        result = asyncio.run(
            upload_file(
                path,
                rpc_url=network.rpc_url,
                private_key=network.require_key(),
                flow_address=network.require_flow(),
                nodes=network.nodes,
                indexer=network.indexer,
                options=options,
                on_progress=on_progress,
            )
        )
    if json_output:
        print_json(
            {
                "root": "0x" + result.root.hex(),
                "tx_seq": result.tx_seq,
                "tx_hash": result.tx_hash,
                "size": result.size,
                "fee_wei": result.fee_wei,
                "nodes": result.nodes,
                "segments_sent": result.segments_sent,
                "resumed": result.resumed,
                "already_stored": result.already_stored,
                "elapsed_s": round(result.elapsed_s, 3),
                "encrypted": result.encryption_header is not None,
                "phases_s": result.phases,
            }
        )
        return
    stdout.print(f"root       0x{result.root.hex()}")
    state = "already stored" if result.already_stored else ("resumed" if result.resumed else wait)
    stdout.print(f"tx seq     {result.tx_seq} ({state})")
    if result.tx_hash:
        stdout.print(f"tx         {result.tx_hash} (fee {result.fee_wei} wei)")
    stdout.print(f"nodes      {', '.join(result.nodes)}")
    rate = result.size / max(result.elapsed_s, 1e-9) / 1e6
    stdout.print(
        f"sent       {result.segments_sent} segments, {result.size} bytes in {result.elapsed_s:.2f}s ({rate:.1f} MB/s)"
    )


def download(
    root: Annotated[str, typer.Argument(help="The file's 0G root (0x-hex)", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the file")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file")] = False,
    encrypt_key: KeyHexOption = None,
    node: NodeOption = None,
    indexer: IndexerOption = None,
    devnet: DevnetDirOption = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per segment before failing over")] = 30.0,
    json_output: JsonFlag = False,
) -> None:
    """Download a file by root, verifying every segment and failing over between nodes."""
    data_root = bytes_to_root(root)
    network = resolve_network(devnet_dir=devnet, nodes=tuple(node or ()), indexer=indexer, require_chain=False)
    network.require_storage()
    options = DownloadOptions(
        timeout_s=timeout,
        overwrite=overwrite,
        encrypt_key=parse_encryption_key(encrypt_key) if encrypt_key else None,
    )
    with byte_progress("downloading", 1 << 62) as on_progress:
        result = asyncio.run(
            download_file(
                data_root,
                output,
                nodes=network.nodes,
                indexer=network.indexer,
                options=options,
                on_progress=on_progress,
            )
        )
    if json_output:
        print_json(
            {
                "root": "0x" + result.root.hex(),
                "path": str(result.path),
                "size": result.size,
                "tx_seq": result.tx_seq,
                "segments": result.segments,
                "failovers": result.failovers,
                "served_by": dict(result.served_by),
                "elapsed_s": round(result.elapsed_s, 3),
            }
        )
        return
    rate = result.size / max(result.elapsed_s, 1e-9) / 1e6
    stdout.print(
        f"wrote      {result.path} ({result.size} bytes, {result.segments} segments verified, {rate:.1f} MB/s)"
    )
    stdout.print(f"served by  {', '.join(f'{url} x{n}' for url, n in result.served_by.items())}")
    if result.failovers:
        stdout.print(f"failovers  {result.failovers} (a node timed out, erred or served bad data; another one served)")
