// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {IReward} from "./IReward.sol";

/// @notice A pricing chunk's pool, as 0G's `Reward` struct reports it. locked + claimable + distributed is the total
///         ever filled into the chunk; `startTime` is when its release clock started (0: not yet).
struct Reward {
    uint128 lockedReward;
    uint128 claimableReward;
    uint128 distributedReward;
    uint40 startTime;
    uint40 lastUpdate;
}

/// @title ChunkLinearReward: storage fees released linearly per pricing chunk, paid to PoRA winners.
/// @notice 0G's deployed reward model (ChunkLinearReward + ChunkRewardBase + Reward.sol), re-implemented:
///         - `fillReward` (market only): `serviceFeeRateBps` of the fee goes to the treasury; the rest is spread over
///           the pricing chunks the sectors fall in, in proportion to the sectors in each;
///         - a chunk's release clock starts once the flow has moved past its end (0G: once it is completely filled;
///           here also when the Flow's alignment padding skips past it, since zerog's market does not pay for padding);
///         - `released(t) = total x (t - start) / releaseSeconds`, capped at the total;
///         - `claimMineReward` (mine only): released-but-unclaimed funds become claimable, the winner gets half of the
///           claimable pool, plus `baseReward` from the donated pool while the chunk is inside its release window;
///         - payouts are pull payments: `payments(payee)`, `withdrawPayments(payee)`.
///         The chunk size is a constructor parameter: 0G's 2^25 sectors (8 GiB) in production; a devnet uses a small
///         one so chunks fill, and rewards flow, with little data.
/// @dev Chunk state is materialized lazily: a fill writes only its first and last chunk; the chunks between, all
///      complete and all paid `perChunk`, are one `Run`. A claim copies a run chunk into explicit storage. So a fill
///      costs the same whatever its size.
contract ChunkLinearReward is IReward, AccessControl {
    bytes32 public constant PARAMS_ADMIN_ROLE = keccak256("PARAMS_ADMIN_ROLE");
    uint256 public constant MAX_SERVICE_FEE_BPS = 10_000;

    uint256 public immutable releaseSeconds;
    uint256 public immutable pricingChunkSectors;

    address public market;
    address public mine;
    address public treasury;
    uint256 public serviceFeeRateBps;
    /// @notice Paid from the donated pool on every winning answer in a chunk inside its release window.
    uint256 public baseReward;
    /// @notice What is left of the donated base-reward pool.
    uint256 public totalBaseReward;

    /// @notice Flow position up to which fees have been filled (the end of the latest fill).
    uint256 public filledLength;
    /// @notice Chunks [0, releasedChunks) have started their release clocks.
    uint256 public releasedChunks;
    uint256 public totalFeeReward;
    uint256 public totalServiceFees;
    uint256 public totalDistributed;
    /// @notice Owed to payees, not yet withdrawn.
    uint256 public totalPayments;

    struct Chunk {
        uint128 locked;
        uint128 claimable;
        uint128 distributed;
        uint40 startTime;
        uint40 lastUpdate;
        bool materialized;
    }

    struct Run {
        uint48 first;
        uint48 end; // exclusive
        uint40 startTime;
        uint120 perChunk;
    }

    mapping(uint256 index => Chunk) private _chunks;
    Run[] private _runs;
    mapping(address payee => uint256) private _payments;

    event RewardFilled(uint256 beforeLength, uint256 sectors, uint256 reward, uint256 serviceFee);
    event ChunksReleased(uint256 fromIndex, uint256 toIndex, uint256 startTime);
    event Donated(address indexed from, uint256 amount);
    event Withdrawn(address indexed payee, uint256 amount);
    event MarketChanged(address indexed market);
    event MineChanged(address indexed mine);
    event TreasuryChanged(address indexed treasury);
    event ParameterChanged(bytes32 indexed name, uint256 value);

    error OnlyMarket(address caller);
    error OnlyMine(address caller);
    error NoSectors();
    error InvalidParameter(bytes32 name, uint256 value);
    error NothingToWithdraw(address payee);
    error RewardOverflow(uint256 amount);

    constructor(address admin, address market_, uint256 releaseSeconds_, uint256 pricingChunkSectors_) {
        if (releaseSeconds_ == 0) revert InvalidParameter("releaseSeconds", 0);
        if (pricingChunkSectors_ < 1024 || pricingChunkSectors_ > (1 << 40) || !_isPow2(pricingChunkSectors_)) {
            revert InvalidParameter("pricingChunkSectors", pricingChunkSectors_);
        }
        releaseSeconds = releaseSeconds_;
        pricingChunkSectors = pricingChunkSectors_;
        market = market_;
        treasury = admin;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ADMIN_ROLE, admin);
        emit MarketChanged(market_);
        emit TreasuryChanged(admin);
    }

    /*=== fees in ===*/

    function fillReward(uint256 beforeLength, uint256 chargedSectors) external payable {
        if (msg.sender != market) revert OnlyMarket(msg.sender);
        if (chargedSectors == 0) revert NoSectors();
        uint256 serviceFee = treasury == address(0) ? 0 : (msg.value * serviceFeeRateBps) / 10_000;
        if (serviceFee > 0) {
            _credit(treasury, serviceFee);
            totalServiceFees += serviceFee;
        }
        uint256 fee = msg.value - serviceFee;
        totalFeeReward += fee;
        emit RewardFilled(beforeLength, chargedSectors, fee, serviceFee);

        uint256 chunk = pricingChunkSectors;
        if (beforeLength < filledLength) {
            // Out of order (only an admin's forwardHeldFees can do this): the whole fee goes to one chunk, on that
            // chunk's schedule. Uploads never revert here.
            _add(beforeLength / chunk, fee);
            return;
        }
        uint256 afterLength = beforeLength + chargedSectors;
        _releaseGap(beforeLength);

        uint256 first = beforeLength / chunk;
        uint256 last = (afterLength - 1) / chunk;
        if (first == last) {
            _add(first, fee);
        } else {
            uint256 perChunk = (fee * chunk) / chargedSectors;
            uint256 firstPart = (perChunk * (chunk - beforeLength % chunk)) / chunk;
            uint256 middle = perChunk * (last - first - 1);
            _add(first, firstPart);
            if (last > first + 1) _pushRun(first + 1, last, perChunk);
            _add(last, fee - firstPart - middle); // the last chunk's share takes the rounding dust
        }
        filledLength = afterLength;

        // Chunks the fill completed start their clocks: the first, the run (already started), the last if full.
        uint256 complete = afterLength / chunk;
        if (complete > releasedChunks) {
            _start(first);
            if (complete == last + 1 && last != first) _start(last);
            emit ChunksReleased(releasedChunks, complete, block.timestamp);
            releasedChunks = complete;
        }
    }

    /// @dev The flow jumped from `filledLength` to `position` unpaid (alignment padding): the chunk holding the old
    ///      end and every chunk wholly inside the gap are complete now.
    function _releaseGap(uint256 position) private {
        uint256 complete = position / pricingChunkSectors;
        uint256 next = releasedChunks;
        if (complete <= next) return;
        _start(next);
        if (complete > next + 1) _pushRun(next + 1, complete, 0);
        emit ChunksReleased(next, complete, block.timestamp);
        releasedChunks = complete;
    }

    function _add(uint256 index, uint256 amount) private {
        Chunk memory c = _load(index);
        uint256 locked = uint256(c.locked) + amount;
        if (locked > type(uint128).max) revert RewardOverflow(amount);
        c.locked = uint128(locked);
        _store(index, c);
    }

    function _start(uint256 index) private {
        Chunk memory c = _load(index);
        if (c.startTime != 0) return;
        c.startTime = uint40(block.timestamp);
        c.lastUpdate = uint40(block.timestamp);
        _store(index, c);
    }

    function _pushRun(uint256 first, uint256 end, uint256 perChunk) private {
        if (perChunk > type(uint120).max) revert RewardOverflow(perChunk);
        if (end > type(uint48).max) revert InvalidParameter("chunkIndex", end);
        _runs.push(Run(uint48(first), uint48(end), uint40(block.timestamp), uint120(perChunk)));
    }

    /*=== rewards out ===*/

    function claimMineReward(uint256 pricingIndex, address payable beneficiary, bytes32 minerId) external {
        if (msg.sender != mine) revert OnlyMine(msg.sender);
        Chunk memory c = _load(pricingIndex);
        uint256 amount = _claim(c);
        _store(pricingIndex, c);
        totalDistributed += amount;

        uint256 base = _baseRewardFor(c);
        totalBaseReward -= base;
        amount += base;
        if (amount > 0) {
            _credit(beneficiary, amount);
            emit DistributeReward(pricingIndex, beneficiary, minerId, amount);
        }
    }

    /// @dev Release what the clock allows into `claimable`, then take half of it.
    function _claim(Chunk memory c) private view returns (uint256 amount) {
        uint256 released = _releasable(c);
        if (c.startTime != 0) {
            c.locked -= uint128(released);
            c.claimable += uint128(released);
            c.lastUpdate = uint40(block.timestamp);
        }
        amount = c.claimable / 2;
        c.claimable -= uint128(amount);
        c.distributed += uint128(amount);
    }

    function _releasable(Chunk memory c) private view returns (uint256) {
        if (c.startTime == 0) return 0;
        uint256 released = uint256(c.claimable) + c.distributed;
        uint256 total = uint256(c.locked) + released;
        uint256 expected = (total * (block.timestamp - c.startTime)) / releaseSeconds;
        if (expected > total) expected = total;
        return expected > released ? expected - released : 0;
    }

    function _baseRewardFor(Chunk memory c) private view returns (uint256) {
        if (c.startTime == 0 || c.startTime + releaseSeconds <= block.timestamp) return 0;
        return baseReward < totalBaseReward ? baseReward : totalBaseReward;
    }

    /// @notice Fund the base reward pool.
    function donate() external payable {
        totalBaseReward += msg.value;
        emit Donated(msg.sender, msg.value);
    }

    /*=== pull payments ===*/

    function _credit(address payee, uint256 amount) private {
        _payments[payee] += amount;
        totalPayments += amount;
    }

    /// @notice What `payee` can withdraw.
    function payments(address payee) external view returns (uint256) {
        return _payments[payee];
    }

    /// @notice Send `payee` everything owed to it; anyone may trigger it.
    function withdrawPayments(address payable payee) external {
        uint256 amount = _payments[payee];
        if (amount == 0) revert NothingToWithdraw(payee);
        _payments[payee] = 0;
        totalPayments -= amount;
        emit Withdrawn(payee, amount);
        Address.sendValue(payee, amount);
    }

    /*=== views ===*/

    /// @notice Chunk `index`'s pool (0G's `rewards(uint)`).
    function rewards(uint256 index) external view returns (Reward memory) {
        Chunk memory c = _load(index);
        return Reward(c.locked, c.claimable, c.distributed, c.startTime, c.lastUpdate);
    }

    /// @notice What a winning answer in chunk `index` would be paid now: its fee share and the base reward.
    function previewMineReward(uint256 index) external view returns (uint256 fromFees, uint256 base) {
        Chunk memory c = _load(index);
        fromFees = _claim(c);
        base = _baseRewardFor(c);
    }

    /// @notice When chunk `index` stops paying (0: its clock has not started).
    function rewardDeadline(uint256 index) public view returns (uint256) {
        uint256 start = _load(index).startTime;
        return start == 0 ? 0 : start + releaseSeconds;
    }

    /// @notice The first chunk whose deadline has not passed: nodes may prune data before it (0G's binary search).
    function firstRewardableChunk() external view returns (uint64) {
        uint64 low = 0;
        uint64 high = 1024;
        while (_deadlinePassed(high)) {
            low = high;
            high *= 2;
        }
        while (low < high) {
            uint64 mid = low + (high - low) / 2;
            if (_deadlinePassed(mid)) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    function runCount() external view returns (uint256) {
        return _runs.length;
    }

    function _deadlinePassed(uint256 index) private view returns (bool) {
        uint256 deadline = rewardDeadline(index);
        return deadline != 0 && deadline < block.timestamp;
    }

    /*=== chunk storage ===*/

    function _load(uint256 index) private view returns (Chunk memory c) {
        c = _chunks[index];
        if (c.materialized) return c;
        (bool found, Run memory run) = _findRun(index);
        if (found) {
            c.locked = run.perChunk;
            c.startTime = run.startTime;
            c.lastUpdate = run.startTime;
        }
    }

    function _store(uint256 index, Chunk memory c) private {
        c.materialized = true;
        _chunks[index] = c;
    }

    /// @dev Runs are appended in flow order and never overlap: binary search by first chunk.
    function _findRun(uint256 index) private view returns (bool, Run memory) {
        uint256 low = 0;
        uint256 high = _runs.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            Run memory run = _runs[mid];
            if (index < run.first) {
                high = mid;
            } else if (index >= run.end) {
                low = mid + 1;
            } else {
                return (true, run);
            }
        }
        Run memory none;
        return (false, none);
    }

    /*=== admin ===*/

    function setMine(address mine_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        mine = mine_;
        emit MineChanged(mine_);
    }

    function setMarket(address market_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        market = market_;
        emit MarketChanged(market_);
    }

    function setTreasury(address treasury_) external onlyRole(PARAMS_ADMIN_ROLE) {
        treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    function setServiceFeeRate(uint256 bps) external onlyRole(PARAMS_ADMIN_ROLE) {
        if (bps > MAX_SERVICE_FEE_BPS) revert InvalidParameter("serviceFeeRateBps", bps);
        serviceFeeRateBps = bps;
        emit ParameterChanged("serviceFeeRateBps", bps);
    }

    function setBaseReward(uint256 baseReward_) external onlyRole(PARAMS_ADMIN_ROLE) {
        baseReward = baseReward_;
        emit ParameterChanged("baseReward", baseReward_);
    }

    function _isPow2(uint256 x) private pure returns (bool) {
        return x != 0 && x & (x - 1) == 0;
    }
}
