"""`zerog file root|submit` as a user runs them: output, exit codes, one-line errors."""

import json
from pathlib import Path

import pytest

from tests.cli.helpers import zerog
from zerog.testing import LocalChain, pattern_bytes


def test_root_prints_the_0g_root(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(pattern_bytes(4097))
    result = zerog("file", "root", "f.bin", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0x2f7533edf5184d12ea888c23d3fb46cad7a89add7ce3d0f78cf34e444427bfc7"
    data = json.loads(zerog("file", "root", "f.bin", "--json", cwd=tmp_path).stdout)
    assert data["chunks"] == 17
    assert data["padded_chunks"] == 18
    assert [n["height"] for n in data["nodes"]] == [4, 1]


@pytest.mark.parametrize(
    ("name", "setup", "message"),
    [
        ("missing.bin", None, "no such file"),
        ("empty.bin", b"", "is empty"),
        ("adir", "dir", "not a regular file"),
    ],
)
def test_root_bad_input_is_one_line_and_non_zero(tmp_path: Path, name: str, setup: object, message: str) -> None:
    if setup == "dir":
        (tmp_path / name).mkdir()
    elif isinstance(setup, bytes):
        (tmp_path / name).write_bytes(setup)
    result = zerog("file", "root", name, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.chain
def test_submit_with_flags_prints_the_tx_seq(local_chain: LocalChain, tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(pattern_bytes(524_289))
    flags = ["--rpc", local_chain.rpc_url, "--flow", local_chain.flow.address, "--key", local_chain.accounts[1][1]]
    first = zerog("file", "submit", "f.bin", *flags, "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["root"] == "0x1864da017d5bab95dc05b62cf3c740c3edd497f7a8ce0a34a4a277cd13f7cf00"
    assert data["fee_wei"] == 2304 * local_chain.market.price_per_sector()
    second = zerog("file", "submit", "f.bin", *flags, cwd=tmp_path)
    assert f"tx seq     {data['tx_seq'] + 1}" in second.stdout
    (event,) = local_chain.flow.get_submit_events(data["block"], data["block"])
    assert event.tx_seq == data["tx_seq"]
    assert event.sender.lower() == local_chain.accounts[1][0].lower()


@pytest.mark.chain
def test_submit_failures_are_one_line(local_chain: LocalChain, tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(b"hello")
    flow = ["--flow", local_chain.flow.address]
    key = local_chain.accounts[1][1]
    cases = [
        (["--rpc", "http://127.0.0.1:9", *flow, "--key", key], "no EVM JSON-RPC answers"),
        (["--rpc", local_chain.rpc_url, *flow, "--key", "0x" + "11" * 32], "cannot pay"),
        (["--rpc", local_chain.rpc_url, *flow, "--key", "nothex"], "private key"),
        (["--rpc", local_chain.rpc_url, "--flow", local_chain.accounts[4][0], "--key", key], "no Flow"),
        (["--rpc", local_chain.rpc_url, "--key", key], "no Flow contract address"),
        (["--rpc", local_chain.rpc_url, *flow, "--key", key, "--tags", "xyz"], "--tags"),
    ]
    for flags, message in cases:
        result = zerog("file", "submit", "f.bin", *flags, cwd=tmp_path)
        assert result.returncode == 1, (flags, result.stdout)
        assert message in result.stderr, (flags, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
