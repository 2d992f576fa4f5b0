"""The official 0G TypeScript SDK (`@0gfoundation/0g-ts-sdk` 1.2.8, and the older `@0glabs/0g-ts-sdk` 0.3.3), run
from node against zerog's storage nodes and indexer, unchanged.

- the SDK uploads to zerog's nodes, directly (Uploader over StorageNode clients) and through zerog's indexer
  (Indexer.upload); the SDK and zerog's client both download it byte for byte;
- zerog's client uploads, the SDK downloads it byte for byte, from the nodes and through the indexer.

The SDKs live in their own npm project, tests/interop/ts (installed by `make test`); tests/interop/ts/sdk.mjs is
the CLI the tests call. Every call runs as a subprocess under a timeout: the nodes and the indexer run in the
test's event loop, and the SDK polls forever on some failures.
"""

import asyncio
import json
import shutil
from pathlib import Path
from typing import ClassVar

import pytest

from tests.indexer.harness import indexer_config, running_indexer
from zerog.client import UploadOptions, download_file, upload_file
from zerog.crypto import build_file_tree
from zerog.testing import LocalChain, random_bytes, running_nodes

TS_DIR = Path(__file__).with_name("ts")
SCRIPT = TS_DIR / "sdk.mjs"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.interop,
    pytest.mark.chain,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (TS_DIR / "node_modules").is_dir() or NODE is None,
        reason="the TS SDK is not installed in tests/interop/ts/node_modules (or node is missing): run 'make test'",
    ),
]

SIZES = [1, 256 * 1024 + 1, 5 * 1024 * 1024]
SHARDS = ["0/1", "0/2", "1/2"]

TS_ACCOUNT = 7
"""The SDK signs with its own dev account, zerog's client with another: no nonce is ever shared."""
ZEROG_ACCOUNT = 8


