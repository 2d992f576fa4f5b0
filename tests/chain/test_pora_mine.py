"""PoraMine on a real anvil: answers mined in Python with `zerog.mining` over data really in the Flow verify on chain
and pay the beneficiary; every tampered field, a repeat, a full epoch, a late block and a hard target are rejected
with the contract's custom error; the difficulty moves at each new epoch exactly as `zerog.mining` predicts."""

import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pytest

from zerog.chain import PoraAnswer, PoraMineContract, RewardContract, TxSender, load_artifact
from zerog.chain.contracts import MineContext
from zerog.chain.mining import PORA_SUBMIT_SELECTOR
from zerog.codec import build_submission
from zerog.codec.address import bytes_to_address
from zerog.crypto import build_file_tree, keccak256
from zerog.crypto.keccak import hash_leaves, hash_level
from zerog.devnet import DeployConfig
from zerog.errors import TransactionReverted
from zerog.mining import (
    RecallRange,
    adjust_target,
    compute_pad_seed,
    compute_pora_hash,
    compute_recall_position,
    compute_recall_range,
    compute_scale_x64,
    compute_scratchpad,
    compute_subtask_digest,
    compute_subtask_index,
    compute_target_quality,
    seal_chunk,
    search_chunk,
)
from zerog.spec import EMPTY_HASH, ZERO_HASHES, ShardConfig
from zerog.testing import LocalChain, random_bytes, start_local_chain

pytestmark = pytest.mark.chain

BLOCKS_PER_EPOCH = 40
TARGET_MINE_BLOCKS = 30
TARGET_SUBMISSIONS = 3
CONFIG = DeployConfig(
    blocks_per_epoch=BLOCKS_PER_EPOCH,
    mine_difficulty=1,  # every output passes until a test raises the difficulty
    mine_target_mine_blocks=TARGET_MINE_BLOCKS,
    mine_target_submissions=TARGET_SUBMISSIONS,
    reward_pricing_chunk_sectors=1024,
    reward_release_seconds=1000,
    reward_base_wei=10**12,
    reward_base_pool_wei=10**15,
)
SECTOR = 256
LOAD = 1024  # sectors


@pytest.fixture(scope="module")
def local_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalChain]:
    """This module's chain: the storage contracts with mining parameters tests can meet in Python."""
    with start_local_chain(tmp_path_factory.mktemp("anvil"), CONFIG) as chain:
        yield chain


class FlowData:
    """Every byte appended to the Flow, and its Merkle tree as the contract computes it."""

    def __init__(self) -> None:
        self.data = bytearray(SECTOR)  # sector 0, whose leaf is the literal bytes32(0)

    def put(self, start_sector: int, payload: bytes) -> None:
        end = start_sector * SECTOR + len(payload)
        if len(self.data) < end:
            self.data.extend(bytes(end - len(self.data)))
        self.data[start_sector * SECTOR : end] = payload

    def load(self, sector: int) -> bytes:
        chunk = bytes(self.data[sector * SECTOR : (sector + LOAD) * SECTOR])
        return chunk + bytes(LOAD * SECTOR - len(chunk))

    def levels(self, length: int) -> list[bytes]:
        height = (length - 1).bit_length()
        data = bytes(self.data[: length * SECTOR]).ljust(length * SECTOR, b"\0")
        leaves = bytes(32) + hash_leaves(data[SECTOR:], SECTOR)
        levels = [leaves + ZERO_HASHES[0] * ((1 << height) - length)]
        for _ in range(height):
            levels.append(hash_level(levels[-1]))
        return levels

    def seal_proof(self, recall_position: int, length: int) -> tuple[bytes, ...]:
        """Siblings from the seal (height 4) holding `recall_position` to the root of the flow cut at `length`."""
        levels = self.levels(length)
        index = recall_position // 16
        proof = []
        for level in range(4, len(levels) - 1):
            sibling = (index >> (level - 4)) ^ 1
            proof.append(levels[level][sibling * 32 : sibling * 32 + 32])
        return tuple(proof)


@dataclass
class Miner:
    sender: TxSender
    beneficiary: str
    miner_id: bytes
    sealed: dict[tuple[bytes, int], bytes] = field(default_factory=dict)


@dataclass
class Env:
    chain: LocalChain
    mine: PoraMineContract
    reward: RewardContract
    flow_data: FlowData
    miner: Miner
    gas: dict[str, int] = field(default_factory=dict)


