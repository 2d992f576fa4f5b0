"""The chain: connecting to an EVM, sending transactions, typed contract bindings, and following events."""

from zerog.chain.artifacts import Artifact, load_artifact
from zerog.chain.contracts import (
    SUBMIT_EVENT_TOPIC,
    FlowContract,
    MarketContract,
    MineContext,
    SubmitEvent,
    SubmitResult,
    deploy_contract,
)
from zerog.chain.events import EventFollower, block_ranges, get_logs
from zerog.chain.provider import connect
from zerog.chain.tx import Receipt, TxSender, decode_revert, load_account

__all__ = [
    "SUBMIT_EVENT_TOPIC",
    "Artifact",
    "EventFollower",
    "FlowContract",
    "MarketContract",
    "MineContext",
    "Receipt",
    "SubmitEvent",
    "SubmitResult",
    "TxSender",
    "block_ranges",
    "connect",
    "decode_revert",
    "deploy_contract",
    "get_logs",
    "load_account",
    "load_artifact",
]
