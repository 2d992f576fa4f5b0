"""The indexer's pure rules: replica selection, entry choice, coverage, health transitions, request parsing."""

import random

import pytest

from zerog.errors import InvalidInput
from zerog.indexer import (
    CheckResult,
    NodeFileInfo,
    NodeState,
    apply_check,
    choose_entry,
    find_uncovered_segments,
    is_fully_covered,
    parse_node_file_info,
    select_replicas,
)
from zerog.indexer.core import compute_plain_segment_size, is_selection_method
from zerog.indexer.gateway import Cid, content_disposition, parse_cid, parse_file_query
from zerog.indexer.registry import parse_peer_urls
from zerog.indexer.types import parse_node_host
from zerog.spec import BYTES_PER_SEGMENT, ShardConfig
from zerog.storage import FileLocation, ShardedNode

ROOT = bytes(range(32))


def node(url: str, shard: str) -> ShardedNode:
    return ShardedNode(url, ShardConfig.parse(shard))


def urls(nodes: list[ShardedNode]) -> list[str]:
    return [n.url for n in nodes]


FULL = node("http://full", "0/1")
HALF0, HALF1 = node("http://h0", "0/2"), node("http://h1", "1/2")
Q = [node(f"http://q{i}", f"{i}/4") for i in range(4)]


def test_select_trusted_only_by_method() -> None:
    trusted = [HALF1, Q[0], FULL, HALF0]
    assert select_replicas(trusted, [], 1, "min") == ([FULL], [])
    chosen = select_replicas(trusted, [], 1, "max")
    assert chosen is not None
    assert urls(chosen[0]) == ["http://q0", "http://h0", "http://h1"]  # small shards first; full is not needed
    assert select_replicas(trusted, [], 2, "min") == ([FULL, HALF0, HALF1], [])
    assert select_replicas(trusted, [], 1, "2") == ([HALF1, HALF0], [])  # a shard count keeps the given order
    assert select_replicas(trusted, [], 3, "min") is None
    assert select_replicas(trusted, [], 0, "min") == ([], [])


def test_select_takes_three_fifths_from_discovered() -> None:
    trusted = [node(f"http://t{i}", "0/1") for i in range(5)]
    discovered = [node(f"http://d{i}", "0/1") for i in range(5)]
    chosen = select_replicas(trusted, discovered, 5, "min")
    assert chosen is not None
    assert (len(chosen[0]), len(chosen[1])) == (2, 3)
    assert select_replicas(trusted, discovered, 5, "min", full_trusted=True) == (trusted, [])
    # Too few discovered nodes for their share: all replicas come from trusted nodes.
    assert select_replicas(trusted, discovered[:2], 5, "min") == (trusted, [])
    assert select_replicas(trusted[:1], discovered, 1, "min") == (trusted[:1], [])  # 1 * 3 // 5 == 0


def test_select_skips_dropped_nodes() -> None:
    assert select_replicas([FULL, HALF0, HALF1], [], 1, "min", dropped=["http://full/"]) == ([HALF0, HALF1], [])
    assert select_replicas([FULL], [], 1, "min", dropped=["http://full"]) is None


def test_select_random_is_a_valid_cover() -> None:
    for seed in range(20):
        chosen = select_replicas([FULL, HALF0, HALF1, *Q], [], 2, "random", rng=random.Random(seed))
        assert chosen is not None
        shards = [n.shard for n in chosen[0]]
        assert all(sum(s.holds_segment(r) for s in shards) >= 2 for r in range(4))


def test_selection_methods() -> None:
    assert all(is_selection_method(m) for m in ("min", "max", "random", "1", "16"))
    assert not any(is_selection_method(m) for m in ("", "0", "-1", "fastest", "MIN", "1.5"))


def info(seq: int, *, finalized: bool = True, pruned: bool = False, size: int = 1000) -> NodeFileInfo:
    return NodeFileInfo(seq, ROOT, size, seq * 1024, finalized, pruned, 0)


def test_choose_entry() -> None:
    assert choose_entry([]) is None
    assert choose_entry([info(5, finalized=False), info(3, finalized=False)]) == info(3, finalized=False)
    assert choose_entry([info(5), info(3, finalized=False)]) == info(5)
    assert choose_entry([info(7), info(4), info(7)]) == info(7)  # most holders win
    assert choose_entry([info(7), info(4)]) == info(4)  # then the lowest seq
    assert choose_entry([info(2, pruned=True), info(9)]) == info(9)
    # Nodes that disagree on the entry's size are not counted together.
    assert choose_entry([info(4, size=10), info(4), info(4)]) == info(4)


