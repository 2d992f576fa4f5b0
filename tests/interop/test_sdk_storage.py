"""The official 0G Python SDK (`0g-storage-sdk`, its own venv) uploads to and downloads from zerog's nodes, and
zerog's client reads what the SDK wrote and the reverse. Every SDK call runs under a timeout (the SDK can poll
forever)."""

import asyncio
import json
from pathlib import Path

import pytest

from tests.interop.test_official_sdk import RUNNER, SDK_PYTHON
from zerog.client import UploadOptions, download_file, upload_file
from zerog.testing import LocalChain, RunningNode, random_bytes, running_nodes

pytestmark = [
    pytest.mark.interop,
    pytest.mark.chain,
    pytest.mark.slow,
    pytest.mark.skipif(not SDK_PYTHON.exists(), reason="the official SDK venv is missing: run 'make test'"),
]

SIZES = [1, 256 * 1024 + 1, 5 * 1024 * 1024]


async def sdk(*args: str, timeout_s: float = 180) -> dict[str, object]:
    process = await asyncio.create_subprocess_exec(
        str(SDK_PYTHON), str(RUNNER), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        raise AssertionError(f"the SDK did not finish {args[0]} within {timeout_s}s") from None
    assert process.returncode == 0, err.decode()[-3000:]
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert "error" not in result, (result, err.decode()[-2000:])
    return dict(result)


@pytest.mark.parametrize("size", SIZES)
async def test_sdk_and_zerog_interoperate(local_chain: LocalChain, tmp_path: Path, size: int) -> None:
    async with running_nodes(local_chain, tmp_path, ["0/1", "0/2", "1/2"]) as nodes:
        full: RunningNode = nodes[0]
        path = tmp_path / "in.bin"
        path.write_bytes(random_bytes(size, seed=size))
        target = "nodes=" + full.url

        # SDK uploads, SDK and zerog download it byte for byte.
        uploaded = await sdk(
            "upload", local_chain.rpc_url, local_chain.flow.address, local_chain.accounts[8][1], str(path), target
        )
        root = bytes.fromhex(str(uploaded["root"])[2:])
        await sdk("download", str(uploaded["root"]), str(tmp_path / "sdk.bin"), target)
        assert (tmp_path / "sdk.bin").read_bytes() == path.read_bytes()
        await download_file(root, tmp_path / "ours.bin", nodes=[n.url for n in nodes])
        assert (tmp_path / "ours.bin").read_bytes() == path.read_bytes()

        # zerog uploads (to the two half nodes), the SDK downloads it from them.
        other = tmp_path / "other.bin"
        other.write_bytes(random_bytes(size, seed=size + 1))
        result = await upload_file(
            other,
            rpc_url=local_chain.rpc_url,
            private_key=local_chain.accounts[8][1],
            flow_address=local_chain.flow.address,
            nodes=[n.url for n in nodes[1:]],
            options=UploadOptions(replicas=1, method="max"),
        )
        await sdk(
            "download",
            "0x" + result.root.hex(),
            str(tmp_path / "sdk-other.bin"),
            "nodes=" + ",".join(n.url for n in nodes[1:]),
        )
        assert (tmp_path / "sdk-other.bin").read_bytes() == other.read_bytes()
