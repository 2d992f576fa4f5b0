"""Shared steps of storage tests: put a file on chain, build its segments, wait for a node."""

import asyncio
import time

from zerog.codec import build_submission
from zerog.codec.segment import SegmentWithProof, compute_data_segment_count, slice_segment
from zerog.crypto import FileTree, build_file_tree
from zerog.storage import StorageNodeClient
from zerog.testing import LocalChain


def submit(chain: LocalChain, data: bytes) -> tuple[FileTree, int]:
    """Submit `data` to the Flow; returns its tree and tx seq."""
    tree = build_file_tree(data)
    result = chain.flow.submit(chain.sender, build_submission(tree))
    return tree, result.events[0].tx_seq


def segments(tree: FileTree, data: bytes, indices: list[int] | None = None) -> list[SegmentWithProof]:
    chosen = range(compute_data_segment_count(len(data))) if indices is None else indices
    return [SegmentWithProof.from_tree(tree, i, slice_segment(data, i)) for i in chosen]


async def wait_for(condition, timeout_s: float = 20.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    """Poll an async predicate until it holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def wait_synced(client: StorageNodeClient, tx_seq: int) -> dict[str, object]:
    async def known() -> bool:
        return await client.get_file_info_by_tx_seq(tx_seq) is not None

    await wait_for(known, what=f"tx {tx_seq} on {client.url}")
    info = await client.get_file_info_by_tx_seq(tx_seq)
    assert info is not None
    return info


async def wait_finalized(client: StorageNodeClient, tx_seq: int) -> None:
    async def done() -> bool:
        info = await client.get_file_info_by_tx_seq(tx_seq)
        return bool(info and info["finalized"])

    await wait_for(done, what=f"tx {tx_seq} finalized on {client.url}")
