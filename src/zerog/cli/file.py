"""`zerog file`: 0G file roots and submissions to the Flow contract."""

from pathlib import Path
from typing import Annotated, Any

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
from zerog.client import compute_file_tree, resolve_network, submit_file
from zerog.crypto import FileTree
from zerog.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Compute 0G file roots and append files to the on-chain log.")

PathArgument = Annotated[Path, typer.Argument(help="The file", show_default=False)]


def _tree_json(path: Path, tree: FileTree) -> dict[str, Any]:
    return {
        "path": str(path),
        "size": tree.size,
        "root": "0x" + tree.root.hex(),
        "chunks": tree.chunks,
        "padded_chunks": tree.padded_chunks,
        "segments": tree.data_segment_count,
        "nodes": [{"height": height, "root": "0x" + root.hex()} for height, root in tree.nodes],
    }


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


@app.command("root")
def root(path: PathArgument, json_output: JsonFlag = False) -> None:
    """Print the 0G Merkle root of a file (the id every zgs_* RPC and SDK uses)."""
    with byte_progress("hashing", _size(path)) as on_progress:
        tree = compute_file_tree(path, on_progress=on_progress)
    if json_output:
        print_json(_tree_json(path, tree))
    else:
        stdout.print("0x" + tree.root.hex())


@app.command("submit")
def submit(
    path: PathArgument,
    tags: Annotated[str, typer.Option(help="Submission tags, 0x-hex")] = "0x",
    rpc: RpcOption = None,
    key: KeyOption = None,
    flow: FlowOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Append a file to the log: build its submission, pay the market fee, send Flow.submit, print its tx seq."""
    try:
        tag_bytes = bytes.fromhex(tags.removeprefix("0x"))
    except ValueError as exc:
        raise InvalidInput(f"--tags must be hex, got {tags!r}") from exc
    network = resolve_network(rpc, key, flow, devnet)
    with byte_progress("hashing", _size(path)) as on_progress:
        submitted = submit_file(
            path,
            rpc_url=network.rpc_url,
            private_key=network.require_key(),
            flow_address=network.require_flow(),
            tags=tag_bytes,
            on_progress=on_progress,
        )
    event = submitted.result.events[0]
    if json_output:
        print_json(
            {
                **_tree_json(path, submitted.tree),
                "tx_seq": event.tx_seq,
                "start_sector": event.start_sector,
                "sectors": event.sectors,
                "fee_wei": submitted.result.fee,
                "tx_hash": submitted.result.receipt.tx_hash,
                "block": submitted.result.receipt.block_number,
            }
        )
        return
    stdout.print(f"root       0x{submitted.tree.root.hex()}")
    stdout.print(f"tx seq     {event.tx_seq}")
    stdout.print(f"flow       sectors {event.start_sector}..{event.start_sector + event.sectors - 1}")
    stdout.print(f"fee        {submitted.result.fee} wei")
    stdout.print(f"tx         {submitted.result.receipt.tx_hash} (block {submitted.result.receipt.block_number})")
