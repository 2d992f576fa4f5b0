// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IMarket} from "./IMarket.sol";

/// @notice A storage reward pool that a market feeds with fees (PoRA rewards; see the mining layer).
interface IFeeSink {
    function fillReward(uint256 beforeLength, uint256 chargedSectors) external payable;
}

/// @title FixedPriceMarket: a governance-set price per sector; fees collected from the Flow.
/// @notice Fees accumulate here until a reward pool is set; from then on each fee is forwarded to the pool with
///         the sector range it pays for. `pricePerSector()` is what 0G's SDKs read (selector 0x61ec5082).
contract FixedPriceMarket is IMarket, AccessControl {
    bytes32 public constant PRICE_ADMIN_ROLE = keccak256("PRICE_ADMIN_ROLE");

    uint256 public pricePerSector;
    address public flow;
    address public reward;
    uint256 public totalFees;
    uint256 public totalSectors;

    error OnlyFlow(address caller);
    error FlowAlreadySet(address flow);

    event FlowSet(address indexed flow);
    event RewardSet(address indexed reward);
    event PriceChanged(uint256 pricePerSector);
    event FeeCharged(uint256 beforeLength, uint256 uploadSectors, uint256 paddingSectors, uint256 amount);

    constructor(address admin, uint256 pricePerSector_) {
        pricePerSector = pricePerSector_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PRICE_ADMIN_ROLE, admin);
        emit PriceChanged(pricePerSector_);
    }

    /// @notice Bind the one Flow allowed to charge fees; can be done once.
    function setFlow(address flow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (flow != address(0)) revert FlowAlreadySet(flow);
        flow = flow_;
        emit FlowSet(flow_);
    }

    /// @notice Route future fees, and those held now, to a reward pool.
    function setReward(address reward_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        reward = reward_;
        emit RewardSet(reward_);
    }

    function setPricePerSector(uint256 pricePerSector_) external onlyRole(PRICE_ADMIN_ROLE) {
        pricePerSector = pricePerSector_;
        emit PriceChanged(pricePerSector_);
    }

    function chargeFee(uint256 beforeLength, uint256 uploadSectors, uint256 paddingSectors) external payable {
        if (msg.sender != flow) revert OnlyFlow(msg.sender);
        totalFees += msg.value;
        totalSectors += uploadSectors;
        emit FeeCharged(beforeLength, uploadSectors, paddingSectors, msg.value);
        if (reward != address(0) && msg.value > 0) {
            IFeeSink(reward).fillReward{value: msg.value}(beforeLength + paddingSectors, uploadSectors);
        }
    }

    /// @notice Send fees collected before a reward pool was set to it.
    function forwardHeldFees(uint256 beforeLength, uint256 sectors) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(reward != address(0), "no reward pool set");
        IFeeSink(reward).fillReward{value: address(this).balance}(beforeLength, sectors);
    }
}
