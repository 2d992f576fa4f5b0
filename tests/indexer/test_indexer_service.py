"""The indexer against real storage nodes on a real chain: 0G's indexer_* shapes, the gateway, health and failover."""

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.indexer.harness import call, eventually, get, indexer_config, post_raw, put_file, running_indexer
from tests.storage.helpers import submit, wait_synced
from zerog.indexer import IpLocation
from zerog.rpc import JsonRpcError
from zerog.testing import LocalChain, RunningNode, node_config, random_bytes, running_node, running_nodes

pytestmark = pytest.mark.chain

FILE_SIZE = 700_000
"""Three segments: with two half-shard nodes, each node holds part of the file."""


@pytest.fixture
async def shard_nodes(local_chain: LocalChain, tmp_path: Path) -> AsyncIterator[list[RunningNode]]:
    """Three nodes: shard 0/2, shard 1/2, and a full node (0/1); no peer sync, so each holds only what it is sent."""
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                running_node(node_config(local_chain, tmp_path / f"node{i}", shard, auto_sync=False))
            )
            for i, shard in enumerate(("0/2", "1/2", "0/1"))
        ]


def _sharded(node: RunningNode) -> dict[str, object]:
    return {"shardId": node.config.shard.shard_id, "numShard": node.config.shard.num_shard}


def _check_sharded_node_json(entry: dict[str, object], node: RunningNode) -> None:
    """0G's ShardedNode JSON: exactly {url, config, latency, since}, since a recent unix time."""
    assert set(entry) == {"url", "config", "latency", "since"}
    assert entry["url"] == node.url
    assert entry["config"] == _sharded(node)
    assert isinstance(entry["latency"], int)
    assert entry["latency"] >= 0
    assert isinstance(entry["since"], int)
    assert time.time() - 60 < entry["since"] <= time.time() + 1


async def test_sharded_and_selected_nodes(shard_nodes: list[RunningNode]) -> None:
    half0, half1, full = shard_nodes
    urls = [n.url for n in shard_nodes]
    locations = {"127.0.0.1": IpLocation("Lisbon", "Lisbon", "PT", "38.7,-9.1", "Europe/Lisbon")}
    async with running_indexer(indexer_config(urls, ip_locations=locations)) as indexer:
        sharded = await call(indexer, "indexer_getShardedNodes")
        assert set(sharded) == {"trusted", "discovered"}
        assert sharded["discovered"] == []
        assert [e["url"] for e in sharded["trusted"]] == urls
        for entry, node in zip(sharded["trusted"], shard_nodes, strict=True):
            _check_sharded_node_json(entry, node)

        async def selected(*params: object) -> tuple[list[str], list[str]]:
            answer = await call(indexer, "indexer_getSelectedNodes", *params)
            assert set(answer) == {"trusted", "discovered"}
            for entry in answer["trusted"]:
                _check_sharded_node_json(entry, next(n for n in shard_nodes if n.url == entry["url"]))
            return [e["url"] for e in answer["trusted"]], [e["url"] for e in answer["discovered"]]

        assert await selected(1, "min", False, []) == ([full.url], [])
        assert await selected(1, "max", True, []) == ([half0.url, half1.url], [])
        assert await selected(2, "min") == ([full.url, half0.url, half1.url], [])
        assert await selected(1, "2", False, None) == ([half0.url, half1.url], [])
        assert await selected(1, "min", False, [full.url]) == ([half0.url, half1.url], [])
        assert await selected(0, "min") == ([], [])
        for _ in range(10):  # any order: each pick still covers both halves of the flow
            picked, _ = await selected(1, "random")
            assert full.url in picked or {half0.url, half1.url} <= set(picked)

        with pytest.raises(JsonRpcError) as failure:
            await call(indexer, "indexer_getSelectedNodes", 3, "min")
        assert failure.value.code == -32602
        assert "cannot select a subset from the returned nodes that meets the replication requirement" in str(
            failure.value
        )
        with pytest.raises(JsonRpcError) as failure:
            await call(indexer, "indexer_getSelectedNodes", 1, "min", False, [full.url, half0.url])
        assert failure.value.code == -32602
        for bad in ([1, "fastest"], [-1, "min"], ["1", "min"], [1], [1, "min", "yes"], [1, "min", False, "x"]):
            with pytest.raises(JsonRpcError) as failure:
                await call(indexer, "indexer_getSelectedNodes", *bad)
            assert failure.value.code == -32602, bad
            assert failure.value.message.startswith("Invalid params: "), failure.value.message

        assert await call(indexer, "indexer_getNodeLocations") == {
            "127.0.0.1": {
                "city": "Lisbon",
                "region": "Lisbon",
                "country": "PT",
                "loc": "38.7,-9.1",
                "timezone": "Europe/Lisbon",
            }
        }
        # Errors stay on HTTP 200 and echo the id, as JsonRpcServer promises.
        status, answer = await post_raw(
            indexer, {"jsonrpc": "2.0", "id": 12345678901234567890, "method": "indexer_getFileLocations", "params": []}
        )
        assert status == 200
        assert answer["id"] == 12345678901234567890
        assert answer["error"]["code"] == -32602

        status, _, body = await get(indexer, "/status")
        assert status == 200
        document = json.loads(body)
        assert document["healthy"] == 3
        assert [n["url"] for n in document["nodes"]] == urls
        status, _, body = await get(indexer, "/metrics")
        assert status == 200
        assert 'zerog_indexer_nodes{kind="trusted",state="healthy"} 3.0' in body.decode()
        assert (
            'zerog_rpc_calls_total{method="indexer_getSelectedNodes",outcome="ok",service="indexer"}' in body.decode()
        )


