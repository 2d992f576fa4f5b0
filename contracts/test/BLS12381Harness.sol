// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {BLS12381} from "../da/BLS12381.sol";

/// @title BLS12381Harness: test-only views over the BLS12381 library (hash to G2, compression, verification), so
///        tests can compare each step with the Python implementation. Never deployed by the devnet.
contract BLS12381Harness {
    function hashToG2(bytes calldata dst, bytes calldata message) external view returns (bytes memory) {
        return BLS12381.hashToG2(dst, message);
    }

    function expandMessageXmd(bytes calldata dst, bytes calldata message, uint256 lenInBytes)
        external
        view
        returns (bytes memory)
    {
        return BLS12381.expandMessageXmd(dst, message, lenInBytes);
    }

    function compressG1(bytes calldata point) external pure returns (bytes memory) {
        return BLS12381.compressG1(point);
    }

    function g1Add(bytes calldata a, bytes calldata b) external view returns (bytes memory) {
        return BLS12381.g1Add(a, b);
    }

    function verify(bytes calldata pk, bytes calldata dst, bytes calldata message, bytes calldata sig)
        external
        view
        returns (bool)
    {
        return BLS12381.verify(pk, dst, message, sig);
    }

    function verifyPop(bytes calldata pk, bytes calldata pop) external view returns (bool) {
        return BLS12381.verifyPop(pk, pop);
    }

    /// @notice Gas of one `verify` (hash to G2 included), measured inside the call.
    function verifyGas(bytes calldata pk, bytes calldata dst, bytes calldata message, bytes calldata sig)
        external
        view
        returns (bool valid, uint256 hashGas, uint256 totalGas)
    {
        uint256 start = gasleft();
        BLS12381.hashToG2(dst, message);
        hashGas = start - gasleft();
        start = gasleft();
        valid = BLS12381.verify(pk, dst, message, sig);
        totalGas = start - gasleft();
    }
}