def test_coverage() -> None:
    location = FileLocation(ROOT, 0, 3 * BYTES_PER_SEGMENT, start_entry_index=1024)  # flow segments 1, 2, 3
    assert is_fully_covered([FULL.shard])
    assert is_fully_covered([HALF0.shard, HALF1.shard])
    assert not is_fully_covered([HALF0.shard, Q[1].shard])
    assert not is_fully_covered([])
    assert find_uncovered_segments(location, [HALF0.shard]) == [0, 2]
    assert find_uncovered_segments(location, [HALF0.shard, Q[1].shard]) == [2]
    assert find_uncovered_segments(location, [Q[2].shard]) == [0, 2]
    assert find_uncovered_segments(location, [HALF1.shard, Q[2].shard]) == []  # flow segment 2 is q2's
    assert find_uncovered_segments(location, []) == [0, 1, 2]


def test_plain_segment_size() -> None:
    size = 2 * BYTES_PER_SEGMENT + 1000
    assert [compute_plain_segment_size(size, i) for i in range(4)] == [BYTES_PER_SEGMENT, BYTES_PER_SEGMENT, 1000, 0]


def test_health_transitions() -> None:
    state = NodeState("http://n", trusted=True)
    assert not state.is_healthy(3)  # unknown until a check succeeds
    state = apply_check(state, CheckResult(ShardConfig(1, 2), 12, 1_700_000_000, log_sync_height=9, next_tx_seq=4))
    assert state.is_healthy(3)
    assert state.to_sharded_node() == ShardedNode("http://n", ShardConfig(1, 2), 12, 1_700_000_000)
    assert (state.log_sync_height, state.next_tx_seq) == (9, 4)
    for failures in (1, 2):
        state = apply_check(state, CheckResult(None, 0, 1_700_000_005, "refused"))
        assert (state.failures, state.is_healthy(3), state.last_error) == (failures, True, "refused")
        assert state.since == 1_700_000_000  # the last success
    state = apply_check(state, CheckResult(None, 0, 1_700_000_010, "refused"))
    assert (state.failures, state.is_healthy(3)) == (3, False)
    state = apply_check(state, CheckResult(ShardConfig(0, 1), 3, 1_700_000_020))
    assert (state.failures, state.is_healthy(3), state.shard, state.since) == (
        0,
        True,
        ShardConfig(0, 1),
        1_700_000_020,
    )
    assert state.to_json(3)["config"] == {"shardId": 0, "numShard": 1}


def _file_info_json(**tx_overrides: object) -> dict[str, object]:
    tx = {
        "streamIds": [],
        "data": [],
        "dataMerkleRoot": "0x" + ROOT.hex(),
        "merkleNodes": [],
        "startEntryIndex": 2048,
        "size": 5000,
        "seq": 4,
    }
    tx.update(tx_overrides)
    return {"tx": tx, "finalized": True, "isCached": False, "uploadedSegNum": 1, "pruned": False}


def test_parse_node_file_info() -> None:
    assert parse_node_file_info(_file_info_json()) == NodeFileInfo(4, ROOT, 5000, 2048, True, False, 1)
    for bad in (
        None,
        [],
        {"tx": None},
        _file_info_json(seq=-1),
        _file_info_json(size="5000"),
        _file_info_json(dataMerkleRoot="0x12"),
        _file_info_json(startEntryIndex=True),
        {**_file_info_json(), "finalized": "yes"},
    ):
        with pytest.raises(InvalidInput):
            parse_node_file_info(bad)


def test_gateway_request_parsing() -> None:
    hex_root = "0x" + ROOT.hex()
    assert parse_cid(hex_root) == Cid(root=ROOT)
    assert parse_cid(ROOT.hex().upper()) == Cid(root=ROOT)
    assert parse_cid("42") == Cid(tx_seq=42)
    assert parse_file_query({"root": hex_root}) == Cid(root=ROOT)
    assert parse_file_query({"txSeq": "7", "root": hex_root}) == Cid(root=ROOT, tx_seq=7)
    for bad_cid in ("0x12", "hello", ""):
        with pytest.raises(InvalidInput):
            parse_cid(bad_cid)
    for bad_query in ({}, {"root": "0xzz"}, {"txSeq": "-1"}, {"txSeq": "1e3"}, {"txSeq": str(1 << 64)}):
        with pytest.raises(InvalidInput):
            parse_file_query(bad_query)


def test_content_disposition() -> None:
    assert content_disposition("report.pdf") == 'attachment; filename="report.pdf"'
    assert content_disposition('../a"b\r\n.txt') == 'attachment; filename="..ab.txt"'
    assert content_disposition("") == 'attachment; filename="file"'
    assert content_disposition("été.txt") == "attachment; filename=\"_t_.txt\"; filename*=UTF-8''%C3%A9t%C3%A9.txt"


def test_peer_urls_and_hosts() -> None:
    peers = {"http://127.0.0.1:5680": {"healthy": True}, "junk": {}, "https://n.example:443/": {}}
    assert parse_peer_urls(peers) == ["http://127.0.0.1:5680", "https://n.example:443"]
    assert parse_peer_urls(["http://a:1", 5]) == ["http://a:1"]
    assert parse_peer_urls(None) == []
    assert parse_node_host("http://NODE.example:5678") == "node.example"
    assert parse_node_host("http://127.0.0.1:5678/rpc") == "127.0.0.1"
