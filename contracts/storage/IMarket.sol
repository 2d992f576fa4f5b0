// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice The storage market a Flow charges: prices sectors and receives each entry's fee.
interface IMarket {
    /// @notice Price of one 256-byte sector, in wei, for the whole storage lifetime.
    function pricePerSector() external view returns (uint256);

    /// @notice Called by the flow with the fee of one entry: `uploadSectors` at `beforeLength + paddingSectors`,
    ///         after `paddingSectors` of alignment padding that nobody paid for.
    function chargeFee(uint256 beforeLength, uint256 uploadSectors, uint256 paddingSectors) external payable;
}
