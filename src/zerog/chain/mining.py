"""Typed bindings for the mining layer: PoraMine (PoRA answers, miner ids, difficulty) and ChunkLinearReward.

The answer struct and `submit` keep 0G's ABI (selector 0xae722e82), so an answer built here is what a 0G node
submits. Reverts come back as `TransactionReverted` naming the contract's custom error (`FlowRootMismatch(...)`,
`TargetNotReached(...)`, ...): the PoraMine binding also knows the errors of the reward and Flow contracts it calls.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from web3 import Web3
from web3.contract import Contract

from zerog.chain.contracts import MineContext, _Binding, event_topic, merged_abi
from zerog.chain.events import block_ranges, get_logs
from zerog.chain.tx import Receipt, TxSender
from zerog.errors import ChainError, InvalidInput

__all__ = [
    "COMPUTE_WORKER_CONTEXT_CALLER",
    "PORA_SUBMIT_SELECTOR",
    "ChunkReward",
    "DifficultyUpdate",
    "MineParams",
    "MinerRegistration",
    "PoraAnswer",
    "PoraMineContract",
    "RewardContract",
    "RewardDistribution",
    "RewardTotals",
    "Submission",
    "SubmitAnswerResult",
    "WorkerContext",
]

PORA_SUBMIT_SIGNATURE = (
    "submit((bytes32,bytes32,bytes32,(uint256,uint256,uint64,uint64),uint256,uint256,bytes32,bytes32[128],bytes32[]))"
)
PORA_SUBMIT_SELECTOR = "0xae722e82"
"""0G's `PoraMine.submit(PoraAnswer)` selector."""
COMPUTE_WORKER_CONTEXT_CALLER = "0x000000000000000000000000000000000000000A"
"""`computeWorkerContext` answers eth_calls from this address only (0G's convention)."""

_UNITS_PER_SEAL = 128
_BYTES_PER_SEAL = 4096
_U64 = (1 << 64) - 1
_U256 = (1 << 256) - 1


NEW_MINER_ID_TOPIC = event_topic("NewMinerId(bytes32,address)")
UPDATE_MINER_ID_TOPIC = event_topic("UpdateMinerId(bytes32,address,address)")
NEW_SUBMISSION_TOPIC = event_topic("NewSubmission(uint256,bytes32,uint256,uint256)")
DIFFICULTY_UPDATED_TOPIC = event_topic("DifficultyUpdated(uint256,uint256,uint256,uint256)")
DISTRIBUTE_REWARD_TOPIC = event_topic("DistributeReward(uint256,address,bytes32,uint256)")


