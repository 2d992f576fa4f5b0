"""kill -9 a storage node in the middle of an upload: it restarts with nothing lost or half-written, and the
client's upload finishes."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from zerog.client import UploadOptions, download_file, upload_file
from zerog.devnet import find_free_port
from zerog.spec import BYTES_PER_SEGMENT
from zerog.storage import StorageNodeClient
from zerog.testing import LocalChain, random_bytes

pytestmark = [pytest.mark.chain, pytest.mark.slow]


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "zerog", "storage", "run", "--config", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the node exited while starting"
        try:
            with urllib.request.urlopen(url + "/status", timeout=1) as response:
                json.loads(response.read())
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("node did not start")


async def test_kill_9_mid_upload_then_restart(local_chain: LocalChain, tmp_path: Path) -> None:
    port, admin = find_free_port(), find_free_port()
    url = f"http://127.0.0.1:{port}"
    config = tmp_path / "node.toml"
    config.write_text(
        f'blockchain_rpc_endpoint = "{local_chain.rpc_url}"\n'
        f'log_contract_address = "{local_chain.flow.address}"\n'
        "confirmation_block_count = 0\nlog_poll_interval_secs = 0.1\n"
        f'rpc_listen_address = "127.0.0.1:{port}"\nrpc_listen_address_admin = "127.0.0.1:{admin}"\n'
        'db_dir = "db"\ndb_max_size_gib = 1\n'
    )
    log = tmp_path / "node.log"
    process = _start(config, log)
    try:
        _wait_up(url, process)
        path = tmp_path / "data.bin"
        path.write_bytes(random_bytes(60 * BYTES_PER_SEGMENT + 77, seed=9))
        seq = local_chain.flow.submission_count()
        upload = asyncio.create_task(
            upload_file(
                path,
                rpc_url=local_chain.rpc_url,
                private_key=local_chain.accounts[7][1],
                flow_address=local_chain.flow.address,
                nodes=[url],
                options=UploadOptions(task_size=2, parallel_per_node=1, retries=12),
            )
        )
        client = StorageNodeClient(url)
        try:
            for threshold in (8, 30):  # two crashes at different points of the upload
                while True:
                    try:
                        stored = await client.get_stored_segments(seq) or []
                    except Exception:
                        stored = []
                    if len(stored) >= threshold or upload.done():
                        break
                    await asyncio.sleep(0.01)
                assert not upload.done(), "the upload finished before the crash; make the file bigger"
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                process = _start(config, log)
                await asyncio.to_thread(_wait_up, url, process)
            result = await asyncio.wait_for(upload, 120)
        finally:
            await client.close()
        out = tmp_path / "out.bin"
        await download_file(result.root, out, nodes=[url])
        assert out.read_bytes() == path.read_bytes()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
