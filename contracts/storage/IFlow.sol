// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Submission, SubmissionData} from "./Submission.sol";

/// @notice Sector range [start, end) appended during an epoch.
struct EpochRange {
    uint128 start;
    uint128 end;
}

struct EpochRangeWithContextDigest {
    uint128 start;
    uint128 end;
    bytes32 digest;
}

/// @notice What a miner needs to mine an epoch.
struct MineContext {
    uint256 epoch;
    uint256 mineStart; // block whose hash seeds the epoch
    bytes32 flowRoot;
    uint256 flowLength;
    bytes32 blockDigest;
    bytes32 digest; // keccak256(abi.encode(blockDigest, flowRoot, flowLength)), or EMPTY_HASH
}

/// @notice 0G's storage log, with its exact event signatures and submit ABIs.
interface IFlow {
    event Submit(
        address indexed sender,
        bytes32 indexed identity,
        uint256 submissionIndex,
        uint256 startPos,
        uint256 length,
        SubmissionData submission
    );

    event NewEpoch(
        address indexed sender,
        uint256 indexed index,
        bytes32 startMerkleRoot,
        uint256 submissionIndex,
        uint256 flowLength,
        bytes32 context
    );

    function submit(Submission calldata submission) external payable returns (uint256, bytes32, uint256, uint256);

    function submit(SubmissionData calldata submission) external payable returns (uint256, bytes32, uint256, uint256);

    function market() external view returns (address payable);

    function submissionIndex() external view returns (uint256);

    function numSubmissions() external view returns (uint256);

    function getFlowRootByTxSeq(uint256 txSeq) external view returns (bytes32);

    function getContext() external view returns (MineContext memory);

    function getEpochRange(bytes32 digest) external view returns (EpochRange memory);

    function makeContext() external;

    function makeContextWithResult() external returns (MineContext memory);

    function queryContextAtPosition(uint128 targetPosition) external returns (EpochRangeWithContextDigest memory);
}
