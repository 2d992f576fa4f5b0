// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {RecallRange} from "./RecallRange.sol";
import {BHASHES_PER_SEAL, SEALS_PER_PAD, UNITS_PER_SEAL} from "./MineSpec.sol";

/// @title MineLib: the PoRA answer and the hashing a verifier redoes.
/// @notice Blake2b-512 runs on the EIP-152 precompile (address 0x09, "F", 12 rounds per 128-byte block):
///         - padSeed = Blake2b(minerId ‖ nonce ‖ subtaskDigest ‖ rangeDigest), 128 bytes in, 64 out;
///         - the scratchpad is 1024 steps from d_0 = padSeed, each d[0] = keccak(d) then d[1] = keccak(d) (0G's
///           EVM-friendly scratchpad): 64 KiB, 16 seals of 64 digests; seal i of a load is mixed (XOR) with pad piece
///           i mod 16; recallSeed = keccak(d_1024);
///         - quality = the first 32 bytes of Blake2b(u256(sealOffset) ‖ padSeed ‖ 0^32 ‖ mixed seal), 4224 bytes in.
///         Sealing is a keccak chain: w'_0 = w_0 ^ keccak(minerId ‖ sealContext ‖ u256(sector)), w'_j = w_j ^
///         keccak(w'_{j-1}); unsealing needs only sealed words.
library MineLib {
    /// @notice 0G's answer struct, field for field: `submit(PoraAnswer)` has selector 0xae722e82.
    struct PoraAnswer {
        bytes32 contextDigest;
        bytes32 nonce;
        bytes32 minerId;
        RecallRange range;
        uint256 recallPosition;
        uint256 sealOffset;
        bytes32 sealedContextDigest;
        bytes32[UNITS_PER_SEAL] sealedData;
        bytes32[] merkleProof;
    }

    /// @dev Blake2b-512 initial state for an unkeyed 64-byte digest (IV with the parameter block 0x01010040 mixed
    ///      into word 0), as the little-endian words the precompile takes.
    bytes32 internal constant BLAKE2B_INIT_STATE0 = 0x48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5;
    bytes32 internal constant BLAKE2B_INIT_STATE1 = 0xd182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b;

    error Blake2bPrecompileFailed();

    /*=== Blake2b on the precompile ===*/

    // The precompile's 213-byte input is rounds(4, BE) ‖ h(64) ‖ m(128) ‖ t(16, LE) ‖ f(1). It lives in a 256-byte
    // buffer at `buf` so that h and m are word-aligned: rounds in the last 4 bytes of word 0, h at +0x20, m at +0x60,
    // t at +0xe0, f at +0xf0; the input starts at +0x1c.

    function _newBuffer() private pure returns (uint256 buf) {
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, 0x100))
            mstore(buf, 12) // rounds
            mstore(add(buf, 0x20), BLAKE2B_INIT_STATE0)
            mstore(add(buf, 0x40), BLAKE2B_INIT_STATE1)
            mstore(add(buf, 0x60), 0)
            mstore(add(buf, 0x80), 0)
            mstore(add(buf, 0xa0), 0)
            mstore(add(buf, 0xc0), 0)
            mstore(add(buf, 0xe0), 0)
        }
    }

    /// @dev The word at +0xe0: t = `offset` (< 2^16) little-endian, f = `last`.
    function _counterWord(uint256 offset, bool last) private pure returns (uint256 word) {
        word = ((offset & 0xff) << 248) | (((offset >> 8) & 0xff) << 240);
        if (last) word |= 1 << 120;
    }

    /// @notice Blake2b-512 of exactly 128 bytes: one final block.
    function blake2b128(bytes32 a, bytes32 b, bytes32 c, bytes32 d) internal view returns (bytes32 h0, bytes32 h1) {
        uint256 buf = _newBuffer();
        uint256 counter = _counterWord(128, true);
        bool ok;
        assembly ("memory-safe") {
            mstore(add(buf, 0x60), a)
            mstore(add(buf, 0x80), b)
            mstore(add(buf, 0xa0), c)
            mstore(add(buf, 0xc0), d)
            mstore(add(buf, 0xe0), counter)
            ok := staticcall(gas(), 0x09, add(buf, 0x1c), 0xd5, add(buf, 0x20), 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            h0 := mload(add(buf, 0x20))
            h1 := mload(add(buf, 0x40))
        }
        if (!ok) revert Blake2bPrecompileFailed();
    }

    /// @notice Blake2b-512 of one 64-byte input (a precompile self-check).
    function blake2b64(bytes32 a, bytes32 b) internal view returns (bytes32 h0, bytes32 h1) {
        uint256 buf = _newBuffer();
        uint256 counter = _counterWord(64, true);
        bool ok;
        assembly ("memory-safe") {
            mstore(add(buf, 0x60), a)
            mstore(add(buf, 0x80), b)
            mstore(add(buf, 0xe0), counter)
            ok := staticcall(gas(), 0x09, add(buf, 0x1c), 0xd5, add(buf, 0x20), 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            h0 := mload(add(buf, 0x20))
            h1 := mload(add(buf, 0x40))
        }
        if (!ok) revert Blake2bPrecompileFailed();
    }

    /*=== PoRA ===*/

    /// @dev `rounds` scratchpad steps on the 64-byte digest at `digest`: d[0] = keccak(d), then d[1] = keccak(d)
    ///      with the new d[0] (0G's EVM-friendly scratchpad, "next PoRA specification").
    function _padRounds(uint256 digest, uint256 rounds) private pure {
        assembly ("memory-safe") {
            let second := add(digest, 0x20)
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                mstore(digest, keccak256(digest, 0x40))
                mstore(second, keccak256(digest, 0x40))
            }
        }
    }

    /// @notice Rebuild the part of the scratchpad one seal needs and mix it into `data` in place.
    /// @param data the sealed seal; on return, sealed XOR the scratchpad piece `sealOffset % 16`
    /// @return recallSeed keccak of the scratchpad's last digest: it picks the recalled load
    function scratchPadMix(bytes32[UNITS_PER_SEAL] memory data, uint256 sealOffset, bytes32 seed0, bytes32 seed1)
        internal
        pure
        returns (bytes32 recallSeed)
    {
        uint256 piece = sealOffset % SEALS_PER_PAD;
        uint256 digest;
        assembly ("memory-safe") {
            digest := mload(0x40)
            mstore(0x40, add(digest, 0x40))
            mstore(digest, seed0)
            mstore(add(digest, 0x20), seed1)
        }
        _padRounds(digest, piece * BHASHES_PER_SEAL);
        assembly ("memory-safe") {
            let second := add(digest, 0x20)
            for { let i := 0 } lt(i, UNITS_PER_SEAL) { i := add(i, 2) } {
                mstore(digest, keccak256(digest, 0x40))
                mstore(second, keccak256(digest, 0x40))
                let word := add(data, mul(i, 0x20))
                mstore(word, xor(mload(word), mload(digest)))
                mstore(add(word, 0x20), xor(mload(add(word, 0x20)), mload(second)))
            }
        }
        _padRounds(digest, (SEALS_PER_PAD - piece - 1) * BHASHES_PER_SEAL);
        assembly ("memory-safe") {
            recallSeed := keccak256(digest, 0x40)
        }
    }

    /// @notice The PoRA output (quality): first 32 bytes of Blake2b(u256(sealOffset) ‖ padSeed ‖ 0^32 ‖ mixed).
    function poraHash(uint256 sealOffset, bytes32 seed0, bytes32 seed1, bytes32[UNITS_PER_SEAL] memory mixed)
        internal
        view
        returns (bytes32 output)
    {
        uint256 buf = _newBuffer();
        bool ok;
        uint256 counter = _counterWord(128, false);
        assembly ("memory-safe") {
            mstore(add(buf, 0x60), sealOffset)
            mstore(add(buf, 0x80), seed0)
            mstore(add(buf, 0xa0), seed1)
            mstore(add(buf, 0xe0), counter)
            ok := staticcall(gas(), 0x09, add(buf, 0x1c), 0xd5, add(buf, 0x20), 0x40)
        }
        for (uint256 block_ = 0; block_ < UNITS_PER_SEAL / 4; block_++) {
            counter = _counterWord(128 * (block_ + 2), block_ + 1 == UNITS_PER_SEAL / 4);
            assembly ("memory-safe") {
                let src := add(mixed, mul(block_, 0x80))
                mstore(add(buf, 0x60), mload(src))
                mstore(add(buf, 0x80), mload(add(src, 0x20)))
                mstore(add(buf, 0xa0), mload(add(src, 0x40)))
                mstore(add(buf, 0xc0), mload(add(src, 0x60)))
                mstore(add(buf, 0xe0), counter)
                ok := and(ok, staticcall(gas(), 0x09, add(buf, 0x1c), 0xd5, add(buf, 0x20), 0x40))
            }
        }
        assembly ("memory-safe") {
            ok := and(ok, eq(returndatasize(), 0x40))
            output := mload(add(buf, 0x20))
        }
        if (!ok) revert Blake2bPrecompileFailed();
    }

    /*=== sealing and the data proof ===*/

    /// @notice Undo the per-miner seal of the 4 KiB seal starting at flow sector `sector`.
    function unseal(bytes32[UNITS_PER_SEAL] memory sealedSeal, bytes32 minerId, bytes32 sealContext, uint256 sector)
        internal
        pure
        returns (bytes32[UNITS_PER_SEAL] memory plain)
    {
        plain[0] = sealedSeal[0] ^ keccak256(abi.encode(minerId, sealContext, sector));
        assembly ("memory-safe") {
            let src := sealedSeal
            let dst := add(plain, 0x20)
            let end := add(plain, mul(UNITS_PER_SEAL, 0x20))
            for {} lt(dst, end) { dst := add(dst, 0x20) } {
                let mask := keccak256(src, 0x20)
                src := add(src, 0x20)
                mstore(dst, xor(mload(src), mask))
            }
        }
    }

    /// @notice Root of the 16 sectors of a seal: sector leaves keccak(256 bytes), then 4 levels of pairs.
    ///         Consumes `data` (the leaves and inner nodes overwrite it).
    function sealRoot(bytes32[UNITS_PER_SEAL] memory data) internal pure returns (bytes32 root) {
        assembly ("memory-safe") {
            // Leaves: sector s occupies units [8s, 8s+8); its hash goes to word s.
            for { let s := 0 } lt(s, 16) { s := add(s, 1) } {
                mstore(add(data, mul(s, 0x20)), keccak256(add(data, mul(s, 0x100)), 0x100))
            }
            // Pairs: words [2k, 2k+1] -> word k, 16 -> 8 -> 4 -> 2 -> 1; adjacent words hash as 64 bytes.
            for { let n := 8 } gt(n, 0) { n := shr(1, n) } {
                for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                    mstore(add(data, mul(k, 0x20)), keccak256(add(data, mul(k, 0x40)), 0x40))
                }
            }
            root := mload(data)
        }
    }

    /// @notice Fold a Merkle path bottom-up from a seal root; bit i of `index` says whether level i's node is a right
    ///         child (its sibling on the left).
    function foldProof(bytes32 node, uint256 index, bytes32[] calldata proof) internal pure returns (bytes32) {
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 sibling = proof[i];
            assembly ("memory-safe") {
                switch and(index, 1)
                case 0 {
                    mstore(0x00, node)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0x00, sibling)
                    mstore(0x20, node)
                }
                node := keccak256(0x00, 0x40)
            }
            index >>= 1;
        }
        return node;
    }
}