async def ts(*args: str, sdk: str = "1.2.8", timeout_s: float = 120) -> dict[str, object]:
    """Run one sdk.mjs command; returns its JSON answer, fails the test on an error, a crash or a timeout."""
    assert NODE is not None
    process = await asyncio.create_subprocess_exec(
        NODE,
        str(SCRIPT),
        "--sdk",
        sdk,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=TS_DIR,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        _, err = await process.communicate()
        raise AssertionError(
            f"TS SDK {sdk} did not finish {args[0]} within {timeout_s}s:\n{err.decode()[-3000:]}"
        ) from None
    lines = out.decode().strip().splitlines()
    assert len(lines) == 1, (out.decode()[-2000:], err.decode()[-3000:])
    result = json.loads(lines[0])
    assert "error" not in result, (result, err.decode()[-3000:])
    assert process.returncode == 0, err.decode()[-3000:]
    return dict(result)


async def ts_upload(chain: LocalChain, path: Path, target: str, sdk: str = "1.2.8") -> tuple[str, float]:
    """The SDK uploads `path` (a new file: it must send a tx); returns the root it reports, checked, and its time."""
    result = await ts(
        "upload",
        chain.rpc_url,
        chain.accounts[TS_ACCOUNT][1],
        str(path),
        target,
        "--flow",
        chain.flow.address,
        sdk=sdk,
    )
    assert result["root"] == "0x" + build_file_tree(path.read_bytes(), keep_segment_roots=False).root.hex()
    assert str(result["txHash"]).startswith("0x"), result
    return str(result["root"]), float(result["seconds"])  # type: ignore[arg-type]


async def ts_download(root: str, out: Path, target: str, sdk: str = "1.2.8") -> float:
    """The SDK downloads `root` to `out`; returns its time."""
    return float((await ts("download", root, str(out), target, sdk=sdk))["seconds"])  # type: ignore[arg-type]


class Files:
    """Fresh random files, never two with the same content on one chain (one per module): the SDK skips a file
    some node already reports finalized, a node finalizes at log sync a tx with no segment in its shard, and 1-byte
    files from different seeds collide easily."""

    used: ClassVar[set[bytes]] = set()

    def __init__(self, directory: Path, seed: int) -> None:
        self.directory = directory
        self.seed = seed

    def new(self, name: str, size: int) -> Path:
        data = random_bytes(size, seed=self.seed)
        while data in self.used:
            self.seed += 1
            data = random_bytes(size, seed=self.seed)
        self.seed += 1
        self.used.add(data)
        path = self.directory / name
        path.write_bytes(data)
        return path


def _report(label: str, timings: dict[str, float]) -> None:
    """The SDK's own timings (measured inside sdk.mjs), shown with `pytest -s`."""
    print(f"{label}: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))


def _root(root: str) -> bytes:
    return bytes.fromhex(root.removeprefix("0x"))


@pytest.mark.parametrize("size", SIZES)
async def test_ts_sdk_1_2_8_and_zerog_interoperate(local_chain: LocalChain, tmp_path: Path, size: int) -> None:
    async with running_nodes(local_chain, tmp_path, SHARDS) as nodes:
        urls = [n.url for n in nodes]
        async with running_indexer(indexer_config(urls)) as indexer:
            files = Files(tmp_path, seed=size)
            timings: dict[str, float] = {}
            direct, via_indexer = "nodes=" + ",".join(urls), "indexer=" + indexer.config.url

            # The SDK uploads straight to the three nodes (Uploader); the SDK and zerog download it from them.
            # Both SDKs' splitTasks interleave only as many tasks per node as the node with the fewest has, so the
            # 0/1 node gets only half of a 5 MiB file from the SDK: it finalizes by syncing the rest from its peers.
            path = files.new("direct.bin", size)
            root, timings["upload nodes"] = await ts_upload(local_chain, path, direct)
            timings["download nodes"] = await ts_download(root, tmp_path / "direct.ts", direct)
            assert (tmp_path / "direct.ts").read_bytes() == path.read_bytes()
            await download_file(_root(root), tmp_path / "direct.zerog", nodes=urls)
            assert (tmp_path / "direct.zerog").read_bytes() == path.read_bytes()

            # The SDK uploads through zerog's indexer (Indexer.upload); the SDK and zerog download it through it.
            path = files.new("indexed.bin", size)
            root, timings["upload indexer"] = await ts_upload(local_chain, path, via_indexer)
            timings["download indexer"] = await ts_download(root, tmp_path / "indexed.ts", via_indexer)
            assert (tmp_path / "indexed.ts").read_bytes() == path.read_bytes()
            await download_file(_root(root), tmp_path / "indexed.zerog", indexer=indexer.config.url)
            assert (tmp_path / "indexed.zerog").read_bytes() == path.read_bytes()

            # zerog uploads to the two half nodes; the SDK downloads it from them, and through the indexer.
            path = files.new("ours.bin", size)
            result = await upload_file(
                path,
                rpc_url=local_chain.rpc_url,
                private_key=local_chain.accounts[ZEROG_ACCOUNT][1],
                flow_address=local_chain.flow.address,
                nodes=urls[1:],
                options=UploadOptions(replicas=1, method="max"),
            )
            assert result.nodes == urls[1:]
            root = "0x" + result.root.hex()
            timings["download zerog's, nodes"] = await ts_download(
                root, tmp_path / "ours.ts", "nodes=" + ",".join(urls[1:])
            )
            assert (tmp_path / "ours.ts").read_bytes() == path.read_bytes()
            timings["download zerog's, indexer"] = await ts_download(root, tmp_path / "ours.ts2", via_indexer)
            assert (tmp_path / "ours.ts2").read_bytes() == path.read_bytes()
            _report(f"TS SDK 1.2.8, {size} B", timings)


async def test_ts_sdk_0_3_3_and_zerog_interoperate(local_chain: LocalChain, tmp_path: Path) -> None:
    """The older SDK (legacy submit ABI, receipt and tx-seq polling): every size, on one set of nodes."""
    async with running_nodes(local_chain, tmp_path, SHARDS) as nodes:
        urls = [n.url for n in nodes]
        async with running_indexer(indexer_config(urls)) as indexer:
            files = Files(tmp_path, seed=33)
            direct, via_indexer = "nodes=" + ",".join(urls), "indexer=" + indexer.config.url
            for size in SIZES:
                timings: dict[str, float] = {}
                path = files.new(f"direct-{size}.bin", size)
                root, timings["upload nodes"] = await ts_upload(local_chain, path, direct, sdk="0.3.3")
                timings["download nodes"] = await ts_download(root, tmp_path / f"direct-{size}.ts", direct, sdk="0.3.3")
                assert (tmp_path / f"direct-{size}.ts").read_bytes() == path.read_bytes()

                path = files.new(f"indexed-{size}.bin", size)
                root, timings["upload indexer"] = await ts_upload(local_chain, path, via_indexer, sdk="0.3.3")
                out = tmp_path / f"indexed-{size}.ts"
                timings["download indexer"] = await ts_download(root, out, via_indexer, sdk="0.3.3")
                assert out.read_bytes() == path.read_bytes()
                await download_file(_root(root), tmp_path / f"indexed-{size}.zerog", nodes=urls)
                assert (tmp_path / f"indexed-{size}.zerog").read_bytes() == path.read_bytes()

                path = files.new(f"ours-{size}.bin", size)
                result = await upload_file(
                    path,
                    rpc_url=local_chain.rpc_url,
                    private_key=local_chain.accounts[ZEROG_ACCOUNT][1],
                    flow_address=local_chain.flow.address,
                    nodes=urls[1:],
                    options=UploadOptions(replicas=1, method="max"),
                )
                out = tmp_path / f"ours-{size}.ts"
                timings["download zerog's, nodes"] = await ts_download(
                    "0x" + result.root.hex(), out, "nodes=" + ",".join(urls[1:]), sdk="0.3.3"
                )
                assert out.read_bytes() == path.read_bytes()
                _report(f"TS SDK 0.3.3, {size} B", timings)
