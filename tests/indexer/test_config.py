"""Indexer config: the TOML keys, their defaults, and one clear error naming the key for each mistake."""

import json
from pathlib import Path

import pytest

from zerog.errors import ConfigError
from zerog.indexer import IndexerConfig, IpLocation, load_indexer_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indexer.toml"
    path.write_text(text)
    return path


def test_full_config(tmp_path: Path) -> None:
    (tmp_path / "ips.json").write_text(
        json.dumps({"10.0.0.7": {"city": "Lisbon", "region": "Lisbon", "country": "PT", "loc": "38.7,-9.1"}})
    )
    config = load_indexer_config(
        _write(
            tmp_path,
            """
listen_address = "127.0.0.1:23456"
trusted_nodes = ["http://127.0.0.1:5678/", "http://127.0.0.1:5680", "http://127.0.0.1:5678"]
discovery_nodes = ["http://127.0.0.1:5679"]
discovery_interval_secs = 30
health_check_interval_secs = 0.5
max_failures = 5
file_location_cache_secs = 0
request_timeout_secs = 1.5
download_timeout_secs = 12
download_read_ahead_segments = 8
ip_locations_file = "ips.json"
""",
        )
    )
    assert config == IndexerConfig(
        trusted_nodes=("http://127.0.0.1:5678", "http://127.0.0.1:5680"),
        listen=("127.0.0.1", 23456),
        discovery_nodes=("http://127.0.0.1:5679",),
        discovery_interval_s=30,
        health_check_interval_s=0.5,
        max_failures=5,
        file_location_cache_s=0,
        request_timeout_s=1.5,
        download_timeout_s=12,
        download_read_ahead=8,
        ip_locations={"10.0.0.7": IpLocation("Lisbon", "Lisbon", "PT", "38.7,-9.1", "")},
    )
    assert config.url == "http://127.0.0.1:23456"


def test_defaults(tmp_path: Path) -> None:
    config = load_indexer_config(_write(tmp_path, 'trusted_nodes = ["http://127.0.0.1:5678"]\n'))
    assert config.listen == ("127.0.0.1", 12345)
    assert (config.health_check_interval_s, config.max_failures, config.file_location_cache_s) == (2.0, 3, 5.0)
    assert (config.request_timeout_s, config.download_read_ahead, config.ip_locations) == (3.0, 4, {})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('trusted_nodes = ["http://a:1"]\nlisten_address = "nope"', "listen_address"),
        ('trusted_nodes = ["ftp://a:1"]', "trusted_nodes"),
        ('trusted_nodes = ["http://a:99999"]', "trusted_nodes"),
        ("trusted_nodes = []", "trusted_nodes"),
        ('trusted_nodes = "http://a:1"', "trusted_nodes"),
        ('trusted_nodes = ["http://a:1"]\nmax_failures = 0', "max_failures"),
        ('trusted_nodes = ["http://a:1"]\nhealth_check_interval_secs = 0', "health_check_interval_secs"),
        ('trusted_nodes = ["http://a:1"]\nfile_location_cache_secs = -1', "file_location_cache_secs"),
        ('trusted_nodes = ["http://a:1"]\nrequest_timeout_secs = "3"', "request_timeout_secs"),
        ('trusted_nodes = ["http://a:1"]\ndownload_read_ahead_segments = 0', "download_read_ahead_segments"),
        ('trusted_nodes = ["http://a:1"]\ndiscovery_nodes = ["a:1"]', "discovery_nodes"),
        ('trusted_nodes = ["http://a:1"]\nhealth_check_interval = 2', "health_check_interval"),
        ('trusted_nodes = ["http://a:1"]\nip_locations_file = "missing.json"', "ip_locations_file"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_indexer_config(_write(tmp_path, text))


def test_bad_ip_locations_file(tmp_path: Path) -> None:
    (tmp_path / "ips.json").write_text(json.dumps({"1.2.3.4": {"city": 7}}))
    with pytest.raises(ConfigError, match="ip_locations_file"):
        load_indexer_config(_write(tmp_path, 'trusted_nodes = ["http://a:1"]\nip_locations_file = "ips.json"'))


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config file"):
        load_indexer_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_indexer_config(_write(tmp_path, "trusted_nodes = ["))
