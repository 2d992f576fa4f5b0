"""Typed bindings for zerog's storage contracts: Flow (0G's log) and the fixed-price market."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from eth_abi.abi import decode as abi_decode
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BadFunctionCallOutput, ContractCustomError, ContractLogicError, Web3RPCError

from zerog.chain.artifacts import load_artifact
from zerog.chain.events import block_ranges, get_logs
from zerog.chain.tx import Receipt, TxSender, decode_revert
from zerog.codec.submission import Submission
from zerog.crypto.keccak import keccak256
from zerog.errors import ChainError, InvalidInput, NotFound, Unavailable
from zerog.spec import TxSeq

__all__ = [
    "SUBMIT_EVENT_TOPIC",
    "FlowContract",
    "MarketContract",
    "MineContext",
    "SubmitEvent",
    "SubmitResult",
    "decode_submit_log",
    "deploy_contract",
]

SUBMIT_EVENT_SIGNATURE = "Submit(address,bytes32,uint256,uint256,uint256,(uint256,bytes,(bytes32,uint256)[]))"
SUBMIT_EVENT_TOPIC = "0x" + keccak256(SUBMIT_EVENT_SIGNATURE.encode()).hex()
SUBMIT_SIGNATURE = "submit(((uint256,bytes,(bytes32,uint256)[]),address))"
SUBMIT_EVENT_DATA_TYPES = ("uint256", "uint256", "uint256", "(uint256,bytes,(bytes32,uint256)[])")
LEGACY_SUBMIT_SIGNATURE = "submit((uint256,bytes,(bytes32,uint256)[]))"
BATCH_SUBMIT_SIGNATURE = "batchSubmit(((uint256,bytes,(bytes32,uint256)[]),address)[])"


@dataclass(frozen=True, slots=True)
class SubmitEvent:
    """A decoded `Submit` event: one new log entry."""

    tx_seq: TxSeq
    """The event's `submissionIndex`, the entry's sequence number from 0."""
    sender: str
    identity: bytes
    """keccak of the packed node roots (not the file root)."""
    start_sector: int
    """First flow sector of the entry (`startPos`)."""
    sectors: int
    """Sectors the entry occupies (the event's `length`)."""
    submission: Submission
    block_number: int
    block_hash: bytes
    tx_hash: str
    log_index: int


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What a successful submit returns."""

    receipt: Receipt
    events: tuple[SubmitEvent, ...]
    fee: int
    """Wei paid to the market."""


@dataclass(frozen=True, slots=True)
class MineContext:
    """The Flow's current mining context (0G's `MineContext`)."""

    epoch: int
    mine_start: int
    flow_root: bytes
    flow_length: int
    block_digest: bytes
    digest: bytes


def _checksum(address: str) -> ChecksumAddress:
    if not Web3.is_address(address):
        raise InvalidInput(f"not an address: {address!r}")
    return Web3.to_checksum_address(address)


def event_topic(signature: str) -> str:
    """An event's topic0 (`keccak256` of its signature), 0x-hex."""
    return "0x" + keccak256(signature.encode()).hex()


def merged_abi(name: str, *others: str) -> list[dict[str, Any]]:
    """`name`'s ABI plus the custom errors of the contracts it calls, so their reverts decode too."""
    abi = list(load_artifact(name).abi)
    seen = {(e["name"], len(e["inputs"])) for e in abi if e.get("type") == "error"}
    for other in others:
        for item in load_artifact(other).abi:
            key = (item.get("name"), len(item.get("inputs", [])))
            if item.get("type") == "error" and key not in seen:
                seen.add(key)
                abi.append(item)
    return abi


class _Binding:
    """Shared plumbing: a web3 contract at an address, with views that fail clearly (custom errors decoded:
    `QuorumNotFound(epoch=1, quorumId=2)`) and the logs it emitted."""

    artifact_name = ""

    def __init__(self, w3: Web3, address: str) -> None:
        self.w3 = w3
        self.address = _checksum(address)
        self.contract: Contract = w3.eth.contract(address=self.address, abi=load_artifact(self.artifact_name).abi)

    def require_code(self) -> None:
        """Raise `NotFound` unless a contract is deployed at the address."""
        if not self._view(lambda: self.w3.eth.get_code(self.address)):
            raise NotFound(f"no {self.artifact_name} contract at {self.address}")

    def _view(self, action: Any) -> Any:
        try:
            return action()
        except (requests.exceptions.RequestException, OSError) as exc:
            raise Unavailable(f"the chain RPC stopped answering: {exc}") from exc
        except BadFunctionCallOutput as exc:
            raise NotFound(f"no {self.artifact_name} contract answers at {self.address}") from exc
        except ContractCustomError as exc:
            reason = decode_revert(str(exc.data), [dict(item) for item in self.contract.abi])
            raise ChainError(f"{self.artifact_name} call failed: {reason}") from exc
        except (ContractLogicError, Web3RPCError, ValueError) as exc:
            raise ChainError(f"{self.artifact_name} call failed: {exc}") from exc

    def _uint_view(self, name: str, *args: Any) -> int:
        return int(self._view(lambda: getattr(self.contract.functions, name)(*args).call()))

    def _own_logs(self, logs: Sequence[Any], topic: str) -> list[Any]:
        """The logs among `logs` that this contract emitted with topic0 `topic`."""
        return [
            log
            for log in logs
            if Web3.to_checksum_address(log["address"]) == self.address
            and log["topics"]
            and log["topics"][0].to_0x_hex() == topic
        ]


