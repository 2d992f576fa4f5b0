"""The client against real nodes: replica selection, resumable uploads, encryption, verified failover downloads."""

import asyncio
from pathlib import Path

import pytest

from zerog.client import DownloadOptions, UploadOptions, download_file, upload_file
from zerog.codec.segment import compute_segment_data_size
from zerog.errors import NotFound, Unavailable
from zerog.spec import BYTES_PER_SEGMENT
from zerog.testing import LocalChain, RunningNode, random_bytes, running_nodes

pytestmark = pytest.mark.chain

KEY = "0x" + "5a" * 32


def _write(tmp_path: Path, name: str, size: int, seed: int) -> Path:
    path = tmp_path / name
    path.write_bytes(random_bytes(size, seed))
    return path


async def _upload(chain: LocalChain, path: Path, nodes: list[RunningNode], **options: object):  # type: ignore[no-untyped-def]
    return await upload_file(
        path,
        rpc_url=chain.rpc_url,
        private_key=chain.accounts[6][1],
        flow_address=chain.flow.address,
        nodes=[n.url for n in nodes],
        options=UploadOptions(**options),  # type: ignore[arg-type]
    )


async def test_replicas_methods_and_failover(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_nodes(local_chain, tmp_path, ["0/1", "0/1", "0/2", "1/2"], auto_sync=False) as nodes:
        full_a, full_b, half_0, half_1 = nodes
        path = _write(tmp_path, "data.bin", 3 * BYTES_PER_SEGMENT + 999, seed=1)
        # min: one large node suffices for one replica.
        result = await _upload(local_chain, path, nodes)
        assert result.nodes == [full_a.url]
        assert result.tx_hash is not None
        # max with two replicas: both halves, then one full node.
        other = _write(tmp_path, "other.bin", 5 * BYTES_PER_SEGMENT, seed=2)
        result = await _upload(local_chain, other, nodes, replicas=2, method="max")
        assert result.nodes == [half_0.url, half_1.url, full_a.url]
        # Download with the half nodes first in line, then lose one of them: the other full node answers.
        out = tmp_path / "out.bin"
        half_1.service.stop()
        await asyncio.wait_for(half_1.task, 30)
        downloaded = await download_file(
            result.root,
            out,
            nodes=[half_0.url, half_1.url, full_a.url, full_b.url],
            options=DownloadOptions(timeout_s=5),
        )
        assert out.read_bytes() == other.read_bytes()
        assert half_1.url not in downloaded.served_by


async def test_corrupt_node_is_detected_and_skipped(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_nodes(local_chain, tmp_path, ["0/1", "0/1"], auto_sync=False) as (good, bad):
        path = _write(tmp_path, "data.bin", 2 * BYTES_PER_SEGMENT + 10, seed=3)
        result = await _upload(local_chain, path, [good, bad], replicas=2)
        # Flip bytes on the second node's disk, under its running store (a failing disk, a tampering operator).
        assert bad.service.node is not None
        store = bad.service.node.store
        tx = store.get_tx(result.tx_seq)
        assert tx is not None
        for index in range(tx.data_segment_count):
            flow_segment = tx.flow_segment(index)
            position = tx.sector_offset(index) * 256 + min(1000, compute_segment_data_size(tx.size, index) - 1)
            with store.env.begin(write=True) as txn:
                key = flow_segment.to_bytes(8, "big")
                value = bytearray(txn.get(key, db=store._flow))
                value[position] ^= 0xFF
                txn.put(key, bytes(value), db=store._flow)
        out = tmp_path / "out.bin"
        downloaded = await download_file(result.root, out, nodes=[bad.url, good.url])
        assert out.read_bytes() == path.read_bytes()
        assert downloaded.failovers >= 1
        assert set(downloaded.served_by) == {good.url}


async def test_interrupted_upload_resumes_without_a_second_tx(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_nodes(local_chain, tmp_path, ["0/1"], auto_sync=False) as (node,):
        path = _write(tmp_path, "big.bin", 40 * BYTES_PER_SEGMENT, seed=4)
        seq = local_chain.flow.submission_count()
        first = asyncio.create_task(_upload(local_chain, path, [node], task_size=1, parallel_per_node=1))

        async def some_stored() -> bool:
            stored = await node.client().get_stored_segments(seq)
            return stored is not None and len(stored) >= 3

        while not first.done() and not await some_stored():
            await asyncio.sleep(0.01)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        submissions = local_chain.flow.submission_count()
        result = await _upload(local_chain, path, [node])
        assert result.resumed
        assert result.tx_hash is None
        assert local_chain.flow.submission_count() == submissions
        assert 0 < result.segments_sent < 40
        out = tmp_path / "out.bin"
        await download_file(result.root, out, nodes=[node.url])
        assert out.read_bytes() == path.read_bytes()


async def test_encrypted_round_trip(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_nodes(local_chain, tmp_path, ["0/1"], auto_sync=False) as (node,):
        path = _write(tmp_path, "secret.bin", BYTES_PER_SEGMENT + 5, seed=5)
        key = bytes.fromhex(KEY[2:])
        result = await _upload(local_chain, path, [node], encrypt_key=key)
        assert result.size == path.stat().st_size + 17
        out = tmp_path / "plain.bin"
        await download_file(result.root, out, nodes=[node.url], options=DownloadOptions(encrypt_key=key))
        assert out.read_bytes() == path.read_bytes()
        raw = tmp_path / "raw.bin"
        await download_file(result.root, raw, nodes=[node.url])
        assert raw.read_bytes()[:1] == b"\x01"
        assert raw.read_bytes()[17:] != path.read_bytes()


async def test_download_errors(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_nodes(local_chain, tmp_path, ["0/1"], auto_sync=False) as (node,):
        with pytest.raises(NotFound):
            await download_file(b"\x07" * 32, tmp_path / "x", nodes=[node.url])
        with pytest.raises(Unavailable):
            await download_file(b"\x07" * 32, tmp_path / "x", nodes=["http://127.0.0.1:9"])
        assert not (tmp_path / "x").exists()