async def test_file_locations_and_verified_download(local_chain: LocalChain, shard_nodes: list[RunningNode]) -> None:
    half0, half1, full = shard_nodes
    data = random_bytes(FILE_SIZE, seed=101)
    tree, seq = await put_file(local_chain, shard_nodes, data)
    root = "0x" + tree.root.hex()
    async with running_indexer(indexer_config([n.url for n in shard_nodes])) as indexer:
        locations = await call(indexer, "indexer_getFileLocations", root)
        assert [e["url"] for e in locations] == [half0.url, half1.url, full.url]
        for entry, node in zip(locations, shard_nodes, strict=True):
            _check_sharded_node_json(entry, node)

        status, headers, body = await get(indexer, f"/file?root={root}")
        assert status == 200
        assert body == data
        assert headers["Content-Length"] == str(FILE_SIZE)
        assert headers["Content-Type"] == "application/octet-stream"
        assert headers["Content-Disposition"] == f'attachment; filename="{root}"'
        assert headers["Access-Control-Allow-Origin"] == "*"
        status, headers, body = await get(indexer, f"/file?txSeq={seq}&name=weights.bin")
        assert (status, body) == (200, data)
        assert headers["Content-Disposition"] == 'attachment; filename="weights.bin"'

        status, _, body = await get(indexer, f"/file/info/{root}")
        assert status == 200
        info = json.loads(body)
        assert {k: v for k, v in info.items() if k != "locations"} == {
            "root": root,
            "txSeq": seq,
            "size": FILE_SIZE,
            "finalized": True,
        }
        assert info["locations"] == locations
        status, _, body = await get(indexer, f"/file/info/{seq}")
        assert (status, json.loads(body)) == (200, info)


async def test_unknown_and_bad_files(local_chain: LocalChain, shard_nodes: list[RunningNode]) -> None:
    half0, _, _ = shard_nodes
    unknown = "0x" + "ab" * 32
    async with running_indexer(indexer_config([n.url for n in shard_nodes])) as indexer:
        with pytest.raises(JsonRpcError) as failure:
            await call(indexer, "indexer_getFileLocations", unknown)
        assert (failure.value.code, failure.value.message) == (-32000, "file not found")
        for bad in ("0x12", 5, None):
            with pytest.raises(JsonRpcError) as failure:
                await call(indexer, "indexer_getFileLocations", bad)
            assert failure.value.code == -32602

        for path, code in (
            (f"/file?root={unknown}", 404),
            ("/file?txSeq=999999", 404),
            ("/file?root=0x12", 400),
            ("/file?txSeq=-3", 400),
            ("/file", 400),
            (f"/file/info/{unknown}", 404),
            ("/file/info/999999", 404),
            ("/file/info/nothex", 400),
        ):
            status, headers, body = await get(indexer, path)
            assert status == code, path
            assert headers["Content-Type"].startswith("application/json")
            assert isinstance(json.loads(body)["error"], str)

        # Submitted but never uploaded: known, not servable. (Every node has segments of a 3-segment file in its
        # shard, so none of them finalizes it without data.)
        tree, seq = await asyncio.to_thread(submit, local_chain, random_bytes(FILE_SIZE, seed=102))
        await wait_synced(half0.client(), seq)
        pending = "0x" + tree.root.hex()
        assert await call(indexer, "indexer_getFileLocations", pending) is None
        status, _, body = await get(indexer, f"/file/info/{pending}")
        assert status == 200
        assert json.loads(body) == {
            "root": pending,
            "txSeq": seq,
            "size": FILE_SIZE,
            "finalized": False,
            "locations": [],
        }
        status, _, body = await get(indexer, f"/file?root={pending}")
        assert status == 503
        assert "not finalized" in json.loads(body)["error"]
        # A root and a tx seq that name different files.
        status, _, _ = await get(indexer, f"/file?txSeq={seq}&root={unknown}")
        assert status == 404