def _submit_file(chain: LocalChain, flow_data: FlowData, size: int, seed: int) -> None:
    payload = random_bytes(size, seed)
    tree = build_file_tree(payload, keep_segment_roots=False)
    submission = build_submission(tree, submitter=bytes_to_address(chain.sender.address))
    (event,) = chain.flow.submit(chain.sender, submission).events
    flow_data.put(event.start_sector, payload.ljust(event.sectors * SECTOR, b"\0"))


@pytest.fixture(scope="module")
def env(local_chain: LocalChain) -> Env:
    chain = local_chain
    reward = RewardContract(chain.w3, chain.market.contract.functions.reward().call())
    mine = PoraMineContract(chain.w3, reward.mine_address())
    flow_data = FlowData()
    # Two 256 KiB files: each a whole load, at sectors [1024, 2048) and [2048, 3072); load 0 is the dummy sector 0
    # and zero padding, whose seals 1..63 are provable too.
    _submit_file(chain, flow_data, LOAD * SECTOR, seed=1)
    _submit_file(chain, flow_data, LOAD * SECTOR - 1000, seed=2)
    assert chain.flow.tree()[1] == flow_data.levels(chain.flow.tree()[0])[-1]
    sender = chain.sender_for(1)
    beneficiary = chain.accounts[2][0]
    miner_id = mine.request_miner_id(sender, beneficiary, seed=7)
    assert mine.beneficiary(miner_id) == chain.w3.to_checksum_address(beneficiary)
    return Env(chain, mine, reward, flow_data, Miner(sender, chain.w3.to_checksum_address(beneficiary), miner_id))


def _rpc(chain: LocalChain, method: str, params: list[Any]) -> Any:
    return chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]


