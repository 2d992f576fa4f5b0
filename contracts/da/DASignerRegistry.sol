// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {BLS12381} from "./BLS12381.sol";
import {EpochSnapshot, ROWS_PER_QUORUM} from "./EpochSnapshot.sol";
import {SSTORE2} from "./SSTORE2.sol";

/// @title DASignerRegistry: DA signers, their stakes and BLS keys, epochs, and the quorum lottery.
/// @notice 0G's DASigners (precompile 0x…1000) as a contract, on BLS12-381 (docs/specs/da.md §3):
///         - `register(pkG1, popG2, socket)` once, with a stake of at least `minStake`; the proof of possession is
///           checked on chain (hash to G2 of the compressed key under DST_POP, one pairing).
///         - Epoch e covers `epochBlocks` blocks. During epoch e a signer joins epoch e + 1 with
///           `registerNextEpoch(sig)`, sig = its BLS signature on keccak256("zerog-da-epoch" ‖ chainid (u256) ‖
///           signer (20 B) ‖ e + 1 (u64)): a VRF output. It gets min(stake / tokensPerVote, maxVotesPerSigner) ballots:
///           ballot 0 = keccak256(sig), ballot j = keccak256(ballot j − 1).
///         - `makeEpoch()` (anyone; DAEntrance's `sync`) makes the due epoch once: sorts its ballots ascending (ties by
///           signer index), cuts them into quorums of 128 (position j owns row j), adds one quorum of the last 128
///           ballots when the count is not a multiple of 128 and there is room, cycles through them when there are
///           fewer than 128, stops at `maxQuorums`; and writes the epoch's SSTORE2 snapshot (EpochSnapshot.sol).
///           Epochs nobody made while they were due are skipped: they have no quorums.
///         - `deregister()`, then `withdraw()` once the epochs the signer joined are over.
contract DASignerRegistry is AccessControl {
    bytes32 public constant PARAMS_ADMIN_ROLE = keccak256("PARAMS_ADMIN_ROLE");

    /// @notice Signers per epoch: the snapshot (116 bytes per signer plus 128 per quorum) fits one data contract.
    uint256 public constant MAX_EPOCH_SIGNERS = 160;
    uint256 public constant MAX_QUORUMS_LIMIT = 32;
    uint256 public constant MAX_VOTES_LIMIT = 256;
    uint256 public constant MAX_SOCKET_BYTES = 256;
    bytes public constant EPOCH_MESSAGE_TAG = "zerog-da-epoch";

    struct Params {
        uint256 epochBlocks;
        uint256 tokensPerVote;
        uint256 maxVotesPerSigner;
        uint256 maxQuorums;
        uint256 minStake;
    }

    /// @notice What `getSigner` returns.
    struct SignerInfo {
        bytes pkG1;
        string socket;
        uint256 stake;
        bool registered;
        bool deregistered;
        /// @notice The last epoch the signer joined (0: none).
        uint64 lastEpoch;
        /// @notice After deregistering, the first epoch in which `withdraw` pays out.
        uint64 unlockEpoch;
    }

    struct SignerRecord {
        uint256 stake;
        /// @dev The public key without the EIP-2537 padding: x (48 B) ‖ y (48 B) in three words.
        bytes32[3] pk;
        string socket;
        uint64 lastEpoch;
        uint64 unlockEpoch;
        bool registered;
        bool deregistered;
    }

    struct Registrant {
        address signer;
        uint64 votes;
        bytes32 seed;
    }

    struct EpochInfo {
        address snapshot;
        uint16 signerCount;
        uint16 quorumCount;
        bool made;
    }

    /// @dev Epoch e ≥ baseEpoch starts at baseBlock + (e − baseEpoch) · epochBlocks; `current` is the last made epoch.
    struct Schedule {
        uint64 baseEpoch;
        uint64 baseBlock;
        uint64 epochBlocks;
        uint64 current;
    }

    uint256 public tokensPerVote;
    uint256 public maxVotesPerSigner;
    uint256 public maxQuorums;
    uint256 public minStake;

    Schedule private _schedule;
    mapping(address signer => SignerRecord) private _signers;
    /// @notice keccak256(EIP-2537 public key) → the signer that registered it (a key serves one signer, ever).
    mapping(bytes32 keyHash => address) public keyOwner;
    mapping(uint256 epoch => Registrant[]) private _registrants;
    mapping(uint256 epoch => EpochInfo) private _epochs;

    event SignerRegistered(address indexed signer, bytes pkG1, string socket, uint256 stake);
    event SocketUpdated(address indexed signer, string socket);
    event StakeAdded(address indexed signer, uint256 amount, uint256 stake);
    event SignerDeregistered(address indexed signer, uint256 unlockEpoch);
    event StakeWithdrawn(address indexed signer, uint256 amount);
    /// @notice `signer` joined `epoch` as signer index `index` with `votes` ballots starting at `ballotSeed`.
    event EpochRegistered(
        address indexed signer, uint256 indexed epoch, uint256 index, uint256 votes, bytes32 ballotSeed
    );
    event NewEpoch(
        uint256 indexed epoch, address snapshot, uint256 signerCount, uint256 quorumCount, uint256 ballots
    );
    event ParameterChanged(bytes32 indexed name, uint256 value);

    error ZeroAddress();
    error InvalidParameter(bytes32 name, uint256 value);
    error AlreadyRegistered(address signer);
    error KeyInUse(address owner);
    error ZeroKey();
    error InvalidProofOfPossession();
    error StakeTooLow(uint256 stake, uint256 minStake);
    error SocketTooLong(uint256 length, uint256 limit);
    error NotRegistered(address signer);
    error AlreadyDeregistered(address signer);
    error NotDeregistered(address signer);
    error StakeLocked(uint256 unlockEpoch, uint256 currentEpoch);
    error TransferFailed();
    error AlreadyJoinedEpoch(address signer, uint256 epoch);
    error EpochFull(uint256 epoch, uint256 limit);
    error NoVotes(uint256 stake, uint256 tokensPerVote);
    error InvalidEpochSignature(address signer, uint256 epoch);
    error QuorumNotFound(uint256 epoch, uint256 quorumId);
    error RowOutOfRange(uint256 row);

    constructor(address admin, Params memory params) {
        if (admin == address(0)) revert ZeroAddress();
        _checkEpochBlocks(params.epochBlocks);
        _setTokensPerVote(params.tokensPerVote);
        _setMaxVotesPerSigner(params.maxVotesPerSigner);
        _setMaxQuorums(params.maxQuorums);
        minStake = params.minStake;
        _schedule = Schedule(0, uint64(block.number), uint64(params.epochBlocks), 0);
        _epochs[0].made = true; // epoch 0 has no signers: nobody could join it
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ADMIN_ROLE, admin);
    }

    /*=== signers ===*/

    /// @notice Register the caller as a signer with BLS key `pkG1` (EIP-2537, 128 B), its proof of possession
    ///         `popG2` (EIP-2537, 256 B) and `socket` (how dispersers reach it); `msg.value` is the stake.
    function register(bytes calldata pkG1, bytes calldata popG2, string calldata socket) external payable {
        SignerRecord storage s = _signers[msg.sender];
        if (s.registered) revert AlreadyRegistered(msg.sender);
        if (msg.value < minStake) revert StakeTooLow(msg.value, minStake);
        _checkSocket(socket);
        bytes memory pk = pkG1;
        if (pk.length != BLS12381.G1_POINT_BYTES) {
            revert BLS12381.InvalidPointLength(BLS12381.G1_POINT_BYTES, pk.length);
        }
        if (BLS12381.isInfinity(pk)) revert ZeroKey();
        bytes32 keyHash = keccak256(pk);
        address owner = keyOwner[keyHash];
        if (owner != address(0) && owner != msg.sender) revert KeyInUse(owner);
        if (!BLS12381.verifyPop(pk, popG2)) revert InvalidProofOfPossession();

        keyOwner[keyHash] = msg.sender;
        s.stake = msg.value;
        s.pk = _packKey(pk);
        s.socket = socket;
        s.registered = true;
        emit SignerRegistered(msg.sender, pk, socket, msg.value);
    }

    function addStake() external payable {
        SignerRecord storage s = _activeSigner(msg.sender);
        s.stake += msg.value;
        emit StakeAdded(msg.sender, msg.value, s.stake);
    }

    function updateSocket(string calldata socket) external {
        SignerRecord storage s = _activeSigner(msg.sender);
        _checkSocket(socket);
        s.socket = socket;
        emit SocketUpdated(msg.sender, socket);
    }

    /// @notice Stop signing: no more epochs can be joined; the stake unlocks once the epochs already joined are over.
    function deregister() external {
        SignerRecord storage s = _activeSigner(msg.sender);
        uint256 due = dueEpoch();
        uint256 unlock = due + 1;
        if (s.lastEpoch + 1 > unlock) unlock = s.lastEpoch + 1;
        s.deregistered = true;
        s.unlockEpoch = uint64(unlock);
        emit SignerDeregistered(msg.sender, unlock);
    }

    /// @notice Pay a deregistered signer its stake back, once unlocked; the record is deleted (the key stays
    ///         reserved for this address).
    function withdraw() external {
        SignerRecord storage s = _signers[msg.sender];
        if (!s.registered) revert NotRegistered(msg.sender);
        if (!s.deregistered) revert NotDeregistered(msg.sender);
        uint256 due = dueEpoch();
        if (due < s.unlockEpoch) revert StakeLocked(s.unlockEpoch, due);
        uint256 amount = s.stake;
        delete _signers[msg.sender];
        emit StakeWithdrawn(msg.sender, amount);
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /*=== epochs ===*/

    /// @notice Join the next epoch (due epoch + 1) with `sigG2` (EIP-2537, 256 B), the caller's BLS signature on
    ///         `epochMessage(caller, next epoch)`.
    function registerNextEpoch(bytes calldata sigG2) external {
        SignerRecord storage s = _activeSigner(msg.sender);
        uint256 epoch = dueEpoch() + 1;
        if (s.lastEpoch == epoch) revert AlreadyJoinedEpoch(msg.sender, epoch); // epochs joined only increase
        Registrant[] storage regs = _registrants[epoch];
        if (regs.length >= MAX_EPOCH_SIGNERS) revert EpochFull(epoch, MAX_EPOCH_SIGNERS);
        uint256 votes = s.stake / tokensPerVote;
        if (votes > maxVotesPerSigner) votes = maxVotesPerSigner;
        if (votes == 0) revert NoVotes(s.stake, tokensPerVote);

        bytes memory pk = _unpackKey(s.pk);
        bytes memory message = abi.encodePacked(epochMessage(msg.sender, epoch));
        if (!BLS12381.verify(pk, BLS12381.DST_SIG, message, sigG2)) revert InvalidEpochSignature(msg.sender, epoch);

        bytes32 seed = keccak256(sigG2);
        regs.push(Registrant(msg.sender, uint64(votes), seed));
        s.lastEpoch = uint64(epoch);
        emit EpochRegistered(msg.sender, epoch, regs.length - 1, votes, seed);
    }

    /// @notice The 32-byte message a signer signs to join `epoch`.
    function epochMessage(address signer, uint256 epoch) public view returns (bytes32) {
        return keccak256(abi.encodePacked(EPOCH_MESSAGE_TAG, block.chainid, signer, uint64(epoch)));
    }

    /// @notice Make the due epoch if it is not made yet (draw its quorums, write its snapshot); idempotent and
    ///         callable by anyone. Returns the current epoch and its quorum count.
    function makeEpoch() external returns (uint256 epoch, uint256 quorums) {
        Schedule memory s = _schedule;
        epoch = _epochAt(s, block.number);
        if (epoch > s.current) {
            _draw(epoch);
            _schedule.current = uint64(epoch);
        } else {
            epoch = s.current;
        }
        quorums = _epochs[epoch].quorumCount;
    }

    /// @notice The last made epoch (the one blobs go to).
    function epochNumber() external view returns (uint256) {
        return _schedule.current;
    }

    /// @notice The epoch the current block belongs to (made or not).
    function dueEpoch() public view returns (uint256) {
        return _epochAt(_schedule, block.number);
    }

    /// @notice The first block of `epoch` (for epochs from the last `epochBlocks` change on).
    function epochStartBlock(uint256 epoch) external view returns (uint256) {
        Schedule memory s = _schedule;
        if (epoch < s.baseEpoch) revert InvalidParameter("epoch", epoch);
        return s.baseBlock + (epoch - s.baseEpoch) * s.epochBlocks;
    }

    function epochBlocks() external view returns (uint256) {
        return _schedule.epochBlocks;
    }

    function isEpochMade(uint256 epoch) external view returns (bool) {
        return _epochs[epoch].made;
    }

    function quorumCount(uint256 epoch) external view returns (uint256) {
        return _epochs[epoch].quorumCount;
    }

    /// @notice The epoch's data contract (zero before it is made, or without signers).
    function snapshot(uint256 epoch) external view returns (address) {
        return _epochs[epoch].snapshot;
    }

    /// @notice Snapshot address, signer count and quorum count of `epoch` (zeros if not made).
    function epochSnapshot(uint256 epoch)
        external
        view
        returns (address snapshotAddress, uint256 signerCount, uint256 quorums)
    {
        EpochInfo memory info = _epochs[epoch];
        return (info.snapshot, info.signerCount, info.quorumCount);
    }

    /// @notice Row owners of quorum `quorumId` of `epoch`: position j signs row j.
    function getQuorum(uint256 epoch, uint256 quorumId) external view returns (address[ROWS_PER_QUORUM] memory rows) {
        EpochInfo memory info = _quorumEpoch(epoch, quorumId);
        address[] memory list = EpochSnapshot.signers(info.snapshot, info.signerCount);
        bytes memory owners = EpochSnapshot.rowOwners(info.snapshot, info.signerCount, quorumId);
        for (uint256 j = 0; j < ROWS_PER_QUORUM; ++j) {
            rows[j] = list[uint8(owners[j])];
        }
    }

    /// @notice The owner of row `row` of quorum `quorumId` of `epoch`.
    function getQuorumRow(uint256 epoch, uint256 quorumId, uint256 row) external view returns (address) {
        if (row >= ROWS_PER_QUORUM) revert RowOutOfRange(row);
        EpochInfo memory info = _quorumEpoch(epoch, quorumId);
        uint256 index = uint8(
            SSTORE2.read(info.snapshot, EpochSnapshot.quorumOffset(info.signerCount, quorumId) + row, 1)[0]
        );
        return address(bytes20(SSTORE2.read(info.snapshot, EpochSnapshot.addressOffset(index), 20)));
    }

    /// @notice The signers of `epoch` in signer-index order (its registrants, in the order they joined).
    function signersOf(uint256 epoch) external view returns (address[] memory list) {
        Registrant[] storage regs = _registrants[epoch];
        list = new address[](regs.length);
        for (uint256 i = 0; i < regs.length; ++i) {
            list[i] = regs[i].signer;
        }
    }

    /// @notice The draw's input for `epoch`: signers, votes and ballot seeds in signer-index order.
    function registrantsOf(uint256 epoch)
        external
        view
        returns (address[] memory signers, uint256[] memory votes, bytes32[] memory seeds)
    {
        Registrant[] storage regs = _registrants[epoch];
        uint256 n = regs.length;
        signers = new address[](n);
        votes = new uint256[](n);
        seeds = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            Registrant memory r = regs[i];
            (signers[i], votes[i], seeds[i]) = (r.signer, r.votes, r.seed);
        }
    }

    function registeredEpoch(address signer, uint256 epoch) external view returns (bool) {
        Registrant[] storage regs = _registrants[epoch];
        for (uint256 i = 0; i < regs.length; ++i) {
            if (regs[i].signer == signer) return true;
        }
        return false;
    }

    function isSigner(address signer) external view returns (bool) {
        SignerRecord storage s = _signers[signer];
        return s.registered && !s.deregistered;
    }

    function getSigner(address signer) external view returns (SignerInfo memory info) {
        SignerRecord storage s = _signers[signer];
        if (!s.registered) return info;
        return SignerInfo(_unpackKey(s.pk), s.socket, s.stake, true, s.deregistered, s.lastEpoch, s.unlockEpoch);
    }

    /*=== governance ===*/

    function setTokensPerVote(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _setTokensPerVote(value);
    }

    function setMaxVotesPerSigner(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _setMaxVotesPerSigner(value);
    }

    function setMaxQuorums(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _setMaxQuorums(value);
    }

    function setMinStake(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        minStake = value;
        emit ParameterChanged("minStake", value);
    }

    /// @notice Change the epoch length: the due epoch restarts at the current block and lasts `value` blocks.
    function setEpochBlocks(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkEpochBlocks(value);
        Schedule memory s = _schedule;
        uint256 due = _epochAt(s, block.number);
        _schedule = Schedule(uint64(due), uint64(block.number), uint64(value), s.current);
        emit ParameterChanged("epochBlocks", value);
    }

    /*=== internals ===*/

    function _activeSigner(address signer) private view returns (SignerRecord storage s) {
        s = _signers[signer];
        if (!s.registered) revert NotRegistered(signer);
        if (s.deregistered) revert AlreadyDeregistered(signer);
    }

    function _checkSocket(string calldata socket) private pure {
        if (bytes(socket).length > MAX_SOCKET_BYTES) revert SocketTooLong(bytes(socket).length, MAX_SOCKET_BYTES);
    }

    function _checkEpochBlocks(uint256 value) private pure {
        if (value == 0 || value > type(uint32).max) revert InvalidParameter("epochBlocks", value);
    }

    function _setTokensPerVote(uint256 value) private {
        if (value == 0) revert InvalidParameter("tokensPerVote", value);
        tokensPerVote = value;
        emit ParameterChanged("tokensPerVote", value);
    }

    function _setMaxVotesPerSigner(uint256 value) private {
        if (value == 0 || value > MAX_VOTES_LIMIT) revert InvalidParameter("maxVotesPerSigner", value);
        maxVotesPerSigner = value;
        emit ParameterChanged("maxVotesPerSigner", value);
    }

    function _setMaxQuorums(uint256 value) private {
        if (value == 0 || value > MAX_QUORUMS_LIMIT) revert InvalidParameter("maxQuorums", value);
        maxQuorums = value;
        emit ParameterChanged("maxQuorums", value);
    }

    function _epochAt(Schedule memory s, uint256 blockNumber) private pure returns (uint256) {
        if (blockNumber < s.baseBlock) return s.baseEpoch;
        return s.baseEpoch + (blockNumber - s.baseBlock) / s.epochBlocks;
    }

    function _quorumEpoch(uint256 epoch, uint256 quorumId) private view returns (EpochInfo memory info) {
        info = _epochs[epoch];
        if (quorumId >= info.quorumCount) revert QuorumNotFound(epoch, quorumId);
    }

    /// @dev x (bytes 16..64 of the EIP-2537 point) ‖ y (bytes 80..128) as three words.
    function _packKey(bytes memory pk) private pure returns (bytes32[3] memory words) {
        assembly ("memory-safe") {
            let x0 := mload(add(pk, 48)) // x[0:32]
            let x1 := mload(add(pk, 80)) // x[32:48] ‖ (16 pad bytes of y)
            let y0 := mload(add(pk, 112)) // y[0:32]
            let y1 := mload(add(pk, 128)) // y[16:48]
            mstore(words, x0)
            mstore(add(words, 32), or(and(x1, not(sub(shl(128, 1), 1))), shr(128, y0)))
            mstore(add(words, 64), y1)
        }
    }

    function _unpackKey(bytes32[3] storage words) private view returns (bytes memory pk) {
        bytes32 w0 = words[0];
        bytes32 w1 = words[1];
        bytes32 w2 = words[2];
        pk = new bytes(BLS12381.G1_POINT_BYTES);
        assembly ("memory-safe") {
            mstore(add(pk, 48), w0) // x[0:32] at 16..48
            mstore(add(pk, 80), w1) // x[32:48] at 48..64, then y[0:16] at 64..80 (overwritten below)
            mstore(add(pk, 96), 0) // y's padding 64..80
            mstore(add(pk, 112), shl(128, w1)) // y[0:16] at 80..96
            mstore(add(pk, 128), w2) // y[16:48] at 96..128
        }
    }

    /// @dev Draw the quorums of `epoch` and write its snapshot.
    function _draw(uint256 epoch) private {
        Registrant[] storage regs = _registrants[epoch];
        uint256 n = regs.length;
        if (n == 0) {
            _epochs[epoch] = EpochInfo(address(0), 0, 0, true);
            emit NewEpoch(epoch, address(0), 0, 0, 0);
            return;
        }
        bytes32[] memory seeds = new bytes32[](n);
        uint256[] memory votes = new uint256[](n);
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            Registrant storage r = regs[i];
            seeds[i] = r.seed;
            votes[i] = r.votes;
            total += r.votes;
        }
        uint256 maxQ = maxQuorums;
        uint256 cap = maxQ * ROWS_PER_QUORUM;
        uint256[] memory owners = _smallestBallots(seeds, votes, total < cap ? total : cap, total);

        bytes memory rows = _quorumRows(owners, total, maxQ);
        uint256 q = rows.length / ROWS_PER_QUORUM;
        address pointer = _writeSnapshot(regs, rows);
        _epochs[epoch] = EpochInfo(pointer, uint16(n), uint16(q), true);
        emit NewEpoch(epoch, pointer, n, q, total);
    }

    /// @dev Row owners of every quorum, 128 bytes each, from the sorted ballots' owners (`total` ballots in all, the
    ///      smallest min(total, 128 · maxQ) of them given). Quorum k is positions [128k, 128k + 128); one more of the
    ///      final 128 ballots when the count is not a multiple of 128 and there is room; below 128 ballots, one
    ///      quorum cycling through them.
    function _quorumRows(uint256[] memory owners, uint256 total, uint256 maxQ) private pure returns (bytes memory rows) {
        if (total < ROWS_PER_QUORUM) {
            rows = new bytes(ROWS_PER_QUORUM);
            assembly ("memory-safe") {
                let src := add(owners, 32)
                let dst := add(rows, 32)
                for { let j := 0 } lt(j, 128) { j := add(j, 1) } {
                    mstore8(add(dst, j), mload(add(src, shl(5, mod(j, total)))))
                }
            }
            return rows;
        }
        uint256 full = total / ROWS_PER_QUORUM;
        if (full > maxQ) full = maxQ;
        bool tail = total % ROWS_PER_QUORUM != 0 && full < maxQ;
        uint256 fullRows = full * ROWS_PER_QUORUM;
        rows = new bytes(tail ? fullRows + ROWS_PER_QUORUM : fullRows);
        assembly ("memory-safe") {
            let src := add(owners, 32)
            let dst := add(rows, 32)
            for { let p := 0 } lt(p, fullRows) { p := add(p, 1) } {
                mstore8(add(dst, p), mload(add(src, shl(5, p))))
            }
            if tail {
                let from := sub(total, 128)
                for { let j := 0 } lt(j, 128) { j := add(j, 1) } {
                    mstore8(add(dst, add(fullRows, j)), mload(add(src, shl(5, add(from, j)))))
                }
            }
        }
    }

    /// @dev Write the epoch's data contract (layout in EpochSnapshot.sol).
    function _writeSnapshot(Registrant[] storage regs, bytes memory rows) private returns (address) {
        uint256 n = regs.length;
        uint256 q = rows.length / ROWS_PER_QUORUM;
        bytes memory data = new bytes(EpochSnapshot.totalBytes(n, q));
        assembly ("memory-safe") {
            mstore(add(data, 32), or(shl(240, n), shl(224, q)))
        }
        // Addresses first (each 32-byte write spills 12 zero bytes into the next field, written after it), then
        // keys (three whole words each), then the rows.
        for (uint256 i = 0; i < n; ++i) {
            address signer = regs[i].signer;
            uint256 addrAt = EpochSnapshot.addressOffset(i);
            assembly ("memory-safe") {
                mstore(add(add(data, 32), addrAt), shl(96, signer))
            }
        }
        for (uint256 i = 0; i < n; ++i) {
            bytes32[3] storage pk = _signers[regs[i].signer].pk;
            (bytes32 w0, bytes32 w1, bytes32 w2) = (pk[0], pk[1], pk[2]);
            uint256 keyAt = EpochSnapshot.keyOffset(n, i);
            assembly ("memory-safe") {
                let p := add(add(data, 32), keyAt)
                mstore(p, w0)
                mstore(add(p, 32), w1)
                mstore(add(p, 64), w2)
            }
        }
        uint256 rowsAt = EpochSnapshot.quorumOffset(n, 0);
        assembly ("memory-safe") {
            mcopy(add(add(data, 32), rowsAt), add(rows, 32), mload(rows))
        }
        return SSTORE2.write(data);
    }

    /// @dev The `size` smallest of the `total` ballots (ordered by value, then signer index), ascending; returns
    ///      their signer indices. All fit (size = total): fill and quicksort. Otherwise a max-heap of `size` entries
    ///      keeps the smallest seen (bounded memory), then it is quicksorted.
    function _smallestBallots(bytes32[] memory seeds, uint256[] memory votes, uint256 size, uint256 total)
        private
        pure
        returns (uint256[] memory owners)
    {
        uint256[] memory keys = new uint256[](size);
        owners = new uint256[](size);
        uint256 kp;
        uint256 op;
        assembly ("memory-safe") {
            kp := add(keys, 32)
            op := add(owners, 32)
        }
        bool select = total > size;
        uint256 filled;
        for (uint256 i = 0; i < seeds.length; ++i) {
            filled = _addBallots(kp, op, uint256(seeds[i]), votes[i], i, filled, size, select);
        }
        if (size > 1) _quickSort(kp, op, 0, size - 1);
    }

    /// @dev Offer signer `i`'s `v` ballots (seed, keccak(seed), ...) to the arrays holding `filled` of `size`;
    ///      returns the new fill. Once full in selection mode, the arrays are a max-heap and a smaller ballot
    ///      replaces the root.
    function _addBallots(
        uint256 kp,
        uint256 op,
        uint256 b,
        uint256 v,
        uint256 i,
        uint256 filled,
        uint256 size,
        bool select
    ) private pure returns (uint256) {
        for (uint256 j = 0; j < v; ++j) {
            if (j > 0) {
                assembly ("memory-safe") {
                    mstore(0x00, b)
                    b := keccak256(0x00, 0x20)
                }
            }
            if (filled < size) {
                assembly ("memory-safe") {
                    mstore(add(kp, shl(5, filled)), b)
                    mstore(add(op, shl(5, filled)), i)
                }
                ++filled;
                if (select && filled == size) {
                    for (uint256 k = size / 2; k > 0; --k) {
                        _siftDown(kp, op, k - 1, size);
                    }
                }
            } else {
                bool smaller;
                assembly ("memory-safe") {
                    let rk := mload(kp)
                    smaller := or(lt(b, rk), and(eq(b, rk), lt(i, mload(op))))
                    if smaller {
                        mstore(kp, b)
                        mstore(op, i)
                    }
                }
                if (smaller) _siftDown(kp, op, 0, size);
            }
        }
        return filled;
    }

    /// @dev Sort [lo, hi] of the parallel arrays (key, owner) ascending, lexicographically. Recurses on the smaller
    ///      part only, so the depth stays under log2(size).
    function _quickSort(uint256 kp, uint256 op, uint256 lo, uint256 hi) private pure {
        while (lo < hi) {
            uint256 p = _partition(kp, op, lo, hi);
            if (p - lo < hi - p) {
                _quickSort(kp, op, lo, p);
                lo = p + 1;
            } else {
                _quickSort(kp, op, p + 1, hi);
                hi = p;
            }
        }
    }

    /// @dev Hoare partition around the middle element: returns j in [lo, hi) with [lo, j] ≤ pivot ≤ [j + 1, hi].
    ///      Works on key pointers; an entry's owner sits `op − kp` bytes after its key. Keys decide; owners only
    ///      break ties (which need a keccak collision).
    function _partition(uint256 kp, uint256 op, uint256 lo, uint256 hi) private pure returns (uint256 j) {
        assembly ("memory-safe") {
            let delta := sub(op, kp)
            let pivot := add(kp, shl(5, shr(1, add(lo, hi))))
            let pk := mload(pivot)
            let po := mload(add(pivot, delta))
            let pi := add(kp, shl(5, lo))
            let pj := add(kp, shl(5, hi))
            for {} 1 {} {
                for {} 1 {} {
                    let k := mload(pi)
                    if iszero(lt(k, pk)) {
                        if gt(k, pk) { break }
                        if iszero(lt(mload(add(pi, delta)), po)) { break }
                    }
                    pi := add(pi, 32)
                }
                for {} 1 {} {
                    let k := mload(pj)
                    if iszero(gt(k, pk)) {
                        if lt(k, pk) { break }
                        if iszero(gt(mload(add(pj, delta)), po)) { break }
                    }
                    pj := sub(pj, 32)
                }
                if iszero(lt(pi, pj)) { break }
                let t := mload(pi)
                mstore(pi, mload(pj))
                mstore(pj, t)
                let oi := add(pi, delta)
                let oj := add(pj, delta)
                t := mload(oi)
                mstore(oi, mload(oj))
                mstore(oj, t)
                pi := add(pi, 32)
                pj := sub(pj, 32)
            }
            j := shr(5, sub(pj, kp))
        }
    }

    /// @dev Max-heap sift-down over parallel arrays (key, owner) compared lexicographically.
    function _siftDown(uint256 kp, uint256 op, uint256 i, uint256 n) private pure {
        assembly ("memory-safe") {
            for {} 1 {} {
                let l := add(shl(1, i), 1)
                if iszero(lt(l, n)) { break }
                let m := l
                let km := mload(add(kp, shl(5, l)))
                let om := mload(add(op, shl(5, l)))
                let r := add(l, 1)
                if lt(r, n) {
                    let kr := mload(add(kp, shl(5, r)))
                    let orr := mload(add(op, shl(5, r)))
                    if or(gt(kr, km), and(eq(kr, km), gt(orr, om))) {
                        m := r
                        km := kr
                        om := orr
                    }
                }
                let ki := mload(add(kp, shl(5, i)))
                let oi := mload(add(op, shl(5, i)))
                if iszero(or(lt(ki, km), and(eq(ki, km), lt(oi, om)))) { break }
                mstore(add(kp, shl(5, i)), km)
                mstore(add(op, shl(5, i)), om)
                mstore(add(kp, shl(5, m)), ki)
                mstore(add(op, shl(5, m)), oi)
                i := m
            }
        }
    }
}
