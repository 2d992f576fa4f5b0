// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {BYTES_PER_SECTOR, MAX_DEPTH, MAX_HEIGHT_SPAN} from "./ZgsSpec.sol";

/// @notice A perfect subtree of a file: 2^height sectors under `root`.
struct SubmissionNode {
    bytes32 root;
    uint256 height;
}

/// @notice One log entry as 0G defines it; also what the Submit event logs.
struct SubmissionData {
    uint256 length; // exact file size in bytes
    bytes tags; // opaque; the KV layer puts sha256("STREAM") and stream ids here
    SubmissionNode[] nodes; // strictly decreasing heights
}

/// @notice The current submit() argument: the data plus the address the client submits for.
struct Submission {
    SubmissionData data;
    address submitter;
}

/// @notice Validity, size and digest of a submission, exactly as 0G's clients and nodes expect them.
library SubmissionLib {
    /// @dev Sectors the entry occupies (flow padding included): what the fee is charged on.
    function sectors(SubmissionData memory self) internal pure returns (uint256 total) {
        for (uint256 i = 0; i < self.nodes.length; i++) {
            total += 1 << self.nodes[i].height;
        }
    }

    /// @dev keccak256 of the packed node roots: the Submit event's `identity`. It is not the file root.
    function digest(SubmissionData memory self) internal pure returns (bytes32) {
        bytes32[] memory roots = new bytes32[](self.nodes.length);
        for (uint256 i = 0; i < self.nodes.length; i++) {
            roots[i] = self.nodes[i].root;
        }
        return keccak256(abi.encodePacked(roots));
    }

    /// @dev True iff the nodes are what the flow padding rule gives for `length` bytes.
    ///      Padding: n chunks become a power of two, else a multiple of next_pow2(n)/16; the nodes are the binary
    ///      decomposition of the padded count. So the capacity must hold `length` and the next smaller capacity the
    ///      rule allows must not.
    function isValid(SubmissionData memory self) internal pure returns (bool) {
        uint256 count = self.nodes.length;
        if (count == 0) return false;
        uint256 top = self.nodes[0].height;
        if (top >= MAX_DEPTH) return false;
        for (uint256 i = 1; i < count; i++) {
            if (self.nodes[i].height >= self.nodes[i - 1].height) return false;
        }
        if (top - self.nodes[count - 1].height >= MAX_HEIGHT_SPAN) return false;

        uint256 capacity = sectors(self);
        if (self.length > capacity * BYTES_PER_SECTOR) return false;
        uint256 smallerCapacity;
        if (capacity < (1 << MAX_HEIGHT_SPAN)) {
            smallerCapacity = capacity - 1;
        } else if (count == 1) {
            smallerCapacity = capacity - (capacity >> MAX_HEIGHT_SPAN);
        } else {
            smallerCapacity = capacity - (1 << (top + 1 - MAX_HEIGHT_SPAN));
        }
        return self.length > smallerCapacity * BYTES_PER_SECTOR;
    }
}
