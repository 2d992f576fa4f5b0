"""The concrete cases 0G's own tests state (tests/vectors/pora.json, from 0g-storage-contracts test/mine.spec.ts)."""

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from zerog.crypto import keccak256
from zerog.errors import InvalidInput
from zerog.mining import (
    RecallRange,
    compute_initial_target,
    compute_recall_chunk_offset,
    compute_recall_position,
    compute_scale_x64,
    compute_target_quality,
)

VECTORS_PATH = Path(__file__).parent.parent / "vectors" / "pora.json"


@cache
def load_pora_vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text())
    return data


def _range_cases() -> list[dict[str, Any]]:
    vectors = load_pora_vectors()
    checks = vectors["recall_range_checks"]
    return checks["unsharded"] + checks["sharded_2"] + vectors["shard_mask_checks"]["cases"]


def test_every_vector_names_its_source() -> None:
    vectors = load_pora_vectors()
    for key, section in vectors.items():
        if key in ("notes", "rule_sources"):
            continue
        sources = section["source"] if isinstance(section["source"], list) else [section["source"]]
        for source in sources:
            assert set(source) == {"repo", "path", "commit"}
            assert len(source["commit"]) == 40


@pytest.mark.parametrize("case", _range_cases(), ids=lambda case: str(case["name"]))
def test_recall_range_checks_from_mine_spec(case: dict[str, Any]) -> None:
    recall_range = RecallRange(case["start_position"], case["mine_length"], case["shard_id"], case["shard_mask"])
    if case["error"] is None:
        recall_range.validate(case["flow_length"], case["max_shards"])
    else:
        with pytest.raises(InvalidInput) as raised:
            recall_range.validate(case["flow_length"], case["max_shards"])
        assert str(raised.value).startswith(case["error"])


def test_recall_out_of_bound_for_every_seed() -> None:
    vector = load_pora_vectors()["recall_out_of_bound"]
    recall_range = RecallRange(0, vector["mine_length"], vector["shard_id"], vector["shard_mask"])
    for preimage in (b"nonce", b"0", b"1", b"31"):
        with pytest.raises(InvalidInput) as raised:
            compute_recall_position(keccak256(preimage), recall_range)
        assert str(raised.value).startswith(vector["error"])


def test_sharded_recall_offsets() -> None:
    vector = load_pora_vectors()["recall_in_shard"]
    recall_range = RecallRange(0, vector["mine_length"], vector["shard_id"], vector["shard_mask"])
    offsets = {compute_recall_chunk_offset(keccak256(str(i).encode()), recall_range) for i in range(64)}
    assert offsets == set(vector["chunk_offsets"])


def test_quality_threshold_of_the_sharded_submission_test() -> None:
    vector = load_pora_vectors()["quality_threshold"]
    target = compute_target_quality(
        compute_initial_target(vector["difficulty"]), compute_scale_x64(vector["flow_length"], vector["num_shards"])
    )
    first_byte_limit = int(vector["passing_first_bytes_below"], 16)
    assert (first_byte_limit - 1) << 248 <= target  # a quality starting 0x1f passes (up to a 2^-189 sliver)
    assert first_byte_limit << 248 > target  # a quality starting 0x20 fails
