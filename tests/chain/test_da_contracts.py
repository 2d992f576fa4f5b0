"""DASignerRegistry and DAEntrance on a real anvil (Prague, EIP-2537), driven by the pure DA core.

Four signers with different stakes register (the PoP is checked on chain) and join epoch 1 with BLS-as-VRF
signatures; the quorums the contract draws equal `zerog.da.quorum.draw_quorums` on the same ballots; blobs go to
quorums round robin; a certificate from a real aggregate signature of signers owning ≥ 75% of a quorum's rows is
accepted, and every way of breaking one is refused with its custom error (a malformed point is a revert, never a
silent "invalid"). The on-chain hash to G2, key compression and PoP check are compared with `zerog.crypto.bls`.
Tests run in order on one chain: later ones build on the epochs earlier ones made. Gas is printed at the end.
"""

import dataclasses
import hashlib
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from zerog.chain import (
    CommitRootSubmission,
    DAEntranceContract,
    DASignerRegistryContract,
    TxSender,
    decode_revert,
    deploy_contract,
    load_artifact,
)
from zerog.crypto import bls, keccak256
from zerog.da.quorum import (
    ballots,
    certificate_message,
    compute_votes,
    draw_quorums,
    epoch_message,
    rows_signed,
    signer_bitmap,
)
from zerog.devnet import DADeployConfig, deploy_da_contracts
from zerog.errors import ChainError, TransactionReverted
from zerog.testing import LocalChain, random_bytes

pytestmark = pytest.mark.chain

ETHER = 10**18
EPOCH_BLOCKS = 50
CONFIG = DADeployConfig(
    epoch_blocks=EPOCH_BLOCKS,
    tokens_per_vote_wei=ETHER,
    max_votes_per_signer=64,
    max_quorums=4,
    min_stake_wei=ETHER,
    blob_price_wei=10**12,
    threshold_bps=7_500,
)
STAKES = (10 * ETHER, 25 * ETHER, 40 * ETHER, 100 * ETHER)  # 10 + 25 + 40 + 64 (capped) = 139 ballots
SIGNER_ACCOUNTS = (1, 2, 3, 4)
OUTSIDER = 5
DISPERSER = 6
ROWS = 128


@dataclass
class Signer:
    sender: TxSender
    sk: bls.SecretKey
    stake: int

    @property
    def address(self) -> str:
        return self.sender.address

    @property
    def pk(self) -> bytes:
        return bls.public_key(self.sk)

    @property
    def pk_eip(self) -> bytes:
        return bls.g1_to_eip2537(self.pk)


@dataclass
class Blob:
    data_root: bytes
    commitments: bytes
    epoch: int
    quorum_id: int

    @property
    def commitments_hash(self) -> bytes:
        return keccak256(self.commitments)


@dataclass
class Env:
    chain: LocalChain
    registry: DASignerRegistryContract
    entrance: DAEntranceContract
    signers: list[Signer]
    chain_id: int
    epoch_signatures: dict[tuple[int, str], bytes] = field(default_factory=dict)
    """(epoch, signer address) -> the 256-byte EIP-2537 signature it joined with."""
    blobs: list[Blob] = field(default_factory=list)
    gas: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def env(local_chain: LocalChain) -> Env:
    chain = local_chain
    addresses = deploy_da_contracts(chain.sender, CONFIG)
    registry = DASignerRegistryContract(chain.w3, addresses["DASignerRegistry"])
    entrance = DAEntranceContract(chain.w3, addresses["DAEntrance"])
    signers = [
        Signer(chain.sender_for(account), bls.keygen(bytes([account]) * 32), stake)
        for account, stake in zip(SIGNER_ACCOUNTS, STAKES, strict=True)
    ]
    return Env(chain, registry, entrance, signers, chain.w3.eth.chain_id)


