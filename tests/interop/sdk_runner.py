"""Runs inside the official 0G Python SDK's own virtualenv (.venv-sdk); never imported by zerog's tests.

The SDK installs top-level modules (core, contracts, utils, config...), so it cannot share an environment with
zerog. The tests call this script as a subprocess and read one JSON document from its stdout.

  sdk_runner.py roots FILE...                         -> [{"root", "length", "nodes": [[height, root]]}]
  sdk_runner.py submit RPC FLOW KEY FILE [--corrupt]  -> {"tx_seq"} or {"error"}
  sdk_runner.py upload RPC FLOW KEY FILE TARGET       -> {"root", "txHash"} or {"error"}
  sdk_runner.py download ROOT OUT TARGET              -> {"ok": true} or {"error"}
  sdk_runner.py kv-write RPC FLOW KEY NODES STREAM k=v... [--version N]
                                                      -> {"tx_seq", "root", "txHash"} or {"error"}
  sdk_runner.py kv-read KV_URL STREAM key... [--version N] [--account ADDR]
                                                      -> {"values": {key: {data, size, version} | {error}},
                                                          "first", "last", "next", "iter", "holding",
                                                          "acl"?}
  sdk_runner.py kv-result KV_URL SEQ...               -> {"results": {seq: result}}

TARGET is "indexer=URL" (the SDK's Indexer path) or "nodes=URL,URL" (Uploader/Downloader over those nodes).
The SDK prints progress on stdout; it is sent to stderr so stdout carries only our JSON.

KV: keys and values on the command line are UTF-8 text; values come back as the SDK returns them (base64), keys
as text. NODES is URL[,URL...]. kv-write uses the SDK's `core.kv.Batcher` (StreamData version N, default
2^64-1: never conflicts), kv-read its `core.kv.KvClient` (get_value, get_first/last/next, KvIterator).
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


def kv_write(rpc: str, flow_address: str, key: str, nodes: str, stream: str, pairs: list[str]) -> dict[str, Any]:
    from contracts.flow import FlowContract
    from core.kv import Batcher
    from core.storage_node import StorageNode
    from eth_account import Account
    from web3 import Web3

    version = int(_flag("--version", str((1 << 64) - 1)))
    account = Account.from_key(key)
    web3 = Web3(Web3.HTTPProvider(rpc))
    flow = FlowContract(web3, flow_address)
    batcher = Batcher(version, [StorageNode(url) for url in nodes.split(",")], flow, rpc)
    for pair in pairs:
        k, _, v = pair.partition("=")
        batcher.set(stream, k.encode(), v.encode())
    opts = {"tags": b"\x00", "finalityRequired": True, "taskSize": 10, "expectedReplica": 1, "account": account}
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        result, err = batcher.exec(opts)
    if err is not None:
        return {"error": str(err)}
    # Batcher.exec reports only {txHash, rootHash}; the tx seq is in the receipt's Submit log (the SDK's own parser).
    receipt = web3.eth.get_transaction_receipt(result["txHash"])
    seqs = flow.process_logs(receipt)
    return {
        "tx_seq": int(seqs[0]),
        "root": result["rootHash"],
        "txHash": result["txHash"],
        "seconds": time.perf_counter() - started,
    }


def kv_read(url: str, stream: str, keys: list[str]) -> dict[str, Any]:
    from core.kv import MAX_QUERY_SIZE, KvClient

    version_flag = _flag("--version", None)
    version = None if version_flag is None else int(version_flag)
    client = KvClient(url)

    def pair(kv: Any) -> Any:
        if kv is None:
            return None
        return {"key": _text(kv.key), "data": kv.data, "size": kv.size, "version": kv.version}

    values = {}
    for key in keys:
        try:
            value = client.get_value(stream, key.encode(), version)
        except Exception as exc:  # one key's failure is reported, not fatal
            values[key] = {"error": str(exc)}
            continue
        values[key] = None if value is None else {"data": value.data, "size": value.size, "version": value.version}
    out: dict[str, Any] = {
        "values": values,
        "first": pair(client.get_first(stream, 0, MAX_QUERY_SIZE, version)),
        "last": pair(client.get_last(stream, 0, MAX_QUERY_SIZE, version)),
        "next": pair(client.get_next(stream, keys[0].encode(), 0, MAX_QUERY_SIZE, False, version)) if keys else None,
        "holding": client.get_holding_stream_ids(),
    }
    iterator = client.new_iterator(stream, version)
    walked = []
    err = iterator.seek_to_first()
    while err is None and iterator.valid():
        walked.append(pair(iterator.get_current_pair()))
        err = iterator.next()
    out["iter"] = walked if err is None else {"error": str(err)}
    account = _flag("--account", None)
    if account is not None:
        out["acl"] = {
            "is_admin": client.is_admin(account, stream, version),
            "is_writer_of_stream": client.is_writer_of_stream(account, stream, version),
            "has_write_permission": {
                k: client.has_write_permission(account, stream, k.encode(), version) for k in keys
            },
            "is_writer_of_key": {k: client.is_writer_of_key(account, stream, k.encode(), version) for k in keys},
            "is_special_key": {k: client.is_special_key(stream, k.encode(), version) for k in keys},
        }
    return out


def kv_result(url: str, seqs: list[str]) -> dict[str, Any]:
    from core.kv import KvClient

    client = KvClient(url)
    # KvClient.get_transaction_result sends the seq as a string (core/storage_kv.py), as the TS SDK does.
    return {"results": {seq: client.get_transaction_result(int(seq)) for seq in seqs}}


def _flag(name: str, default: str | None) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def _positional(args: list[str]) -> list[str]:
    """`args` without the --flag VALUE pairs."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("--"):
            skip = True
        else:
            out.append(arg)
    return out


def _text(key: bytes) -> str:
    try:
        return key.decode()
    except UnicodeDecodeError:
        return "0x" + key.hex()


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
    elif command == "kv-write":
        rpc, flow, key, nodes, stream, *pairs = _positional(args)
        result = kv_write(rpc, flow, key, nodes, stream, pairs)
    elif command == "kv-read":
        url, stream, *keys = _positional(args)
        result = kv_read(url, stream, keys)
    elif command == "kv-result":
        url, *seqs = _positional(args)
        result = kv_result(url, seqs)
    else:
        raise SystemExit(f"unknown command {command}")
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
