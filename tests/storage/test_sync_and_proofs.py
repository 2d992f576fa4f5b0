"""Log sync across restarts, peer sync between nodes, and flow sector proofs against on-chain flow roots."""

from pathlib import Path

import pytest

from tests.storage.helpers import segments, submit, wait_finalized, wait_synced
from zerog.codec import parse_proof_json
from zerog.crypto import keccak256, verify_proof
from zerog.rpc import JsonRpcClient
from zerog.spec import FLOW_FIRST_LEAF, ZERO_HASHES
from zerog.testing import LocalChain, node_config, random_bytes, running_node, running_nodes

pytestmark = pytest.mark.chain


async def test_restart_keeps_data_and_resumes_log_sync(local_chain: LocalChain, tmp_path: Path) -> None:
    config = node_config(local_chain, tmp_path / "db")
    data = random_bytes(300_000, seed=10)
    async with running_node(config) as node:
        tree, seq = submit(local_chain, data)
        client = node.client()
        await wait_synced(client, seq)
        await client.upload_segments_by_tx_seq(segments(tree, data), seq)
        await wait_finalized(client, seq)
    later, later_seq = submit(local_chain, random_bytes(100, seed=11))  # mined while the node is down
    async with running_node(config) as node:
        client = node.client()
        assert await client.download_segment_with_proof_by_tx_seq(seq, 1) == segments(tree, data, [1])[0]
        info = await wait_synced(client, later_seq)
        assert info["tx"]["dataMerkleRoot"] == "0x" + later.root.hex()  # type: ignore[index]


async def test_peer_sync_fills_a_node_that_got_nothing(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_nodes(local_chain, tmp_path, ["0/1", "0/1", "1/2"]) as (uploaded, full, half):
        data = random_bytes(1_300_000, seed=12)
        tree, seq = submit(local_chain, data)
        await wait_synced(uploaded.client(), seq)
        await uploaded.client().upload_segments_by_tx_seq(segments(tree, data), seq)
        # The other nodes fetch from peers, verify every segment, and finalize.
        await wait_finalized(full.client(), seq)
        await wait_finalized(half.client(), seq)
        for index in range(5):
            assert (
                await full.client().download_segment_with_proof_by_tx_seq(seq, index)
                == segments(tree, data, [index])[0]
            )
        held = await half.client().get_stored_segments(seq)
        assert held
        assert len(held) < 5  # only its half of the flow


async def test_sector_proofs_verify_against_chain_flow_roots(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_node(node_config(local_chain, tmp_path / "db")) as node:
        client = node.client()
        files = [random_bytes(size, seed=20 + i) for i, size in enumerate([700, 280_000, 5_000])]
        placed = []
        for data in files:
            tree, seq = submit(local_chain, data)
            info = await wait_synced(client, seq)
            await client.upload_segments_by_tx_seq(segments(tree, data), seq)
            await wait_finalized(client, seq)
            placed.append((data, seq, int(info["tx"]["startEntryIndex"])))  # type: ignore[index]
        length, chain_root = local_chain.flow.tree()
        async with JsonRpcClient(node.url) as rpc:
            assert await rpc.call("zgs_getFlowContext") == ["0x" + chain_root.hex(), length]
            checks = [(0, FLOW_FIRST_LEAF), (1, ZERO_HASHES[0])]  # the dummy sector, then padding
            for data, _, start in placed:
                padded = data + bytes(-len(data) % 256)
                checks += [(start, keccak256(padded[:256])), (start + len(padded) // 256 - 1, keccak256(padded[-256:]))]
            for sector, leaf in checks:
                proof = parse_proof_json(await rpc.call("zgs_getSectorProof", sector))
                verify_proof(proof, leaf, chain_root, sector, 1 << (length - 1).bit_length())
            # Against an earlier root: the flow right after the first file.
            data, seq, start = placed[0]
            old_root = local_chain.flow.flow_root_by_tx_seq(seq)
            proof = parse_proof_json(await rpc.call("zgs_getSectorProof", start, "0x" + old_root.hex()))
            assert proof.root == old_root
            old_length = start + 3  # 700 bytes: 3 chunks, a height-1 node then a height-0 node
            verify_proof(proof, keccak256(data[:256]), old_root, start, 1 << (old_length - 1).bit_length())
