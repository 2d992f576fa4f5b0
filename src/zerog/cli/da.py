"""`zerog da`: run DA signers and dispersers; put, get, check and sample blobs.

`put` goes through a disperser; `get`, `sample` and `status BLOB_ID` read the chain and the signers directly and
trust only the chain (every row is checked against the on-chain commitments).
"""

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from zerog.chain import connect
from zerog.chain.da import DAEntranceContract
from zerog.cli.common import (
    DevnetDirOption,
    JsonFlag,
    LogFormatOption,
    LogLevelOption,
    print_json,
    run_service,
    stderr,
    stdout,
)
from zerog.client import resolve_network
from zerog.crypto import kzg
from zerog.da.clients import DisperserClient
from zerog.da.config import load_disperser_config, load_signer_config
from zerog.da.disperser import STATUS_NAMES, DisperserService
from zerog.da.encoding import MAX_DATA_BYTES
from zerog.da.proto import disperser_pb2
from zerog.da.retrieval import BlobRef, retrieve_blob, sample_blob
from zerog.da.signer import SignerService
from zerog.errors import InvalidInput, NotFound

app = typer.Typer(no_args_is_help=True, help="Data availability: blobs under KZG commitments, certified on chain.")
signer_app = typer.Typer(no_args_is_help=True, help="A DA signer node (0G's DA node).")
disperser_app = typer.Typer(no_args_is_help=True, help="A DA disperser (0G's disperser gRPC API).")
app.add_typer(signer_app, name="signer")
app.add_typer(disperser_app, name="disperser")

DisperserOption = Annotated[
    str | None, typer.Option("--disperser", help="Disperser gRPC host:port [env ZEROG_DA_DISPERSER; devnet]")
]
EntranceOption = Annotated[
    str | None, typer.Option("--entrance", help="DAEntrance contract address [env ZEROG_DA_ENTRANCE; devnet]")
]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="Chain JSON-RPC URL [env ZEROG_RPC; devnet]")]


@signer_app.command("run")
def signer_run(
    config: Annotated[Path, typer.Option("--config", help="The signer's TOML config file")],
    log_format: LogFormatOption = "json",
    log_level: LogLevelOption = "info",
) -> None:
    """Run a DA signer until SIGTERM or SIGINT (registers and stakes on first start)."""
    run_service(SignerService(load_signer_config(config)), "da-signer", log_format, log_level)


@disperser_app.command("run")
def disperser_run(
    config: Annotated[Path, typer.Option("--config", help="The disperser's TOML config file")],
    log_format: LogFormatOption = "json",
    log_level: LogLevelOption = "info",
) -> None:
    """Run a DA disperser until SIGTERM or SIGINT."""
    run_service(DisperserService(load_disperser_config(config)), "da-disperser", log_format, log_level)


def _entrance(rpc: str | None, entrance: str | None, devnet: Path | None) -> DAEntranceContract:
    network = resolve_network(rpc, devnet_dir=devnet, da_entrance=entrance)
    contract = DAEntranceContract(connect(network.rpc_url), network.require_da_entrance())
    contract.require_code()
    return contract


def _disperser(flag: str | None, devnet: Path | None) -> str:
    return resolve_network(devnet_dir=devnet, da_disperser=flag, require_chain=False).require_da_disperser()


def _record_json(request_id: bytes, reply: disperser_pb2.BlobStatusReply) -> dict[str, Any]:
    header, proof = reply.info.blob_header, reply.info.blob_verification_proof
    status = STATUS_NAMES[reply.status]
    result: dict[str, Any] = {"requestId": request_id.decode(errors="replace"), "status": status}
    if header.storage_root:
        result["blobId"] = str(BlobRef(bytes(header.storage_root), int(header.epoch), int(header.quorum_id)))
        result["dataRoot"] = "0x" + bytes(header.storage_root).hex()
        result["epoch"] = int(header.epoch)
        result["quorumId"] = int(header.quorum_id)
    if proof.commitments:
        result["ckzgBlobs"] = len(proof.commitments) // 48
    if proof.signer_bitmap:
        result["rowsSigned"] = int(proof.rows_signed)
        result["signerBitmap"] = "0x" + bytes(proof.signer_bitmap).hex()
    if proof.tx_hash:
        result["certificateTx"] = "0x" + bytes(proof.tx_hash).hex()
        result["certificateBlock"] = int(proof.block_number)
    if proof.error:
        result["error"] = proof.error
    return result


def _print_record(record: dict[str, Any]) -> None:
    stdout.print(f"status        {record['status']}")
    for key, label in (
        ("blobId", "blob id"),
        ("dataRoot", "data root"),
        ("epoch", "epoch"),
        ("quorumId", "quorum"),
        ("ckzgBlobs", "ckzg blobs"),
        ("rowsSigned", "rows signed"),
        ("certificateTx", "certificate"),
        ("certificateBlock", "block"),
        ("error", "error"),
    ):
        if key in record:
            stdout.print(f"{label:<13} {record[key]}")


