// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SSTORE2} from "./SSTORE2.sol";

/// @dev Rows per quorum: position j of a quorum owns row j of every blob sent to it.
uint256 constant ROWS_PER_QUORUM = 128;

/// @title EpochSnapshot: the layout of an epoch's SSTORE2 data contract.
/// @notice Written once by the registry when the epoch is made; read by the registry's views and by DAEntrance.
///           [0, 2)                  uint16 n, the epoch's signer count (big-endian)
///           [2, 4)                  uint16 q, its quorum count
///           [4, 4 + 20n)            signer addresses, in signer-index order (the epoch's registration order)
///           [4 + 20n, 4 + 116n)     public keys, 96 bytes each: x (48 B) ‖ y (48 B), the EIP-2537 point unpadded
///           [4 + 116n, … + 128q)    per quorum, 128 one-byte signer indices: the owner of each row
library EpochSnapshot {
    uint256 internal constant HEADER_BYTES = 4;
    uint256 internal constant ADDRESS_BYTES = 20;
    uint256 internal constant KEY_BYTES = 96;

    function addressOffset(uint256 index) internal pure returns (uint256) {
        return HEADER_BYTES + ADDRESS_BYTES * index;
    }

    function keyOffset(uint256 signerCount, uint256 index) internal pure returns (uint256) {
        return HEADER_BYTES + ADDRESS_BYTES * signerCount + KEY_BYTES * index;
    }

    function quorumOffset(uint256 signerCount, uint256 quorumId) internal pure returns (uint256) {
        return HEADER_BYTES + (ADDRESS_BYTES + KEY_BYTES) * signerCount + ROWS_PER_QUORUM * quorumId;
    }

    function totalBytes(uint256 signerCount, uint256 quorumCount) internal pure returns (uint256) {
        return HEADER_BYTES + (ADDRESS_BYTES + KEY_BYTES) * signerCount + ROWS_PER_QUORUM * quorumCount;
    }

    /// @notice Copy signer `index`'s public key to memory at `dest` as a 128-byte EIP-2537 point (the 16-byte pads
    ///         are written as zeros).
    function loadKey(address snapshot, uint256 signerCount, uint256 index, uint256 dest) internal view {
        uint256 offset = keyOffset(signerCount, index);
        assembly ("memory-safe") {
            mstore(dest, 0)
            mstore(add(dest, 64), 0)
            extcodecopy(snapshot, add(dest, 16), add(offset, 1), 48)
            extcodecopy(snapshot, add(dest, 80), add(offset, 49), 48)
        }
    }

    /// @notice The 128 row owners (signer indices) of quorum `quorumId`, as bytes.
    function rowOwners(address snapshot, uint256 signerCount, uint256 quorumId)
        internal
        view
        returns (bytes memory owners)
    {
        owners = new bytes(ROWS_PER_QUORUM);
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(owners, 32)
        }
        SSTORE2.copyTo(snapshot, quorumOffset(signerCount, quorumId), ROWS_PER_QUORUM, dest);
    }

    /// @notice The epoch's signer addresses in index order.
    function signers(address snapshot, uint256 signerCount) internal view returns (address[] memory list) {
        bytes memory raw = new bytes(ADDRESS_BYTES * signerCount);
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(raw, 32)
        }
        SSTORE2.copyTo(snapshot, HEADER_BYTES, raw.length, dest);
        list = new address[](signerCount);
        for (uint256 i = 0; i < signerCount; ++i) {
            address a;
            assembly ("memory-safe") {
                a := shr(96, mload(add(dest, mul(i, 20))))
            }
            list[i] = a;
        }
    }
}
