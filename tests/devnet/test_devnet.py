"""`zerog devnet up/status/down` end to end: real anvil, deployed contracts, devnet.json, state kept on restart."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import zerog
from zerog.chain import NetworkInfo
from zerog.devnet import find_free_port

pytestmark = [pytest.mark.chain, pytest.mark.slow]


@pytest.mark.timeout(900)  # three full starts of every service; about 3 minutes on an idle 2-core machine
def test_devnet_lifecycle_and_zero_flag_commands(tmp_path: Path) -> None:
    port = str(find_free_port())
    try:
        up = zerog("devnet", "up", "--port", port, cwd=tmp_path)
        assert up.returncode == 0, up.stderr
        devnet_file = tmp_path / ".zerog" / "devnet" / "devnet.json"
        info = NetworkInfo.load(devnet_file)
        assert info.rpc_url == f"http://127.0.0.1:{port}"
        assert info.chain_id == 31337
        assert set(info.contracts) == {
            "Flow",
            "FixedPriceMarket",
            "ChunkLinearReward",
            "PoraMine",
            "DASignerRegistry",
            "DAEntrance",
        }
        assert len(info.accounts) == 20
        assert info.accounts[0].private_key.startswith("0x")
        raw = json.loads(devnet_file.read_text())
        assert [n["shard"] for n in raw["storage_nodes"]] == ["0/1", "0/1", "0/2", "1/2"]
        assert len(raw["indexer"]) == 1
        assert [kv["name"] for kv in raw["kv_nodes"]] == ["kv-0"]

        # With the devnet up, commands need no flags: a plain log entry, then a file through the indexer.
        (tmp_path / "data.bin").write_bytes(b"x" * 5000)
        submit = zerog("file", "submit", "data.bin", "--json", cwd=tmp_path)
        assert submit.returncode == 0, submit.stderr
        assert json.loads(submit.stdout)["tx_seq"] == 0
        (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 4000)
        upload = zerog("upload", "big.bin", "--replicas", "2", "--method", "max", "--json", cwd=tmp_path)
        assert upload.returncode == 0, upload.stderr
        root = json.loads(upload.stdout)["root"]
        put = zerog("kv", "put", "notes", "greeting", "hello", "--json", cwd=tmp_path)
        assert put.returncode == 0, put.stderr
        assert json.loads(put.stdout)["result"] == "Commit"

        blob = _check_da(tmp_path)
        _check_healthy(tmp_path, submissions=4)
        again = zerog("devnet", "up", "--port", port, cwd=tmp_path)  # already up: reports, changes nothing
        assert again.returncode == 0
        assert NetworkInfo.load(devnet_file).contracts == info.contracts

        assert zerog("devnet", "down", cwd=tmp_path).returncode == 0
        stopped = zerog("devnet", "status", cwd=tmp_path)
        assert stopped.returncode == 1
        assert "stopped" in stopped.stderr

        # The chain survives down/up: same contracts, the entry is still there, tx seqs continue.
        assert zerog("devnet", "up", "--port", port, cwd=tmp_path).returncode == 0
        assert NetworkInfo.load(devnet_file).contracts == info.contracts
        assert json.loads(zerog("file", "submit", "data.bin", "--json", cwd=tmp_path).stdout)["tx_seq"] == 4
        assert zerog("kv", "get", "notes", "greeting", "--raw", cwd=tmp_path).stdout == "hello"  # the KV node kept it
        _check_blob_kept(tmp_path, blob["blobId"])
        download = zerog("download", root, "-o", "back.bin", cwd=tmp_path)
        assert download.returncode == 0, download.stderr
        assert (tmp_path / "back.bin").read_bytes() == (tmp_path / "big.bin").read_bytes()

        # --fresh starts over.
        assert zerog("devnet", "up", "--port", port, "--fresh", cwd=tmp_path).returncode == 0
        status = json.loads(zerog("devnet", "status", "--json", cwd=tmp_path).stdout)
        assert status["submissions"] == 0
    finally:
        zerog("devnet", "down", cwd=tmp_path)


def _check_da(tmp_path: Path) -> dict[str, Any]:
    raw = json.loads((tmp_path / ".zerog" / "devnet" / "devnet.json").read_text())
    assert [int(s["stake_wei"]) // 10**18 for s in raw["da_signers"]] == [10, 20, 30, 40]
    assert len(raw["da_dispersers"]) == 1
    # A DA blob: certified on chain at once (the devnet is in a live epoch), read back, sampled; the disperser
    # also stored it in zerog storage (the 4th log entry).
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 1000)
    put_blob = zerog("da", "put", "blob.bin", "--json", cwd=tmp_path)
    assert put_blob.returncode == 0, put_blob.stderr
    blob = json.loads(put_blob.stdout)
    assert blob["status"] == "CONFIRMED"
    assert blob["rowsSigned"] == 128
    got = zerog("da", "get", blob["blobId"], "-o", "blob.back", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "blob.back").read_bytes() == (tmp_path / "blob.bin").read_bytes()
    sampled = zerog("da", "sample", blob["blobId"], "-n", "8", "--json", cwd=tmp_path)
    assert sampled.returncode == 0, sampled.stderr
    assert json.loads(sampled.stdout)["confidence"] == 1 - 2**-8
    on_chain = json.loads(zerog("da", "status", blob["blobId"], "--json", cwd=tmp_path).stdout)
    assert on_chain["certified"] is True
    at_disperser = json.loads(zerog("da", "status", blob["requestId"], "--json", cwd=tmp_path).stdout)
    assert at_disperser["blobId"] == blob["blobId"]

    return dict(blob)


def _check_blob_kept(tmp_path: Path, blob_id: str) -> None:
    """After down/up the signers still hold the blob's rows."""
    again = zerog("da", "get", blob_id, "-o", "blob.again", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "blob.again").read_bytes() == (tmp_path / "blob.bin").read_bytes()


def _check_healthy(directory: Path, submissions: int) -> None:
    status = json.loads(zerog("devnet", "status", "--json", cwd=directory).stdout)
    assert status["running"] is True
    assert status["submissions"] == submissions
    assert status["problems"] == []
    assert all(service["running"] for service in status["services"])


def test_status_and_down_without_a_devnet(tmp_path: Path) -> None:
    status = zerog("devnet", "status", cwd=tmp_path)
    assert status.returncode == 1
    assert "devnet up" in status.stderr
    down = zerog("devnet", "down", cwd=tmp_path)
    assert down.returncode == 1
    assert "no devnet" in down.stderr


def test_up_on_a_busy_port_fails_clearly(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = zerog("devnet", "up", "--port", port, cwd=tmp_path)
    assert result.returncode == 1
    assert "in use" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_da_commands_fail_clearly_without_a_network(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"data")
    for args, expected in (
        (("da", "put", "blob.bin"), "no DA disperser"),
        (("da", "put", "missing.bin"), "no such file"),
        (("da", "get", "0x12-1", "-o", "out"), "a blob id is"),
        (("da", "sample", "0x" + "00" * 32 + "-1-0"), "no chain RPC"),
    ):
        result = zerog(*args, cwd=tmp_path)
        assert result.returncode == 1, args
        assert expected in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
