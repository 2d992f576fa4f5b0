"""Agent memory end to end: a KV node with the memory plugin, on a real chain and storage node."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from zerog.client import Network
from zerog.client.kv import Batcher, KvClient
from zerog.errors import ConfigError, InvalidInput, NotFound
from zerog.kv import KvConfig
from zerog.memory import MemoryClient, MemoryPlugin, MemoryRecord, agent_stream, memory_key
from zerog.memory.embedding import LexicalEmbedder, default_embedder, is_minilm_available
from zerog.testing import LocalChain, kv_config, node_config, running_kv_node, running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")

WRITER = 9
FACTS = [
    "Alice is allergic to peanuts and shellfish",
    "The staging database password rotates every Monday",
    "Bob prefers window seats on long flights",
    "Our office in Lisbon closes at 6pm on Fridays",
]


@dataclass
class Stack:
    chain: LocalChain
    storage_url: str
    config: KvConfig
    work: Path

    @property
    def url(self) -> str:
        return self.config.url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(local_chain: LocalChain, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    work = tmp_path_factory.mktemp("memory")
    async with running_node(node_config(local_chain, work / "storage")) as storage:
        config = kv_config(local_chain, work / "kv", [storage.url], memory_writer_key=local_chain.accounts[WRITER][1])
        yield Stack(local_chain, storage.url, config, work)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def memory(stack: Stack) -> AsyncIterator[MemoryClient]:
    plugin = MemoryPlugin(stack.config, default_embedder())
    async with running_kv_node(stack.config, [plugin]), MemoryClient(stack.url) as client:
        yield client


async def test_remember_recall_forget_history(stack: Stack, memory: MemoryClient) -> None:
    saved = [await memory.remember("ops-agent", fact, tags=["fact"]) for fact in FACTS]
    assert all(s["result"] == "Commit" for s in saved)
    assert saved[0]["provenance"]["writer"].lower() == stack.chain.accounts[WRITER][0].lower()
    query = "which foods must Alice avoid?" if is_minilm_available() else "Alice allergic peanuts"
    found = await memory.recall("ops-agent", query, k=2)
    assert found["results"][0]["id"] == saved[0]["id"]
    assert found["results"][0]["provenance"]["txSeq"] == saved[0]["provenance"]["txSeq"]
    assert found["readAt"] >= saved[-1]["provenance"]["txSeq"]

    # The provenance points at a real log entry whose content is the record.
    async with KvClient(stack.url) as kv:
        value = await kv.get(agent_stream("ops-agent"), memory_key(saved[0]["id"]))
    assert value.version == saved[0]["provenance"]["txSeq"]
    assert b"peanuts" in value.data

    gone = await memory.forget("ops-agent", saved[0]["id"], reason="asked to")
    assert gone["result"] == "Commit"
    after = await memory.recall("ops-agent", query, k=4)
    assert saved[0]["id"] not in [hit["id"] for hit in after["results"]]
    history = await memory.history("ops-agent", saved[0]["id"])
    assert [v["kind"] for v in history["versions"]] == ["memory", "tombstone"]
    assert history["versions"][1]["record"]["reason"] == "asked to"
    with pytest.raises(NotFound):
        await memory.forget("ops-agent", saved[0]["id"])


async def test_filters_and_agents_are_separate(memory: MemoryClient) -> None:
    await memory.remember("agent-a", "the launch code is blue falcon", tags=["secret"])
    await memory.remember("agent-a", "the cafeteria serves blue cheese on Tuesdays", tags=["food"])
    await memory.remember("agent-b", "the launch code is red falcon")
    only_food = await memory.recall("agent-a", "launch code", k=5, tags=["food"])
    assert [hit["tags"] for hit in only_food["results"]] == [["food"]]
    other = await memory.recall("agent-b", "launch code", k=5)
    assert [hit["text"] for hit in other["results"]] == ["the launch code is red falcon"]
    assert (await memory.recall("nobody", "anything", k=5))["results"] == []


async def test_json_memory_and_expiry(memory: MemoryClient) -> None:
    saved = await memory.remember("agent-j", {"text": "user timezone is UTC+2", "tz": 2}, ttl_s=0.001)
    assert saved["data"] == {"text": "user timezone is UTC+2", "tz": 2}
    found = await memory.recall("agent-j", "timezone", k=3)
    assert found["results"] == []  # expired already


async def test_bad_input(memory: MemoryClient) -> None:
    with pytest.raises(InvalidInput, match="agent"):
        await memory.remember("bad agent name!", "x")
    with pytest.raises(InvalidInput):
        await memory.recall("agent-a", "", k=3)
    with pytest.raises(InvalidInput):
        await memory.recall("agent-a", "x", k=0)
    with pytest.raises(NotFound):
        await memory.history("agent-a", "nosuchid")


async def test_direct_kv_write_is_indexed_and_rebuilt_on_restart(stack: Stack, memory: MemoryClient) -> None:
    """A record written with any KV client and the agent's own key is recallable; a restart rebuilds the index."""
    record = MemoryRecord.create("self-writer", "the garden hose is in the blue shed")
    network = Network(
        rpc_url=stack.chain.rpc_url,
        flow_address=stack.chain.flow.address,
        private_key=stack.chain.accounts[3][1],
        info=None,
        nodes=(stack.storage_url,),
        kv=stack.url,
    )
    written = await Batcher(network).set(agent_stream("self-writer"), memory_key(record.id), record.encode()).execute()
    assert written.result == "Commit"
    found = await memory.recall("self-writer", "where is the garden hose", k=1)
    assert found["results"][0]["id"] == record.id
    assert found["results"][0]["provenance"]["writer"].lower() == stack.chain.accounts[3][0].lower()
    # the writer key of the node may not write into a stream someone else created: 0G's ACLs hold
    refused = await _refused(memory)
    assert refused.startswith("WritePermissionDenied")