async def test_partial_holders_are_not_a_location(local_chain: LocalChain, shard_nodes: list[RunningNode]) -> None:
    half0, _, _ = shard_nodes
    data = random_bytes(FILE_SIZE, seed=103)
    tree, _ = await put_file(local_chain, [half0], data)  # only the even flow segments exist anywhere
    root = "0x" + tree.root.hex()
    async with running_indexer(indexer_config([n.url for n in shard_nodes])) as indexer:
        assert await call(indexer, "indexer_getFileLocations", root) is None  # 0G: null until the shards are covered
        status, _, body = await get(indexer, f"/file/info/{root}")
        info = json.loads(body)
        assert ([e["url"] for e in info["locations"]], info["finalized"]) == ([half0.url], False)
        status, headers, body = await get(indexer, f"/file?root={root}")
        assert status == 503
        assert "no healthy node holds segments" in json.loads(body)["error"]
        assert "Content-Disposition" not in headers


async def test_gateway_fails_over_to_another_holder(local_chain: LocalChain, tmp_path: Path) -> None:
    data = random_bytes(FILE_SIZE, seed=104)
    first_config = node_config(local_chain, tmp_path / "first", auto_sync=False)
    async with (
        running_node(node_config(local_chain, tmp_path / "second", auto_sync=False)) as second,
        contextlib.AsyncExitStack() as first_stack,
    ):
        first = await first_stack.enter_async_context(running_node(first_config))
        tree, _ = await put_file(local_chain, [first, second], data)
        root = "0x" + tree.root.hex()
        # Slow health checks and a long cache: the indexer still lists the first node after it dies.
        config = indexer_config([first.url, second.url], health_check_interval_s=60, file_location_cache_s=60)
        async with running_indexer(config) as indexer:
            assert [e["url"] for e in await call(indexer, "indexer_getFileLocations", root)] == [first.url, second.url]
            await first_stack.aclose()
            status, _, body = await get(indexer, f"/file?root={root}")
            assert (status, body == data) == (200, True)
            _, _, metrics = await get(indexer, "/metrics")
            failovers = re.search(rb"^zerog_indexer_segment_failovers_total (\S+)$", metrics, re.MULTILINE)
            assert failovers is not None
            assert float(failovers.group(1)) >= 1


async def test_dead_node_is_dropped_and_readded(local_chain: LocalChain, tmp_path: Path) -> None:
    data = random_bytes(5000, seed=105)
    flaky_config = node_config(local_chain, tmp_path / "flaky", auto_sync=False)
    flaky_url = flaky_config.url
    async with (
        running_node(node_config(local_chain, tmp_path / "steady", auto_sync=False)) as steady,
        contextlib.AsyncExitStack() as flaky_stack,
    ):
        flaky = await flaky_stack.enter_async_context(running_node(flaky_config))
        tree, _ = await put_file(local_chain, [flaky, steady], data)
        root = "0x" + tree.root.hex()
        async with running_indexer(indexer_config([flaky_url, steady.url], file_location_cache_s=60)) as indexer:

            async def trusted() -> list[str]:
                return [e["url"] for e in (await call(indexer, "indexer_getShardedNodes"))["trusted"]]

            async def holders() -> list[str]:
                return [e["url"] for e in await call(indexer, "indexer_getFileLocations", root)]

            assert await trusted() == [flaky_url, steady.url]
            assert await holders() == [flaky_url, steady.url]

            await flaky_stack.aclose()

            async def dropped() -> bool:
                return await trusted() == [steady.url]

            await eventually(dropped, "the stopped node to leave the answers")
            _, _, body = await get(indexer, "/status")
            state = next(n for n in json.loads(body)["nodes"] if n["url"] == flaky_url)
            assert (state["healthy"], state["failures"] >= 2, bool(state["lastError"])) == (False, True, True)
            assert await holders() == [steady.url]  # the cached answer no longer names it either
            with pytest.raises(JsonRpcError) as failure:
                await call(indexer, "indexer_getSelectedNodes", 2, "min")  # two replicas need both nodes
            assert failure.value.code == -32602
            status, _, body = await get(indexer, f"/file?root={root}")
            assert (status, body == data) == (200, True)

            # Same port, same database: it answers again and is back in every answer.
            await flaky_stack.enter_async_context(running_node(flaky_config))

            async def readded() -> bool:
                return await trusted() == [flaky_url, steady.url]

            await eventually(readded, "the restarted node to rejoin the answers")
            assert await holders() == [flaky_url, steady.url]
            selected = await call(indexer, "indexer_getSelectedNodes", 2, "min")
            assert [e["url"] for e in selected["trusted"]] == [flaky_url, steady.url]


