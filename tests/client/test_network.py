from pathlib import Path

import pytest

from zerog.chain import Account, NetworkInfo
from zerog.client import resolve_network
from zerog.errors import ConfigError


@pytest.fixture
def devnet_dir(tmp_path: Path) -> Path:
    NetworkInfo(
        chain_id=31337,
        rpc_url="http://127.0.0.1:1111",
        contracts={"Flow": "0xdevnetflow"},
        accounts=[Account("0xa", "0xdevnetkey")],
    ).save(tmp_path / "devnet.json")
    return tmp_path


def test_flags_beat_environment_beat_devnet(devnet_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEROG_RPC", raising=False)
    monkeypatch.delenv("ZEROG_KEY", raising=False)
    monkeypatch.delenv("ZEROG_FLOW", raising=False)
    network = resolve_network(devnet_dir=devnet_dir)
    assert (network.rpc_url, network.private_key, network.flow_address) == (
        "http://127.0.0.1:1111",
        "0xdevnetkey",
        "0xdevnetflow",
    )
    monkeypatch.setenv("ZEROG_RPC", "http://env")
    monkeypatch.setenv("ZEROG_KEY", "0xenvkey")
    assert resolve_network(devnet_dir=devnet_dir).rpc_url == "http://env"
    assert resolve_network(devnet_dir=devnet_dir).flow_address == "0xdevnetflow"
    network = resolve_network(rpc="http://flag", devnet_dir=devnet_dir)
    assert (network.rpc_url, network.private_key) == ("http://flag", "0xenvkey")


def test_no_network_anywhere_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZEROG_RPC", "ZEROG_KEY", "ZEROG_FLOW"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="devnet up"):
        resolve_network(devnet_dir=tmp_path)
    network = resolve_network(rpc="http://x", devnet_dir=tmp_path)
    with pytest.raises(ConfigError, match="--key"):
        network.require_key()
    with pytest.raises(ConfigError, match="--flow"):
        network.require_flow()


def test_devnet_directory_comes_from_the_environment(devnet_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZEROG_RPC", "ZEROG_KEY", "ZEROG_FLOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZEROG_DEVNET_DIR", str(devnet_dir))
    assert resolve_network().rpc_url == "http://127.0.0.1:1111"
