// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @dev 0G storage constants (docs/specs/storage-formats.md). They are part of the wire format: never change them.
uint256 constant BYTES_PER_SECTOR = 256;
uint256 constant SECTORS_PER_SEGMENT = 1024;
uint256 constant SECTORS_PER_PRICING_CHUNK = 1 << 25;

/// @dev Submission limits: node heights below MAX_DEPTH, spanning fewer than MAX_HEIGHT_SPAN levels.
uint256 constant MAX_DEPTH = 64;
uint256 constant MAX_HEIGHT_SPAN = 4;

/// @dev keccak256(""), the context digest of an epoch whose block hash is out of reach.
bytes32 constant EMPTY_HASH = 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470;

/// @dev keccak256 of one zero sector: the leaf of every padding sector.
bytes32 constant ZERO_SECTOR_HASH = 0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5;
