"""Typed bindings for the DA contracts: `DASignerRegistry` (signers, epochs, quorums) and `DAEntrance` (blobs and
certificates), docs/specs/da.md §3-4.

Points cross the ABI in EIP-2537 form (G1 128 B, G2 256 B); every method here also takes the compressed form (48 B
public keys, 96 B signatures) and converts it. Reverts come back as `TransactionReverted` naming the contract's custom
error (`InvalidProofOfPossession()`, `InsufficientRows(rows=.., required=..)`, `PrecompileFailed(precompile=..)`...):
the entrance binding also knows the registry's and the BLS library's errors.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from zerog.chain.contracts import _Binding, event_topic, merged_abi
from zerog.chain.events import block_ranges, get_logs
from zerog.chain.tx import Receipt, TxSender
from zerog.crypto.bls import (
    BYTES_PER_G1_EIP2537,
    BYTES_PER_G2_EIP2537,
    BYTES_PER_PUBLIC_KEY,
    BYTES_PER_SIGNATURE,
    g1_to_eip2537,
    g2_to_eip2537,
)
from zerog.errors import ChainError, InvalidInput

__all__ = [
    "BYTES_PER_COMMITMENT",
    "DATA_UPLOAD_TOPIC",
    "ERASURE_COMMITMENT_VERIFIED_TOPIC",
    "ROWS_PER_QUORUM",
    "CommitRootSubmission",
    "CommitmentVerified",
    "DAEntranceContract",
    "DARegistryParams",
    "DASignerInfo",
    "DASignerRegistryContract",
    "DataUpload",
    "EpochRegistration",
    "EpochSnapshotInfo",
    "NewEpoch",
    "UploadResult",
]

ROWS_PER_QUORUM = 128
BYTES_PER_COMMITMENT = 48
EPOCH_GAS_ALLOWANCE = 3_000_000
"""Gas added to calls that make the due epoch when it has begun (`sync`, `submitOriginalData`): estimated one block
too early they do not include it (a draw of 4 quorums over 256 ballots takes about 1.2M). Unused gas is not paid."""
_U256 = (1 << 256) - 1


DATA_UPLOAD_TOPIC = event_topic("DataUpload(address,bytes32,uint256,uint256,bytes32,bytes)")
ERASURE_COMMITMENT_VERIFIED_TOPIC = event_topic("ErasureCommitmentVerified(bytes32,uint256,uint256,bytes32)")
EPOCH_REGISTERED_TOPIC = event_topic("EpochRegistered(address,uint256,uint256,uint256,bytes32)")
NEW_EPOCH_TOPIC = event_topic("NewEpoch(uint256,address,uint256,uint256,uint256)")
SIGNER_REGISTERED_TOPIC = event_topic("SignerRegistered(address,bytes,string,uint256)")


def _address(value: Any) -> str:
    return Web3.to_checksum_address(value)


def _g1(point: bytes) -> bytes:
    """A public key as the contracts take it (EIP-2537, 128 B), from 48 B compressed or 128 B."""
    if len(point) == BYTES_PER_PUBLIC_KEY:
        return g1_to_eip2537(point)
    if len(point) != BYTES_PER_G1_EIP2537:
        raise InvalidInput(f"a G1 point is {BYTES_PER_PUBLIC_KEY} B compressed or {BYTES_PER_G1_EIP2537} B EIP-2537")
    return bytes(point)


def _g2(point: bytes) -> bytes:
    """A signature as the contracts take it (EIP-2537, 256 B), from 96 B compressed or 256 B."""
    if len(point) == BYTES_PER_SIGNATURE:
        return g2_to_eip2537(point)
    if len(point) != BYTES_PER_G2_EIP2537:
        raise InvalidInput(f"a G2 point is {BYTES_PER_SIGNATURE} B compressed or {BYTES_PER_G2_EIP2537} B EIP-2537")
    return bytes(point)


def _bytes32(value: bytes, what: str) -> bytes:
    if len(value) != 32:
        raise InvalidInput(f"{what} is 32 bytes, got {len(value)}")
    return bytes(value)


def _uint(value: int, what: str) -> int:
    if not 0 <= value <= _U256:
        raise InvalidInput(f"{what} {value} is not a uint256")
    return value


@dataclass(frozen=True, slots=True)
class DASignerInfo:
    """A signer as the registry knows it (`getSigner`)."""

    address: str
    pk_g1: bytes
    """EIP-2537, 128 B (all zero for an unknown signer)."""
    socket: str
    stake: int
    registered: bool
    deregistered: bool
    last_epoch: int
    """The last epoch it joined (0: none)."""
    unlock_epoch: int
    """After deregistering: the first epoch `withdraw` pays out."""


@dataclass(frozen=True, slots=True)
class DARegistryParams:
    epoch_blocks: int
    tokens_per_vote: int
    max_votes_per_signer: int
    max_quorums: int
    min_stake: int


@dataclass(frozen=True, slots=True)
class EpochSnapshotInfo:
    """A made epoch's SSTORE2 data contract (zero address without signers) and sizes."""

    snapshot: str
    signer_count: int
    quorum_count: int


