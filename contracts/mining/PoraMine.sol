// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFlow, EpochRange, MineContext} from "../storage/IFlow.sol";
import {EMPTY_HASH} from "../storage/ZgsSpec.sol";
import {IReward} from "../reward/IReward.sol";
import {MineLib} from "./MineLib.sol";
import {RecallRange, RecallRangeLib} from "./RecallRange.sol";
import {
    MAX_MINING_LENGTH,
    RANGE_ALIGNMENT,
    SEALS_PER_LOAD,
    SECTORS_PER_LOAD,
    SECTORS_PER_SEAL,
    SEAL_TREE_HEIGHT,
    UNITS_PER_SEAL
} from "./MineSpec.sol";

interface IFlowEpochs {
    function blocksPerEpoch() external view returns (uint256);
}

/// @notice What a miner needs to mine now (0G's WorkerContext): zero `subtaskDigest` outside its window, zero
///         `poraTarget` when the epoch has all its submissions.
struct WorkerContext {
    MineContext context;
    uint256 poraTarget;
    bytes32 subtaskDigest;
    uint64 maxShards;
}

/// @title PoraMine: verifies Proof-of-Random-Access answers against the Flow's epoch context and pays the winners.
/// @notice Same answer struct, selector (`submit` 0xae722e82), events and checks as 0G's PoraMine, in 0G's order:
///         1. the miner id is registered;
///         2. the Flow's context is brought up to date; on the first answer of a new epoch the difficulty is
///            adjusted and the epoch's parameters roll over; the block must lie in the miner's subtask window;
///         3. context digest, the epoch's submission cap (2 x target), the recall range, the seal offset, the
///            sealing context's flow range, the shard count;
///         4. unseal the 4 KiB seal, hash its 16 sectors to a seal root, fold the Merkle proof to the epoch's flow root;
///         5. redo the PoRA hash (Blake2b via the EIP-152 precompile) and check the recall position, the target
///            (scaled for sharded miners) and that this output was never submitted;
///         6. claim the reward for the recalled pricing chunk for the miner's beneficiary.
///         Constructor `settings` bits (development only): 0x1 no seal, 0x2 no data proof, 0x4 fixed difficulty.
contract PoraMine is AccessControl, Pausable {
    using RecallRangeLib for RecallRange;

    bytes32 public constant PARAMS_ADMIN_ROLE = keccak256("PARAMS_ADMIN_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice `computeWorkerContext` answers only eth_calls from this address (0G's convention).
    address public constant COMPUTE_WORKER_CONTEXT_CALLER = address(0x000000000000000000000000000000000000000A);
    /// @notice A subtask's start block hash must stay reachable (EIP-2935 history) until its window ends.
    uint256 public constant MAX_TARGET_MINE_BLOCKS = 8191;
    uint256 public constant MAX_DIFFICULTY_ADJUST_RATIO = 1 << 16;

    uint256 private constant NO_DATA_SEAL = 0x1;
    uint256 private constant NO_DATA_PROOF = 0x2;
    uint256 private constant FIXED_DIFFICULTY = 0x4;
    uint256 private constant MAX_SCALED_TARGET = type(uint256).max >> 16;
    /// @dev First word of Blake2b-512(64 zero bytes): the constructor checks the precompile is there.
    bytes32 private constant BLAKE2B_ZERO64_WORD0 = 0x8715b7b58c747a49e371ba0b02b7de8f35da26ff2c8a60b80715d02720212662;

    struct MineInitParams {
        uint256 difficulty;
        uint256 targetMineBlocks;
        uint256 targetSubmissions;
        uint64 maxShards;
        uint256 nSubtasks;
        uint256 subtaskInterval;
    }

    bool public immutable sealDataEnabled;
    bool public immutable dataProofEnabled;
    bool public immutable fixedDifficulty;
    address public immutable flow;
    uint256 public immutable blocksPerEpoch;

    address public reward;
    /// @notice The reward's pricing chunk size, read when the reward is set.
    uint256 public pricingChunkSectors;

    uint256 public targetMineBlocks;
    uint256 public targetSubmissions;
    uint256 public targetSubmissionsNextEpoch;
    uint256 public difficultyAdjustRatio = 20;
    uint64 public maxShards;
    uint256 public nSubtasks;
    uint256 public nSubtasksNextEpoch;
    uint256 public subtaskInterval;
    uint256 public subtaskIntervalNextEpoch;
    /// @notice The target never rises above max / minDifficulty (0 = no bound).
    uint256 public minDifficulty;

    uint256 public lastMinedEpoch;
    uint256 public currentSubmissions;
    uint256 public poraTarget;

    mapping(bytes32 minerId => address) public beneficiaries;
    mapping(bytes32 poraOutput => bool) public submittedPora;

    event NewMinerId(bytes32 indexed minerId, address indexed beneficiary);
    event UpdateMinerId(bytes32 indexed minerId, address indexed from, address indexed to);
    event NewSubmission(uint256 indexed epoch, bytes32 indexed minerId, uint256 epochIndex, uint256 recallPosition);
    event DifficultyUpdated(uint256 indexed epoch, uint256 previousTarget, uint256 newTarget, uint256 submissions);
    event RewardChanged(address indexed reward, uint256 pricingChunkSectors);
    event ParameterChanged(bytes32 indexed name, uint256 value);

    // 1. miner
    error ZeroMinerId();
    error MinerNotRegistered(bytes32 minerId);
    // 2. window
    error BeforeSubtaskStart(uint256 blockNumber, uint256 subtaskStart);
    error SubtaskDeadlineExceeded(uint256 blockNumber, uint256 deadline);
    // 3. basic checks
    error ContextDigestMismatch(bytes32 expected, bytes32 given);
    error EmptyContextDigest();
    error EpochSubmissionsFull(uint256 submissions);
    error RangeStartNotAligned(uint256 startPosition);
    error RangeOverflow(uint256 endPosition, uint256 maxEndPosition);
    error RangeTooLong(uint256 mineLength, uint256 maxMineLength);
    error RangeTooShort(uint256 mineLength, uint256 requiredLength);
    error ShardIdOutsideMask(uint64 shardId, uint64 shardMask);
    error SealOffsetOutOfRange(uint256 sealOffset);
    error SealedContextMismatch(bytes32 sealedContextDigest, uint256 recallPosition);
    error TooManyShards(uint256 numShards, uint256 limit);
    // 4. seal and data proof
    error EmptySealedContext();
    error ProofLengthMismatch(uint256 given, uint256 expected);
    error FlowRootMismatch(bytes32 computed, bytes32 expected);
    // 5. PoRA
    error RecallPositionMismatch(uint256 given, uint256 expected);
    error TargetNotReached(uint256 quality, uint256 target);
    error AnswerAlreadySubmitted(bytes32 poraOutput);
    // registration and admin
    error MinerIdTaken(bytes32 minerId);
    error NotBeneficiary(bytes32 minerId, address caller);
    error ZeroAddress();
    error InvalidParameter(bytes32 name, uint256 value);
    error OnlyWorkerContextCaller(address caller);
    error Blake2bPrecompileMissing();

    constructor(address admin, address flow_, address reward_, uint256 settings, MineInitParams memory params) {
        if (admin == address(0) || flow_ == address(0) || reward_ == address(0)) revert ZeroAddress();
        sealDataEnabled = settings & NO_DATA_SEAL == 0;
        dataProofEnabled = settings & NO_DATA_PROOF == 0;
        fixedDifficulty = settings & FIXED_DIFFICULTY != 0;
        flow = flow_;
        blocksPerEpoch = IFlowEpochs(flow_).blocksPerEpoch();

        (bytes32 word0,) = MineLib.blake2b64(bytes32(0), bytes32(0));
        if (word0 != BLAKE2B_ZERO64_WORD0) revert Blake2bPrecompileMissing();

        if (params.difficulty == 0) revert InvalidParameter("difficulty", 0);
        if (params.targetSubmissions == 0) revert InvalidParameter("targetSubmissions", 0);
        _checkMaxShards(params.maxShards);
        _checkSchedule(params.nSubtasks, params.subtaskInterval, params.targetMineBlocks);

        poraTarget = fixedDifficulty ? type(uint256).max : type(uint256).max / params.difficulty;
        targetMineBlocks = params.targetMineBlocks;
        targetSubmissions = params.targetSubmissions;
        targetSubmissionsNextEpoch = params.targetSubmissions;
        maxShards = params.maxShards;
        nSubtasks = params.nSubtasks;
        nSubtasksNextEpoch = params.nSubtasks;
        subtaskInterval = params.subtaskInterval;
        subtaskIntervalNextEpoch = params.subtaskInterval;
        _setReward(reward_);

        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /*=== mining ===*/

    function submit(MineLib.PoraAnswer calldata answer) external whenNotPaused {
        // Step 1: a registered miner id.
        if (answer.minerId == bytes32(0)) revert ZeroMinerId();
        address beneficiary = beneficiaries[answer.minerId];
        if (beneficiary == address(0)) revert MinerNotRegistered(answer.minerId);

        // Step 2: the epoch context, the epoch roll-over, the miner's subtask window.
        MineContext memory context = IFlow(flow).makeContextWithResult();
        _updateMineEpochWhenNeeded(context);
        bytes32 subtaskDigest = _subtaskDigest(context, answer.minerId);

        // Step 3: cheap checks.
        _basicCheck(answer, context);

        // Step 4: the seal is the miner's and the data is the flow's.
        bytes32[UNITS_PER_SEAL] memory data = answer.sealedData;
        _checkData(answer, data, context);

        // Step 5: the PoRA output reaches the target and is new.
        bytes32 output = _poraOutput(answer, subtaskDigest, data);
        uint256 target = (poraTarget / _targetScaleX64(answer.range, context.flowLength)) << 64;
        if (uint256(output) > target) revert TargetNotReached(uint256(output), target);
        if (submittedPora[output]) revert AnswerAlreadySubmitted(output);
        submittedPora[output] = true;

        // Step 6: reward and count.
        IReward(reward).claimMineReward(
            answer.recallPosition / pricingChunkSectors, payable(beneficiary), answer.minerId
        );
        emit NewSubmission(context.epoch, answer.minerId, currentSubmissions, answer.recallPosition);
        lastMinedEpoch = context.epoch;
        currentSubmissions += 1;
    }

    function _basicCheck(MineLib.PoraAnswer calldata answer, MineContext memory context) private view {
        if (answer.contextDigest != context.digest) revert ContextDigestMismatch(context.digest, answer.contextDigest);
        if (context.digest == EMPTY_HASH) revert EmptyContextDigest();
        if (currentSubmissions >= 2 * targetSubmissions) revert EpochSubmissionsFull(currentSubmissions);

        _checkRange(answer.range, (context.flowLength / SECTORS_PER_LOAD) * SECTORS_PER_LOAD);
        if (answer.sealOffset >= SEALS_PER_LOAD) revert SealOffsetOutOfRange(answer.sealOffset);

        // The seal key must be the context of the epoch that appended the seal.
        EpochRange memory sealRange = IFlow(flow).getEpochRange(answer.sealedContextDigest);
        uint256 recallEnd = answer.recallPosition + SECTORS_PER_SEAL;
        if (!(sealRange.start < recallEnd && sealRange.end >= recallEnd)) {
            revert SealedContextMismatch(answer.sealedContextDigest, answer.recallPosition);
        }

        uint256 shards = answer.range.numShards();
        if (shards > maxShards) revert TooManyShards(shards, maxShards);
    }

    function _checkRange(RecallRange calldata range, uint256 maxEndPosition) private pure {
        if (range.startPosition % RANGE_ALIGNMENT != 0) revert RangeStartNotAligned(range.startPosition);
        uint256 end = range.startPosition + range.mineLength;
        if (end > maxEndPosition) revert RangeOverflow(end, maxEndPosition);
        uint256 maxMineLength = MAX_MINING_LENGTH * range.numShards();
        if (range.mineLength > maxMineLength) revert RangeTooLong(range.mineLength, maxMineLength);
        // A miner mines all it may: the whole flow, or its shard's 8 TiB cap; and at least one load.
        uint256 required = Math.max(Math.min(maxEndPosition, maxMineLength), SECTORS_PER_LOAD);
        if (range.mineLength < required) revert RangeTooShort(range.mineLength, required);
        if (range.shardId & range.shardMask != 0) revert ShardIdOutsideMask(range.shardId, range.shardMask);
    }

    function _checkData(
        MineLib.PoraAnswer calldata answer,
        bytes32[UNITS_PER_SEAL] memory sealedData,
        MineContext memory context
    ) private view {
        bytes32[UNITS_PER_SEAL] memory plain;
        if (sealDataEnabled) {
            if (answer.sealedContextDigest == EMPTY_HASH) revert EmptySealedContext();
            plain = MineLib.unseal(sealedData, answer.minerId, answer.sealedContextDigest, answer.recallPosition);
        } else {
            plain = answer.sealedData; // a fresh copy: the seal root consumes it
        }
        if (!dataProofEnabled) return;
        uint256 expected = _proofLength(context.flowLength);
        if (answer.merkleProof.length != expected) revert ProofLengthMismatch(answer.merkleProof.length, expected);
        bytes32 root =
            MineLib.foldProof(MineLib.sealRoot(plain), answer.recallPosition / SECTORS_PER_SEAL, answer.merkleProof);
        if (root != context.flowRoot) revert FlowRootMismatch(root, context.flowRoot);
    }

    /// @dev Siblings from a seal root (height 4) to the root of the flow tree, the perfect tree of height
    ///      ceil(log2(flowLength)) (FlowTree.sol).
    function _proofLength(uint256 flowLength) private pure returns (uint256) {
        uint256 height = flowLength <= 1 ? 0 : Math.log2(flowLength - 1) + 1;
        return height > SEAL_TREE_HEIGHT ? height - SEAL_TREE_HEIGHT : 0;
    }

    /// @dev Recompute the pad seed, the needed scratchpad part and the recall position; return the PoRA output.
    ///      Mixes `data` (the sealed seal) with the scratchpad in place.
    function _poraOutput(MineLib.PoraAnswer calldata answer, bytes32 subtaskDigest, bytes32[UNITS_PER_SEAL] memory data)
        private
        view
        returns (bytes32)
    {
        (bytes32 seed0, bytes32 seed1) =
            MineLib.blake2b128(answer.minerId, answer.nonce, subtaskDigest, answer.range.digest());
        bytes32 recallSeed = MineLib.scratchPadMix(data, answer.sealOffset, seed0, seed1);
        uint256 loadOffset = answer.range.recallLoadOffset(recallSeed);
        uint256 expected = answer.range.startPosition + loadOffset + answer.sealOffset * SECTORS_PER_SEAL;
        // A shard id can push the load past the range; 0G accepts a load starting right at its end (`<=`), which
        // lies in the flow's last, partial segment, and rejects anything further.
        if (loadOffset > answer.range.mineLength || answer.recallPosition != expected) {
            revert RecallPositionMismatch(answer.recallPosition, expected);
        }
        return MineLib.poraHash(answer.sealOffset, seed0, seed1, data);
    }

    function _targetScaleX64(RecallRange calldata range, uint256 flowLength) private pure returns (uint256) {
        uint256 shards = range.numShards();
        if (flowLength / shards == 0) revert TooManyShards(shards, flowLength);
        return range.targetScaleX64(flowLength);
    }

    /*=== epochs, subtasks, difficulty ===*/

    function _updateMineEpochWhenNeeded(MineContext memory context) private {
        if (context.epoch > lastMinedEpoch && lastMinedEpoch > 0) {
            _adjustDifficultyOnNewEpoch(context.epoch);
            currentSubmissions = 0;
            targetSubmissions = targetSubmissionsNextEpoch;
            nSubtasks = nSubtasksNextEpoch;
            subtaskInterval = subtaskIntervalNextEpoch;
        }
    }

    /// @notice The blocks (start, end] in which `minerId` may answer for `context`.
    function subtaskWindow(MineContext memory context, bytes32 minerId)
        public
        view
        returns (uint256 start, uint256 end)
    {
        uint256 index = uint256(keccak256(abi.encode(context.digest, minerId))) % nSubtasks;
        start = context.mineStart + index * subtaskInterval;
        end = start + targetMineBlocks;
    }

    function _subtaskDigest(MineContext memory context, bytes32 minerId) private view returns (bytes32) {
        (uint256 start, uint256 end) = subtaskWindow(context, minerId);
        if (block.number <= start) revert BeforeSubtaskStart(block.number, start);
        if (block.number > end) revert SubtaskDeadlineExceeded(block.number, end);
        return keccak256(abi.encode(context.digest, Blockhash.blockHash(start)));
    }

    /// @dev The epoch just ended had `currentSubmissions` of `targetSubmissions`: move the target toward the value
    ///      that would have produced the target count, 1/difficultyAdjustRatio of the way, within [x0.5, x2].
    function _adjustDifficultyOnNewEpoch(uint256 epoch) private {
        uint256 scaledExpected = MAX_SCALED_TARGET;
        if (currentSubmissions > 0) {
            (bool ok, uint256 product) = Math.tryMul(poraTarget >> 16, targetSubmissions);
            if (ok) scaledExpected = Math.min(product / currentSubmissions, MAX_SCALED_TARGET);
        }
        _adjustDifficultyInner(scaledExpected, epoch);
    }

    function _adjustDifficultyInner(uint256 scaledExpected, uint256 epoch) private {
        if (fixedDifficulty) return;
        uint256 previous = poraTarget;
        uint256 scaledTarget = previous >> 16;
        uint256 n = difficultyAdjustRatio;
        uint256 scaledAdjusted = (scaledTarget * (n - 1) + scaledExpected) / n;
        if (scaledAdjusted > scaledTarget * 2) scaledAdjusted = scaledTarget * 2;
        if (scaledAdjusted < scaledTarget / 2) scaledAdjusted = scaledTarget / 2;
        if (scaledAdjusted > MAX_SCALED_TARGET) scaledAdjusted = MAX_SCALED_TARGET;
        poraTarget = Math.min(scaledAdjusted << 16, _maxPoraTarget());
        emit DifficultyUpdated(epoch, previous, poraTarget, currentSubmissions);
    }

    function _maxPoraTarget() private view returns (uint256) {
        return minDifficulty == 0 ? type(uint256).max : type(uint256).max / minDifficulty;
    }

    /*=== miner ids ===*/

    /// @notice Register a new miner id, keccak(blockhash(n-1) ‖ sender ‖ seed), paying to `beneficiary`.
    function requestMinerId(address beneficiary, uint64 seed) external {
        if (beneficiary == address(0)) revert ZeroAddress();
        bytes32 minerId = keccak256(abi.encodePacked(blockhash(block.number - 1), msg.sender, seed));
        if (beneficiaries[minerId] != address(0)) revert MinerIdTaken(minerId);
        beneficiaries[minerId] = beneficiary;
        emit NewMinerId(minerId, beneficiary);
    }

    /// @notice The current beneficiary hands the miner id's rewards to `to`.
    function transferBeneficial(address to, bytes32 minerId) external {
        if (beneficiaries[minerId] != msg.sender) revert NotBeneficiary(minerId, msg.sender);
        if (to == address(0)) revert ZeroAddress();
        beneficiaries[minerId] = to;
        emit UpdateMinerId(minerId, msg.sender, to);
    }

    /*=== views for miners ===*/

    /// @notice The PoRA algorithm version (0G's `poraVersion`): subtask digests and the keccak scratchpad.
    function poraVersion() external pure returns (uint64) {
        return 1;
    }

    /// @notice 0G's getter for the address `computeWorkerContext` answers.
    function computeWorkerContextCaller() external pure returns (address) {
        return COMPUTE_WORKER_CONTEXT_CALLER;
    }

    /// @notice Whether an answer could be accepted now (it updates the Flow's context, so call it with eth_call).
    function canSubmit() external returns (bool) {
        MineContext memory context = IFlow(flow).makeContextWithResult();
        return context.epoch > lastMinedEpoch || currentSubmissions < targetSubmissions * 2;
    }

    /// @notice Everything a miner needs for the current epoch. Only for eth_call from COMPUTE_WORKER_CONTEXT_CALLER:
    ///         it rolls the epoch over in the call's state, so it reports the schedule and target the next answer
    ///         will face (0G computes the window before the roll-over, with the previous epoch's subtask settings).
    function computeWorkerContext(bytes32 minerId) external returns (WorkerContext memory answer) {
        if (msg.sender != COMPUTE_WORKER_CONTEXT_CALLER) revert OnlyWorkerContextCaller(msg.sender);
        if (minerId == bytes32(0)) revert ZeroMinerId();
        if (beneficiaries[minerId] == address(0)) revert MinerNotRegistered(minerId);
        answer.maxShards = maxShards;
        answer.context = IFlow(flow).makeContextWithResult();
        _updateMineEpochWhenNeeded(answer.context);
        (uint256 start, uint256 end) = subtaskWindow(answer.context, minerId);
        if (block.number <= start || block.number > end) return answer;
        answer.subtaskDigest = keccak256(abi.encode(answer.context.digest, Blockhash.blockHash(start)));
        if (currentSubmissions < targetSubmissions * 2) answer.poraTarget = poraTarget;
    }

    /*=== admin ===*/

    function setReward(address reward_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setReward(reward_);
    }

    function _setReward(address reward_) private {
        if (reward_ == address(0)) revert ZeroAddress();
        uint256 chunk = IReward(reward_).pricingChunkSectors();
        if (chunk == 0) revert InvalidParameter("pricingChunkSectors", 0);
        reward = reward_;
        pricingChunkSectors = chunk;
        emit RewardChanged(reward_, chunk);
    }

    function setTargetMineBlocks(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkSchedule(nSubtasksNextEpoch, subtaskIntervalNextEpoch, value);
        targetMineBlocks = value;
        emit ParameterChanged("targetMineBlocks", value);
    }

    /// @notice Takes effect next epoch (at once before the first answer).
    function setTargetSubmissions(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        if (value == 0) revert InvalidParameter("targetSubmissions", value);
        targetSubmissionsNextEpoch = value;
        if (lastMinedEpoch == 0) targetSubmissions = value;
        emit ParameterChanged("targetSubmissions", value);
    }

    function setDifficultyAdjustRatio(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        if (value == 0 || value > MAX_DIFFICULTY_ADJUST_RATIO) revert InvalidParameter("difficultyAdjustRatio", value);
        difficultyAdjustRatio = value;
        emit ParameterChanged("difficultyAdjustRatio", value);
    }

    function setMaxShards(uint64 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkMaxShards(value);
        maxShards = value;
        emit ParameterChanged("maxShards", value);
    }

    /// @notice Lower bound on difficulty (upper bound on the target); 0 removes it. Applies at once.
    function setMinDifficulty(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        minDifficulty = value;
        uint256 cap = _maxPoraTarget();
        if (poraTarget > cap) poraTarget = cap;
        emit ParameterChanged("minDifficulty", value);
    }

    /// @notice Takes effect next epoch (at once before the first answer).
    function setNumSubtasks(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkSchedule(value, subtaskIntervalNextEpoch, targetMineBlocks);
        nSubtasksNextEpoch = value;
        if (lastMinedEpoch == 0) nSubtasks = value;
        emit ParameterChanged("nSubtasks", value);
    }

    /// @notice Takes effect next epoch (at once before the first answer).
    function setSubtaskInterval(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkSchedule(nSubtasksNextEpoch, value, targetMineBlocks);
        subtaskIntervalNextEpoch = value;
        if (lastMinedEpoch == 0) subtaskInterval = value;
        emit ParameterChanged("subtaskInterval", value);
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @dev Every subtask window must close before the epoch ends: (n-1) x interval + targetMineBlocks + 1 <
    ///      blocksPerEpoch (0G's rule), and a window's start block hash must stay reachable.
    function _checkSchedule(uint256 n, uint256 interval, uint256 mineBlocks) private view {
        if (n == 0) revert InvalidParameter("nSubtasks", n);
        if (interval == 0) revert InvalidParameter("subtaskInterval", interval);
        if (mineBlocks == 0 || mineBlocks > MAX_TARGET_MINE_BLOCKS) revert InvalidParameter("targetMineBlocks", mineBlocks);
        if ((n - 1) * interval + mineBlocks + 1 >= blocksPerEpoch) {
            revert InvalidParameter("subtaskSchedule", (n - 1) * interval + mineBlocks + 1);
        }
    }

    function _checkMaxShards(uint64 value) private pure {
        if (value == 0 || value & (value - 1) != 0) revert InvalidParameter("maxShards", value);
    }
}