class FlowContract(_Binding):
    """0G's storage log."""

    artifact_name = "Flow"

    def market_address(self) -> str:
        return str(self._view(lambda: self.contract.functions.market().call()))

    def submission_count(self) -> int:
        """Entries so far; the next entry gets this tx seq."""
        return int(self._view(lambda: self.contract.functions.submissionIndex().call()))

    def flow_root_by_tx_seq(self, tx_seq: int) -> bytes:
        return bytes(self._view(lambda: self.contract.functions.getFlowRootByTxSeq(tx_seq).call()))

    def tree(self) -> tuple[int, bytes]:
        """(flow length in sectors, flow root)."""
        length, root = self._view(lambda: self.contract.functions.tree().call())
        return int(length), bytes(root)

    def context(self) -> MineContext:
        epoch, start, root, length, block_digest, digest = self._view(
            lambda: self.contract.functions.getContext().call()
        )
        return MineContext(epoch, start, bytes(root), length, bytes(block_digest), bytes(digest))

    def make_context(self, sender: TxSender) -> Receipt:
        """Close every epoch that has ended, on chain (records their epoch ranges, which sealing needs)."""
        return sender.send(self.contract.functions.makeContext())

    def epoch_range(self, index: int) -> tuple[int, int, bytes] | None:
        """Entry `index` of the epoch range history: (start, end, context digest) of the flow positions appended in
        one epoch; None past the last one."""
        try:
            start, end, digest = self.contract.functions.getEpochRangeHistory(index).call()
        except ContractLogicError:
            return None  # out of bounds
        except (requests.exceptions.RequestException, OSError) as exc:
            raise Unavailable(f"the chain RPC stopped answering: {exc}") from exc
        return int(start), int(end), bytes(digest)

    def price_per_sector(self) -> int:
        """The market's current price, read through `market()` as 0G's SDKs do."""
        return MarketContract(self.w3, self.market_address()).price_per_sector()

    def submit(
        self, sender: TxSender, submission: Submission, *, value: int | None = None, legacy: bool = False
    ) -> SubmitResult:
        """Append one entry; pays the market fee unless `value` overrides it."""
        submission.validate()
        fee = submission.compute_fee(self.price_per_sector())
        if legacy:
            call = self.contract.get_function_by_signature(LEGACY_SUBMIT_SIGNATURE)(submission.to_legacy_abi())
        else:
            call = self.contract.get_function_by_signature(SUBMIT_SIGNATURE)(submission.to_abi())
        receipt = sender.send(call, value=fee if value is None else value)
        return SubmitResult(receipt, self.parse_submit_events(receipt.logs), fee)

    def batch_submit(self, sender: TxSender, submissions: list[Submission]) -> SubmitResult:
        """Append several entries in one transaction, in order."""
        if not submissions:
            raise InvalidInput("a batch holds at least one submission")
        for submission in submissions:
            submission.validate()
        price = self.price_per_sector()
        fee = sum(s.compute_fee(price) for s in submissions)
        call = self.contract.get_function_by_signature(BATCH_SUBMIT_SIGNATURE)([s.to_abi() for s in submissions])
        receipt = sender.send(call, value=fee)
        return SubmitResult(receipt, self.parse_submit_events(receipt.logs), fee)

    def parse_submit_events(self, logs: list[Any]) -> tuple[SubmitEvent, ...]:
        """The `Submit` events this contract emitted among `logs`."""
        events = []
        for log in logs:
            if (
                log["address"] != self.address
                or not log["topics"]
                or log["topics"][0].to_0x_hex() != SUBMIT_EVENT_TOPIC
            ):
                continue
            events.append(decode_submit_log(log))
        return tuple(events)

    def get_submit_events(self, start_block: int, end_block: int, page_size: int = 1000) -> list[SubmitEvent]:
        """Every `Submit` event in blocks [start_block, end_block], read `page_size` blocks at a time."""
        events: list[SubmitEvent] = []
        for start, end in block_ranges(start_block, end_block, page_size):
            events.extend(self.parse_submit_events(get_logs(self.w3, self.address, [SUBMIT_EVENT_TOPIC], start, end)))
        return events


def decode_submit_log(log: Any) -> SubmitEvent:
    """Decode one `Submit` log: sender and identity are topics, the rest is ABI-encoded data."""
    topics = log["topics"]
    if len(topics) != 3:
        raise ChainError("a Submit log has three topics")
    try:
        tx_seq, start_pos, length, data = abi_decode(SUBMIT_EVENT_DATA_TYPES, bytes(log["data"]))
    except Exception as exc:
        raise ChainError(f"malformed Submit log data: {exc}") from exc
    return SubmitEvent(
        tx_seq=TxSeq(int(tx_seq)),
        sender=Web3.to_checksum_address(bytes(topics[1])[12:]),
        identity=bytes(topics[2]),
        start_sector=int(start_pos),
        sectors=int(length),
        submission=Submission.from_abi_data(data),
        block_number=int(log["blockNumber"]),
        block_hash=bytes(log["blockHash"]),
        tx_hash=log["transactionHash"].to_0x_hex(),
        log_index=int(log["logIndex"]),
    )


class MarketContract(_Binding):
    """The fixed-price storage market."""

    artifact_name = "FixedPriceMarket"

    def price_per_sector(self) -> int:
        return int(self._view(lambda: self.contract.functions.pricePerSector().call()))

    def total_fees(self) -> int:
        return int(self._view(lambda: self.contract.functions.totalFees().call()))

    def set_price_per_sector(self, sender: TxSender, price: int) -> Receipt:
        return sender.send(self.contract.functions.setPricePerSector(price))


def deploy_contract(sender: TxSender, name: str, *args: Any) -> str:
    """Deploy contract `name` from the packaged artifacts; returns its address."""
    artifact = load_artifact(name)
    factory = sender.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = sender.send(factory.constructor(*args))
    if not receipt.contract_address:
        raise ChainError(f"deploying {name} produced no contract")
    return receipt.contract_address
