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
from zerog.chain.mining import (
    PORA_SUBMIT_SELECTOR,
    ChunkReward,
    DifficultyUpdate,
    MineParams,
    MinerRegistration,
    PoraAnswer,
    PoraMineContract,
    RewardContract,
    RewardDistribution,
    RewardTotals,
    SubmitAnswerResult,
    WorkerContext,
)
from zerog.chain.network import DEVNET_FILE_NAME, SERVICE_KINDS, Account, NetworkInfo, default_devnet_dir
from zerog.chain.provider import connect
from zerog.chain.tx import Receipt, TxSender, decode_revert, load_account

__all__ = [
    "DEVNET_FILE_NAME",
    "PORA_SUBMIT_SELECTOR",
    "SERVICE_KINDS",
    "SUBMIT_EVENT_TOPIC",
    "Account",
    "Artifact",
    "ChunkReward",
    "DifficultyUpdate",
    "EventFollower",
    "FlowContract",
    "MarketContract",
    "MineContext",
    "MineParams",
    "MinerRegistration",
    "NetworkInfo",
    "PoraAnswer",
    "PoraMineContract",
    "Receipt",
    "RewardContract",
    "RewardDistribution",
    "RewardTotals",
    "SubmitAnswerResult",
    "SubmitEvent",
    "SubmitResult",
    "TxSender",
    "WorkerContext",
    "block_ranges",
    "connect",
    "decode_revert",
    "default_devnet_dir",
    "deploy_contract",
    "get_logs",
    "load_account",
    "load_artifact",
]