class RecallRangeLike(Protocol):
    """A recall range: `zerog.mining.RecallRange` fits, as does any object with these four integers."""

    @property
    def start_position(self) -> int: ...

    @property
    def mine_length(self) -> int: ...

    @property
    def shard_id(self) -> int: ...

    @property
    def shard_mask(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PoraAnswer:
    """One PoRA answer, field for field 0G's `PoraAnswer`."""

    context_digest: bytes
    nonce: bytes
    miner_id: bytes
    recall_range: RecallRangeLike
    recall_position: int
    """First flow sector of the winning seal (load start + 16 x seal_offset)."""
    seal_offset: int
    """Index of the winning seal in its 256 KiB load, 0..63."""
    sealed_context_digest: bytes
    """Context digest of the epoch that appended the seal: the key it was sealed with."""
    sealed_data: bytes
    """The 4096-byte seal, sealed for this miner."""
    merkle_proof: tuple[bytes, ...]
    """Siblings from the seal root (height 4) up to the epoch's flow root, bottom-up."""

    def validate(self) -> None:
        """Raise `InvalidInput` for anything the ABI cannot carry."""
        for name in ("context_digest", "nonce", "miner_id", "sealed_context_digest"):
            if len(getattr(self, name)) != 32:
                raise InvalidInput(f"{name} is 32 bytes")
        if len(self.sealed_data) != _BYTES_PER_SEAL:
            raise InvalidInput(f"sealed_data is {_BYTES_PER_SEAL} bytes, got {len(self.sealed_data)}")
        if any(len(node) != 32 for node in self.merkle_proof):
            raise InvalidInput("every Merkle proof node is 32 bytes")
        r = self.recall_range
        if not (0 <= r.shard_id <= _U64 and 0 <= r.shard_mask <= _U64):
            raise InvalidInput("shard id and mask are u64")
        for value in (r.start_position, r.mine_length, self.recall_position, self.seal_offset):
            if not 0 <= value <= _U256:
                raise InvalidInput("positions and lengths are u256")

    def to_abi(self) -> tuple[Any, ...]:
        """The ABI tuple `submit` takes."""
        self.validate()
        r = self.recall_range
        words = [self.sealed_data[i : i + 32] for i in range(0, _BYTES_PER_SEAL, 32)]
        return (
            self.context_digest,
            self.nonce,
            self.miner_id,
            (r.start_position, r.mine_length, r.shard_id, r.shard_mask),
            self.recall_position,
            self.seal_offset,
            self.sealed_context_digest,
            words,
            list(self.merkle_proof),
        )


@dataclass(frozen=True, slots=True)
class MinerRegistration:
    """A `NewMinerId` or `UpdateMinerId` event."""

    miner_id: bytes
    beneficiary: str
    previous: str | None
    """The beneficiary before a transfer; None for a new id."""
    block_number: int


@dataclass(frozen=True, slots=True)
class Submission:
    """A `NewSubmission` event: one accepted answer."""

    epoch: int
    miner_id: bytes
    epoch_index: int
    """Accepted answers in the epoch before this one."""
    recall_position: int
    block_number: int
    tx_hash: str


@dataclass(frozen=True, slots=True)
class DifficultyUpdate:
    """A `DifficultyUpdated` event: the target moved at the first answer of `epoch`."""

    epoch: int
    previous_target: int
    new_target: int
    submissions: int
    """Answers the previous mined epoch had."""


@dataclass(frozen=True, slots=True)
class RewardDistribution:
    """A `DistributeReward` event: a PoRA winner was credited (pull payment)."""

    pricing_index: int
    beneficiary: str
    miner_id: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class SubmitAnswerResult:
    """What an accepted answer did."""

    receipt: Receipt
    submission: Submission
    difficulty_update: DifficultyUpdate | None
    reward: RewardDistribution | None
    """None when the answer earned nothing (empty chunk, no base reward)."""


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """0G's WorkerContext: the epoch to mine, the target, the miner's subtask digest."""

    context: MineContext
    pora_target: int
    """0 when the epoch has all its answers."""
    subtask_digest: bytes
    """All zero outside the miner's subtask window."""
    max_shards: int

    @property
    def can_mine(self) -> bool:
        return self.pora_target != 0 and self.subtask_digest != bytes(32)


@dataclass(frozen=True, slots=True)
class MineParams:
    """PoraMine's parameters and epoch state."""

    pora_target: int
    target_mine_blocks: int
    target_submissions: int
    target_submissions_next_epoch: int
    difficulty_adjust_ratio: int
    max_shards: int
    n_subtasks: int
    subtask_interval: int
    min_difficulty: int
    last_mined_epoch: int
    current_submissions: int
    seal_data_enabled: bool
    data_proof_enabled: bool
    fixed_difficulty: bool
    blocks_per_epoch: int
    pricing_chunk_sectors: int


def _address(value: Any) -> str:
    return Web3.to_checksum_address(value)


class PoraMineContract(_Binding):
    """0G's PoRA verifier: miner ids, answers, difficulty."""

    artifact_name = "PoraMine"

    def __init__(self, w3: Web3, address: str) -> None:
        super().__init__(w3, address)
        self.contract: Contract = w3.eth.contract(
            address=self.address, abi=merged_abi("PoraMine", "ChunkLinearReward", "Flow")
        )

    # --- views ---

    def pora_target(self) -> int:
        return int(self._view(lambda: self.contract.functions.poraTarget().call()))

    def flow_address(self) -> str:
        return str(self._view(lambda: self.contract.functions.flow().call()))

    def reward_address(self) -> str:
        return str(self._view(lambda: self.contract.functions.reward().call()))

    def current_submissions(self) -> int:
        return int(self._view(lambda: self.contract.functions.currentSubmissions().call()))

    def last_mined_epoch(self) -> int:
        return int(self._view(lambda: self.contract.functions.lastMinedEpoch().call()))

    def beneficiary(self, miner_id: bytes) -> str | None:
        """Who `miner_id` pays, or None if it is not registered."""
        value = str(self._view(lambda: self.contract.functions.beneficiaries(miner_id).call()))
        return None if int(value, 16) == 0 else _address(value)

    def is_submitted(self, pora_output: bytes) -> bool:
        return bool(self._view(lambda: self.contract.functions.submittedPora(pora_output).call()))

    def params(self) -> MineParams:
        f = self.contract.functions

        def read(name: str) -> Any:
            return self._view(lambda: getattr(f, name)().call())

        return MineParams(
            pora_target=int(read("poraTarget")),
            target_mine_blocks=int(read("targetMineBlocks")),
            target_submissions=int(read("targetSubmissions")),
            target_submissions_next_epoch=int(read("targetSubmissionsNextEpoch")),
            difficulty_adjust_ratio=int(read("difficultyAdjustRatio")),
            max_shards=int(read("maxShards")),
            n_subtasks=int(read("nSubtasks")),
            subtask_interval=int(read("subtaskInterval")),
            min_difficulty=int(read("minDifficulty")),
            last_mined_epoch=int(read("lastMinedEpoch")),
            current_submissions=int(read("currentSubmissions")),
            seal_data_enabled=bool(read("sealDataEnabled")),
            data_proof_enabled=bool(read("dataProofEnabled")),
            fixed_difficulty=bool(read("fixedDifficulty")),
            blocks_per_epoch=int(read("blocksPerEpoch")),
            pricing_chunk_sectors=int(read("pricingChunkSectors")),
        )

    def worker_context(self, miner_id: bytes) -> WorkerContext:
        """What `miner_id` mines now: an eth_call from 0G's special caller, with the epoch rolled over in it."""
        raw = self._view(
            lambda: self.contract.functions.computeWorkerContext(miner_id).call(
                {"from": COMPUTE_WORKER_CONTEXT_CALLER}, "pending"
            )
        )
        context, target, digest, max_shards = raw
        return WorkerContext(_mine_context(context), int(target), bytes(digest), int(max_shards))

    def can_submit(self) -> bool:
        """Whether the current epoch takes another answer (an eth_call: it rolls the Flow's context in the call)."""
        return bool(self._view(lambda: self.contract.functions.canSubmit().call({}, "pending")))

    # --- transactions ---

    def request_miner_id(self, sender: TxSender, beneficiary: str, seed: int) -> bytes:
        """Register a new miner id paying `beneficiary`; returns the id (from the `NewMinerId` event)."""
        if not 0 <= seed <= _U64:
            raise InvalidInput("a miner id seed is a u64")
        receipt = sender.send(self.contract.functions.requestMinerId(_address(beneficiary), seed))
        registrations = self.parse_registrations(receipt.logs)
        if len(registrations) != 1:
            raise ChainError("requestMinerId emitted no NewMinerId event")
        return registrations[0].miner_id

    def transfer_beneficiary(self, sender: TxSender, to: str, miner_id: bytes) -> Receipt:
        """The current beneficiary (`sender`) hands `miner_id`'s rewards to `to`."""
        return sender.send(self.contract.functions.transferBeneficial(_address(to), miner_id))

    def submit(self, sender: TxSender, answer: PoraAnswer, *, gas: int | None = None) -> SubmitAnswerResult:
        """Submit an answer; raises `TransactionReverted` naming the failed check."""
        call = self.contract.get_function_by_signature(PORA_SUBMIT_SIGNATURE)(answer.to_abi())
        receipt = sender.send(call, gas=gas)
        submissions = self.parse_submissions(receipt.logs)
        if len(submissions) != 1:
            raise ChainError("submit emitted no NewSubmission event")
        updates = self.parse_difficulty_updates(receipt.logs)
        rewards = RewardContract.parse_distributions(receipt.logs)
        return SubmitAnswerResult(
            receipt, submissions[0], updates[0] if updates else None, rewards[0] if rewards else None
        )

    def submit_calldata(self, answer: PoraAnswer) -> str:
        """The raw calldata of `submit(answer)` (starts with 0xae722e82)."""
        return str(self.contract.encode_abi(PORA_SUBMIT_SIGNATURE, args=[answer.to_abi()]))

    # --- admin (PARAMS_ADMIN_ROLE / PAUSER_ROLE) ---

    def set_target_submissions(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setTargetSubmissions(value))

    def set_min_difficulty(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setMinDifficulty(value))

    def set_max_shards(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setMaxShards(value))

    def set_num_subtasks(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setNumSubtasks(value))

    def set_subtask_interval(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setSubtaskInterval(value))

    def set_target_mine_blocks(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setTargetMineBlocks(value))

    def pause(self, sender: TxSender) -> Receipt:
        return sender.send(self.contract.functions.pause())

    def unpause(self, sender: TxSender) -> Receipt:
        return sender.send(self.contract.functions.unpause())

    # --- events ---

    def parse_registrations(self, logs: list[Any]) -> list[MinerRegistration]:
        """`NewMinerId` and `UpdateMinerId` events of this contract among `logs`, in order."""
        found = []
        for log in logs:
            if _address(log["address"]) != self.address or not log["topics"]:
                continue
            topic = log["topics"][0].to_0x_hex()
            topics = log["topics"]
            if topic == NEW_MINER_ID_TOPIC:
                found.append(
                    MinerRegistration(bytes(topics[1]), _address(bytes(topics[2])[12:]), None, int(log["blockNumber"]))
                )
            elif topic == UPDATE_MINER_ID_TOPIC:
                found.append(
                    MinerRegistration(
                        bytes(topics[1]),
                        _address(bytes(topics[3])[12:]),
                        _address(bytes(topics[2])[12:]),
                        int(log["blockNumber"]),
                    )
                )
        return found

    def parse_submissions(self, logs: list[Any]) -> list[Submission]:
        found = []
        for log in self._own_logs(logs, NEW_SUBMISSION_TOPIC):
            event = self.contract.events.NewSubmission().process_log(log)
            args = event["args"]
            found.append(
                Submission(
                    int(args["epoch"]),
                    bytes(args["minerId"]),
                    int(args["epochIndex"]),
                    int(args["recallPosition"]),
                    int(log["blockNumber"]),
                    log["transactionHash"].to_0x_hex(),
                )
            )
        return found

    def parse_difficulty_updates(self, logs: list[Any]) -> list[DifficultyUpdate]:
        found = []
        for log in self._own_logs(logs, DIFFICULTY_UPDATED_TOPIC):
            args = self.contract.events.DifficultyUpdated().process_log(log)["args"]
            found.append(
                DifficultyUpdate(
                    int(args["epoch"]), int(args["previousTarget"]), int(args["newTarget"]), int(args["submissions"])
                )
            )
        return found

    def get_submissions(self, start_block: int, end_block: int, page_size: int = 1000) -> list[Submission]:
        """Every accepted answer in blocks [start_block, end_block]."""
        found: list[Submission] = []
        for start, end in block_ranges(start_block, end_block, page_size):
            found.extend(self.parse_submissions(get_logs(self.w3, self.address, [NEW_SUBMISSION_TOPIC], start, end)))
        return found


def _mine_context(raw: Any) -> MineContext:
    epoch, start, root, length, block_digest, digest = raw
    return MineContext(int(epoch), int(start), bytes(root), int(length), bytes(block_digest), bytes(digest))


@dataclass(frozen=True, slots=True)
class ChunkReward:
    """One pricing chunk's pool (0G's `Reward`)."""

    locked: int
    claimable: int
    distributed: int
    start_time: int
    """When the chunk's release clock started; 0 while the chunk is not complete."""
    last_update: int

    @property
    def total(self) -> int:
        return self.locked + self.claimable + self.distributed


@dataclass(frozen=True, slots=True)
class RewardTotals:
    """Where the reward contract's balance is."""

    fee_reward: int
    """Fees (after the service fee) ever filled into chunks."""
    distributed: int
    """Fee rewards paid to winners so far."""
    base_reward_pool: int
    """What is left of the donated base-reward pool."""
    payments_owed: int
    """Credited to payees, not yet withdrawn."""
    service_fees: int
    balance: int


class RewardContract(_Binding):
    """The storage reward pool (ChunkLinearReward)."""

    artifact_name = "ChunkLinearReward"

    def payments(self, payee: str) -> int:
        """Wei `payee` can withdraw now."""
        return self._uint_view("payments", _address(payee))

    def pricing_chunk_sectors(self) -> int:
        return self._uint_view("pricingChunkSectors")

    def release_seconds(self) -> int:
        return self._uint_view("releaseSeconds")

    def base_reward(self) -> int:
        return self._uint_view("baseReward")

    def service_fee_rate_bps(self) -> int:
        return self._uint_view("serviceFeeRateBps")

    def filled_length(self) -> int:
        return self._uint_view("filledLength")

    def released_chunks(self) -> int:
        """Chunks [0, n) have started their release clocks."""
        return self._uint_view("releasedChunks")

    def first_rewardable_chunk(self) -> int:
        return self._uint_view("firstRewardableChunk")

    def reward_deadline(self, index: int) -> int:
        return self._uint_view("rewardDeadline", index)

    def mine_address(self) -> str:
        return str(self._view(lambda: self.contract.functions.mine().call()))

    def market_address(self) -> str:
        return str(self._view(lambda: self.contract.functions.market().call()))

    def treasury(self) -> str:
        return str(self._view(lambda: self.contract.functions.treasury().call()))

    def chunk(self, index: int) -> ChunkReward:
        locked, claimable, distributed, start, last = self._view(lambda: self.contract.functions.rewards(index).call())
        return ChunkReward(int(locked), int(claimable), int(distributed), int(start), int(last))

    def preview_mine_reward(self, index: int) -> tuple[int, int]:
        """(fee share, base reward) a winning answer in chunk `index` would get now."""
        fees, base = self._view(lambda: self.contract.functions.previewMineReward(index).call())
        return int(fees), int(base)

    def totals(self) -> RewardTotals:
        return RewardTotals(
            fee_reward=self._uint_view("totalFeeReward"),
            distributed=self._uint_view("totalDistributed"),
            base_reward_pool=self._uint_view("totalBaseReward"),
            payments_owed=self._uint_view("totalPayments"),
            service_fees=self._uint_view("totalServiceFees"),
            balance=int(self._view(lambda: self.w3.eth.get_balance(self.address))),
        )

    def withdraw(self, sender: TxSender, payee: str | None = None) -> Receipt:
        """Send `payee` (default: the sender) everything owed to it."""
        return sender.send(self.contract.functions.withdrawPayments(_address(payee or sender.address)))

    def donate(self, sender: TxSender, amount: int) -> Receipt:
        """Add `amount` wei to the base-reward pool."""
        return sender.send(self.contract.functions.donate(), value=amount)

    def set_base_reward(self, sender: TxSender, amount: int) -> Receipt:
        return sender.send(self.contract.functions.setBaseReward(amount))

    def set_service_fee_rate(self, sender: TxSender, bps: int) -> Receipt:
        return sender.send(self.contract.functions.setServiceFeeRate(bps))

    def set_treasury(self, sender: TxSender, treasury: str) -> Receipt:
        return sender.send(self.contract.functions.setTreasury(_address(treasury)))

    @staticmethod
    def parse_distributions(logs: list[Any]) -> list[RewardDistribution]:
        """`DistributeReward` events among `logs` (from any reward contract)."""
        found = []
        for log in logs:
            topics = log["topics"]
            if len(topics) != 4 or topics[0].to_0x_hex() != DISTRIBUTE_REWARD_TOPIC:
                continue
            found.append(
                RewardDistribution(
                    pricing_index=int.from_bytes(bytes(topics[1]), "big"),
                    beneficiary=_address(bytes(topics[2])[12:]),
                    miner_id=bytes(topics[3]),
                    amount=int.from_bytes(bytes(log["data"]), "big"),
                )
            )
        return found
