"""A real storage node against a real chain: 0G's zgs_* shapes, the upload path, and bad input."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.storage.helpers import segments, submit, wait_finalized, wait_synced
from zerog.codec.segment import SegmentWithProof
from zerog.crypto import build_file_tree
from zerog.crypto.merkle import MerkleProof
from zerog.rpc import JsonRpcClient, JsonRpcError
from zerog.testing import LocalChain, RunningNode, node_config, random_bytes, running_node

pytestmark = pytest.mark.chain


@pytest.fixture
async def node(local_chain: LocalChain, tmp_path: Path) -> AsyncIterator[RunningNode]:
    async with running_node(node_config(local_chain, tmp_path / "db")) as running:
        yield running


async def call(node: RunningNode, method: str, *params: object) -> object:
    async with JsonRpcClient(node.url) as rpc:
        return await rpc.call(method, *params)


async def test_upload_download_and_0g_shapes(local_chain: LocalChain, node: RunningNode) -> None:
    data = random_bytes(700_000, seed=1)
    tree, seq = submit(local_chain, data)
    client = node.client()
    info = await wait_synced(client, seq)
    assert info == {
        "tx": {
            "streamIds": [],
            "data": [],
            "dataMerkleRoot": "0x" + tree.root.hex(),
            "merkleNodes": [[h + 1, "0x" + r.hex()] for h, r in tree.nodes],
            "startEntryIndex": info["tx"]["startEntryIndex"],  # type: ignore[index]
            "size": 700_000,
            "seq": seq,
        },
        "finalized": False,
        "isCached": False,
        "uploadedSegNum": 0,
        "pruned": False,
    }
    assert await client.upload_segments_by_tx_seq(segments(tree, data), seq) == 3
    await wait_finalized(client, seq)
    # 0G's download: chunk ranges within the file; the last chunk comes back zero-padded to 256 bytes.
    raw = await call(node, "zgs_downloadSegmentByTxSeq", seq, 2048, 2735)
    assert base64.b64decode(str(raw)) == data[2048 * 256 :] + bytes(2735 * 256 - 700_000)
    with_proof = await client.download_segment_with_proof_by_tx_seq(seq, 1)
    assert with_proof == segments(tree, data, [1])[0]
    status = await call(node, "zgs_getStatus")
    assert isinstance(status, dict)
    assert status["nextTxSeq"] == seq + 1
    assert status["networkIdentity"]["flowAddress"] == local_chain.flow.address
    assert await call(node, "zgs_getShardConfig") == {"shardId": 0, "numShard": 1}
    assert await call(node, "zgs_checkFileFinalized", seq) is True
    assert await call(node, "zgs_checkFileFinalized", "0x" + tree.root.hex()) is True
    assert await call(node, "zgs_checkFileFinalized", "0x" + "00" * 32) is None
    assert await call(node, "zgs_getFileInfo", "0x" + "00" * 32, True) is None


async def test_finalized_upload_error_matches_0g(local_chain: LocalChain, node: RunningNode) -> None:
    data = random_bytes(5000, seed=2)
    tree, seq = submit(local_chain, data)
    client = node.client()
    await wait_synced(client, seq)
    await client.upload_segments_by_tx_seq(segments(tree, data), seq)
    with pytest.raises(JsonRpcError) as failure:
        await client.upload_segments_by_tx_seq(segments(tree, data), seq)
    assert failure.value.code == -32602
    assert failure.value.message == "Invalid params: root; data: already uploaded and finalized"
    assert failure.value.data == "already uploaded and finalized"


async def test_pre_tx_cache_and_its_limit(local_chain: LocalChain, node: RunningNode) -> None:
    data = random_bytes(300_000, seed=3)
    tree = build_file_tree(data)
    async with JsonRpcClient(node.url) as rpc:
        # Before the tx exists, segments of a small file are cached (0G's fast mode)...
        stored = await rpc.call("zgs_uploadSegments", [s.to_json() for s in segments(tree, data)])
        assert stored == 2
        # ... and a file over 10 MiB is refused with 0G's text.
        big = SegmentWithProof(tree.root, segments(tree, data)[0].data, 0, tree.segment_proof(0), 11 << 20)
        with pytest.raises(JsonRpcError, match="caching of large file when tx is unavailable is not supported"):
            await rpc.call("zgs_uploadSegment", big.to_json())
    _, seq = submit(local_chain, data)
    await wait_finalized(node.client(), seq)


async def test_dedup_by_root_finalizes_a_second_tx(local_chain: LocalChain, node: RunningNode) -> None:
    data = random_bytes(270_000, seed=4)
    tree, first = submit(local_chain, data)
    client = node.client()
    await wait_synced(client, first)
    await client.upload_segments_by_tx_seq(segments(tree, data), first)
    _, second = submit(local_chain, data)
    await wait_finalized(client, second)
    info = await client.get_file_info_by_tx_seq(second)
    assert info is not None
    assert info["uploadedSegNum"] == 2
    assert await client.download_segment_with_proof_by_tx_seq(second, 1) == segments(tree, data, [1])[0]


async def test_a_tx_with_nothing_in_the_shard_finalizes_at_once(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_node(node_config(local_chain, tmp_path / "shard", shard="1/2")) as node:
        client = node.client()
        small = random_bytes(1000, seed=5)
        tree, seq = submit(local_chain, small)
        info = await wait_synced(client, seq)
        flow_segment = int(info["tx"]["startEntryIndex"]) // 1024  # type: ignore[index]
        if flow_segment % 2 == 1:  # it landed in this node's shard: upload it, then check a file that does not
            await client.upload_segments_by_tx_seq(segments(tree, small), seq)
            await wait_finalized(client, seq)
            return
        await wait_finalized(client, seq)
        info = await client.get_file_info_by_tx_seq(seq)
        assert info is not None
        assert info["uploadedSegNum"] == 0
        # The SDKs take this answer as success and move on.
        with pytest.raises(JsonRpcError, match="already uploaded and finalized"):
            await client.upload_segments_by_tx_seq(segments(tree, small), seq)


BAD_SEGMENT_CASES = [
    (
        "flipped data bit",
        lambda s: SegmentWithProof(s.root, bytes([s.data[0] ^ 1]) + s.data[1:], s.index, s.proof, s.file_size),
        "proof",
    ),
    ("wrong size", lambda s: SegmentWithProof(s.root, s.data[:-256], s.index, s.proof, s.file_size), "data"),
    ("index out of range", lambda s: SegmentWithProof(s.root, s.data, 7, s.proof, s.file_size), "index"),
    (
        "wrong proof path",
        lambda s: SegmentWithProof(
            s.root, s.data, s.index, MerkleProof(s.proof.lemma, tuple(not p for p in s.proof.path)), s.file_size
        ),
        "proof",
    ),
    ("other root", lambda s: SegmentWithProof(b"\x01" * 32, s.data, s.index, s.proof, s.file_size), "root"),
    ("other file size", lambda s: SegmentWithProof(s.root, s.data, s.index, s.proof, s.file_size + 1), "fileSize"),
]


@pytest.mark.parametrize(("name", "mutate", "param"), BAD_SEGMENT_CASES, ids=[c[0] for c in BAD_SEGMENT_CASES])
async def test_bad_segments_are_refused_and_data_stays_intact(
    local_chain: LocalChain, node: RunningNode, name: str, mutate: object, param: str
) -> None:
    data = random_bytes(600_000, seed=6)
    tree, seq = submit(local_chain, data)
    client = node.client()
    await wait_synced(client, seq)
    good = segments(tree, data)
    await client.upload_segments_by_tx_seq(good[:1], seq)
    bad = mutate(good[1])  # type: ignore[operator]
    with pytest.raises(JsonRpcError) as failure:
        await client.upload_segments_by_tx_seq([bad], seq)
    assert failure.value.code == -32602, name
    assert f"Invalid params: {param}" in failure.value.message, failure.value.message
    assert await client.get_stored_segments(seq) == [0]
    await client.upload_segments_by_tx_seq(good[1:], seq)
    await wait_finalized(client, seq)
    for segment in good:
        assert await client.download_segment_with_proof_by_tx_seq(seq, segment.index) == segment


async def test_malformed_requests_get_json_rpc_errors_on_http_200(node: RunningNode) -> None:
    async with aiohttp.ClientSession() as session:

        async def post(body: bytes) -> dict[str, object]:
            async with session.post(node.url, data=body, headers={"Content-Type": "application/json"}) as response:
                assert response.status == 200
                return json.loads(await response.text())  # type: ignore[no-any-return]

        assert (await post(b"{not json"))["error"]["code"] == -32700  # type: ignore[index]
        assert (await post(b'{"jsonrpc":"2.0","id":1}'))["error"]["code"] == -32600  # type: ignore[index]
        unknown = await post(b'{"jsonrpc":"2.0","id":123456789012345678901,"method":"zgs_nope","params":[]}')
        assert unknown["error"]["code"] == -32601  # type: ignore[index]
        assert unknown["id"] == 123456789012345678901  # ids above 2^53 come back exact
        bad_params = await post(b'{"jsonrpc":"2.0","id":1,"method":"zgs_getFileInfoByTxSeq","params":["x"]}')
        assert bad_params["error"]["code"] == -32602  # type: ignore[index]
        bad_root = await post(b'{"jsonrpc":"2.0","id":1,"method":"zgs_getFileInfo","params":["0x12", true]}')
        assert bad_root["error"]["code"] == -32602  # type: ignore[index]
        batch = json.loads(json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "zgs_getShardConfig"}] * 2))
        answers = await post(json.dumps(batch).encode())
        assert isinstance(answers, list)
        assert len(answers) == 2
        oversized = b" " * (node.config.max_request_bytes + 10)
        assert (await post(oversized))["error"]["code"] == -32600  # type: ignore[index]


async def test_admin_is_local_and_metrics_are_exposed(local_chain: LocalChain, node: RunningNode) -> None:
    assert node.config.admin_listen[0] == "127.0.0.1"
    async with JsonRpcClient(node.admin_url) as admin:
        state = await admin.call("admin_getSyncServiceState")
        assert state["autoSync"] is True
        with pytest.raises(JsonRpcError, match="Method not found"):
            await admin.call("zgs_getStatus")
    async with aiohttp.ClientSession() as session, session.get(node.url + "/metrics") as response:
        text = await response.text()
    assert "zerog_rpc_calls_total" in text
    assert "zerog_storage_next_tx_seq" in text


async def test_write_windows_queue_instead_of_failing(local_chain: LocalChain, tmp_path: Path) -> None:
    config = node_config(local_chain, tmp_path / "narrow", write_window_size=1, max_writings=1)
    async with running_node(config) as node:
        data = random_bytes(12 * 262144, seed=7)
        tree, seq = submit(local_chain, data)
        client = node.client()
        await wait_synced(client, seq)
        results = await asyncio.gather(*(client.upload_segments_by_tx_seq([s], seq) for s in segments(tree, data)))
        assert results == [1] * 12
        await wait_finalized(client, seq)