async def _refused(memory: MemoryClient) -> str:
    from zerog.memory.client import MemoryRefused

    with pytest.raises(MemoryRefused) as caught:
        await memory.remember("self-writer", "an intruder's note")
    return caught.value.result


async def test_rebuild_in_a_fresh_process(stack: Stack, tmp_path: Path) -> None:
    """A second KV node over the same log (fresh database) rebuilds the same memories."""
    other = kv_config(stack.chain, tmp_path / "kv2", [stack.storage_url])
    async with running_kv_node(other, [MemoryPlugin(other, LexicalEmbedder())]), MemoryClient(other.url) as client:
        status = await client.status()
        assert status["memories"] >= 5
        assert status["writes"] is False
        found = await client.recall("agent-b", "launch code red falcon", k=1)
        assert found["results"][0]["text"] == "the launch code is red falcon"
        with pytest.raises(ConfigError, match="memory_writer_key"):
            await client.remember("agent-b", "x")


async def test_mcp_server_over_stdio(stack: Stack, memory: MemoryClient) -> None:
    """`zerog memory mcp` as an MCP client starts it: initialize, list tools, remember, recall, a bad call."""
    import asyncio
    import json
    import sys

    await memory.status()  # the node is up
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-03-26"}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "remember", "arguments": {"text": "the wifi password is on the fridge"}},
        },
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "tools/call",
            "params": {"name": "recall", "arguments": {"query": "wifi password", "k": 1}},
        },
        {
            "jsonrpc": "2.0",
            "id": 5,
            "method": "tools/call",
            "params": {"name": "forget", "arguments": {"id": "nosuchid"}},
        },
        {"jsonrpc": "2.0", "id": 6, "method": "nope"},
    ]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "zerog",
        "memory",
        "mcp",
        "--agent",
        "mcp-agent",
        "--kv",
        stack.url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    payload = "".join(json.dumps(m) + "\n" for m in messages).encode()
    out, err = await asyncio.wait_for(process.communicate(payload), 120)
    assert process.returncode == 0, err.decode()
    replies = {reply["id"]: reply for reply in map(json.loads, out.decode().splitlines())}
    assert sorted(replies) == [1, 2, 3, 4, 5, 6]  # no reply to the notification
    assert replies[1]["result"]["protocolVersion"] == "2025-03-26"
    assert replies[1]["result"]["capabilities"] == {"tools": {"listChanged": False}}
    assert [t["name"] for t in replies[2]["result"]["tools"]] == ["remember", "recall", "forget", "history"]
    assert replies[3]["result"]["isError"] is False
    saved = json.loads(replies[3]["result"]["content"][0]["text"])
    recalled = json.loads(replies[4]["result"]["content"][0]["text"])
    assert recalled["results"][0]["id"] == saved["id"]
    assert replies[5]["result"]["isError"] is True
    assert replies[6]["error"]["code"] == -32601
