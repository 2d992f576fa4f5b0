"""The DA services' stores (rows, requests) and config files: round trips, pruning, resumable requests, clear errors."""

from pathlib import Path

import pytest

from zerog.da.config import load_disperser_config, load_signer_config
from zerog.da.retrieval import BlobRef
from zerog.da.store import RequestStore, RowStore
from zerog.errors import ConfigError, InvalidInput

KEY = "0x" + "11" * 32


def test_row_store_round_trip_and_pruning(tmp_path: Path) -> None:
    store = RowStore(tmp_path)
    root = bytes(range(32))
    rows = [(i, bytes([i]) * 2048 * 2, bytes([i]) * 96) for i in (3, 7, 100)]
    assert store.put_blob(5, 1, root, b"c" * 96, rows) == 3
    assert store.put_blob(9, 0, root, b"d" * 48, [(0, b"x" * 2048, b"p" * 48)]) == 1
    assert store.get_rows(5, 1, root, [100, 4, 3]) == [rows[2], rows[0]]  # request order, missing left out
    assert store.commitments(5, 1, root) == b"c" * 96
    assert store.commitments(5, 2, root) is None
    assert store.row_count() == 4
    assert store.prune_before(9) == 3  # epoch 5 goes, epoch 9 stays
    assert store.get_rows(5, 1, root, [3]) == []
    assert store.commitments(5, 1, root) is None
    assert store.get_rows(9, 0, root, [0]) == [(0, b"x" * 2048, b"p" * 48)]
    store.close()
    reopened = RowStore(tmp_path)  # durable
    assert reopened.row_count() == 1
    reopened.close()


def test_request_store_keeps_pending_data_until_done(tmp_path: Path) -> None:
    store = RequestStore(tmp_path)
    store.add(b"a", {"status": "PROCESSING"}, b"payload")
    store.add(b"b", {"status": "PROCESSING"}, b"other")
    store.put(b"a", {"status": "PROCESSING", "epoch": 3})
    assert store.pending_ids() == [b"a", b"b"]
    store.put(b"b", {"status": "CONFIRMED"}, done=True)
    store.close()
    store = RequestStore(tmp_path)  # a restart resumes what was pending, with what it had recorded
    assert store.pending_ids() == [b"a"]
    assert store.data(b"a") == b"payload"
    assert store.get(b"a") == {"status": "PROCESSING", "epoch": 3}
    assert store.data(b"b") is None
    assert store.get(b"b") == {"status": "CONFIRMED"}
    assert store.get(b"zzz") is None
    store.close()


def test_signer_config(tmp_path: Path) -> None:
    path = tmp_path / "signer.toml"
    path.write_text(
        'blockchain_rpc_endpoint = "http://127.0.0.1:8545"\n'
        'da_entrance_address = "0x0000000000000000000000000000000000000001"\n'
        f'signer_eth_key = "{KEY}"\n'
        f'signer_bls_key = "{KEY}"\n'
        'stake_wei = "40000000000000000000"\n'
        'grpc_listen_address = "127.0.0.1:34001"\n'
        'socket = "signer.example:34001"\n'
    )
    config = load_signer_config(path)
    assert config.stake_wei == 40 * 10**18  # above 2^63: a string in TOML
    assert config.listen == ("127.0.0.1", 34001)
    assert config.public_socket == "signer.example:34001"
    assert config.db_dir == tmp_path / "db"
    assert config.bls_key == bytes.fromhex("11" * 32)
    path.write_text(path.read_text().replace(f'signer_bls_key = "{KEY}"', 'signer_bls_key = "0x12"'))
    with pytest.raises(ConfigError, match="signer_bls_key"):
        load_signer_config(path)


def test_disperser_config(tmp_path: Path) -> None:
    path = tmp_path / "disperser.toml"
    base = (
        'blockchain_rpc_endpoint = "http://127.0.0.1:8545"\n'
        'da_entrance_address = "0x0000000000000000000000000000000000000001"\n'
        f'disperser_eth_key = "{KEY}"\n'
    )
    path.write_text(base)
    config = load_disperser_config(path)
    assert config.url == "127.0.0.1:51001"
    assert config.storage_key == KEY
    assert config.encoder_workers == 2
    path.write_text(base + 'storage_node_urls = ["http://127.0.0.1:5678/"]\n')
    with pytest.raises(ConfigError, match="flow_address"):
        load_disperser_config(path)
    path.write_text(base + "max_blob_bytes = 40000000\n")
    with pytest.raises(ConfigError, match="max_blob_bytes"):
        load_disperser_config(path)
    path.write_text(base + "unknown_key = 1\n")
    with pytest.raises(ConfigError, match="unknown_key"):
        load_disperser_config(path)


def test_blob_ids() -> None:
    blob = BlobRef(bytes(range(32)), 12, 3)
    assert str(blob) == "0x" + bytes(range(32)).hex() + "-12-3"
    assert BlobRef.parse(str(blob)) == blob
    for bad in ("", "0x12-1-1", "0x" + "00" * 32 + "-x-1", "0x" + "00" * 32 + "-1", "0x" + "00" * 32 + "-1--1"):
        with pytest.raises(InvalidInput):
            BlobRef.parse(bad)
