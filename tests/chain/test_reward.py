"""ChunkLinearReward on a real anvil: how fees spread over pricing chunks, when a chunk's clock starts, the linear
release, half-of-claimable payouts plus the capped base reward, the treasury share, pull payments, and gas.

The deployed pool (fed by the market through real Flow submissions) is checked against a Python model of 0G's rule;
a second pool whose market and mine are plain accounts lets the tests call `fillReward`/`claimMineReward` directly
and move the clock."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from zerog.chain import RewardContract, TxSender, deploy_contract
from zerog.codec import build_submission
from zerog.codec.address import bytes_to_address
from zerog.crypto import build_file_tree, keccak256
from zerog.devnet import DeployConfig
from zerog.errors import TransactionReverted
from zerog.testing import LocalChain, random_bytes, start_local_chain

pytestmark = pytest.mark.chain

CHUNK = 1024  # sectors per pricing chunk, as on the devnet
RELEASE = 1000  # seconds
CONFIG = DeployConfig(
    reward_pricing_chunk_sectors=CHUNK,
    reward_release_seconds=RELEASE,
    reward_base_wei=0,
    reward_base_pool_wei=0,
)


@pytest.fixture(scope="module")
def local_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalChain]:
    with start_local_chain(tmp_path_factory.mktemp("anvil"), CONFIG) as chain:
        yield chain


def split(before: int, sectors: int, fee: int, chunk: int = CHUNK) -> dict[int, int]:
    """0G's fillReward split (ChunkRewardBase), with the rounding dust on the last chunk."""
    after = before + sectors
    first, last = before // chunk, (after - 1) // chunk
    if first == last:
        return {first: fee}
    per_chunk = fee * chunk // sectors
    shares = {first: per_chunk * (chunk - before % chunk) // chunk}
    for index in range(first + 1, last):
        shares[index] = per_chunk
    shares[last] = fee - sum(shares.values())
    return shares


def released(total: int, start: int, now: int, release: int = RELEASE) -> int:
    return min(total, total * (now - start) // release)


def _rpc(chain: LocalChain, method: str, params: list[object]) -> object:
    return chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]


def _at(chain: LocalChain, timestamp: int) -> None:
    """The next block gets this timestamp."""
    _rpc(chain, "evm_setNextBlockTimestamp", [timestamp])


def _block_time(chain: LocalChain, block: int) -> int:
    return int(chain.w3.eth.get_block(block)["timestamp"])


# --- the deployed pool, fed by real uploads ---


@pytest.fixture(scope="module")
def deployed(local_chain: LocalChain) -> RewardContract:
    return RewardContract(local_chain.w3, local_chain.market.contract.functions.reward().call())


def _upload(chain: LocalChain, size: int, seed: int) -> tuple[int, int, int]:
    """(start sector, sectors, fee) of a new entry."""
    tree = build_file_tree(random_bytes(size, seed), keep_segment_roots=False)
    submission = build_submission(tree, submitter=bytes_to_address(chain.sender.address))
    result = chain.flow.submit(chain.sender, submission)
    (event,) = result.events
    return event.start_sector, event.sectors, result.fee


def test_uploads_fill_the_chunks_their_sectors_fall_in(local_chain: LocalChain, deployed: RewardContract) -> None:
    expected: dict[int, int] = {}
    # 16 sectors at 16: chunk 0, which is not complete yet.
    start, sectors, fee = _upload(local_chain, 4096, seed=1)
    assert (start, sectors) == (16, 16)
    for index, share in split(start, sectors, fee).items():
        expected[index] = expected.get(index, 0) + share
    chunk0 = deployed.chunk(0)
    assert chunk0.locked == fee
    assert chunk0.start_time == 0
    assert deployed.released_chunks() == 0
    # A whole segment at 1024: the padding jump completes chunk 0, the entry fills and completes chunk 1.
    start, sectors, fee = _upload(local_chain, CHUNK * 256, seed=2)
    assert (start, sectors) == (1024, 1024)
    for index, share in split(start, sectors, fee).items():
        expected[index] = expected.get(index, 0) + share
    assert deployed.released_chunks() == 2
    assert deployed.chunk(0).start_time > 0
    assert deployed.chunk(1).start_time > 0
    # 4.5 segments: aligned to 4096, so chunks 2..3 are padding gap (clock started, no fee); the entry spans chunks
    # 4..8: 4 full chunks (one stored entry + a run of 3) and half of chunk 8, which stays open.
    runs_before = deployed.contract.functions.runCount().call()
    start, sectors, fee = _upload(local_chain, 4 * CHUNK * 256 + CHUNK * 128, seed=3)
    assert (start, sectors) == (4096, 4608)
    for index, share in split(start, sectors, fee).items():
        expected[index] = expected.get(index, 0) + share
    assert deployed.contract.functions.runCount().call() == runs_before + 2  # the gap run and the fee run
    assert deployed.released_chunks() == 8
    for index in range(10):
        chunk = deployed.chunk(index)
        assert chunk.total == expected.get(index, 0), index
        assert (chunk.start_time > 0) == (index < 8), index
    assert deployed.chunk(2).total == 0
    assert deployed.filled_length() == 4096 + 4608
    totals = deployed.totals()
    assert totals.fee_reward == sum(expected.values()) == totals.balance
    assert deployed.reward_deadline(8) == 0
    assert deployed.reward_deadline(4) == deployed.chunk(4).start_time + RELEASE


def test_only_the_market_fills_and_only_the_mine_claims(local_chain: LocalChain, deployed: RewardContract) -> None:
    with pytest.raises(TransactionReverted, match="OnlyMarket"):
        local_chain.sender.send(deployed.contract.functions.fillReward(0, 1), value=1)
    with pytest.raises(TransactionReverted, match="OnlyMine"):
        local_chain.sender.send(deployed.contract.functions.claimMineReward(0, local_chain.sender.address, bytes(32)))


# --- a pool with plain accounts as market and mine ---


@dataclass
class Pool:
    reward: RewardContract
    market: TxSender
    mine: TxSender
    admin: TxSender

    def fill(self, before: int, sectors: int, value: int) -> int:
        """Fill; returns the gas used."""
        return self.market.send(self.reward.contract.functions.fillReward(before, sectors), value=value).gas_used


@pytest.fixture(scope="module")
def pool(local_chain: LocalChain) -> Pool:
    admin = local_chain.sender
    market, mine = local_chain.sender_for(5), local_chain.sender_for(6)
    address = deploy_contract(admin, "ChunkLinearReward", admin.address, market.address, RELEASE, CHUNK)
    reward = RewardContract(local_chain.w3, address)
    admin.send(reward.contract.functions.setMine(mine.address))
    return Pool(reward, market, mine, admin)


def _claim(chain: LocalChain, pool: Pool, index: int, beneficiary: str) -> tuple[int, int]:
    payee = chain.w3.to_checksum_address(beneficiary)
    receipt = pool.mine.send(pool.reward.contract.functions.claimMineReward(index, payee, b"\x01" * 32))
    events = RewardContract.parse_distributions(receipt.logs)
    return (events[0].amount if events else 0), _block_time(chain, receipt.block_number)


def test_a_chunk_releases_linearly_once_complete_and_a_win_takes_half(local_chain: LocalChain, pool: Pool) -> None:
    chain, reward = local_chain, pool.reward
    winner = chain.accounts[7][0]
    fee = 1_000_000_007
    pool.fill(1, CHUNK - 1, fee)  # chunk 0 complete: its clock starts in this block
    start = reward.chunk(0).start_time
    assert start == _block_time(chain, chain.w3.eth.block_number)
    assert reward.chunk(0).locked == fee

    # An open chunk pays nothing and its clock stays stopped (0G's Reward.updateReward would start it at 0).
    pool.fill(CHUNK, 10, 500)
    assert _claim(chain, pool, 1, winner) == (0, _block_time(chain, chain.w3.eth.block_number))
    assert reward.chunk(1).start_time == 0
    assert reward.chunk(1).last_update == 0

    # 100 s in: 10% released, the winner gets half of it.
    _at(chain, start + 100)
    amount, now = _claim(chain, pool, 0, winner)
    first_release = released(fee, start, now)
    assert amount == first_release // 2
    chunk = reward.chunk(0)
    assert chunk.distributed == amount
    assert chunk.claimable == first_release - amount
    assert chunk.locked == fee - first_release
    assert chunk.last_update == now

    # 300 s in: the newly released part joins what the last winner left; half of all that.
    _at(chain, start + 300)
    fees, base = reward.preview_mine_reward(0)
    assert base == 0
    amount, now = _claim(chain, pool, 0, winner)
    claimable = chunk.claimable + released(fee, start, now) - first_release
    assert amount == claimable // 2
    assert fees <= amount  # the preview was a block earlier

    # Past the deadline everything is released; wins keep halving what is left.
    _at(chain, start + RELEASE + 1)
    amount, _ = _claim(chain, pool, 0, winner)
    chunk = reward.chunk(0)
    assert chunk.locked == 0
    assert chunk.distributed + chunk.claimable == fee
    assert reward.payments(winner) == chunk.distributed
    assert reward.first_rewardable_chunk() == 1  # chunk 0's deadline passed; chunk 1 has none yet


def test_the_base_reward_comes_from_the_donated_pool_and_stops_at_the_deadline(
    local_chain: LocalChain, pool: Pool
) -> None:
    chain, reward, admin = local_chain, pool.reward, pool.admin
    winner = chain.accounts[8][0]
    reward.set_base_reward(admin, 1000)
    reward.donate(chain.sender_for(3), 2500)
    assert reward.totals().base_reward_pool == 2500
    pool.fill(CHUNK + 10, CHUNK - 10, 10_000)  # completes chunk 1
    first = reward.payments(winner)
    amounts = [_claim(chain, pool, 1, winner)[0] for _ in range(3)]
    assert sum(amounts) == reward.payments(winner) - first
    assert sum(amounts) - reward.chunk(1).distributed == 2500  # 1000 + 1000 + the last 500 of the pool
    assert reward.totals().base_reward_pool == 0
    # A chunk past its deadline gets no base reward even with a funded pool.
    reward.donate(chain.sender_for(3), 5000)
    _at(chain, reward.chunk(1).start_time + RELEASE)
    before = reward.totals().base_reward_pool
    _claim(chain, pool, 1, winner)
    assert reward.totals().base_reward_pool == before
    reward.set_base_reward(admin, 0)


def test_the_treasury_takes_the_service_fee(local_chain: LocalChain, pool: Pool) -> None:
    reward, admin = pool.reward, pool.admin
    treasury = local_chain.w3.to_checksum_address(local_chain.accounts[9][0])
    reward.set_treasury(admin, treasury)
    reward.set_service_fee_rate(admin, 250)  # 2.5%
    before = reward.chunk(2).total
    pool.fill(2 * CHUNK, 100, 40_000)
    assert reward.payments(treasury) == 1000
    assert reward.chunk(2).total - before == 39_000
    with pytest.raises(TransactionReverted, match="InvalidParameter"):
        reward.set_service_fee_rate(admin, 10_001)
    with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount"):
        reward.set_service_fee_rate(pool.market, 0)
    reward.set_service_fee_rate(admin, 0)
    balance = local_chain.w3.eth.get_balance(treasury)
    reward.withdraw(local_chain.sender, treasury)
    assert local_chain.w3.eth.get_balance(treasury) - balance == 1000


def test_a_fill_costs_the_same_for_one_chunk_or_thousands(local_chain: LocalChain, pool: Pool) -> None:
    reward = pool.reward
    base = reward.filled_length()
    start = (base // CHUNK + 1) * CHUNK
    one = pool.fill(start, 100, 10**9)
    many_start = start + CHUNK
    many = pool.fill(many_start, 5000 * CHUNK + 7, 5 * 10**12)
    assert many < one + 100_000, (one, many)
    shares = split(many_start, 5000 * CHUNK + 7, 5 * 10**12)
    for index in (many_start // CHUNK, many_start // CHUNK + 1, many_start // CHUNK + 2500, many_start // CHUNK + 5000):
        assert reward.chunk(index).total == shares[index], index
    assert reward.chunk(many_start // CHUNK + 2500).start_time > 0
    assert reward.chunk(many_start // CHUNK + 5000).start_time == 0  # 7 sectors: still open
    # A win in the middle of the run materializes that chunk only.
    winner = local_chain.w3.to_checksum_address(local_chain.accounts[7][0])
    _at(local_chain, reward.chunk(many_start // CHUNK + 2500).start_time + RELEASE // 2)
    amount, _ = _claim(local_chain, pool, many_start // CHUNK + 2500, winner)
    assert amount == shares[many_start // CHUNK + 2500] // 2 // 2
    assert reward.chunk(many_start // CHUNK + 2501).distributed == 0
    # The common case: an upload inside the open chunk.
    inside = pool.fill(reward.filled_length(), 10, 10**6)
    assert inside < one
    print(f"fillReward tx gas: inside the open chunk {inside}, new chunk {one}, 5001 chunks {many}")


def test_an_out_of_order_fill_lands_in_one_chunk(local_chain: LocalChain, pool: Pool) -> None:
    reward = pool.reward
    before = reward.chunk(0).total
    filled = reward.filled_length()
    pool.fill(5, 3 * CHUNK, 777)  # behind the filled length: only an admin's forwardHeldFees can do this
    assert reward.chunk(0).total - before == 777
    assert reward.filled_length() == filled


def test_withdrawals_and_accounting(local_chain: LocalChain, pool: Pool) -> None:
    reward = pool.reward
    winner = local_chain.w3.to_checksum_address(local_chain.accounts[7][0])
    owed = reward.payments(winner)
    assert owed > 0
    balance = local_chain.w3.eth.get_balance(winner)
    reward.withdraw(local_chain.sender, winner)
    assert local_chain.w3.eth.get_balance(winner) - balance == owed
    with pytest.raises(TransactionReverted, match="NothingToWithdraw"):
        reward.withdraw(local_chain.sender, winner)
    totals = reward.totals()
    undistributed = totals.fee_reward - totals.distributed
    assert totals.balance == undistributed + totals.base_reward_pool + totals.payments_owed
    assert keccak256(b"DistributeReward(uint256,address,bytes32,uint256)")  # the event the mine's binding parses


def test_constructor_rejects_bad_parameters(local_chain: LocalChain) -> None:
    admin = local_chain.sender
    with pytest.raises(TransactionReverted, match="InvalidParameter"):
        deploy_contract(admin, "ChunkLinearReward", admin.address, admin.address, RELEASE, 1000)
    with pytest.raises(TransactionReverted, match="InvalidParameter"):
        deploy_contract(admin, "ChunkLinearReward", admin.address, admin.address, 0, CHUNK)