def _expect(error: str, action: Callable[[], Any]) -> str:
    """Run `action`, which must revert with custom error `error`; return the decoded reason."""
    with pytest.raises(TransactionReverted) as info:
        action()
    assert info.value.reason.startswith(error + "("), info.value.reason
    return info.value.reason


def _mine_to_epoch(env: Env, epoch: int) -> None:
    """Mine empty blocks until the next block belongs to `epoch`."""
    start = env.registry.epoch_start_block(epoch)
    blocks = start - env.chain.w3.eth.block_number - 1
    if blocks > 0:
        env.chain.w3.provider.make_request("anvil_mine", [hex(blocks)])  # type: ignore[arg-type]


def _join(env: Env, signer: Signer, epoch: int) -> int:
    """`signer` joins `epoch` (sent during epoch - 1); returns the gas used."""
    message = epoch_message(env.chain_id, signer.address, epoch)
    assert env.registry.epoch_message(signer.address, epoch) == message
    signature = bls.g2_to_eip2537(bls.sign(signer.sk, message))
    receipt = env.registry.register_next_epoch(signer.sender, signature)
    (event,) = env.registry.parse_epoch_registrations(receipt.logs)
    assert (event.signer, event.epoch) == (signer.address, epoch)
    assert event.ballot_seed == keccak256(signature) == ballots(signature, 1)[0]
    env.epoch_signatures[(epoch, signer.address)] = signature
    return receipt.gas_used


def _expected_quorums(env: Env, epoch: int, max_quorums: int) -> list[list[str]]:
    """The quorums Python draws from the signatures the signers joined `epoch` with (as addresses)."""
    registrants = env.registry.registrants_of(epoch)
    params = env.registry.params()
    draw_input = []
    for index, (address, votes, seed) in enumerate(registrants):
        signature = env.epoch_signatures[(epoch, address)]
        stake = env.registry.get_signer(address).stake
        assert votes == compute_votes(stake, params.tokens_per_vote, params.max_votes_per_signer)
        chain = ballots(signature, votes)
        assert chain[0] == seed
        draw_input.append((index, chain))
    return [[registrants[i][0] for i in owners] for owners in draw_quorums(draw_input, max_quorums)]


def _owner_indices(env: Env, epoch: int, quorum_id: int) -> list[int]:
    index = {address: i for i, address in enumerate(env.registry.signers_of(epoch))}
    return [index[a] for a in env.registry.get_quorum(epoch, quorum_id)]


def _aggregate(signers: Iterable[Signer], message: bytes) -> bytes:
    return bls.aggregate_signatures([bls.sign(s.sk, message) for s in signers])


def _certificate(
    env: Env,
    blob: Blob,
    signing: Sequence[int],
    *,
    bitmap_indices: Sequence[int] | None = None,
    message: bytes | None = None,
    signature: bytes | None = None,
    commitments_hash: bytes | None = None,
) -> CommitRootSubmission:
    """A certificate for `blob` signed by the epoch's signer indices `signing` (bitmap naming them unless told)."""
    epoch_signers = env.registry.signers_of(blob.epoch)
    by_address = {s.address: s for s in env.signers}
    if message is None:
        message = certificate_message(
            env.chain_id, env.entrance.address, blob.epoch, blob.quorum_id, blob.data_root, blob.commitments_hash
        )
    if signature is None:
        signature = _aggregate([by_address[epoch_signers[i]] for i in signing], message)
    bitmap = signer_bitmap(signing if bitmap_indices is None else bitmap_indices, len(epoch_signers))
    return CommitRootSubmission(
        blob.data_root,
        blob.epoch,
        blob.quorum_id,
        blob.commitments_hash if commitments_hash is None else commitments_hash,
        bitmap,
        signature,
    )


