"""`zerog indexer run` as a user runs it: a real process, JSON logs, one-line config errors, clean SIGTERM."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.cli.helpers import zerog
from tests.indexer.harness import eventually
from zerog.devnet import find_free_port
from zerog.rpc import JsonRpcClient
from zerog.testing import LocalChain, node_config, running_node


def test_bad_config_is_one_line_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "indexer.toml").write_text('trusted_nodes = ["http://127.0.0.1:5678"]\nmax_failures = 0\n')
    result = zerog("indexer", "run", "--config", "indexer.toml", cwd=tmp_path)
    assert result.returncode == 1
    assert "max_failures" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.chain
async def test_indexer_process_serves_and_stops_on_sigterm(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_node(node_config(local_chain, tmp_path / "node", "1/4", auto_sync=False)) as node:
        port = find_free_port()
        (tmp_path / "indexer.toml").write_text(
            f'listen_address = "127.0.0.1:{port}"\ntrusted_nodes = ["{node.url}"]\nhealth_check_interval_secs = 0.5\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROG_")}
        process = subprocess.Popen(
            [sys.executable, "-m", "zerog", "indexer", "run", "--config", str(tmp_path / "indexer.toml")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"

            async def healthy() -> bool:
                try:
                    async with aiohttp.ClientSession() as http, http.get(f"{url}/status") as response:
                        return bool((await response.json())["healthy"] == 1)
                except aiohttp.ClientError:
                    if process.poll() is not None:
                        raise AssertionError(f"the indexer exited: {process.communicate()[1]}") from None
                    return False

            await eventually(healthy, "the indexer process to see its node")
            async with JsonRpcClient(url) as rpc:
                answer = await rpc.call("indexer_getShardedNodes")
            assert [(e["url"], e["config"]) for e in answer["trusted"]] == [(node.url, {"shardId": 1, "numShard": 4})]
            process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(process.wait, 20)
            assert code == 0
            events = [json.loads(line)["event"] for line in process.stderr.read().splitlines() if line.startswith("{")]
            assert "indexer_ready" in events
            assert events[-1] == "indexer_stopped"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            if process.stderr is not None:
                process.stderr.close()