@dataclass(frozen=True, slots=True)
class EpochRegistration:
    """An `EpochRegistered` event: `signer` joined `epoch` as signer index `index`."""

    signer: str
    epoch: int
    index: int
    votes: int
    ballot_seed: bytes
    """Ballot 0 = keccak256(the 256-byte EIP-2537 epoch signature)."""
    block_number: int


@dataclass(frozen=True, slots=True)
class NewEpoch:
    """A `NewEpoch` event: `epoch` was made."""

    epoch: int
    snapshot: str
    signer_count: int
    quorum_count: int
    ballots: int
    block_number: int


@dataclass(frozen=True, slots=True)
class DataUpload:
    """A `DataUpload` event: a blob registered for (epoch, quorum_id)."""

    sender: str
    data_root: bytes
    epoch: int
    quorum_id: int
    commitments_hash: bytes
    commitments: bytes
    block_number: int
    tx_hash: str
    log_index: int


@dataclass(frozen=True, slots=True)
class CommitmentVerified:
    """An `ErasureCommitmentVerified` event: a blob's certificate was accepted."""

    data_root: bytes
    epoch: int
    quorum_id: int
    commitments_hash: bytes
    block_number: int
    block_hash: bytes
    tx_hash: str
    log_index: int


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What `submit_original_data` did."""

    receipt: Receipt
    upload: DataUpload
    fee: int

    @property
    def epoch(self) -> int:
        return self.upload.epoch

    @property
    def quorum_id(self) -> int:
        return self.upload.quorum_id


@dataclass(frozen=True, slots=True)
class CommitRootSubmission:
    """One certificate: the blob, the signers (bitmap over the epoch's signer indices) and their aggregate."""

    data_root: bytes
    epoch: int
    quorum_id: int
    commitments_hash: bytes
    signer_bitmap: bytes
    """Bit i (byte i // 8, LSB first) selects signer index i; ceil(n / 8) bytes."""
    agg_signature: bytes
    """The aggregate signature, 96 B compressed or 256 B EIP-2537."""

    def to_abi(self) -> tuple[Any, ...]:
        return (
            _bytes32(self.data_root, "a data root"),
            _uint(self.epoch, "epoch"),
            _uint(self.quorum_id, "quorum id"),
            _bytes32(self.commitments_hash, "a commitments hash"),
            bytes(self.signer_bitmap),
            _g2(self.agg_signature),
        )


class DASignerRegistryContract(_Binding):
    """0G's DASigners as a contract: signers, stakes, epoch registration, the quorum draw."""

    artifact_name = "DASignerRegistry"

    # --- views ---

    def epoch_number(self) -> int:
        """The last made epoch (the one blobs go to)."""
        return self._uint_view("epochNumber")

    def due_epoch(self) -> int:
        """The epoch of the latest block, made or not; `register_next_epoch` joins due_epoch() + 1."""
        return self._uint_view("dueEpoch")

    def epoch_start_block(self, epoch: int) -> int:
        return self._uint_view("epochStartBlock", epoch)

    def is_epoch_made(self, epoch: int) -> bool:
        return bool(self._view(lambda: self.contract.functions.isEpochMade(epoch).call()))

    def quorum_count(self, epoch: int) -> int:
        return self._uint_view("quorumCount", epoch)

    def get_quorum(self, epoch: int, quorum_id: int) -> list[str]:
        """The 128 row owners of a quorum: position j signs row j."""
        return [_address(a) for a in self._view(lambda: self.contract.functions.getQuorum(epoch, quorum_id).call())]

    def get_quorum_row(self, epoch: int, quorum_id: int, row: int) -> str:
        return _address(self._view(lambda: self.contract.functions.getQuorumRow(epoch, quorum_id, row).call()))

    def signers_of(self, epoch: int) -> list[str]:
        """The epoch's signers in signer-index order (the bitmap's bit order)."""
        return [_address(a) for a in self._view(lambda: self.contract.functions.signersOf(epoch).call())]

    def registrants_of(self, epoch: int) -> list[tuple[str, int, bytes]]:
        """(signer, votes, ballot seed) of each signer of the epoch, in signer-index order."""
        signers, votes, seeds = self._view(lambda: self.contract.functions.registrantsOf(epoch).call())
        return [(_address(s), int(v), bytes(b)) for s, v, b in zip(signers, votes, seeds, strict=True)]

    def snapshot(self, epoch: int) -> str:
        return _address(self._view(lambda: self.contract.functions.snapshot(epoch).call()))

    def epoch_snapshot(self, epoch: int) -> EpochSnapshotInfo:
        address, signers, quorums = self._view(lambda: self.contract.functions.epochSnapshot(epoch).call())
        return EpochSnapshotInfo(_address(address), int(signers), int(quorums))

    def registered_epoch(self, signer: str, epoch: int) -> bool:
        return bool(self._view(lambda: self.contract.functions.registeredEpoch(_address(signer), epoch).call()))

    def is_signer(self, signer: str) -> bool:
        return bool(self._view(lambda: self.contract.functions.isSigner(_address(signer)).call()))

    def get_signer(self, signer: str) -> DASignerInfo:
        pk, socket, stake, registered, deregistered, last, unlock = self._view(
            lambda: self.contract.functions.getSigner(_address(signer)).call()
        )
        return DASignerInfo(
            _address(signer),
            bytes(pk) or bytes(BYTES_PER_G1_EIP2537),
            str(socket),
            int(stake),
            bool(registered),
            bool(deregistered),
            int(last),
            int(unlock),
        )

    def epoch_message(self, signer: str, epoch: int) -> bytes:
        """The 32 bytes `signer` BLS-signs to join `epoch` (as the contract computes it)."""
        return bytes(self._view(lambda: self.contract.functions.epochMessage(_address(signer), epoch).call()))

    def params(self) -> DARegistryParams:
        return DARegistryParams(
            epoch_blocks=self._uint_view("epochBlocks"),
            tokens_per_vote=self._uint_view("tokensPerVote"),
            max_votes_per_signer=self._uint_view("maxVotesPerSigner"),
            max_quorums=self._uint_view("maxQuorums"),
            min_stake=self._uint_view("minStake"),
        )

    # --- transactions ---

    def register(
        self, sender: TxSender, pk_g1: bytes, pop_g2: bytes, socket: str, stake: int, *, gas: int | None = None
    ) -> Receipt:
        """Register `sender` as a signer with BLS key `pk_g1` and its proof of possession; `stake` wei."""
        call = self.contract.functions.register(_g1(pk_g1), _g2(pop_g2), socket)
        return sender.send(call, value=stake, gas=gas)

    def add_stake(self, sender: TxSender, amount: int) -> Receipt:
        return sender.send(self.contract.functions.addStake(), value=amount)

    def update_socket(self, sender: TxSender, socket: str) -> Receipt:
        return sender.send(self.contract.functions.updateSocket(socket))

    def deregister(self, sender: TxSender) -> Receipt:
        return sender.send(self.contract.functions.deregister())

    def withdraw(self, sender: TxSender) -> Receipt:
        return sender.send(self.contract.functions.withdraw())

    def register_next_epoch(self, sender: TxSender, signature: bytes, *, gas: int | None = None) -> Receipt:
        """Join epoch due_epoch() + 1 with the BLS signature on `epoch_message(sender, that epoch)`."""
        return sender.send(self.contract.functions.registerNextEpoch(_g2(signature)), gas=gas)

    def make_epoch(self, sender: TxSender) -> Receipt:
        """Make the due epoch if it is not made yet (anyone may)."""
        return sender.send(self.contract.functions.makeEpoch(), extra_gas=EPOCH_GAS_ALLOWANCE)

    # --- admin (PARAMS_ADMIN_ROLE) ---

    def set_tokens_per_vote(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setTokensPerVote(value))

    def set_max_votes_per_signer(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setMaxVotesPerSigner(value))

    def set_max_quorums(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setMaxQuorums(value))

    def set_min_stake(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setMinStake(value))

    def set_epoch_blocks(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setEpochBlocks(value))

    # --- events ---

    def parse_epoch_registrations(self, logs: Sequence[Any]) -> list[EpochRegistration]:
        found = []
        for log in self._own_logs(logs, EPOCH_REGISTERED_TOPIC):
            args = self.contract.events.EpochRegistered().process_log(log)["args"]
            found.append(
                EpochRegistration(
                    _address(args["signer"]),
                    int(args["epoch"]),
                    int(args["index"]),
                    int(args["votes"]),
                    bytes(args["ballotSeed"]),
                    int(log["blockNumber"]),
                )
            )
        return found

    def parse_new_epochs(self, logs: Sequence[Any]) -> list[NewEpoch]:
        found = []
        for log in self._own_logs(logs, NEW_EPOCH_TOPIC):
            args = self.contract.events.NewEpoch().process_log(log)["args"]
            found.append(
                NewEpoch(
                    int(args["epoch"]),
                    _address(args["snapshot"]),
                    int(args["signerCount"]),
                    int(args["quorumCount"]),
                    int(args["ballots"]),
                    int(log["blockNumber"]),
                )
            )
        return found

    def get_epoch_registrations(self, from_block: int, to_block: int, page_size: int = 1000) -> list[EpochRegistration]:
        found: list[EpochRegistration] = []
        for start, end in block_ranges(from_block, to_block, page_size):
            logs = get_logs(self.w3, self.address, [EPOCH_REGISTERED_TOPIC], start, end)
            found.extend(self.parse_epoch_registrations(logs))
        return found


class DAEntranceContract(_Binding):
    """Blob registration (`submitOriginalData`) and certificates (`submitVerifiedCommitRoots`)."""

    artifact_name = "DAEntrance"

    def __init__(self, w3: Web3, address: str) -> None:
        super().__init__(w3, address)
        self.contract: Contract = w3.eth.contract(
            address=self.address, abi=merged_abi("DAEntrance", "DASignerRegistry")
        )

    # --- views ---

    def signer_registry_address(self) -> str:
        return _address(self._view(lambda: self.contract.functions.signerRegistry().call()))

    def signer_registry(self) -> DASignerRegistryContract:
        return DASignerRegistryContract(self.w3, self.signer_registry_address())

    def blob_price(self) -> int:
        return self._uint_view("blobPrice")

    def threshold_bps(self) -> int:
        return self._uint_view("thresholdBps")

    def required_rows(self) -> int:
        return self._uint_view("requiredRows")

    def treasury(self) -> str:
        return _address(self._view(lambda: self.contract.functions.treasury().call()))

    def fee(self, commitments: bytes) -> int:
        """What `submit_original_data` charges for these commitments."""
        return self.blob_price() * (len(commitments) // BYTES_PER_COMMITMENT)

    def commitment_exists(self, data_root: bytes, epoch: int, quorum_id: int) -> bool:
        root = _bytes32(data_root, "a data root")
        return bool(self._view(lambda: self.contract.functions.commitmentExists(root, epoch, quorum_id).call()))

    def verified_commitments_hash(self, data_root: bytes, epoch: int, quorum_id: int) -> bytes | None:
        """The certified commitments hash, or None before a certificate."""
        root = _bytes32(data_root, "a data root")
        function = self.contract.functions.verifiedCommitmentsHash
        value = bytes(self._view(lambda: function(root, epoch, quorum_id).call()))
        return None if value == bytes(32) else value

    def uploaded_commitments_hash(self, data_root: bytes, epoch: int, quorum_id: int) -> bytes | None:
        """The commitments hash the blob was uploaded with, or None if it never was."""
        root = _bytes32(data_root, "a data root")
        function = self.contract.functions.uploadedCommitmentsHash
        value = bytes(self._view(lambda: function(root, epoch, quorum_id).call()))
        return None if value == bytes(32) else value

    def certificate_message(self, epoch: int, quorum_id: int, data_root: bytes, commitments_hash: bytes) -> bytes:
        """The 32 bytes a certificate's signers sign (as the contract computes it)."""
        root = _bytes32(data_root, "a data root")
        digest = _bytes32(commitments_hash, "a commitments hash")
        return bytes(
            self._view(lambda: self.contract.functions.certificateMessage(epoch, quorum_id, root, digest).call())
        )

    # --- transactions ---

    def submit_original_data(
        self, sender: TxSender, data_root: bytes, commitments: bytes, *, value: int | None = None
    ) -> UploadResult:
        """Register a blob, paying `blobPrice` per commitment unless `value` overrides it; returns its epoch and
        quorum (from the `DataUpload` event)."""
        root = _bytes32(data_root, "a data root")
        if not commitments or len(commitments) % BYTES_PER_COMMITMENT:
            raise InvalidInput(f"commitments are a positive multiple of {BYTES_PER_COMMITMENT} bytes")
        fee = self.fee(commitments) if value is None else value
        receipt = sender.send(
            self.contract.functions.submitOriginalData(root, bytes(commitments)),
            value=fee,
            extra_gas=EPOCH_GAS_ALLOWANCE,
        )
        uploads = self.parse_data_uploads(receipt.logs)
        if len(uploads) != 1:
            raise ChainError("submitOriginalData emitted no DataUpload event")
        return UploadResult(receipt, uploads[0], fee)

    def submit_verified_commit_roots(
        self, sender: TxSender, submissions: Sequence[CommitRootSubmission], *, gas: int | None = None
    ) -> tuple[Receipt, list[CommitmentVerified]]:
        """Submit certificates; returns the receipt and the `ErasureCommitmentVerified` events (already certified
        blobs are skipped and emit none)."""
        if not submissions:
            raise InvalidInput("no certificate to submit")
        call = self.contract.functions.submitVerifiedCommitRoots([s.to_abi() for s in submissions])
        receipt = sender.send(call, gas=gas)
        return receipt, self.parse_commitments_verified(receipt.logs)

    def sync(self, sender: TxSender) -> Receipt:
        """Make the due epoch if needed."""
        return sender.send(self.contract.functions.sync(), extra_gas=EPOCH_GAS_ALLOWANCE)

    def withdraw_fees(self, sender: TxSender) -> Receipt:
        return sender.send(self.contract.functions.withdrawFees())

    # --- admin ---

    def set_blob_price(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setBlobPrice(value))

    def set_threshold_bps(self, sender: TxSender, value: int) -> Receipt:
        return sender.send(self.contract.functions.setThresholdBps(value))

    def set_treasury(self, sender: TxSender, treasury: str) -> Receipt:
        return sender.send(self.contract.functions.setTreasury(_address(treasury)))

    # --- events ---

    def parse_data_uploads(self, logs: Sequence[Any]) -> list[DataUpload]:
        found = []
        for log in self._own_logs(logs, DATA_UPLOAD_TOPIC):
            args = self.contract.events.DataUpload().process_log(log)["args"]
            found.append(
                DataUpload(
                    sender=_address(args["sender"]),
                    data_root=bytes(args["dataRoot"]),
                    epoch=int(args["epoch"]),
                    quorum_id=int(args["quorumId"]),
                    commitments_hash=bytes(args["commitmentsHash"]),
                    commitments=bytes(args["commitments"]),
                    block_number=int(log["blockNumber"]),
                    tx_hash=log["transactionHash"].to_0x_hex(),
                    log_index=int(log["logIndex"]),
                )
            )
        return found

    def parse_commitments_verified(self, logs: Sequence[Any]) -> list[CommitmentVerified]:
        found = []
        for log in self._own_logs(logs, ERASURE_COMMITMENT_VERIFIED_TOPIC):
            args = self.contract.events.ErasureCommitmentVerified().process_log(log)["args"]
            found.append(
                CommitmentVerified(
                    data_root=bytes(args["dataRoot"]),
                    epoch=int(args["epoch"]),
                    quorum_id=int(args["quorumId"]),
                    commitments_hash=bytes(args["commitmentsHash"]),
                    block_number=int(log["blockNumber"]),
                    block_hash=bytes(log["blockHash"]),
                    tx_hash=log["transactionHash"].to_0x_hex(),
                    log_index=int(log["logIndex"]),
                )
            )
        return found

    def get_data_uploads(
        self, from_block: int, to_block: int, data_root: bytes | None = None, page_size: int = 1000
    ) -> list[DataUpload]:
        """`DataUpload` events in blocks [from_block, to_block] (only `data_root`'s if given)."""
        topics: list[Any] = [DATA_UPLOAD_TOPIC]
        if data_root is not None:
            topics.append("0x" + _bytes32(data_root, "a data root").hex())
        found: list[DataUpload] = []
        for start, end in block_ranges(from_block, to_block, page_size):
            found.extend(self.parse_data_uploads(get_logs(self.w3, self.address, topics, start, end)))
        return found

    def get_commitments_verified(
        self, from_block: int, to_block: int, data_root: bytes | None = None, page_size: int = 1000
    ) -> list[CommitmentVerified]:
        """`ErasureCommitmentVerified` events in blocks [from_block, to_block] (only `data_root`'s if given)."""
        topics: list[Any] = [ERASURE_COMMITMENT_VERIFIED_TOPIC]
        if data_root is not None:
            topics.append("0x" + _bytes32(data_root, "a data root").hex())
        found: list[CommitmentVerified] = []
        for start, end in block_ranges(from_block, to_block, page_size):
            found.extend(self.parse_commitments_verified(get_logs(self.w3, self.address, topics, start, end)))
        return found
