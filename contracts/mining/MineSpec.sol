// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @dev PoRA constants (0G's ZgsSpec.sol; the node's common/spec). Part of the mining format: never change them.
///      A load (one recall) is a 256 KiB segment of 64 seals; a seal is 4 KiB = 16 sectors = 128 32-byte units;
///      the scratchpad is 64 KiB = 16 seals = 1024 Blake2b-512 digests ("bhashes") of 64 bytes.
uint256 constant SECTORS_PER_LOAD = 1024;
uint256 constant SECTORS_PER_SEAL = 16;
uint256 constant SEALS_PER_LOAD = 64;
uint256 constant UNITS_PER_SEAL = 128;
uint256 constant UNITS_PER_SECTOR = 8;
uint256 constant SEALS_PER_PAD = 16;
uint256 constant BHASHES_PER_SEAL = 64;
uint256 constant SEAL_TREE_HEIGHT = 4; // log2(SECTORS_PER_SEAL)

/// @dev The mining range of one shard is capped at 8 TiB.
uint256 constant MAX_MINING_LENGTH = 1 << 35;

/// @dev A recall range starts on an 8 GiB boundary (0G's SECTORS_PER_PRICE), whatever the reward's chunk size.
uint256 constant RANGE_ALIGNMENT = 1 << 25;
