"""A KV node against a real chain and storage node: writes through the Batcher, reads through kv_* RPC."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from zerog.client import Network
from zerog.client.kv import Batcher, KvClient, stream_id_for
from zerog.kv import KvService
from zerog.rpc import JsonRpcClient, JsonRpcError
from zerog.testing import LocalChain, kv_config, node_config, running_kv_node, running_node


@dataclass
class Stack:
    chain: LocalChain
    network: Network
    kv_url: str
    kv: KvService

    def network_for(self, account: int) -> Network:
        return Network(
            rpc_url=self.network.rpc_url,
            flow_address=self.network.flow_address,
            private_key=self.chain.accounts[account][1],
            info=None,
            nodes=self.network.nodes,
            kv=self.kv_url,
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(local_chain: LocalChain, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    work = tmp_path_factory.mktemp("kv")
    async with running_node(node_config(local_chain, work / "storage")) as storage:
        config = kv_config(local_chain, work / "kv", [storage.url], data_wait_s=3.0)
        async with running_kv_node(config) as kv:
            network = Network(
                rpc_url=local_chain.rpc_url,
                flow_address=local_chain.flow.address,
                private_key=local_chain.accounts[0][1],
                info=None,
                nodes=(storage.url,),
                kv=config.url,
            )
            yield Stack(local_chain, network, config.url, kv)


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_write_then_read(stack: Stack) -> None:
    stream = stream_id_for("test/write-then-read")
    written = await Batcher(stack.network).set(stream, b"a", b"1").set(stream, b"b", b"22").execute()
    assert written.result == "Commit"
    async with KvClient(stack.kv_url) as kv:
        value = await kv.get(stream, b"a")
        assert (value.data, value.version) == (b"1", written.tx_seq)
        assert [(v.key, v.data) for v in [v async for v in kv.items(stream)]] == [(b"a", b"1"), (b"b", b"22")]
        missing = await kv.get(stream, b"zzz")
        assert (missing.data, missing.version) == (b"", 0)
        assert await kv.is_admin(stack.chain.accounts[0][0], stream)
        assert not await kv.is_admin(stack.chain.accounts[1][0], stream)


async def test_version_conflict_and_acl_denial(stack: Stack) -> None:
    stream = stream_id_for("test/conflicts")
    first = await Batcher(stack.network).set(stream, b"k", b"v1").execute()
    assert first.result == "Commit"
    stale = await Batcher(stack.network, version=first.tx_seq - 1).set(stream, b"k", b"v2").execute()
    assert stale.result == "VersionConfliction"
    other = await Batcher(stack.network_for(1)).set(stream, b"k", b"mine").execute()
    assert other.result == f"WritePermissionDenied: stream: 0x{stream.hex()}, key: k"
    denied = await Batcher(stack.network_for(1)).grant_writer(stream, stack.chain.accounts[1][0]).execute()
    assert denied.result == (
        f"AccessControlPermissionDenied: operation: GRANT_WRITER_ROLE, stream: 0x{stream.hex()}, key: NONE, "
        f"account: {stack.chain.accounts[1][0].lower()}"
    )
    granted = await Batcher(stack.network).grant_writer(stream, stack.chain.accounts[1][0]).execute()
    assert granted.result == "Commit"
    now = await Batcher(stack.network_for(1)).set(stream, b"k", b"mine").execute()
    assert now.result == "Commit"
    async with KvClient(stack.kv_url) as kv:
        assert (await kv.get(stream, b"k")).data == b"mine"
        assert (await kv.get(stream, b"k", version=first.tx_seq)).data == b"v1"
        assert await kv.is_writer_of_stream(stack.chain.accounts[1][0], stream)


async def test_rpc_edges(stack: Stack) -> None:
    async with JsonRpcClient(stack.kv_url) as rpc:
        with pytest.raises(JsonRpcError, match="len"):
            await rpc.call("kv_getValue", "0x" + "11" * 32, "YQ==", 0, 1 << 30)
        with pytest.raises(JsonRpcError, match="key"):
            await rpc.call("kv_getValue", "0x" + "11" * 32, "", 0, 10)
        with pytest.raises(JsonRpcError, match="stream"):
            await rpc.call("kv_getValue", "0x11", "YQ==", 0, 10)
        assert await rpc.call("kv_getTransactionResult", "999999") is None
        assert await rpc.call("kv_getStatus") is True
        assert await rpc.call("kv_IsAdmin", "0x" + "00" * 20, "0x" + "11" * 32) is False