@app.command("put")
def put(
    path: Annotated[Path, typer.Argument(help="The file to disperse (up to 32,505,852 bytes)", show_default=False)],
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the certificate")] = True,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the certificate")] = 300.0,
    disperser: DisperserOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Disperse a file as a DA blob and wait until its certificate is on chain."""
    if not path.is_file():
        raise NotFound(f"no such file: {path}")
    size = path.stat().st_size
    if not 0 < size <= MAX_DATA_BYTES:
        raise InvalidInput(f"{path} is {size} bytes; a DA blob is 1..{MAX_DATA_BYTES} bytes")
    target = _disperser(disperser, devnet)

    async def main() -> tuple[bytes, disperser_pb2.BlobStatusReply | None]:
        async with DisperserClient(target) as client:
            _, request_id = await client.disperse(path.read_bytes())
            if not wait:
                return request_id, None
            waiting = stderr.status("dispersing: encoding, registering, collecting signatures")
            with waiting if stderr.is_terminal else contextlib.nullcontext():
                return request_id, await client.wait_final(request_id, timeout_s=timeout, poll_s=0.2)

    request_id, reply = asyncio.run(main())
    if reply is None:
        record: dict[str, Any] = {"requestId": request_id.decode(), "status": "PROCESSING"}
    else:
        record = _record_json(request_id, reply)
    if json_output:
        print_json(record)
    else:
        _print_record(record)
        stdout.print(f"request id    {record['requestId']}")
    if record["status"] in ("FAILED", "INSUFFICIENT_SIGNATURES"):
        raise typer.Exit(1)


@app.command("status")
def status(
    blob_or_request: Annotated[str, typer.Argument(help="A blob id (0x<root>-<epoch>-<quorum>) or a request id")],
    disperser: DisperserOption = None,
    rpc: RpcOption = None,
    entrance: EntranceOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """A request's status at the disperser, or a blob's status on chain."""
    if "-" in blob_or_request:
        blob = BlobRef.parse(blob_or_request)
        contract = _entrance(rpc, entrance, devnet)
        registered = contract.uploaded_commitments_hash(blob.data_root, blob.epoch, blob.quorum_id)
        verified = contract.verified_commitments_hash(blob.data_root, blob.epoch, blob.quorum_id)
        record: dict[str, Any] = {
            "blobId": str(blob),
            "registered": registered is not None,
            "certified": verified is not None,
        }
        if registered is not None:
            record["commitmentsHash"] = "0x" + registered.hex()
        if json_output:
            print_json(record)
        else:
            for key, value in record.items():
                stdout.print(f"{key:<16} {value}")
        if registered is None:
            raise typer.Exit(1)
        return

    async def ask() -> disperser_pb2.BlobStatusReply:
        async with DisperserClient(_disperser(disperser, devnet)) as client:
            return await client.status(blob_or_request.encode())

    result = _record_json(blob_or_request.encode(), asyncio.run(ask()))
    if json_output:
        print_json(result)
    else:
        _print_record(result)


@app.command("get")
def get(
    blob_id: Annotated[str, typer.Argument(help="The blob id (0x<root>-<epoch>-<quorum>)", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the data")],
    rpc: RpcOption = None,
    entrance: EntranceOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Fetch a blob's rows from its signers, verify each against the chain, recover it and check its root."""
    blob = BlobRef.parse(blob_id)
    contract = _entrance(rpc, entrance, devnet)
    started = time.monotonic()
    kzg.load_trusted_setup(0)  # a verifier: no prover tables
    with stderr.status("fetching and verifying rows") if stderr.is_terminal else contextlib.nullcontext():
        data, report = asyncio.run(retrieve_blob(contract, blob))
    temporary = output.with_name(output.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(output)
    result = {
        "blobId": str(blob),
        "output": str(output),
        "size": len(data),
        "rowsUsed": sorted(report.rows)[:64],
        "recovered": any(index >= 64 for index in sorted(report.rows)[:64]),
        "signerFailures": report.failures,
        "seconds": round(time.monotonic() - started, 3),
    }
    if json_output:
        print_json(result)
        return
    how = "erasure-recovered" if result["recovered"] else "from the systematic rows"
    stdout.print(f"wrote {len(data)} bytes to {output} ({how}, data root verified, {result['seconds']} s)")
    for signer, reason in report.failures.items():
        stdout.print(f"[yellow]skipped signer {signer}:[/yellow] {reason}")


@app.command("sample")
def sample(
    blob_id: Annotated[str, typer.Argument(help="The blob id (0x<root>-<epoch>-<quorum>)", show_default=False)],
    samples: Annotated[int, typer.Option("--samples", "-n", min=1, max=128, help="Random rows to fetch")] = 16,
    from_certificate: Annotated[
        bool, typer.Option("--seed-from-certificate", help="Draw rows from the certificate block's hash")
    ] = False,
    rpc: RpcOption = None,
    entrance: EntranceOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Light client: fetch random rows, verify them against the on-chain commitments, report the confidence."""
    blob = BlobRef.parse(blob_id)
    contract = _entrance(rpc, entrance, devnet)
    kzg.load_trusted_setup(0)  # a verifier: no prover tables
    report = asyncio.run(sample_blob(contract, blob, samples, seed_from_certificate=from_certificate))
    result = {
        "blobId": str(blob),
        "certified": report.certified,
        "certificateBlock": report.certificate_block,
        "seed": report.seed,
        "samples": report.samples,
        "verified": report.verified,
        "missing": report.missing,
        "confidence": report.confidence,
        "available": report.available,
        "signerFailures": report.failures,
    }
    if json_output:
        print_json(result)
    else:
        stdout.print(f"certified     {report.certified} (block {report.certificate_block})")
        stdout.print(f"rows sampled  {report.samples} ({report.seed}): {len(report.verified)} verified")
        if report.missing:
            stdout.print(f"[red]missing       {report.missing}[/red]")
        for signer, reason in report.failures.items():
            stdout.print(f"[yellow]signer {signer}:[/yellow] {reason}")
        if report.missing:
            stdout.print(f"[red]availability NOT established: {len(report.missing)} sampled rows were not served[/red]")
        else:
            stdout.print(
                f"confidence    {report.confidence:.10f} that the blob is available (1 - 2^-{len(report.verified)})"
            )
    if not report.available:
        raise typer.Exit(1)
