// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MAX_MINING_LENGTH, SECTORS_PER_LOAD} from "./MineSpec.sol";

/// @notice The flow range a miner mines, in sectors, and the shard it holds: 0G's `RecallRange`, same field types,
///         so the answer struct (and the submit selector) match.
/// @dev `shardMask` has a zero bit for every shard bit; `shardId` sets those bits. The node uses
///      `shardMask = ~(numShards - 1)` and `shardId = shard index`.
struct RecallRange {
    uint256 startPosition;
    uint256 mineLength;
    uint64 shardId;
    uint64 shardMask;
}

library RecallRangeLib {
    /// @dev 2^(number of zero bits in shardMask).
    function numShards(RecallRange calldata range) internal pure returns (uint256) {
        uint64 negMask = ~range.shardMask;
        uint256 bits = 0;
        while (negMask != 0) {
            negMask &= negMask - 1;
            bits++;
        }
        return 1 << bits;
    }

    /// @dev keccak256(abi.encode(start, length, shardId, shardMask)): four big-endian words, as the node hashes it.
    function digest(RecallRange calldata range) internal pure returns (bytes32) {
        return keccak256(abi.encode(range.startPosition, range.mineLength, range.shardId, range.shardMask));
    }

    /// @dev How much harder a sharded miner's target is, as a 64.64 fixed-point factor >= 1: the unsharded mining
    ///      length over the length this shard mines. Reverts (division by zero) when the flow has fewer sectors than
    ///      shards; the range checks run first and reject such answers with a clear error.
    function targetScaleX64(RecallRange calldata range, uint256 flowLength) internal pure returns (uint256) {
        uint256 unsharded = flowLength > MAX_MINING_LENGTH ? MAX_MINING_LENGTH : flowLength;
        uint256 shardLength = flowLength / numShards(range);
        uint256 mined = shardLength > MAX_MINING_LENGTH ? MAX_MINING_LENGTH : shardLength;
        return (unsharded << 64) / mined;
    }

    /// @dev The first sector of the load (256 KiB) a recall seed picks: seed mod the loads in the range, forced into
    ///      this shard by the mask, as an offset from the range start.
    function recallLoadOffset(RecallRange calldata range, bytes32 seed) internal pure returns (uint256) {
        uint256 loads = range.mineLength / SECTORS_PER_LOAD;
        uint64 load = (uint64(uint256(seed) % loads) & range.shardMask) | range.shardId;
        return uint256(load) * SECTORS_PER_LOAD;
    }
}
