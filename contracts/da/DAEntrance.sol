// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {BLS12381} from "./BLS12381.sol";
import {EpochSnapshot, ROWS_PER_QUORUM} from "./EpochSnapshot.sol";
import {IDASignerRegistry} from "./IDASignerRegistry.sol";

/// @title DAEntrance: blob registration and erasure-commitment certificates (docs/specs/da.md §4).
/// @notice 0G's DAEntrance on BLS12-381:
///         - `submitOriginalData(dataRoot, commitments)` pays `blobPrice` per 48-byte KZG commitment, makes the epoch
///           if due (`sync`), assigns the blob a quorum round robin, records keccak256(commitments) under
///           (dataRoot, epoch, quorumId) and emits `DataUpload` (with the commitments, for signers and samplers).
///         - `submitVerifiedCommitRoots(submissions)` checks each certificate: the blob was uploaded with that
///           commitments hash; the signer bitmap (bit i = signer index i of the epoch, LSB first) is exactly
///           ceil(n / 8) bytes with no bit past n; the rows of the quorum owned by the selected signers reach
///           `thresholdBps` of 128; the aggregate signature verifies (one pairing check) under the selected keys,
///           summed with G1ADD from the epoch's SSTORE2 snapshot, on m = keccak256(abi.encode(chainid, this, epoch,
///           quorumId, dataRoot, commitmentsHash)) hashed to G2 here. Already verified blobs are skipped.
///         Fees accumulate here; `withdrawFees` sends them to the treasury.
contract DAEntrance is AccessControl {
    bytes32 public constant PARAMS_ADMIN_ROLE = keccak256("PARAMS_ADMIN_ROLE");

    uint256 public constant BYTES_PER_COMMITMENT = 48;
    /// @notice At most this many KZG commitments (ckzg blobs) per DA blob.
    uint256 public constant MAX_BLOBS = 256;
    uint256 public constant BPS = 10_000;

    struct CommitRootSubmission {
        bytes32 dataRoot;
        uint256 epoch;
        uint256 quorumId;
        bytes32 commitmentsHash;
        /// @notice Bit i (LSB first within each byte) selects signer index i of the epoch; ceil(n / 8) bytes.
        bytes signerBitmap;
        /// @notice The aggregate BLS signature, EIP-2537 G2 (256 bytes).
        bytes aggSignature;
    }

    struct RoundRobin {
        uint64 epoch;
        uint64 next;
    }

    IDASignerRegistry public immutable signerRegistry;
    uint256 public blobPrice;
    /// @notice Share of a quorum's 128 rows a certificate's signers must own, in basis points (default 7,500).
    uint256 public thresholdBps;
    address payable public treasury;

    RoundRobin private _roundRobin;
    mapping(bytes32 blobId => bytes32 commitmentsHash) private _uploaded;
    mapping(bytes32 blobId => bytes32 commitmentsHash) private _verified;

    event DataUpload(
        address sender,
        bytes32 indexed dataRoot,
        uint256 epoch,
        uint256 quorumId,
        bytes32 commitmentsHash,
        bytes commitments
    );
    event ErasureCommitmentVerified(
        bytes32 indexed dataRoot, uint256 epoch, uint256 quorumId, bytes32 commitmentsHash
    );
    event FeesWithdrawn(address indexed treasury, uint256 amount);
    event TreasuryChanged(address indexed treasury);
    event ParameterChanged(bytes32 indexed name, uint256 value);

    error ZeroAddress();
    error InvalidParameter(bytes32 name, uint256 value);
    error ZeroDataRoot();
    error InvalidCommitmentsLength(uint256 length);
    error InsufficientFee(uint256 required, uint256 paid);
    error NoQuorums(uint256 epoch);
    error UploadConflict(bytes32 dataRoot, uint256 epoch, uint256 quorumId, bytes32 uploadedHash);
    error UnknownBlob(bytes32 dataRoot, uint256 epoch, uint256 quorumId);
    error CommitmentsHashMismatch(bytes32 dataRoot, bytes32 uploadedHash, bytes32 givenHash);
    error BitmapLengthMismatch(uint256 expected, uint256 given);
    error BitmapOutOfRange(uint256 signerCount);
    error NoSigners();
    error InsufficientRows(uint256 rows, uint256 required);
    error AggregateKeyIsInfinity();
    error InvalidSignature(bytes32 dataRoot, uint256 epoch, uint256 quorumId);
    error NothingToWithdraw();
    error TransferFailed();

    constructor(
        address admin,
        IDASignerRegistry registry,
        address payable treasury_,
        uint256 blobPrice_,
        uint256 thresholdBps_
    ) {
        if (admin == address(0) || address(registry) == address(0) || treasury_ == address(0)) revert ZeroAddress();
        signerRegistry = registry;
        treasury = treasury_;
        blobPrice = blobPrice_;
        _setThresholdBps(thresholdBps_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ADMIN_ROLE, admin);
    }

    /*=== uploads ===*/

    /// @notice Register a blob: `commitments` are its KZG commitments (48 bytes each, one per ckzg blob).
    ///         Returns the epoch and quorum it was assigned.
    function submitOriginalData(bytes32 dataRoot, bytes calldata commitments)
        external
        payable
        returns (uint256 epoch, uint256 quorumId)
    {
        if (dataRoot == bytes32(0)) revert ZeroDataRoot();
        uint256 length = commitments.length;
        if (length == 0 || length % BYTES_PER_COMMITMENT != 0 || length > MAX_BLOBS * BYTES_PER_COMMITMENT) {
            revert InvalidCommitmentsLength(length);
        }
        uint256 fee = blobPrice * (length / BYTES_PER_COMMITMENT);
        if (msg.value < fee) revert InsufficientFee(fee, msg.value);

        uint256 quorums;
        (epoch, quorums) = sync();
        if (quorums == 0) revert NoQuorums(epoch);
        RoundRobin memory rr = _roundRobin;
        quorumId = rr.next % quorums;
        _roundRobin = RoundRobin(uint64(epoch), uint64(quorumId + 1));

        _record(dataRoot, epoch, quorumId, commitments);
    }

    /// @notice Make the due epoch if needed (through the registry) and return the current epoch and quorum count.
    function sync() public returns (uint256 epoch, uint256 quorums) {
        (epoch, quorums) = signerRegistry.makeEpoch();
        if (_roundRobin.epoch != epoch) _roundRobin = RoundRobin(uint64(epoch), 0);
    }

    /*=== certificates ===*/

    /// @notice Verify and record certificates; each failed check reverts the whole call with its error.
    function submitVerifiedCommitRoots(CommitRootSubmission[] calldata submissions) external {
        for (uint256 i = 0; i < submissions.length; ++i) {
            _verifySubmission(submissions[i]);
        }
    }

    /// @notice The message a certificate's signers sign.
    function certificateMessage(uint256 epoch, uint256 quorumId, bytes32 dataRoot, bytes32 commitmentsHash)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), epoch, quorumId, dataRoot, commitmentsHash));
    }

    /// @notice 0G's blob identifier: keccak256(abi.encode(dataRoot, epoch, quorumId)).
    function blobId(bytes32 dataRoot, uint256 epoch, uint256 quorumId) public pure returns (bytes32) {
        return keccak256(abi.encode(dataRoot, epoch, quorumId));
    }

    /// @notice Whether the blob has a verified certificate.
    function commitmentExists(bytes32 dataRoot, uint256 epoch, uint256 quorumId) external view returns (bool) {
        return _verified[blobId(dataRoot, epoch, quorumId)] != bytes32(0);
    }

    /// @notice The certified commitments hash (zero if not verified).
    function verifiedCommitmentsHash(bytes32 dataRoot, uint256 epoch, uint256 quorumId)
        external
        view
        returns (bytes32)
    {
        return _verified[blobId(dataRoot, epoch, quorumId)];
    }

    /// @notice The commitments hash the blob was uploaded with (zero if never uploaded).
    function uploadedCommitmentsHash(bytes32 dataRoot, uint256 epoch, uint256 quorumId)
        external
        view
        returns (bytes32)
    {
        return _uploaded[blobId(dataRoot, epoch, quorumId)];
    }

    /// @notice Rows of 128 a certificate needs: ceil(thresholdBps · 128 / 10,000).
    function requiredRows() public view returns (uint256) {
        return (thresholdBps * ROWS_PER_QUORUM + BPS - 1) / BPS;
    }

    /*=== governance and fees ===*/

    function setBlobPrice(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        blobPrice = value;
        emit ParameterChanged("blobPrice", value);
    }

    function setThresholdBps(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _setThresholdBps(value);
    }

    function setTreasury(address payable value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (value == address(0)) revert ZeroAddress();
        treasury = value;
        emit TreasuryChanged(value);
    }

    /// @notice Send every collected fee to the treasury (anyone may trigger it).
    function withdrawFees() external {
        uint256 amount = address(this).balance;
        if (amount == 0) revert NothingToWithdraw();
        address payable to = treasury;
        emit FeesWithdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /*=== internals ===*/

    function _record(bytes32 dataRoot, uint256 epoch, uint256 quorumId, bytes calldata commitments) private {
        bytes32 commitmentsHash = keccak256(commitments);
        bytes32 id = blobId(dataRoot, epoch, quorumId);
        bytes32 uploaded = _uploaded[id];
        if (uploaded == bytes32(0)) {
            _uploaded[id] = commitmentsHash;
        } else if (uploaded != commitmentsHash) {
            revert UploadConflict(dataRoot, epoch, quorumId, uploaded);
        }
        emit DataUpload(msg.sender, dataRoot, epoch, quorumId, commitmentsHash, commitments);
    }

    /// @dev Above 1/2: a certificate is only safe against an adversary holding under thresholdBps − 1/2 of the rows
    ///      (any 64 of 128 rows recover a blob).
    function _setThresholdBps(uint256 value) private {
        if (value <= BPS / 2 || value > BPS) revert InvalidParameter("thresholdBps", value);
        thresholdBps = value;
        emit ParameterChanged("thresholdBps", value);
    }

    function _verifySubmission(CommitRootSubmission calldata s) private {
        bytes32 id = blobId(s.dataRoot, s.epoch, s.quorumId);
        if (_verified[id] != bytes32(0)) return; // already certified
        bytes32 uploaded = _uploaded[id];
        if (uploaded == bytes32(0)) revert UnknownBlob(s.dataRoot, s.epoch, s.quorumId);
        if (uploaded != s.commitmentsHash) revert CommitmentsHashMismatch(s.dataRoot, uploaded, s.commitmentsHash);

        (address snapshot, uint256 signerCount,) = signerRegistry.epochSnapshot(s.epoch);
        uint256 apk = _aggregateKey(snapshot, signerCount, s.quorumId, s.signerBitmap);

        bytes32 message = certificateMessage(s.epoch, s.quorumId, s.dataRoot, s.commitmentsHash);
        bytes memory h = BLS12381.hashToG2(BLS12381.DST_SIG, abi.encodePacked(message));
        uint256 hPtr;
        assembly ("memory-safe") {
            hPtr := add(h, 32)
        }
        if (!BLS12381.verifyHashed(apk, hPtr, s.aggSignature)) {
            revert InvalidSignature(s.dataRoot, s.epoch, s.quorumId);
        }
        _verified[id] = s.commitmentsHash;
        emit ErasureCommitmentVerified(s.dataRoot, s.epoch, s.quorumId, s.commitmentsHash);
    }

    /// @dev Check the bitmap and the rows it covers; return a memory pointer to the selected keys' sum (128 bytes).
    function _aggregateKey(address snapshot, uint256 signerCount, uint256 quorumId, bytes calldata bitmap)
        private
        view
        returns (uint256 acc)
    {
        uint256 expected = (signerCount + 7) / 8;
        if (bitmap.length != expected) revert BitmapLengthMismatch(expected, bitmap.length);
        if (signerCount % 8 != 0 && uint8(bitmap[expected - 1]) >> (signerCount % 8) != 0) {
            revert BitmapOutOfRange(signerCount);
        }

        bytes memory owners = EpochSnapshot.rowOwners(snapshot, signerCount, quorumId);
        uint256 rows;
        assembly ("memory-safe") {
            let ob := add(owners, 32)
            let bm := bitmap.offset
            for { let j := 0 } lt(j, 128) { j := add(j, 1) } {
                let o := byte(0, mload(add(ob, j)))
                rows := add(rows, and(shr(and(o, 7), byte(0, calldataload(add(bm, shr(3, o))))), 1))
            }
        }
        uint256 required = requiredRows();
        if (rows < required) revert InsufficientRows(rows, required);

        assembly ("memory-safe") {
            acc := mload(0x40)
            mstore(0x40, add(acc, 256))
        }
        uint256 selected;
        for (uint256 i = 0; i < signerCount; ++i) {
            if ((uint8(bitmap[i >> 3]) >> (i & 7)) & 1 == 0) continue;
            if (selected == 0) {
                EpochSnapshot.loadKey(snapshot, signerCount, i, acc);
            } else {
                EpochSnapshot.loadKey(snapshot, signerCount, i, acc + 128);
                BLS12381.g1AddInPlace(acc);
            }
            ++selected;
        }
        if (selected == 0) revert NoSigners();
        bool infinity;
        assembly ("memory-safe") {
            infinity := iszero(or(or(mload(acc), mload(add(acc, 32))), or(mload(add(acc, 64)), mload(add(acc, 96)))))
        }
        if (infinity) revert AggregateKeyIsInfinity();
    }
}
