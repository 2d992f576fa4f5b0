// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice The storage reward pool: the market fills it with fees, the mine pays PoRA winners from it.
///         `fillReward` and `claimMineReward` keep 0G's ABI (IReward.sol).
interface IReward {
    /// @notice A winning answer in pricing chunk `pricingIndex` earned `amount` for `beneficiary` (pull payment).
    event DistributeReward(
        uint256 indexed pricingIndex, address indexed beneficiary, bytes32 indexed minerId, uint256 amount
    );

    /// @notice Fees for flow sectors [beforeLength, beforeLength + chargedSectors); only the market calls it.
    function fillReward(uint256 beforeLength, uint256 chargedSectors) external payable;

    /// @notice Pay a PoRA hit in pricing chunk `pricingIndex`; only the mine calls it.
    function claimMineReward(uint256 pricingIndex, address payable beneficiary, bytes32 minerId) external;

    /// @notice Sectors per pricing chunk: the mine maps a recall position to a chunk with it.
    function pricingChunkSectors() external view returns (uint256);
}
