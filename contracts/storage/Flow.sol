// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";

import {FlowTree, FlowTreeLib} from "./FlowTree.sol";
import {IFlow, EpochRange, EpochRangeWithContextDigest, MineContext} from "./IFlow.sol";
import {IMarket} from "./IMarket.sol";
import {Submission, SubmissionData, SubmissionLib} from "./Submission.sol";
import {EMPTY_HASH, SECTORS_PER_SEGMENT} from "./ZgsSpec.sol";

/// @title Flow: zerog's storage log, wire-compatible with 0G's Flow contract.
/// @notice Each submit appends one file's subtree roots to an on-chain incremental Merkle tree over 256-byte sectors
///         and emits 0G's `Submit` event; the event's `submissionIndex` is the entry's tx seq, counting from 0.
///         Both 0G submit ABIs are served: the current `((length,tags,nodes),submitter)` and the legacy
///         `(length,tags,nodes)`. The fee, sectors x market price, goes to the market; any excess is refunded.
///         Epochs of `blocksPerEpoch` blocks snapshot the flow root and length into a mining context.
contract Flow is IFlow, AccessControl, Pausable {
    using SubmissionLib for SubmissionData;
    using FlowTreeLib for FlowTree;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant MARKET_ADMIN_ROLE = keccak256("MARKET_ADMIN_ROLE");

    /// @notice Epoch flow roots kept for miners and verifiers (0G's ROOT_AVAILABLE_WINDOW).
    uint256 public constant ROOT_HISTORY_WINDOW = 1000;
    /// @notice An epoch's block hash is reachable (EIP-2935) for this many blocks.
    uint256 public constant BLOCKHASH_WINDOW = 8191;

    uint256 public immutable blocksPerEpoch;
    uint256 public immutable firstBlock;

    address payable public market;
    uint256 public submissionIndex;
    uint256 public epoch;
    uint256 public epochStartPosition;

    FlowTree private _tree;
    MineContext private _context;
    mapping(uint256 txSeq => bytes32 flowRoot) private _rootByTxSeq;
    mapping(bytes32 digest => EpochRange) private _epochRanges;
    EpochRangeWithContextDigest[] private _epochRangeHistory;
    bytes32[ROOT_HISTORY_WINDOW] private _epochRoots;

    /// @notice 0G's error for an underpaid submission: `amount` is the sectors charged, `paid` the value sent.
    error NotEnoughFee(uint256 price, uint256 amount, uint256 paid);
    error RefundFailed(address to, uint256 amount);
    error NotLaunched(uint256 firstBlock);
    error PositionOutOfRange(uint256 position, uint256 flowLength);
    error NoContextAtPosition(uint256 position);
    error EpochRootExpired(uint256 epoch);

    event MarketChanged(address indexed market);

    constructor(address admin, address payable market_, uint256 blocksPerEpoch_, uint256 deployDelay) {
        require(blocksPerEpoch_ > 0, "blocksPerEpoch must be positive");
        blocksPerEpoch = blocksPerEpoch_;
        firstBlock = block.number + deployDelay;
        market = market_;
        _tree.initialize();
        _context = MineContext({
            epoch: 0,
            mineStart: firstBlock,
            flowRoot: _tree.root(),
            flowLength: 1,
            blockDigest: EMPTY_HASH,
            digest: EMPTY_HASH
        });
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(MARKET_ADMIN_ROLE, admin);
        emit MarketChanged(market_);
    }

    modifier launched() {
        if (block.number < firstBlock) revert NotLaunched(firstBlock);
        _;
    }

    /*=== submit ===*/

    /// @notice Current ABI, selector 0xbc8c11f8.
    function submit(Submission calldata submission)
        external
        payable
        whenNotPaused
        launched
        returns (uint256, bytes32, uint256, uint256)
    {
        return _submitPaid(submission.data);
    }

    /// @notice Legacy ABI, selector 0xef3e12dc.
    function submit(SubmissionData calldata submission)
        external
        payable
        whenNotPaused
        launched
        returns (uint256, bytes32, uint256, uint256)
    {
        return _submitPaid(submission);
    }

    /// @notice Current ABI batch, selector 0x49aa3395: one fee check for all, entries in order.
    function batchSubmit(Submission[] calldata submissions)
        external
        payable
        whenNotPaused
        launched
        returns (uint256[] memory, bytes32[] memory, uint256[] memory, uint256[] memory)
    {
        SubmissionData[] memory data = new SubmissionData[](submissions.length);
        for (uint256 i = 0; i < submissions.length; i++) {
            data[i] = submissions[i].data;
        }
        return _batchSubmitPaid(data);
    }

    /// @notice Legacy ABI batch, selector 0x9e62a38e.
    function batchSubmit(SubmissionData[] calldata submissions)
        external
        payable
        whenNotPaused
        launched
        returns (uint256[] memory, bytes32[] memory, uint256[] memory, uint256[] memory)
    {
        return _batchSubmitPaid(submissions);
    }

    function _submitPaid(SubmissionData memory data)
        private
        returns (uint256 index, bytes32 digest, uint256 start, uint256 length)
    {
        uint256 price = _chargeablePrice(data.sectors());
        (index, digest, start, length) = _submit(data, price);
        _refund(msg.value - length * price);
    }

    function _batchSubmitPaid(SubmissionData[] memory data)
        private
        returns (uint256[] memory indexes, bytes32[] memory digests, uint256[] memory starts, uint256[] memory lengths)
    {
        uint256 total;
        for (uint256 i = 0; i < data.length; i++) {
            total += data[i].sectors();
        }
        uint256 price = _chargeablePrice(total);
        indexes = new uint256[](data.length);
        digests = new bytes32[](data.length);
        starts = new uint256[](data.length);
        lengths = new uint256[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (indexes[i], digests[i], starts[i], lengths[i]) = _submit(data[i], price);
        }
        _refund(msg.value - total * price);
    }

    /// @dev Reads the market price and checks msg.value covers `sectors` of it.
    function _chargeablePrice(uint256 sectors) private view returns (uint256 price) {
        price = IMarket(market).pricePerSector();
        if (msg.value < sectors * price) revert NotEnoughFee(price, sectors, msg.value);
    }

    function _submit(SubmissionData memory data, uint256 price)
        private
        returns (uint256 index, bytes32 digest, uint256 start, uint256 length)
    {
        require(data.isValid(), "Invalid submission");
        length = data.sectors();
        makeContext();

        uint256 before = _tree.length;
        start = _appendNodes(data, length);
        IMarket(market).chargeFee{value: length * price}(before, length, start - before);

        digest = data.digest();
        index = submissionIndex++;
        _rootByTxSeq[index] = _tree.root();
        emit Submit(msg.sender, digest, index, start, length, data);
    }

    /// @dev The first node goes to the next multiple of its size; an entry that would straddle a segment boundary
    ///      without starting on one moves to the next boundary. Later nodes are smaller, so they need no gap.
    function _appendNodes(SubmissionData memory data, uint256 sectors) private returns (uint256 start) {
        uint256 align = 1 << data.nodes[0].height;
        start = ((_tree.length + align - 1) / align) * align;
        if (start % SECTORS_PER_SEGMENT != 0 && start / SECTORS_PER_SEGMENT != (start + sectors - 1) / SECTORS_PER_SEGMENT) {
            start = (start / SECTORS_PER_SEGMENT + 1) * SECTORS_PER_SEGMENT;
        }
        _tree.padTo(start);
        for (uint256 i = 0; i < data.nodes.length; i++) {
            _tree.insert(data.nodes[i].root, data.nodes[i].height);
        }
    }

    function _refund(uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert RefundFailed(msg.sender, amount);
    }

    /*=== epochs ===*/

    /// @notice Close every epoch that has ended: snapshot the flow root and length into a mining context.
    function makeContext() public launched {
        while (_closeEpoch()) {}
    }

    function makeContextWithResult() external launched returns (MineContext memory) {
        makeContext();
        return _context;
    }

    function _closeEpoch() private returns (bool) {
        uint256 nextEpochStart = firstBlock + (epoch + 1) * blocksPerEpoch;
        if (nextEpochStart >= block.number) return false;

        bytes32 flowRoot = _tree.root();
        uint256 flowLength = _tree.length;
        _epochRoots[epoch % ROOT_HISTORY_WINDOW] = flowRoot;

        bytes32 blockDigest = EMPTY_HASH;
        bytes32 contextDigest = EMPTY_HASH;
        if (nextEpochStart + BLOCKHASH_WINDOW >= block.number) {
            blockDigest = Blockhash.blockHash(nextEpochStart);
            contextDigest = keccak256(abi.encode(blockDigest, flowRoot, flowLength));
            EpochRange memory range = EpochRange(uint128(epochStartPosition), uint128(flowLength));
            _epochRanges[contextDigest] = range;
            _epochRangeHistory.push(EpochRangeWithContextDigest(range.start, range.end, contextDigest));
            epochStartPosition = flowLength;
        }

        epoch += 1;
        _context = MineContext({
            epoch: epoch,
            mineStart: nextEpochStart,
            flowRoot: flowRoot,
            flowLength: flowLength,
            blockDigest: blockDigest,
            digest: contextDigest
        });
        emit NewEpoch(msg.sender, epoch, flowRoot, submissionIndex, flowLength, contextDigest);
        return true;
    }

    /// @notice The epoch range (and its context digest) that contains flow sector `position`.
    function queryContextAtPosition(uint128 position) external returns (EpochRangeWithContextDigest memory range) {
        makeContext();
        if (position >= _tree.length) revert PositionOutOfRange(position, _tree.length);
        uint256 low = 0;
        uint256 high = _epochRangeHistory.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            range = _epochRangeHistory[mid];
            if (position >= range.end) {
                low = mid + 1;
            } else if (position >= range.start) {
                return range;
            } else {
                high = mid;
            }
        }
        revert NoContextAtPosition(position);
    }

    /*=== views ===*/

    function numSubmissions() external view returns (uint256) {
        return submissionIndex;
    }

    /// @notice Flow root right after entry `txSeq` was appended (zero for an unknown tx seq).
    function getFlowRootByTxSeq(uint256 txSeq) external view returns (bytes32) {
        return _rootByTxSeq[txSeq];
    }

    /// @notice Current flow length in sectors and the current flow root.
    function tree() external view returns (uint256 currentLength, bytes32 root) {
        return (_tree.length, _tree.root());
    }

    function computeFlowRoot() external view returns (bytes32) {
        return _tree.root();
    }

    function getContext() external view returns (MineContext memory) {
        return _context;
    }

    function getEpochRange(bytes32 digest) external view returns (EpochRange memory) {
        return _epochRanges[digest];
    }

    function getEpochRangeHistory(uint256 index) external view returns (EpochRangeWithContextDigest memory) {
        return _epochRangeHistory[index];
    }

    /// @notice Flow root at the close of `epochIndex`, kept for the last ROOT_HISTORY_WINDOW epochs.
    function getEpochFlowRoot(uint256 epochIndex) external view returns (bytes32) {
        if (epochIndex >= epoch || epochIndex + ROOT_HISTORY_WINDOW < epoch) revert EpochRootExpired(epochIndex);
        return _epochRoots[epochIndex % ROOT_HISTORY_WINDOW];
    }

    /*=== admin ===*/

    function setMarket(address payable market_) external onlyRole(MARKET_ADMIN_ROLE) {
        market = market_;
        emit MarketChanged(market_);
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
