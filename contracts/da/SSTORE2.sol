// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title SSTORE2: immutable data kept as the runtime code of a contract (write once, EXTCODECOPY to read).
/// @notice The data contract's code is 0x00 (STOP, so a call does nothing) followed by the data; reads skip that
///         byte. Reading costs about 2,600 gas for the first (cold) access and a few gas per word after, against
///         2,100 per 32-byte slot from storage: the cheap way to load many public keys.
library SSTORE2 {
    /// @notice At most this many data bytes: the code size limit (EIP-170) minus the STOP byte.
    uint256 internal constant MAX_DATA_BYTES = 24_575;

    error DataTooLarge(uint256 length);
    error DeploymentFailed();
    error ReadOutOfBounds(uint256 offset, uint256 length, uint256 size);

    /// @notice Deploy `data` as a data contract; returns its address.
    function write(bytes memory data) internal returns (address pointer) {
        uint256 length = data.length;
        if (length > MAX_DATA_BYTES) revert DataTooLarge(length);
        // Init code: PUSH2 (length + 1), DUP1, PUSH1 0x0a, RETURNDATASIZE (0), CODECOPY, RETURNDATASIZE (0),
        // RETURN; then the runtime: 0x00 ‖ data. Ten bytes copy everything from offset 10 and return it.
        bytes memory code = abi.encodePacked(hex"61", uint16(length + 1), hex"80600a3d393df300", data);
        assembly ("memory-safe") {
            pointer := create(0, add(code, 32), mload(code))
        }
        if (pointer == address(0)) revert DeploymentFailed();
    }

    /// @notice Bytes of the data stored at `pointer`.
    function size(address pointer) internal view returns (uint256 n) {
        uint256 codeSize = pointer.code.length;
        return codeSize == 0 ? 0 : codeSize - 1;
    }

    /// @notice `length` data bytes from `offset`, copied to memory at `dest` (no bounds check: callers know the
    ///         layout they wrote; reading past the end yields zeros).
    function copyTo(address pointer, uint256 offset, uint256 length, uint256 dest) internal view {
        assembly ("memory-safe") {
            extcodecopy(pointer, dest, add(offset, 1), length)
        }
    }

    /// @notice `length` data bytes from `offset`, bounds-checked.
    function read(address pointer, uint256 offset, uint256 length) internal view returns (bytes memory data) {
        uint256 n = size(pointer);
        if (offset + length > n) revert ReadOutOfBounds(offset, length, n);
        data = new bytes(length);
        assembly ("memory-safe") {
            extcodecopy(pointer, add(data, 32), add(offset, 1), length)
        }
    }
}
