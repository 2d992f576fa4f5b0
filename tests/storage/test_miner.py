"""PoRA mining in a storage node, end to end on anvil: the node seals what it holds, finds an answer, the PoraMine
contract verifies it, and the reward pool pays the beneficiary. A node without the data cannot win."""

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.storage.helpers import segments, submit, wait_finalized, wait_synced
from zerog.chain import connect
from zerog.chain.mining import PoraMineContract, RewardContract
from zerog.rpc import JsonRpcClient
from zerog.storage import MinerConfig
from zerog.testing import LocalChain, node_config, random_bytes, running_node

pytestmark = pytest.mark.chain

MINER_ACCOUNT = 5
BENEFICIARY = "0x000000000000000000000000000000000000bEEF"


def mine_blocks(chain: LocalChain, count: int) -> None:
    chain.w3.provider.make_request("anvil_mine", [hex(count)])  # type: ignore[arg-type]


async def wait_until(condition, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def miner_config(chain: LocalChain, account: int, **overrides: object) -> MinerConfig:
    return MinerConfig(
        mine_address=chain.contracts["PoraMine"],
        key=chain.accounts[account][1],
        beneficiary=BENEFICIARY,
        context_query_s=0.5,
        **overrides,  # type: ignore[arg-type]
    )


async def test_node_mines_and_earns(local_chain: LocalChain, tmp_path: Path) -> None:
    config = replace(node_config(local_chain, tmp_path / "db"), miner=miner_config(local_chain, MINER_ACCOUNT))
    data = random_bytes(1_000_000, seed=50)
    async with running_node(config) as node:
        tree, seq = submit(local_chain, data)
        client = node.client()
        await wait_synced(client, seq)
        await client.upload_segments_by_tx_seq(segments(tree, data), seq)
        await wait_finalized(client, seq)
        mine_blocks(local_chain, 25)  # the epoch holding the data ends; the next one's subtask window opens

        async with JsonRpcClient(node.admin_url) as admin:

            async def accepted() -> bool:
                status = await admin.call("miner_getStatus")
                return int(status["accepted"]) >= 1

            await wait_until(accepted, 120, "an accepted answer")
            status = await admin.call("miner_getStatus")
            assert status["sealedSegments"] >= 4
            assert int(status["withdrawableWei"]) > 0
            assert await admin.call("miner_stop") is True
            assert (await admin.call("miner_getStatus"))["state"] == "stopped"

    mine = PoraMineContract(connect(local_chain.rpc_url), local_chain.contracts["PoraMine"])
    reward = RewardContract(mine.w3, mine.reward_address())
    assert reward.payments(BENEFICIARY) == int(status["withdrawableWei"])


async def test_a_node_without_the_data_cannot_win(local_chain: LocalChain, tmp_path: Path) -> None:
    """A node that never got a file seals and mines only what it holds: the flow's zero padding, never the file.

    Every hit it makes lies in a padding-only segment; the segments of the file are never sealed, so a recall that
    lands on them is skipped (the contract tests show an answer with wrong data is rejected).
    """
    config = replace(
        node_config(local_chain, tmp_path / "empty", auto_sync=False),
        miner=miner_config(local_chain, MINER_ACCOUNT + 1, cpu_percentage=50),
    )
    async with running_node(config) as running:
        _, seq = submit(local_chain, random_bytes(600_000, seed=51))
        await wait_synced(running.client(), seq)
        mine_blocks(local_chain, 25)
        async with JsonRpcClient(running.admin_url) as admin:

            async def searched() -> bool:
                return int((await admin.call("miner_getStatus"))["nonces"]) >= 3000

            await wait_until(searched, 120, "a search")
            status = await admin.call("miner_getStatus")
        node, miner = running.service.node, running.service.miner
        assert node is not None
        assert miner is not None
        assert miner.sealed is not None
        length = node.flow_index.length
        data_segments = {s for s in range(length // 1024) if node.flow_index.entry_segments(s, length)}
        assert data_segments  # the file's segments: the node holds none of them
        assert not any(miner.sealed.has(s) for s in data_segments)
        if status["lastAnswer"] is not None:
            assert status["lastAnswer"]["recallPosition"] // 1024 not in data_segments


async def test_a_damaged_copy_is_never_submitted(local_chain: LocalChain, tmp_path: Path) -> None:
    """Bytes flipped on disk: the miner checks each hit against the flow root before paying gas for it."""
    from zerog.testing.faults import corrupt_stored_segments

    config = replace(node_config(local_chain, tmp_path / "db", auto_sync=False), miner=miner_config(local_chain, 7))
    data = random_bytes(2_000_000, seed=52)
    async with running_node(replace(config, miner=MinerConfig())) as node:  # not mining yet
        tree, seq = submit(local_chain, data)
        client = node.client()
        await wait_synced(client, seq)
        await client.upload_segments_by_tx_seq(segments(tree, data), seq)
        await wait_finalized(client, seq)
    assert corrupt_stored_segments(config.db_dir, seq) == len(segments(tree, data))
    async with running_node(config) as node:
        mine_blocks(local_chain, 25)
        async with JsonRpcClient(node.admin_url) as admin:

            async def caught() -> bool:
                return int((await admin.call("miner_getStatus"))["damaged"]) >= 1

            await wait_until(caught, 120, "a hit on the damaged data")
            status = await admin.call("miner_getStatus")
    assert status["damaged"] >= 1
    assert "FlowRootMismatch" not in str(status["lastError"])
