"""Runs inside the official 0G Python SDK's own virtualenv (.venv-sdk); never imported by zerog's tests.

The SDK installs top-level modules (core, contracts, utils, config...), so it cannot share an environment with
zerog. The tests call this script as a subprocess and read one JSON document from its stdout.

  sdk_runner.py roots FILE...                         -> [{"root", "length", "nodes": [[height, root]]}]
  sdk_runner.py submit RPC FLOW KEY FILE [--corrupt]  -> {"tx_seq"} or {"error"}
  sdk_runner.py upload RPC FLOW KEY FILE TARGET       -> {"root", "txHash"} or {"error"}
  sdk_runner.py download ROOT OUT TARGET              -> {"ok": true} or {"error"}

TARGET is "indexer=URL" (the SDK's Indexer path) or "nodes=URL,URL" (Uploader/Downloader over those nodes).
The SDK prints progress on stdout; it is sent to stderr so stdout carries only our JSON.
"""

import contextlib
import io
import json
import sys
import time
from typing import Any


def roots(paths: list[str]) -> list[dict[str, Any]]:
    from core.file import ZgFile

    out = []
    for path in paths:
        file = ZgFile.from_file_path(path)
        tree, err = file.merkle_tree()
        if err is not None:
            raise err
        submission, err = file.create_submission(b"")
        if err is not None:
            raise err
        data = submission["data"]
        out.append(
            {
                "root": tree.root_hash(),
                "length": data["length"],
                "nodes": [[int(n["height"]), _hex(n["root"])] for n in data["nodes"]],
            }
        )
        file.close()
    return out


def submit(rpc: str, flow_address: str, key: str, path: str, corrupt: bool) -> dict[str, Any]:
    from contracts.flow import FlowContract
    from core.file import ZgFile
    from core.uploader import Uploader
    from eth_account import Account
    from web3 import Web3

    account = Account.from_key(key)
    file = ZgFile.from_file_path(path)
    submission, err = file.create_submission(b"", account.address)
    if err is not None:
        raise err
    if corrupt:
        # Claim fewer bytes than the nodes hold: the nodes are then padded more than 0G's rule allows.
        submission["data"]["length"] = max(1, submission["data"]["length"] // 4)
    flow = FlowContract(Web3(Web3.HTTPProvider(rpc)), flow_address)
    uploader = Uploader([], rpc, flow)
    # The SDK prints progress; keep stdout for our JSON.
    with contextlib.redirect_stdout(io.StringIO()):
        receipt, err = uploader.submit_transaction(submission, {"account": account}, {})
    if err is not None:
        return {"error": str(err)}
    tx_seq = None
    for log in receipt["logs"]:
        if log["address"].lower() == flow_address.lower():
            tx_seq = int.from_bytes(bytes(log["data"])[:32], "big")
    return {"tx_seq": tx_seq, "status": receipt["status"]}


def upload(rpc: str, flow_address: str, key: str, path: str, target: str) -> dict[str, Any]:
    from contracts.flow import FlowContract
    from core.file import ZgFile
    from core.indexer import Indexer
    from core.storage_node import StorageNode
    from core.uploader import Uploader
    from eth_account import Account
    from web3 import Web3

    account = Account.from_key(key)
    file = ZgFile.from_file_path(path)
    opts = {"tags": b"\x00", "finalityRequired": True, "taskSize": 10, "expectedReplica": 1, "account": account}
    kind, _, value = target.partition("=")
    if "--replicas" in sys.argv:
        opts["expectedReplica"] = int(sys.argv[sys.argv.index("--replicas") + 1])
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        if kind == "indexer":
            result, err = Indexer(value).upload(file, rpc, account, opts)
        else:
            flow = FlowContract(Web3(Web3.HTTPProvider(rpc)), flow_address)
            uploader = Uploader([StorageNode(url) for url in value.split(",")], rpc, flow)
            result, err = uploader.upload_file(file, opts)
    if err is not None:
        return {"error": str(err)}
    return {"root": result["rootHash"], "txHash": result["txHash"], "seconds": time.perf_counter() - started}


def download(root: str, out: str, target: str) -> dict[str, Any]:
    from core.downloader import Downloader
    from core.indexer import Indexer
    from core.storage_node import StorageNode

    kind, _, value = target.partition("=")
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        if kind == "indexer":
            err = Indexer(value).download(root, out)
        else:
            err = Downloader([StorageNode(url) for url in value.split(",")]).download(root, out)
    return {"error": str(err)} if err is not None else {"ok": True, "seconds": time.perf_counter() - started}


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value) if str(value).startswith("0x") else "0x" + str(value)


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "roots":
        result: Any = roots(args)
    elif command == "submit":
        rpc, flow, key, path, *rest = args
        result = submit(rpc, flow, key, path, corrupt="--corrupt" in rest)
    elif command == "upload":
        result = upload(*args[:5])
    elif command == "download":
        result = download(*args)
    else:
        raise SystemExit(f"unknown command {command}")
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
