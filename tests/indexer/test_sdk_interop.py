"""The official 0G Python SDK's `Indexer` client, unchanged, against a zerog indexer and real storage nodes."""

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from tests.indexer.harness import indexer_config, put_file, running_indexer
from zerog.testing import LocalChain, random_bytes, running_nodes

ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
RUNNER = Path(__file__).with_name("sdk_indexer_runner.py")

pytestmark = [
    pytest.mark.interop,
    pytest.mark.chain,
    pytest.mark.skipif(not SDK_PYTHON.exists(), reason="the official SDK venv is missing: run 'make test'"),
]


async def test_python_sdk_selects_and_downloads_through_the_indexer(local_chain: LocalChain, tmp_path: Path) -> None:
    data = random_bytes(600_000, seed=201)
    async with running_nodes(local_chain, tmp_path, ["0/2", "1/2", "0/1"], auto_sync=False) as nodes:
        half0, half1, full = nodes
        tree, _ = await put_file(local_chain, nodes, data)
        root = "0x" + tree.root.hex()
        async with running_indexer(indexer_config([n.url for n in nodes])) as indexer:
            out = tmp_path / "out.bin"
            result = await asyncio.to_thread(
                subprocess.run,
                [str(SDK_PYTHON), str(RUNNER), indexer.config.url, root, str(out)],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                cwd=tmp_path,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["trusted"] == [[half0.url, 0, 2], [half1.url, 1, 2], [full.url, 0, 1]]
    assert report["discovered"] == []
    assert (report["selected"], report["select_error"]) == ([full.url], None)
    assert report["locations"] == [half0.url, half1.url, full.url]
    assert report["node_locations"] == {}
    assert report["download_error"] is None
    assert out.read_bytes() == data
