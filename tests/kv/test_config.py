"""KV node config: 0G's key names, every problem a ConfigError naming the key."""

from pathlib import Path

import pytest

from zerog.errors import ConfigError
from zerog.kv import load_kv_config

BASE = """
blockchain_rpc_endpoint = "http://127.0.0.1:8545"
log_contract_address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
zgs_node_urls = ["http://127.0.0.1:5678/"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kv.toml"
    path.write_text(text)
    return path


def test_defaults_and_paths(tmp_path: Path) -> None:
    config = load_kv_config(write(tmp_path, BASE + f'stream_ids = ["0x{"ab" * 32}"]\n'))
    assert config.storage_nodes == ("http://127.0.0.1:5678",)
    assert config.stream_ids == (bytes.fromhex("ab" * 32),)
    assert config.held_streams == frozenset({bytes.fromhex("ab" * 32)})
    assert config.listen == ("127.0.0.1", 6789)
    assert config.db_dir == tmp_path / "db"
    assert config.log_sync.flow_address == "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_all_streams(tmp_path: Path) -> None:
    config = load_kv_config(write(tmp_path, BASE + "all_streams = true\nmemory_writer_key = '0x01'\n"))
    assert config.held_streams is None


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ("", "stream_ids"),
        ('stream_ids = ["0x1234"]', "stream id"),
        ("all_streams = true\nbogus = 1", "bogus"),
        ('all_streams = true\nrpc_listen_address = "nowhere"', "rpc_listen_address"),
        ("all_streams = true\ndata_wait_secs = 0", "data_wait_secs"),
    ],
)
def test_refused(tmp_path: Path, extra: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_kv_config(write(tmp_path, BASE + extra + "\n"))


def test_needs_a_data_source(tmp_path: Path) -> None:
    text = BASE.replace('zgs_node_urls = ["http://127.0.0.1:5678/"]', "") + "all_streams = true\n"
    with pytest.raises(ConfigError, match="zgs_node_urls or indexer_url"):
        load_kv_config(write(tmp_path, text))