def _new_epoch(env: Env) -> MineContext:
    """Move to the first block after the next epoch's start and close it: the whole subtask window lies ahead."""
    chain = env.chain
    first_block = chain.flow.contract.functions.firstBlock().call()
    context = chain.flow.context()
    epoch = max(context.epoch, (chain.w3.eth.block_number - first_block) // BLOCKS_PER_EPOCH)
    next_start = first_block + (epoch + 1) * BLOCKS_PER_EPOCH
    blocks = next_start - chain.w3.eth.block_number
    if blocks > 0:
        _rpc(chain, "anvil_mine", [blocks])
    chain.sender.send(chain.flow.contract.functions.makeContext())  # runs in block next_start + 1
    context = chain.flow.context()
    assert context.mine_start == next_start
    assert chain.w3.eth.block_number == next_start + 1
    return context


def _sealed_load(env: Env, miner: Miner, position: int) -> tuple[bytes, bytes]:
    """(sealed context digest, the 256 KiB load at `position` sealed for `miner`)."""
    range_ = env.chain.flow.contract.functions.queryContextAtPosition(position + 16).call()
    sealed_context = bytes(range_[2])
    key = (sealed_context, position)
    if key not in miner.sealed:
        miner.sealed[key] = seal_chunk(env.flow_data.load(position), miner.miner_id, sealed_context, position)
    return sealed_context, miner.sealed[key]


def _mine(
    env: Env,
    context: MineContext,
    miner: Miner | None = None,
    *,
    target: int | None = None,
    subtask_start: int | None = None,
) -> tuple[PoraAnswer, bytes]:
    """Iterate nonces until a seal reaches the target; return the answer and its PoRA output."""
    miner = miner or env.miner
    w3 = env.chain.w3
    start_block = context.mine_start if subtask_start is None else subtask_start
    subtask_digest = compute_subtask_digest(context.digest, bytes(w3.eth.get_block(start_block)["hash"]))
    recall_range = compute_recall_range(context.flow_length, ShardConfig(0, 1))
    pora_target = env.mine.pora_target() if target is None else target
    target_quality = compute_target_quality(pora_target, compute_scale_x64(context.flow_length, 1))
    for counter in range(10_000):
        nonce = keccak256(b"nonce" + counter.to_bytes(8, "big") + os.urandom(8))
        pad_seed = compute_pad_seed(miner.miner_id, nonce, subtask_digest, recall_range.digest())
        scratchpad, recall_seed = compute_scratchpad(pad_seed)
        position = compute_recall_position(recall_seed, recall_range)
        sealed_context, sealed = _sealed_load(env, miner, position)
        for seal_offset, _quality in search_chunk(pad_seed, scratchpad, sealed, target_quality):
            if position == 0 and seal_offset == 0:
                continue  # sector 0's leaf is bytes32(0): no data hashes to it
            recall_position = position + 16 * seal_offset
            answer = PoraAnswer(
                context_digest=context.digest,
                nonce=nonce,
                miner_id=miner.miner_id,
                recall_range=recall_range,
                recall_position=recall_position,
                seal_offset=seal_offset,
                sealed_context_digest=sealed_context,
                sealed_data=sealed[seal_offset * 4096 : (seal_offset + 1) * 4096],
                merkle_proof=env.flow_data.seal_proof(recall_position, context.flow_length),
            )
            mixed_output = compute_pora_hash(seal_offset, pad_seed, _mixed(scratchpad, answer))
            return answer, mixed_output
    raise AssertionError("no answer found")


def _mixed(scratchpad: bytes, answer: PoraAnswer) -> bytes:
    piece = answer.seal_offset % 16
    pad = scratchpad[piece * 4096 : (piece + 1) * 4096]
    return bytes(a ^ b for a, b in zip(answer.sealed_data, pad, strict=True))


def test_submit_keeps_0gs_selector_and_answer_struct() -> None:
    identifiers = {v: k for k, v in _method_ids("PoraMine").items()}
    assert identifiers[PORA_SUBMIT_SELECTOR[2:]].startswith("submit((bytes32,bytes32,bytes32,(uint256,uint256,uint64")
    for signature in ("requestMinerId(address,uint64)", "transferBeneficial(address,bytes32)", "poraTarget()"):
        assert signature in _method_ids("PoraMine")
    assert "canSubmit()" in _method_ids("PoraMine")
    assert "computeWorkerContext(bytes32)" in _method_ids("PoraMine")
    reward_ids = _method_ids("ChunkLinearReward")
    assert reward_ids["fillReward(uint256,uint256)"] == "59e96700"
    assert reward_ids["claimMineReward(uint256,address,bytes32)"] == "b7a3c04c"


def _method_ids(name: str) -> dict[str, str]:
    text = (resources.files("zerog.chain") / "artifacts" / f"{name}.json").read_text()
    return dict(json.loads(text)["methodIdentifiers"])


def test_deployment_is_wired(env: Env) -> None:
    params = env.mine.params()
    assert params.seal_data_enabled
    assert params.data_proof_enabled
    assert not params.fixed_difficulty
    assert params.blocks_per_epoch == BLOCKS_PER_EPOCH
    assert params.target_mine_blocks == TARGET_MINE_BLOCKS
    assert params.pricing_chunk_sectors == env.reward.pricing_chunk_sectors() == 1024
    assert params.n_subtasks == 1
    assert params.subtask_interval == BLOCKS_PER_EPOCH
    assert params.max_shards == 32
    assert env.reward.mine_address() == env.mine.address
    assert env.reward.market_address() == env.chain.market.address
    assert env.mine.flow_address() == env.chain.flow.address
    assert env.reward.totals().base_reward_pool == CONFIG.reward_base_pool_wei
    assert load_artifact("PoraMine").abi  # the constructor checked the Blake2b precompile (EIP-152) on anvil


def test_a_mined_answer_verifies_and_pays_the_beneficiary(env: Env) -> None:
    chain, miner = env.chain, env.miner
    context = _new_epoch(env)
    worker = env.mine.worker_context(miner.miner_id)
    assert worker.can_mine
    assert worker.context == context
    assert worker.pora_target == env.mine.pora_target()
    assert worker.subtask_digest == compute_subtask_digest(
        context.digest, bytes(chain.w3.eth.get_block(context.mine_start)["hash"])
    )
    answer, output = _mine(env, context)
    assert env.mine.submit_calldata(answer).startswith(PORA_SUBMIT_SELECTOR)
    pricing_index = answer.recall_position // 1024
    fees, base = env.reward.preview_mine_reward(pricing_index)
    before = env.reward.payments(miner.beneficiary)

    result = env.mine.submit(miner.sender, answer)
    env.gas["submit"] = result.receipt.gas_used

    assert result.submission.miner_id == miner.miner_id
    assert result.submission.recall_position == answer.recall_position
    assert result.submission.epoch == context.epoch
    assert env.mine.is_submitted(output)
    assert result.reward is not None
    assert result.reward.beneficiary == miner.beneficiary
    assert result.reward.pricing_index == pricing_index
    # The chunk's clock started a few seconds ago at most: the fee share is what the preview said, give or take
    # the seconds passed, and the base reward comes on top.
    assert result.reward.amount >= fees + base
    assert base == CONFIG.reward_base_wei
    assert env.reward.payments(miner.beneficiary) - before == result.reward.amount

    balance = chain.w3.eth.get_balance(miner.beneficiary)
    owed = env.reward.payments(miner.beneficiary)
    env.reward.withdraw(miner.sender, miner.beneficiary)  # anyone may trigger the payout; the miner pays the gas
    assert chain.w3.eth.get_balance(miner.beneficiary) - balance == owed
    assert env.reward.payments(miner.beneficiary) == 0
    with pytest.raises(TransactionReverted, match="NothingToWithdraw"):
        env.reward.withdraw(miner.sender, miner.beneficiary)


TAMPERS: dict[str, tuple[Any, str]] = {
    "context digest": (lambda a, e: dataclasses.replace(a, context_digest=keccak256(b"x")), "ContextDigestMismatch"),
    "a sealed word": (
        lambda a, e: dataclasses.replace(
            a, sealed_data=a.sealed_data[:100] + bytes([a.sealed_data[100] ^ 1]) + a.sealed_data[101:]
        ),
        "FlowRootMismatch",
    ),
    "a proof node": (
        lambda a, e: dataclasses.replace(a, merkle_proof=(keccak256(b"y"), *a.merkle_proof[1:])),
        "FlowRootMismatch",
    ),
    "the proof length": (lambda a, e: dataclasses.replace(a, merkle_proof=a.merkle_proof[:-1]), "ProofLengthMismatch"),
    "an unregistered miner id": (lambda a, e: dataclasses.replace(a, miner_id=keccak256(b"z")), "MinerNotRegistered"),
    "a zero miner id": (lambda a, e: dataclasses.replace(a, miner_id=bytes(32)), "ZeroMinerId"),
    "another registered miner id": (lambda a, e: dataclasses.replace(a, miner_id=e.other_id), "FlowRootMismatch"),
    "the range length": (
        lambda a, e: dataclasses.replace(a, recall_range=_range(a, mine_length=a.recall_range.mine_length - 1024)),
        "RangeTooShort",
    ),
    "the range start": (
        lambda a, e: dataclasses.replace(a, recall_range=_range(a, start_position=1024)),
        "RangeStartNotAligned",
    ),
    "a range past the flow": (
        lambda a, e: dataclasses.replace(a, recall_range=_range(a, mine_length=a.recall_range.mine_length + 1024)),
        "RangeOverflow",
    ),
    "the shard id": (lambda a, e: dataclasses.replace(a, recall_range=_range(a, shard_id=1)), "ShardIdOutsideMask"),
    "too many shards": (
        lambda a, e: dataclasses.replace(a, recall_range=_range(a, shard_mask=((1 << 64) - 1) ^ 63)),
        "TooManyShards",
    ),
    "the seal offset": (
        lambda a, e: dataclasses.replace(a, seal_offset=(a.seal_offset + 1) % 64),
        "RecallPositionMismatch",
    ),
    "a seal offset past the load": (lambda a, e: dataclasses.replace(a, seal_offset=64), "SealOffsetOutOfRange"),
    "the recall position": (
        lambda a, e: dataclasses.replace(a, recall_position=a.recall_position ^ 16),
        "FlowRootMismatch",
    ),
    "a recall position past the flow": (
        lambda a, e: dataclasses.replace(a, recall_position=a.recall_position + 10 * 1024),
        "SealedContextMismatch",
    ),
    "the sealed context digest": (
        lambda a, e: dataclasses.replace(a, sealed_context_digest=keccak256(b"w")),
        "SealedContextMismatch",
    ),
    "an empty sealed context": (
        lambda a, e: dataclasses.replace(a, sealed_context_digest=EMPTY_HASH),
        "SealedContextMismatch",
    ),
    "the nonce": (lambda a, e: dataclasses.replace(a, nonce=e.other_nonce), "RecallPositionMismatch"),
}


def _range(answer: PoraAnswer, **changes: int) -> RecallRange:
    r = answer.recall_range
    values = {
        "start_position": r.start_position,
        "mine_length": r.mine_length,
        "shard_id": r.shard_id,
        "shard_mask": r.shard_mask,
    }
    values.update(changes)
    return RecallRange(**values)


@dataclass
class TamperEnv:
    other_id: bytes
    other_nonce: bytes


@pytest.fixture(scope="module")
def fresh_answer(env: Env) -> tuple[PoraAnswer, TamperEnv]:
    """A valid, unsubmitted answer for a fresh epoch, and what the tampering needs."""
    other = env.mine.request_miner_id(env.chain.sender_for(3), env.chain.accounts[3][0], seed=1)
    context = _new_epoch(env)
    answer, _ = _mine(env, context)
    # A nonce whose recall lands on another load, so the recall position no longer matches.
    subtask_digest = compute_subtask_digest(
        context.digest, bytes(env.chain.w3.eth.get_block(context.mine_start)["hash"])
    )
    for counter in range(1000):
        nonce = keccak256(b"other" + counter.to_bytes(4, "big"))
        pad = compute_pad_seed(answer.miner_id, nonce, subtask_digest, answer.recall_range.digest())
        _, seed = compute_scratchpad(pad)
        if compute_recall_position(seed, answer.recall_range) != answer.recall_position - 16 * answer.seal_offset:
            return answer, TamperEnv(other, nonce)
    raise AssertionError("every nonce recalls the same load")


@pytest.mark.parametrize("what", list(TAMPERS))
def test_a_tampered_answer_is_rejected_with_a_clear_error(
    env: Env, fresh_answer: tuple[PoraAnswer, TamperEnv], what: str
) -> None:
    answer, tamper_env = fresh_answer
    tamper, error = TAMPERS[what]
    with pytest.raises(TransactionReverted, match=error):
        env.mine.submit(env.miner.sender, tamper(answer, tamper_env))


def test_the_untampered_answer_is_accepted_once(env: Env, fresh_answer: tuple[PoraAnswer, TamperEnv]) -> None:
    answer, _ = fresh_answer
    env.mine.submit(env.miner.sender, answer)
    with pytest.raises(TransactionReverted, match="AnswerAlreadySubmitted"):
        env.mine.submit(env.miner.sender, answer)


def test_an_epoch_takes_twice_its_target_and_no_more(env: Env) -> None:
    context = _new_epoch(env)
    for index in range(2 * TARGET_SUBMISSIONS):
        answer, _ = _mine(env, context)
        result = env.mine.submit(env.miner.sender, answer)
        if index == 1:
            env.gas["submit, steady state"] = result.receipt.gas_used
    assert env.mine.current_submissions() == 2 * TARGET_SUBMISSIONS
    assert not env.mine.can_submit()
    answer, _ = _mine(env, context)
    with pytest.raises(TransactionReverted, match="EpochSubmissionsFull"):
        env.mine.submit(env.miner.sender, answer)


def test_difficulty_moves_at_the_first_answer_of_a_new_epoch(env: Env) -> None:
    # An epoch with twice the target count: the next epoch's first answer lowers the target.
    context = _new_epoch(env)
    for _ in range(2 * TARGET_SUBMISSIONS):
        env.mine.submit(env.miner.sender, _mine(env, context)[0])
    before = env.mine.pora_target()
    submissions = env.mine.current_submissions()
    assert submissions == 2 * TARGET_SUBMISSIONS
    context = _new_epoch(env)
    assert env.mine.can_submit()
    worker = env.mine.worker_context(env.miner.miner_id)
    expected = adjust_target(before, TARGET_SUBMISSIONS, submissions)
    assert worker.pora_target == expected < before  # the worker context already sees the rolled-over target
    answer, _ = _mine(env, context, target=expected)
    result = env.mine.submit(env.miner.sender, answer)
    assert result.difficulty_update is not None
    assert result.difficulty_update.previous_target == before
    assert result.difficulty_update.new_target == expected == env.mine.pora_target()
    assert result.difficulty_update.epoch == context.epoch
    assert result.difficulty_update.submissions == submissions
    assert env.mine.current_submissions() == 1


def test_a_late_answer_misses_its_subtask_window(env: Env) -> None:
    context = _new_epoch(env)
    answer, _ = _mine(env, context)
    _rpc(env.chain, "anvil_mine", [context.mine_start + TARGET_MINE_BLOCKS - env.chain.w3.eth.block_number])
    # The next block is the window's last + 1 and still in the same epoch.
    with pytest.raises(TransactionReverted, match="SubtaskDeadlineExceeded"):
        env.mine.submit(env.miner.sender, answer)
    assert not env.mine.worker_context(env.miner.miner_id).can_mine


def test_pausing_stops_answers(env: Env) -> None:
    context = _new_epoch(env)
    answer, _ = _mine(env, context)
    env.mine.pause(env.chain.sender)
    with pytest.raises(TransactionReverted, match="EnforcedPause"):
        env.mine.submit(env.miner.sender, answer)
    with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount"):
        env.mine.unpause(env.miner.sender)
    env.mine.unpause(env.chain.sender)
    env.mine.submit(env.miner.sender, answer)


def test_the_beneficiary_can_hand_over_a_miner_id(env: Env) -> None:
    chain, miner = env.chain, env.miner
    with pytest.raises(TransactionReverted, match="NotBeneficiary"):
        env.mine.transfer_beneficiary(miner.sender, chain.accounts[4][0], miner.miner_id)
    beneficiary = chain.sender_for(2)
    receipt = env.mine.transfer_beneficiary(beneficiary, chain.accounts[4][0], miner.miner_id)
    (event,) = env.mine.parse_registrations(receipt.logs)
    assert event.previous == miner.beneficiary
    assert event.beneficiary == chain.w3.to_checksum_address(chain.accounts[4][0])
    assert env.mine.beneficiary(miner.miner_id) == event.beneficiary
    env.mine.transfer_beneficiary(chain.sender_for(4), miner.beneficiary, miner.miner_id)
    assert env.mine.beneficiary(miner.miner_id) == miner.beneficiary


def test_subtasks_spread_miners_over_the_epoch(env: Env) -> None:
    chain, admin = env.chain, env.chain.sender
    env.mine.set_target_mine_blocks(admin, 20)  # at once
    env.mine.set_subtask_interval(admin, 10)  # from the next epoch on
    env.mine.set_num_subtasks(admin, 2)
    assert env.mine.params().n_subtasks == 1
    miners = [env.miner]
    for account in range(3, 8):
        sender = chain.sender_for(account)
        miner_id = env.mine.request_miner_id(sender, sender.address, seed=account)
        miners.append(Miner(sender, sender.address, miner_id))
    context = _new_epoch(env)
    by_index: dict[int, Miner] = {}
    for miner in miners:
        by_index.setdefault(compute_subtask_index(context.digest, miner.miner_id, 2), miner)
    assert set(by_index) == {0, 1}, "all six miners drew the same subtask (1 in 32)"
    early, late = by_index[0], by_index[1]
    # The worker context already applies next epoch's schedule: the late miner has to wait 10 blocks.
    assert env.mine.worker_context(early.miner_id).can_mine
    assert not env.mine.worker_context(late.miner_id).can_mine
    answer, _ = _mine(env, context, early)
    env.mine.submit(early.sender, answer)  # the first answer rolls the epoch over: 2 subtasks from now on
    assert env.mine.params().n_subtasks == 2
    with pytest.raises(TransactionReverted, match="BeforeSubtaskStart"):
        env.mine.submit(late.sender, dataclasses.replace(answer, miner_id=late.miner_id))
    _rpc(chain, "anvil_mine", [context.mine_start + 10 - chain.w3.eth.block_number])
    late_answer, _ = _mine(env, context, late, subtask_start=context.mine_start + 10)
    assert env.mine.submit(late.sender, late_answer).submission.miner_id == late.miner_id
    # Back to one subtask next epoch.
    env.mine.set_num_subtasks(admin, 1)
    env.mine.set_subtask_interval(admin, BLOCKS_PER_EPOCH)
    env.mine.set_target_mine_blocks(admin, TARGET_MINE_BLOCKS)
    with pytest.raises(TransactionReverted, match="InvalidParameter"):
        env.mine.set_target_mine_blocks(admin, BLOCKS_PER_EPOCH)  # its window would outlive the epoch


def test_an_answer_above_the_target_is_rejected(env: Env) -> None:
    context = _new_epoch(env)
    answer, output = _mine(env, context)
    env.mine.set_min_difficulty(env.chain.sender, 1 << 200)  # caps the target at once
    target = env.mine.pora_target()
    assert target == ((1 << 256) - 1) // (1 << 200)
    assert int.from_bytes(output, "big") > target
    with pytest.raises(TransactionReverted, match="TargetNotReached"):
        env.mine.submit(env.miner.sender, answer)


def test_gas(env: Env) -> None:
    """Gas of one accepted answer (measured in the first mining test), for the record."""
    assert 100_000 < env.gas["submit"] < 600_000, env.gas
    assert 100_000 < env.gas["submit, steady state"] < env.gas["submit"], env.gas
    print(f"PoraMine.submit gas: {env.gas}")
