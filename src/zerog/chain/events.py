"""Reading contract logs in bounded block ranges, as every RPC provider caps `eth_getLogs`."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import requests
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.types import FilterParams

from zerog.errors import ChainError, InvalidInput, Unavailable

__all__ = ["EventFollower", "block_ranges", "get_logs"]


def block_ranges(start: int, end: int, page_size: int) -> Iterator[tuple[int, int]]:
    """Inclusive [from, to] block ranges of at most `page_size` blocks covering [start, end]."""
    if page_size <= 0:
        raise InvalidInput("page size must be positive")
    for first in range(start, end + 1, page_size):
        yield first, min(first + page_size - 1, end)


def get_logs(w3: Web3, address: str, topics: list[Any], start: int, end: int) -> list[Any]:
    """Logs of `address` matching `topics` in blocks [start, end]."""
    try:
        query = {"address": address, "topics": topics, "fromBlock": start, "toBlock": end}
        return list(w3.eth.get_logs(cast(FilterParams, query)))
    except (requests.exceptions.RequestException, OSError) as exc:
        raise Unavailable(f"the chain RPC stopped answering: {exc}") from exc
    except (Web3RPCError, ValueError) as exc:
        raise ChainError(f"eth_getLogs failed for blocks {start}..{end}: {exc}") from exc


@dataclass
class EventFollower:
    """Follows one contract's logs from `next_block`, `page_size` blocks per request, `confirmations` behind head.

    `poll()` returns the logs of every block that became confirmed since the last call and advances `next_block`;
    callers persist `next_block` to resume after a restart.
    """

    w3: Web3
    address: str
    topics: list[Any]
    next_block: int = 0
    page_size: int = 1000
    confirmations: int = 0

    def poll(self) -> list[Any]:
        """New confirmed logs, in chain order."""
        try:
            head = self.w3.eth.block_number - self.confirmations
        except (requests.exceptions.RequestException, OSError) as exc:
            raise Unavailable(f"the chain RPC stopped answering: {exc}") from exc
        logs: list[Any] = []
        for start, end in block_ranges(self.next_block, head, self.page_size):
            logs.extend(get_logs(self.w3, self.address, self.topics, start, end))
            self.next_block = end + 1
        return logs