def _submit_blob(env: Env, seed: int, blobs: int = 2) -> Blob:
    sender = env.chain.sender_for(DISPERSER)
    data_root = keccak256(b"data root %d" % seed)
    commitments = random_bytes(48 * blobs, seed)
    result = env.entrance.submit_original_data(sender, data_root, commitments)
    upload = result.upload
    assert (upload.data_root, upload.commitments, upload.sender) == (data_root, commitments, sender.address)
    assert upload.commitments_hash == keccak256(commitments)
    assert result.fee == blobs * CONFIG.blob_price_wei
    blob = Blob(data_root, commitments, result.epoch, result.quorum_id)
    env.blobs.append(blob)
    env.gas.setdefault(f"submitOriginalData ({blobs} commitments)", result.receipt.gas_used)
    return blob


def _subsets(n: int) -> Iterable[tuple[int, ...]]:
    for size in range(1, n + 1):
        yield from itertools.combinations(range(n), size)


# --- the BLS library against zerog.crypto.bls ---


@pytest.fixture(scope="module")
def harness(env: Env) -> Contract:
    address = deploy_contract(env.chain.sender, "BLS12381Harness")
    return env.chain.w3.eth.contract(address=address, abi=load_artifact("BLS12381Harness").abi)


def test_hash_to_g2_matches_rfc9380_in_python(harness: Contract) -> None:
    for message in (b"", b"abc", bytes(range(32)), bytes(48), random_bytes(200, 1), random_bytes(300, 2)):
        for dst in (bls.DST_SIG, bls.DST_POP):
            expected = bls.g2_to_eip2537(bls.hash_to_g2(message, dst))
            assert harness.functions.hashToG2(dst, message).call() == expected


def test_expand_message_xmd_matches_rfc9380_test_vector(harness: Contract) -> None:
    # RFC 9380 appendix K.1 (expand_message_xmd, SHA-256), msg "abc", len_in_bytes 0x20.
    dst = b"QUUX-V01-CS02-with-expander-SHA256-128"
    expected = bytes.fromhex("d8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615")
    assert harness.functions.expandMessageXmd(dst, b"abc", 32).call() == expected
    for message, length in ((b"", 32), (b"abc", 128), (random_bytes(100, 3), 256)):
        assert harness.functions.expandMessageXmd(dst, message, length).call() == _expand_message_xmd(
            message, dst, length
        )


