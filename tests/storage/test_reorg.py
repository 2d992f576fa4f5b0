"""A reorg of blocks the node already synced (confirmations 0): it undoes them and follows the new chain."""

from pathlib import Path

import pytest

from tests.storage.helpers import segments, submit, wait_finalized, wait_for, wait_synced
from zerog.testing import LocalChain, node_config, random_bytes, running_node

pytestmark = pytest.mark.chain


async def test_node_follows_a_reorg(local_chain: LocalChain, tmp_path: Path) -> None:
    async with running_node(node_config(local_chain, tmp_path / "db")) as node:
        client = node.client()
        snapshot = local_chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        first = random_bytes(300_000, seed=1)
        tree_a, seq = submit(local_chain, first)
        await wait_synced(client, seq)
        await client.upload_segments_by_tx_seq(segments(tree_a, first), seq)
        await wait_finalized(client, seq)

        # The blocks holding tx A vanish; tx B takes the same tx seq on the new chain.
        local_chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        second = random_bytes(200_000, seed=2)
        tree_b, seq_b = submit(local_chain, second)
        assert seq_b == seq

        async def replaced() -> bool:
            info = await client.get_file_info_by_tx_seq(seq)
            return info is not None and info["tx"]["dataMerkleRoot"] == "0x" + tree_b.root.hex()

        await wait_for(replaced, what="the node to follow the reorg")
        assert await client.get_file_info(tree_a.root, True) is None
        info = await client.get_file_info_by_tx_seq(seq)
        assert info is not None
        assert not info["finalized"]
        assert info["uploadedSegNum"] == 0
        await client.upload_segments_by_tx_seq(segments(tree_b, second), seq)
        await wait_finalized(client, seq)
        assert await client.download_segment_with_proof_by_tx_seq(seq, 0) == segments(tree_b, second, [0])[0]
