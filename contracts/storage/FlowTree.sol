// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MAX_DEPTH, ZERO_SECTOR_HASH} from "./ZgsSpec.sol";

/// @notice The flow's incremental Merkle tree over sectors.
/// @dev `branch[h]` holds the root of the complete height-h subtree just left of the append position whenever bit h
///      of `length` is set. Appending a node aligned to its size carries up like binary addition. The root is the
///      perfect tree of height ceil(log2(length)) with zero subtrees right of the data; sector 0 is bytes32(0).
///      zerog.crypto.flow.FlowTree is the same model in Python, and tests check they agree.
struct FlowTree {
    uint256 length;
    bytes32[65] branch;
}

library FlowTreeLib {
    error MisalignedNode(uint256 position, uint256 height);

    function initialize(FlowTree storage self) internal {
        insert(self, bytes32(0), 0);
    }

    /// @dev Root of 2^height zero sectors.
    function zeros(uint256 height) internal pure returns (bytes32 node) {
        node = ZERO_SECTOR_HASH;
        for (uint256 i = 0; i < height; i++) {
            node = _hash(node, node);
        }
    }

    /// @dev Append a perfect subtree of 2^height sectors at the current length, which must be a multiple of it.
    function insert(FlowTree storage self, bytes32 node, uint256 height) internal {
        uint256 length = self.length;
        if (length & ((1 << height) - 1) != 0) revert MisalignedNode(length, height);
        uint256 level = height;
        while ((length >> level) & 1 == 1) {
            node = _hash(self.branch[level], node);
            level++;
        }
        self.branch[level] = node;
        self.length = length + (1 << height);
    }

    /// @dev Fill [length, target) with zero sectors, one largest aligned zero subtree at a time.
    function padTo(FlowTree storage self, uint256 target) internal {
        uint256 length = self.length;
        while (length < target) {
            uint256 height = _min(_lowestBit(length), _log2(target - length));
            insert(self, zeros(height), height);
            length = self.length;
        }
    }

    function root(FlowTree storage self) internal view returns (bytes32 node) {
        uint256 length = self.length;
        uint256 height = _log2(length);
        if ((1 << height) == length) return self.branch[height];
        height += 1; // ceil(log2(length)) for a length that is not a power of two
        node = ZERO_SECTOR_HASH;
        bytes32 zero = ZERO_SECTOR_HASH;
        for (uint256 level = 0; level < height; level++) {
            node = (length >> level) & 1 == 1 ? _hash(self.branch[level], node) : _hash(node, zero);
            zero = _hash(zero, zero);
        }
    }

    function _hash(bytes32 left, bytes32 right) private pure returns (bytes32 parent) {
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            parent := keccak256(0x00, 0x40)
        }
    }

    function _lowestBit(uint256 x) private pure returns (uint256 n) {
        while ((x >> n) & 1 == 0) n++;
    }

    function _log2(uint256 x) private pure returns (uint256 n) {
        while (x >> (n + 1) != 0) n++;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