async def test_discovered_nodes_come_from_admin_peers(local_chain: LocalChain, tmp_path: Path) -> None:
    peer_config = node_config(local_chain, tmp_path / "peer", "1/2", auto_sync=False)
    seed_config = node_config(local_chain, tmp_path / "seed", "0/2", auto_sync=False, peers=(peer_config.url,))
    async with running_node(peer_config) as peer, running_node(seed_config) as seed:
        config = indexer_config([seed.url], discovery_nodes=(seed.admin_url,), discovery_interval_s=0.2)
        async with running_indexer(config) as indexer:

            async def discovered() -> bool:
                answer = await call(indexer, "indexer_getShardedNodes")
                return [e["url"] for e in answer["discovered"]] == [peer.url]

            await eventually(discovered, "the seed's peer to be discovered")
            answer = await call(indexer, "indexer_getShardedNodes")
            _check_sharded_node_json(answer["trusted"][0], seed)
            _check_sharded_node_json(answer["discovered"][0], peer)
            # fullTrusted=false: 3/5 of 1 replica is 0, so the trusted node must cover it alone, and cannot.
            with pytest.raises(JsonRpcError):
                await call(indexer, "indexer_getSelectedNodes", 1, "min", False, [])


def _corrupt(node: RunningNode, tx_seq: int, indices: list[int]) -> None:
    """Flip a byte of these file segments under the node's running store (a failing disk, a tampering operator)."""
    assert node.service.node is not None
    store = node.service.node.store
    tx = store.get_tx(tx_seq)
    assert tx is not None
    for index in indices:
        with store.env.begin(write=True) as txn:
            key = tx.flow_segment(index).to_bytes(8, "big")
            value = bytearray(txn.get(key, db=store._flow))
            value[1000] ^= 0xFF
            txn.put(key, bytes(value), db=store._flow)


async def test_corrupt_data_is_never_served(local_chain: LocalChain, tmp_path: Path) -> None:
    data = random_bytes(FILE_SIZE, seed=106)
    async with running_nodes(local_chain, tmp_path, ["0/1", "0/1"], auto_sync=False) as (bad, good):
        tree, seq = await put_file(local_chain, [bad, good], data)
        root = "0x" + tree.root.hex()
        _corrupt(bad, seq, [0, 1, 2])
        async with running_indexer(indexer_config([bad.url, good.url], download_read_ahead=1)) as indexer:
            status, _, body = await get(indexer, f"/file?root={root}")
            assert (status, body == data) == (200, True)  # every segment verified; the bad node's were refused

            # Now no node holds a good copy of segment 1: the stream stops short instead of sending bad bytes.
            _corrupt(good, seq, [1])
            received = bytearray()

            async def read_all(response: aiohttp.ClientResponse) -> None:
                async for piece in response.content.iter_any():
                    received.extend(piece)

            async with aiohttp.ClientSession() as http, http.get(f"{indexer.config.url}/file?root={root}") as response:
                assert response.status == 200
                assert response.headers["Content-Length"] == str(FILE_SIZE)
                with pytest.raises(aiohttp.ClientPayloadError):
                    await read_all(response)
            assert bytes(received) == data[: len(received)]
            assert len(received) < FILE_SIZE
            _, _, metrics = await get(indexer, "/metrics")
            assert b'zerog_indexer_gateway_downloads_total{outcome="aborted"} 1.0' in metrics
            assert b'zerog_indexer_gateway_downloads_total{outcome="ok"} 1.0' in metrics
