import json
from pathlib import Path

import pytest

from zerog.chain import Account, NetworkInfo
from zerog.errors import ConfigError, NotFound


def test_network_file_round_trip(tmp_path: Path) -> None:
    info = NetworkInfo(
        chain_id=31337,
        rpc_url="http://127.0.0.1:8545",
        contracts={"Flow": "0x" + "11" * 20},
        deploy_block=3,
        accounts=[Account("0x" + "22" * 20, "0x" + "33" * 32)],
        extra={"anvil": {"pid": 1}},
    )
    path = tmp_path / "devnet.json"
    info.save(path)
    data = json.loads(path.read_text())
    assert data["storage_nodes"] == []
    assert data["indexer"] == []
    assert data["kv_nodes"] == []
    assert NetworkInfo.load(path) == info


def test_network_file_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        NetworkInfo.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError):
        NetworkInfo.load(tmp_path / "bad.json")
    (tmp_path / "partial.json").write_text('{"chain_id": 1}')
    with pytest.raises(ConfigError):
        NetworkInfo.load(tmp_path / "partial.json")
