"""`zerog kv` and `zerog memory` bad input: one line on stderr, a non-zero exit, nothing written.

Their happy paths run against a real devnet in tests/devnet/test_devnet.py and in `make demo`.
"""

from pathlib import Path

import pytest

from tests.cli.helpers import zerog

NO_KV = "no KV node"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kv", "get", "notes", "k"], NO_KV),
        (["kv", "ls", "notes"], NO_KV),
        (["kv", "result", "3"], NO_KV),
        (["memory", "recall", "agent", "anything"], NO_KV),
        (["kv", "get", "notes", "k", "--kv", "http://127.0.0.1:9"], "did not answer"),
        (["kv", "put", "notes", "k", "v", "--value-file", "x"], "not both"),
        (["kv", "put", "notes", "", "v", "--rpc", "http://127.0.0.1:9", "--node", "http://127.0.0.1:9"], "key"),
        (["kv", "put", "0x" + "zz" * 32, "k", "v"], "stream id"),
        (["kv", "grant", "notes", "0x1234", "--rpc", "http://127.0.0.1:9"], "address"),
        (["kv", "grant", "notes", "0x" + "11" * 20, "--role", "king", "--rpc", "http://127.0.0.1:9"], "--role"),
        (["memory", "mcp", "--agent", "bad agent", "--kv", "http://127.0.0.1:9"], "agent name"),
        (["memory", "remember", "a", "{not json", "--json-data", "--kv", "http://127.0.0.1:9"], "not JSON"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(tmp_path: Path, args: list[str], message: str) -> None:
    result = zerog(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
