// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice What DAEntrance needs from the signer registry.
interface IDASignerRegistry {
    /// @notice Make the due epoch if needed; returns the current epoch and its quorum count.
    function makeEpoch() external returns (uint256 epoch, uint256 quorums);

    function epochNumber() external view returns (uint256);

    function quorumCount(uint256 epoch) external view returns (uint256);

    /// @notice Snapshot data contract, signer count and quorum count of a made epoch (zeros otherwise).
    function epochSnapshot(uint256 epoch)
        external
        view
        returns (address snapshotAddress, uint256 signerCount, uint256 quorums);
}
