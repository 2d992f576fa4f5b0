// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title BLS12381: BLS signatures (min-pubkey, PoP ciphersuite) on the EIP-2537 precompiles (Prague).
/// @notice Points are in EIP-2537 form: G1 128 bytes (16 zero bytes ‖ x ‖ 16 zero bytes ‖ y), G2 256 bytes
///         (x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, each coordinate padded to 64 bytes). Public keys are in G1, signatures in G2.
///         Hash to G2 is RFC 9380 `BLS12381G2_XMD:SHA-256_SSWU_RO_` computed here (expand_message_xmd with the
///         SHA-256 precompile, reduction mod p with MODEXP, MAP_FP2_TO_G2 twice, G2ADD): callers never supply H(m).
///         Every precompile gets exactly its price (a failed call burns what it was given) and a failed call
///         reverts with `PrecompileFailed(address)`: a malformed point is an error, never a silent "false". The
///         pairing precompile checks every input (encoding, curve, subgroup); G1ADD does not check the subgroup, so
///         sums are only sound over keys that passed a pairing (the PoP at registration).
library BLS12381 {
    address internal constant SHA256 = address(0x02);
    address internal constant MODEXP = address(0x05);
    address internal constant G1ADD = address(0x0b);
    address internal constant G2ADD = address(0x0d);
    address internal constant PAIRING = address(0x0f);
    address internal constant MAP_FP2_TO_G2 = address(0x11);

    uint256 internal constant G1ADD_GAS = 375;
    uint256 internal constant G2ADD_GAS = 600;
    uint256 internal constant MAP_FP2_TO_G2_GAS = 23_800;
    uint256 internal constant PAIRING_BASE_GAS = 37_700;
    uint256 internal constant PAIRING_PER_PAIR_GAS = 32_600;
    /// @dev MODEXP of a 64-byte base, 1-byte exponent 1 and 64-byte modulus: 200 in Prague (EIP-2565), 500 from
    ///      Osaka (EIP-7883); 500 covers both and is only burnt if the call fails, which it cannot.
    uint256 internal constant MODEXP_GAS = 500;

    uint256 internal constant G1_POINT_BYTES = 128;
    uint256 internal constant G2_POINT_BYTES = 256;

    bytes internal constant DST_SIG = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    bytes internal constant DST_POP = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    // p = P_HI · 2^256 + P_LO; HALF = (p − 1) / 2 likewise (the ZCash y-sign threshold).
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    uint256 private constant HALF_HI = 0x0d0088f51cbff34d258dd3db21a5d66b;
    uint256 private constant HALF_LO = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;
    // −G1 (the negated generator), the second pairing pair's G1 point.
    uint256 private constant NEG_G1_X_HI = 0x17f1d3a73197d7942695638c4fa9ac0f;
    uint256 private constant NEG_G1_X_LO = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 private constant NEG_G1_Y_HI = 0x114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 private constant NEG_G1_Y_LO = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    error PrecompileFailed(address precompile);
    error InvalidPointLength(uint256 expected, uint256 given);
    error DstTooLong(uint256 length);

    /*=== encodings ===*/

    /// @notice Whether `point` (any length) is all zero bytes: EIP-2537's encoding of infinity.
    function isInfinity(bytes memory point) internal pure returns (bool zero) {
        zero = true;
        uint256 words = point.length / 32;
        for (uint256 i = 0; i < words; ++i) {
            bytes32 w;
            assembly ("memory-safe") {
                w := mload(add(add(point, 32), shl(5, i)))
            }
            if (w != 0) return false;
        }
        for (uint256 i = words * 32; i < point.length; ++i) {
            if (point[i] != 0) return false;
        }
    }

    /// @notice The ZCash 48-byte compressed form of an EIP-2537 G1 point (flag 0x80 compressed, 0x20 when y is the
    ///         larger root, 0xc0 for infinity): the message of a proof of possession. The coordinates are taken as
    ///         given; the pairing that follows rejects a non-canonical or off-curve point.
    function compressG1(bytes memory point) internal pure returns (bytes memory out) {
        if (point.length != G1_POINT_BYTES) revert InvalidPointLength(G1_POINT_BYTES, point.length);
        out = new bytes(48);
        uint256 xHi;
        uint256 xLo;
        uint256 yHi;
        uint256 yLo;
        assembly ("memory-safe") {
            xHi := mload(add(point, 32))
            xLo := mload(add(point, 64))
            yHi := mload(add(point, 96))
            yLo := mload(add(point, 128))
        }
        uint256 flags;
        if (xHi == 0 && xLo == 0 && yHi == 0 && yLo == 0) {
            flags = 0xc0;
        } else {
            flags = 0x80;
            if (yHi > HALF_HI || (yHi == HALF_HI && yLo > HALF_LO)) flags |= 0x20;
        }
        assembly ("memory-safe") {
            // x is 48 bytes: the low 16 bytes of xHi, then xLo.
            mstore(add(out, 32), shl(128, xHi))
            mstore(add(out, 48), xLo)
            mstore8(add(out, 32), or(byte(0, mload(add(out, 32))), flags))
        }
    }

    /*=== hash to G2 (RFC 9380) ===*/

    /// @notice RFC 9380 hash_to_curve for BLS12381G2_XMD:SHA-256_SSWU_RO_: a 256-byte EIP-2537 G2 point.
    function hashToG2(bytes memory dst, bytes memory message) internal view returns (bytes memory h) {
        h = new bytes(G2_POINT_BYTES);
        uint256 out;
        assembly ("memory-safe") {
            out := add(h, 32)
        }
        hashToG2Into(dst, message, out);
    }

    /// @notice `hashToG2` written to memory at `out` (256 bytes).
    function hashToG2Into(bytes memory dst, bytes memory message, uint256 out) internal view {
        bytes memory uniform = expandMessageXmd(dst, message, 256);
        // u0 = (e0, e1), u1 = (e2, e3), each e = 64 bytes of uniform mod p (hash_to_field, m = 2, L = 64), laid out
        // as two EIP-2537 Fp2 elements (c0 ‖ c1) for MAP_FP2_TO_G2.
        bytes memory fields = new bytes(256);
        bytes memory points = new bytes(512);
        bool ok = true;
        assembly ("memory-safe") {
            let buf := mload(0x40) // MODEXP input: 3 lengths, base (64), exponent (1), modulus (64) = 225 bytes
            mstore(0x40, add(buf, 256))
            mstore(buf, 64)
            mstore(add(buf, 32), 1)
            mstore(add(buf, 64), 64)
            for { let i := 0 } lt(i, 4) { i := add(i, 1) } {
                let src := add(add(uniform, 32), shl(6, i))
                mstore(add(buf, 96), mload(src))
                mstore(add(buf, 128), mload(add(src, 32)))
                mstore8(add(buf, 160), 1)
                mstore(add(buf, 161), P_HI)
                mstore(add(buf, 193), P_LO)
                ok := and(ok, staticcall(MODEXP_GAS, 0x05, buf, 225, add(add(fields, 32), shl(6, i)), 64))
            }
        }
        if (!ok) revert PrecompileFailed(MODEXP);
        assembly ("memory-safe") {
            let f := add(fields, 32)
            let q := add(points, 32)
            ok := staticcall(MAP_FP2_TO_G2_GAS, 0x11, f, 128, q, 256)
            ok := and(ok, staticcall(MAP_FP2_TO_G2_GAS, 0x11, add(f, 128), 128, add(q, 256), 256))
        }
        if (!ok) revert PrecompileFailed(MAP_FP2_TO_G2);
        assembly ("memory-safe") {
            ok := staticcall(G2ADD_GAS, 0x0d, add(points, 32), 512, out, 256)
        }
        if (!ok) revert PrecompileFailed(G2ADD);
    }

    /// @notice RFC 9380 §5.3.1 expand_message_xmd with SHA-256 (b_in_bytes 32, s_in_bytes 64).
    function expandMessageXmd(bytes memory dst, bytes memory message, uint256 lenInBytes)
        internal
        view
        returns (bytes memory uniform)
    {
        if (dst.length > 255) revert DstTooLong(dst.length);
        uint256 ell = (lenInBytes + 31) / 32;
        // msg_prime = Z_pad (64 zero bytes) ‖ msg ‖ I2OSP(len_in_bytes, 2) ‖ I2OSP(0, 1) ‖ DST ‖ I2OSP(len(DST), 1)
        bytes memory prime =
            abi.encodePacked(bytes32(0), bytes32(0), message, uint16(lenInBytes), uint8(0), dst, uint8(dst.length));
        bytes32 b0 = _sha256(prime);
        // b_i = H(strxor(b_0, b_{i−1}) ‖ I2OSP(i, 1) ‖ DST_prime), b_1 = H(b_0 ‖ 1 ‖ DST_prime)
        bytes memory buf = abi.encodePacked(b0, uint8(1), dst, uint8(dst.length));
        uniform = new bytes(ell * 32);
        bytes32 bi = _sha256(buf);
        assembly ("memory-safe") {
            mstore(add(uniform, 32), bi)
        }
        for (uint256 i = 2; i <= ell; ++i) {
            assembly ("memory-safe") {
                mstore(add(buf, 32), xor(b0, bi))
                mstore8(add(buf, 64), i)
            }
            bi = _sha256(buf);
            assembly ("memory-safe") {
                mstore(add(uniform, shl(5, i)), bi)
            }
        }
        assembly ("memory-safe") {
            mstore(uniform, lenInBytes)
        }
    }

    function _sha256(bytes memory data) private view returns (bytes32 digest) {
        bool ok;
        assembly ("memory-safe") {
            let len := mload(data)
            ok := staticcall(add(60, mul(12, shr(5, add(len, 31)))), 0x02, add(data, 32), len, 0x00, 0x20)
            digest := mload(0x00)
        }
        if (!ok) revert PrecompileFailed(SHA256);
    }

    /*=== group operations and pairing ===*/

    /// @notice G1ADD in place: the 128-byte point at `acc` becomes acc + (the 128-byte point at acc + 128).
    function g1AddInPlace(uint256 acc) internal view {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(G1ADD_GAS, 0x0b, acc, 256, acc, 128)
        }
        if (!ok) revert PrecompileFailed(G1ADD);
    }

    /// @notice a + b in G1 (EIP-2537 points).
    function g1Add(bytes memory a, bytes memory b) internal view returns (bytes memory sum) {
        if (a.length != G1_POINT_BYTES) revert InvalidPointLength(G1_POINT_BYTES, a.length);
        if (b.length != G1_POINT_BYTES) revert InvalidPointLength(G1_POINT_BYTES, b.length);
        bytes memory input = bytes.concat(a, b);
        sum = new bytes(G1_POINT_BYTES);
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(G1ADD_GAS, 0x0b, add(input, 32), 256, add(sum, 32), 128)
        }
        if (!ok) revert PrecompileFailed(G1ADD);
    }

    /// @notice The pairing check over the `pairs` (G1, G2) pairs at `input` (384 bytes each): whether the product
    ///         of the pairings is 1. Reverts if the precompile fails (a malformed or out-of-subgroup point).
    function pairingCheck(uint256 input, uint256 pairs) internal view returns (bool valid) {
        bool ok;
        uint256 gasPrice = PAIRING_BASE_GAS + PAIRING_PER_PAIR_GAS * pairs;
        assembly ("memory-safe") {
            mstore(0x00, 0)
            ok := staticcall(gasPrice, 0x0f, input, mul(pairs, 384), 0x00, 0x20)
            valid := eq(mload(0x00), 1)
        }
        if (!ok) revert PrecompileFailed(PAIRING);
    }

    /// @notice Whether e(pk, h) · e(−G1, sig) = 1, i.e. sig is pk's signature on the message that hashed to h.
    ///         `pk` is at `pkPtr` (128 bytes), `h` at `hPtr` (256), `sig` is a 256-byte EIP-2537 point.
    function verifyHashed(uint256 pkPtr, uint256 hPtr, bytes memory sig) internal view returns (bool) {
        if (sig.length != G2_POINT_BYTES) revert InvalidPointLength(G2_POINT_BYTES, sig.length);
        uint256 input;
        assembly ("memory-safe") {
            input := mload(0x40)
            mstore(0x40, add(input, 768))
            mcopy(input, pkPtr, 128)
            mcopy(add(input, 128), hPtr, 256)
            mstore(add(input, 384), NEG_G1_X_HI)
            mstore(add(input, 416), NEG_G1_X_LO)
            mstore(add(input, 448), NEG_G1_Y_HI)
            mstore(add(input, 480), NEG_G1_Y_LO)
            mcopy(add(input, 512), add(sig, 32), 256)
        }
        return pairingCheck(input, 2);
    }

    /// @notice Whether `sig` is `pk`'s signature on `message` under `dst` (pk 128 bytes, sig 256 bytes).
    function verify(bytes memory pk, bytes memory dst, bytes memory message, bytes memory sig)
        internal
        view
        returns (bool)
    {
        if (pk.length != G1_POINT_BYTES) revert InvalidPointLength(G1_POINT_BYTES, pk.length);
        bytes memory h = hashToG2(dst, message);
        uint256 pkPtr;
        uint256 hPtr;
        assembly ("memory-safe") {
            pkPtr := add(pk, 32)
            hPtr := add(h, 32)
        }
        return verifyHashed(pkPtr, hPtr, sig);
    }

    /// @notice Whether `pop` is `pk`'s proof of possession: a signature over compressG1(pk) under DST_POP.
    function verifyPop(bytes memory pk, bytes memory pop) internal view returns (bool) {
        return verify(pk, DST_POP, compressG1(pk), pop);
    }
}