def _expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 §5.3.1 with SHA-256, straight from the text."""
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha256(bytes(64) + message + length.to_bytes(2, "big") + b"\0" + dst_prime).digest()
    blocks = [hashlib.sha256(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, -(-length // 32) + 1):
        mixed = bytes(a ^ b for a, b in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha256(mixed + bytes([i]) + dst_prime).digest())
    return b"".join(blocks)[:length]


def test_compress_g1_matches_zcash_encoding_and_pop_verifies(harness: Contract) -> None:
    flags = set()
    for i in range(16):
        sk = bls.keygen(bytes([100 + i]) * 32)
        pk = bls.public_key(sk)
        assert harness.functions.compressG1(bls.g1_to_eip2537(pk)).call() == pk
        flags.add(pk[0] & 0x20)
        pop = bls.g2_to_eip2537(bls.pop_prove(sk))
        assert harness.functions.verifyPop(bls.g1_to_eip2537(pk), pop).call()
        other = bls.g1_to_eip2537(bls.public_key(bls.keygen(bytes([200 + i]) * 32)))
        assert not harness.functions.verifyPop(other, pop).call()
    assert flags == {0, 0x20}  # both y signs were exercised
    assert harness.functions.compressG1(bytes(128)).call() == b"\xc0" + bytes(47)


def test_malformed_points_make_the_precompile_fail_and_revert(harness: Contract) -> None:
    sk = bls.keygen(b"m" * 32)
    pk = bls.g1_to_eip2537(bls.public_key(sk))
    signature = bls.g2_to_eip2537(bls.sign(sk, b"message"))
    assert harness.functions.verify(pk, bls.DST_SIG, b"message", signature).call()
    assert not harness.functions.verify(pk, bls.DST_SIG, b"other", signature).call()
    off_curve = signature[:-1] + bytes([signature[-1] ^ 1])
    not_canonical = signature[:16] + (bls.FIELD_MODULUS + 1).to_bytes(48, "big") + signature[64:]
    padding = b"\x01" + signature[1:]
    abi = [dict(item) for item in harness.abi]
    for bad in (off_curve, not_canonical, padding):
        with pytest.raises(ContractCustomError) as info:
            harness.functions.verify(pk, bls.DST_SIG, b"message", bad).call()
        assert decode_revert(str(info.value.data), abi).lower() == "precompilefailed(precompile=0x" + "0" * 38 + "0f)"
    (valid, hash_gas, verify_gas) = harness.functions.verifyGas(pk, bls.DST_SIG, b"x" * 32, signature).call()
    assert not valid
    assert hash_gas < 70_000
    assert verify_gas < 180_000


# --- registration ---


def test_register_four_signers_with_pop_checked_on_chain(env: Env) -> None:
    for i, signer in enumerate(env.signers):
        receipt = env.registry.register(
            signer.sender, signer.pk, bls.pop_prove(signer.sk), f"127.0.0.1:{34000 + i}", signer.stake
        )
        env.gas[f"register (signer {i})"] = receipt.gas_used
    for i, signer in enumerate(env.signers):
        info = env.registry.get_signer(signer.address)
        assert info.pk_g1 == signer.pk_eip
        assert info.stake == signer.stake
        assert info.socket == f"127.0.0.1:{34000 + i}"
        assert info.registered
        assert not info.deregistered
        assert env.registry.is_signer(signer.address)
    env.registry.update_socket(env.signers[0].sender, "signer0.example:34000")
    assert env.registry.get_signer(env.signers[0].address).socket == "signer0.example:34000"


def test_registration_refusals(env: Env) -> None:
    outsider = env.chain.sender_for(OUTSIDER)
    sk = bls.keygen(b"outsider key seed, 32 bytes long!")
    pk, pop = bls.public_key(sk), bls.pop_prove(sk)
    first = env.signers[0]
    # Another key's PoP; a PoP of the right key over the wrong DST (a plain signature of the compressed key).
    _expect("InvalidProofOfPossession", lambda: env.registry.register(outsider, pk, bls.pop_prove(first.sk), "", ETHER))
    plain = bls.sign(sk, pk)
    _expect("InvalidProofOfPossession", lambda: env.registry.register(outsider, pk, plain, "", ETHER))
    # The zero key (infinity), which with a zero signature would satisfy any pairing.
    _expect("ZeroKey", lambda: env.registry.register(outsider, bytes(128), bytes(256), "", ETHER))
    # A key off the curve: the pairing precompile fails and the call reverts (not a silent "bad PoP").
    off_curve = bls.g1_to_eip2537(pk)[:-1] + bytes([bls.g1_to_eip2537(pk)[-1] ^ 1])
    reason = _expect("PrecompileFailed", lambda: env.registry.register(outsider, off_curve, pop, "", ETHER))
    assert reason.lower().endswith("0f)")
    # Duplicates: the same signer again; another address with a registered key (and its valid PoP).
    _expect(
        "AlreadyRegistered",
        lambda: env.registry.register(first.sender, first.pk, bls.pop_prove(first.sk), "", ETHER),
    )
    _expect("KeyInUse", lambda: env.registry.register(outsider, first.pk, bls.pop_prove(first.sk), "", ETHER))
    _expect("StakeTooLow", lambda: env.registry.register(outsider, pk, pop, "", ETHER - 1))
    _expect("SocketTooLong", lambda: env.registry.register(outsider, pk, pop, "x" * 257, ETHER))
    assert not env.registry.is_signer(outsider.address)


def test_no_quorum_in_epoch_zero(env: Env) -> None:
    assert env.registry.epoch_number() == 0
    assert env.registry.quorum_count(0) == 0
    sender = env.chain.sender_for(DISPERSER)
    _expect("NoQuorums", lambda: env.entrance.submit_original_data(sender, keccak256(b"early"), bytes(48)))


def test_join_epoch_one_with_vrf_signatures(env: Env) -> None:
    assert env.registry.due_epoch() == 0
    first, second = env.signers[0], env.signers[1]
    # Invalid: a signature for another epoch, another signer's signature, not a signer at all.
    wrong_epoch = bls.sign(first.sk, epoch_message(env.chain_id, first.address, 2))
    _expect("InvalidEpochSignature", lambda: env.registry.register_next_epoch(first.sender, wrong_epoch))
    theirs = bls.sign(second.sk, epoch_message(env.chain_id, second.address, 1))
    _expect("InvalidEpochSignature", lambda: env.registry.register_next_epoch(first.sender, theirs))
    outsider = env.chain.sender_for(OUTSIDER)
    _expect("NotRegistered", lambda: env.registry.register_next_epoch(outsider, theirs))

    for i, signer in enumerate(env.signers):
        env.gas.setdefault("registerNextEpoch", _join(env, signer, 1))
        assert env.registry.registered_epoch(signer.address, 1)
        assert i == len(env.registry.signers_of(1)) - 1
    again = env.epoch_signatures[(1, first.address)]
    _expect("AlreadyJoinedEpoch", lambda: env.registry.register_next_epoch(first.sender, again))
    assert env.registry.signers_of(1) == [s.address for s in env.signers]
    assert [v for _, v, _ in env.registry.registrants_of(1)] == [10, 25, 40, 64]


def test_make_epoch_draws_the_quorums_python_draws(env: Env) -> None:
    _mine_to_epoch(env, 1)
    receipt = env.registry.make_epoch(env.chain.sender)
    env.gas["makeEpoch (4 signers, 139 ballots, 2 quorums)"] = receipt.gas_used
    (event,) = env.registry.parse_new_epochs(receipt.logs)
    assert (event.epoch, event.signer_count, event.quorum_count, event.ballots) == (1, 4, 2, 139)
    assert env.registry.epoch_number() == 1
    snapshot = env.registry.epoch_snapshot(1)
    assert (snapshot.snapshot, snapshot.signer_count, snapshot.quorum_count) == (event.snapshot, 4, 2)
    # 139 ballots: one full quorum, then one of the last 128 (overlapping the first).
    expected = _expected_quorums(env, 1, CONFIG.max_quorums)
    assert len(expected) == 2
    for q, owners in enumerate(expected):
        assert env.registry.get_quorum(1, q) == owners
        for row in (0, 77, 127):
            assert env.registry.get_quorum_row(1, q, row) == owners[row]
    # Everyone owns rows, roughly by stake (64 of 139 ballots: about 46% of a quorum).
    assert {a for owners in expected for a in owners} == {s.address for s in env.signers}
    # The snapshot holds the keys in signer-index order, unpadded (96 B each) after the addresses.
    code = env.chain.w3.eth.get_code(snapshot.snapshot)
    assert code[:5] == bytes([0, 0, 4, 0, 2])  # STOP, then n = 4 and q = 2 (u16 each)
    for i, signer in enumerate(env.signers):
        assert code[5 + 20 * i : 25 + 20 * i] == bytes.fromhex(signer.address[2:])
        key = code[1 + 4 + 80 + 96 * i : 1 + 4 + 80 + 96 * (i + 1)]
        assert key == signer.pk_eip[16:64] + signer.pk_eip[80:128]
    # Idempotent: a second call makes nothing.
    again = env.registry.make_epoch(env.chain.sender)
    assert env.registry.parse_new_epochs(again.logs) == []
    with pytest.raises(ChainError, match=r"QuorumNotFound\(epoch=1, quorumId=2\)"):
        env.registry.get_quorum(1, 2)


def test_submit_original_data_round_robin(env: Env) -> None:
    blobs = [_submit_blob(env, seed) for seed in (1, 2, 3)]
    assert [(b.epoch, b.quorum_id) for b in blobs] == [(1, 0), (1, 1), (1, 0)]
    for blob in blobs:
        assert env.entrance.uploaded_commitments_hash(blob.data_root, 1, blob.quorum_id) == blob.commitments_hash
        assert not env.entrance.commitment_exists(blob.data_root, 1, blob.quorum_id)
    uploads = env.entrance.get_data_uploads(0, env.chain.w3.eth.block_number)
    assert [(u.data_root, u.quorum_id) for u in uploads] == [(b.data_root, b.quorum_id) for b in blobs]
    (only,) = env.entrance.get_data_uploads(0, env.chain.w3.eth.block_number, data_root=blobs[1].data_root)
    assert only.commitments == blobs[1].commitments
    _submit_blob(env, 4, blobs=1)
    sender = env.chain.sender_for(DISPERSER)
    root = keccak256(b"refused")
    _expect("InsufficientFee", lambda: env.entrance.submit_original_data(sender, root, bytes(96), value=10**12))
    odd_length = env.entrance.contract.functions.submitOriginalData(root, bytes(47))
    _expect("InvalidCommitmentsLength", lambda: sender.send(odd_length, value=10**12))
    too_many = env.entrance.contract.functions.submitOriginalData(root, bytes(48 * 257))
    _expect("InvalidCommitmentsLength", lambda: sender.send(too_many, value=257 * 10**12))
    _expect("ZeroDataRoot", lambda: env.entrance.submit_original_data(sender, bytes(32), bytes(48)))


def test_certificate_of_signers_holding_three_quarters_is_accepted(env: Env) -> None:
    blob = env.blobs[0]
    owners = _owner_indices(env, blob.epoch, blob.quorum_id)
    required = env.entrance.required_rows()
    assert required == 96
    # The smallest set of signers owning ≥ 96 rows.
    signing = next(s for s in _subsets(4) if rows_signed(owners, signer_bitmap(s, 4)) >= required)
    certificate = _certificate(env, blob, signing)
    receipt, events = env.entrance.submit_verified_commit_roots(env.chain.sender, [certificate])
    env.gas[f"submitVerifiedCommitRoots ({len(signing)} of 4 signers)"] = receipt.gas_used
    (event,) = events
    assert (event.data_root, event.epoch, event.quorum_id) == (blob.data_root, blob.epoch, blob.quorum_id)
    assert event.commitments_hash == blob.commitments_hash
    assert env.entrance.commitment_exists(blob.data_root, blob.epoch, blob.quorum_id)
    assert env.entrance.verified_commitments_hash(blob.data_root, blob.epoch, blob.quorum_id) == blob.commitments_hash
    assert env.entrance.get_commitments_verified(0, receipt.block_number, data_root=blob.data_root) == [event]
    # Submitting it again is a no-op.
    _, again = env.entrance.submit_verified_commit_roots(env.chain.sender, [certificate])
    assert again == []

    # All four signers, on the second quorum, in one call with the third blob.
    second, third = env.blobs[1], env.blobs[2]
    receipt, events = env.entrance.submit_verified_commit_roots(
        env.chain.sender, [_certificate(env, second, range(4)), _certificate(env, third, range(4))]
    )
    assert len(events) == 2
    env.gas["submitVerifiedCommitRoots (2 certificates, 4 of 4 signers each)"] = receipt.gas_used
    receipt, _ = env.entrance.submit_verified_commit_roots(
        env.chain.sender, [_certificate(env, env.blobs[3], range(4))]
    )
    env.gas["submitVerifiedCommitRoots (4 of 4 signers)"] = receipt.gas_used


def test_certificate_refusals(env: Env) -> None:
    blob = _submit_blob(env, 10)
    owners = _owner_indices(env, blob.epoch, blob.quorum_id)
    full = _certificate(env, blob, range(4))
    sender = env.chain.sender
    submit = env.entrance.submit_verified_commit_roots

    def refuse(error: str, certificate: CommitRootSubmission) -> str:
        return _expect(error, lambda: submit(sender, [certificate]))

    # Below threshold: the largest set of signers owning fewer than 96 rows.
    below = max(
        (s for s in _subsets(4) if rows_signed(owners, signer_bitmap(s, 4)) < 96),
        key=lambda s: rows_signed(owners, signer_bitmap(s, 4)),
    )
    rows = rows_signed(owners, signer_bitmap(below, 4))
    assert refuse("InsufficientRows", _certificate(env, blob, below)) == f"InsufficientRows(rows={rows}, required=96)"

    # Signed over another message: another data root, commitments hash, epoch, quorum, chain or contract.
    args = (env.chain_id, env.entrance.address, blob.epoch, blob.quorum_id, blob.data_root, blob.commitments_hash)
    for position, value in (
        (4, keccak256(b"another root")),
        (5, keccak256(b"other commitments")),
        (2, blob.epoch + 1),
        (3, blob.quorum_id + 1),
        (0, env.chain_id + 1),
        (1, env.registry.address),
    ):
        wrong = list(args)
        wrong[position] = value
        refuse("InvalidSignature", _certificate(env, blob, range(4), message=certificate_message(*wrong)))  # type: ignore[arg-type]

    # Forged: a valid G2 point that nobody's key signed.
    forged = bls.hash_to_g2(b"forged", bls.DST_SIG)
    refuse("InvalidSignature", _certificate(env, blob, range(4), signature=forged))
    # The bitmap names a signer who did not sign, or leaves out one who did.
    refuse("InvalidSignature", _certificate(env, blob, (0, 1, 2), bitmap_indices=range(4)))
    left_out = next(j for j in range(4) if rows_signed(owners, signer_bitmap(set(range(4)) - {j}, 4)) >= 96)
    refuse("InvalidSignature", _certificate(env, blob, range(4), bitmap_indices=sorted(set(range(4)) - {left_out})))

    # Malformed signature points: the pairing precompile fails and the call reverts with PrecompileFailed.
    eip = bls.g2_to_eip2537(full.agg_signature)
    for bad in (
        eip[:-1] + bytes([eip[-1] ^ 1]),  # off the curve
        b"\x01" + eip[1:],  # nonzero padding
        eip[:16] + (bls.FIELD_MODULUS + 5).to_bytes(48, "big") + eip[64:],  # a coordinate ≥ p
    ):
        bad_certificate = CommitRootSubmission(
            blob.data_root, blob.epoch, blob.quorum_id, blob.commitments_hash, full.signer_bitmap, bad
        )
        assert refuse("PrecompileFailed", bad_certificate).lower().endswith("0f)")

    # Bitmaps of the wrong size or naming signer indices the epoch does not have.
    for bitmap, error in (
        (b"\x0f\x00", "BitmapLengthMismatch"),
        (b"", "BitmapLengthMismatch"),
        (b"\x1f", "BitmapOutOfRange"),
    ):
        refuse(
            error,
            CommitRootSubmission(
                blob.data_root, blob.epoch, blob.quorum_id, blob.commitments_hash, bitmap, full.agg_signature
            ),
        )

    # Unregistered blobs: another root, another epoch or quorum; a wrong commitments hash.
    unknown = Blob(keccak256(b"never uploaded"), blob.commitments, blob.epoch, blob.quorum_id)
    refuse("UnknownBlob", _certificate(env, unknown, range(4)))
    refuse("UnknownBlob", dataclasses.replace(full, epoch=2))
    refuse("UnknownBlob", _certificate(env, Blob(blob.data_root, blob.commitments, 1, 1 - blob.quorum_id), range(4)))
    refuse("CommitmentsHashMismatch", _certificate(env, blob, range(4), commitments_hash=keccak256(b"other")))

    assert not env.entrance.commitment_exists(blob.data_root, blob.epoch, blob.quorum_id)
    submit(sender, [full])
    assert env.entrance.commitment_exists(blob.data_root, blob.epoch, blob.quorum_id)


def test_deregister_withdraw_and_a_cycling_quorum(env: Env) -> None:
    first, second, third, _ = env.signers
    for signer in (first, second):
        _join(env, signer, 2)
    receipt = env.registry.deregister(third.sender)
    assert env.registry.get_signer(third.address).unlock_epoch == 2
    _expect("AlreadyDeregistered", lambda: _join(env, third, 2))
    _expect("StakeLocked", lambda: env.registry.withdraw(third.sender))
    _expect("NotDeregistered", lambda: env.registry.withdraw(first.sender))
    assert receipt.gas_used > 0

    _mine_to_epoch(env, 2)
    env.entrance.sync(env.chain.sender)
    assert env.registry.epoch_number() == 2
    # 10 + 25 = 35 ballots: one quorum cycling through them.
    (owners,) = _expected_quorums(env, 2, CONFIG.max_quorums)
    assert env.registry.quorum_count(2) == 1
    assert env.registry.get_quorum(2, 0) == owners
    assert owners[35:70] == owners[:35]
    # A blob of epoch 2 goes to its only quorum; the round robin restarted.
    assert _submit_blob(env, 20).quorum_id == 0
    assert _submit_blob(env, 21).quorum_id == 0

    balance = env.chain.w3.eth.get_balance(third.address)
    receipt = env.registry.withdraw(third.sender)
    gas_paid = receipt.gas_used * env.chain.w3.eth.get_transaction(receipt.tx_hash)["gasPrice"]
    assert env.chain.w3.eth.get_balance(third.address) == balance + third.stake - gas_paid
    assert not env.registry.get_signer(third.address).registered


def test_governance_and_a_capped_draw(env: Env) -> None:
    first, second, _, fourth = env.signers
    outsider = env.chain.sender_for(OUTSIDER)
    _expect("AccessControlUnauthorizedAccount", lambda: env.entrance.set_blob_price(outsider, 0))
    _expect("AccessControlUnauthorizedAccount", lambda: env.registry.set_max_quorums(outsider, 1))
    _expect("InvalidParameter", lambda: env.entrance.set_threshold_bps(env.chain.sender, 5_000))
    _expect("InvalidParameter", lambda: env.registry.set_max_quorums(env.chain.sender, 33))
    env.registry.set_max_quorums(env.chain.sender, 1)
    env.registry.add_stake(first.sender, 60 * ETHER)  # 70 ether: 64 votes (the cap)
    for signer in (first, second, fourth):
        _join(env, signer, 3)
    _mine_to_epoch(env, 3)
    env.registry.make_epoch(env.chain.sender)
    # 64 + 25 + 64 = 153 ballots: one full quorum, and no room for the overlapping one.
    expected = _expected_quorums(env, 3, 1)
    assert len(expected) == 1
    assert env.registry.quorum_count(3) == 1
    assert env.registry.get_quorum(3, 0) == expected[0]
    env.registry.set_max_quorums(env.chain.sender, CONFIG.max_quorums)

    # Fees go to the treasury (the deployer), whoever triggers it.
    treasury = env.entrance.treasury()
    assert treasury == env.chain.sender.address
    collected = env.chain.w3.eth.get_balance(env.entrance.address)
    assert collected == sum(len(b.commitments) // 48 for b in env.blobs) * CONFIG.blob_price_wei
    before = env.chain.w3.eth.get_balance(treasury)
    env.entrance.withdraw_fees(outsider)
    assert env.chain.w3.eth.get_balance(treasury) == before + collected
    _expect("NothingToWithdraw", lambda: env.entrance.withdraw_fees(outsider))


def test_gas_report(env: Env) -> None:
    print("\nDA contract gas (anvil, Prague):")
    for name, gas in env.gas.items():
        print(f"  {name:62} {gas:>10,}")
    assert env.gas["submitVerifiedCommitRoots (4 of 4 signers)"] <= 300_000
