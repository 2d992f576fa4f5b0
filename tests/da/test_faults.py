"""Faults of a DA network on a real anvil: real signers over gRPC, a real disperser, misbehaving signers.

Each faulty signer is a subclass of `SignerService` that misbehaves in one way and is honest otherwise:

- signer 0 withholds its rows on `BatchRetrieve` (answers none);
- signer 1 serves its rows with one byte of one cell flipped;
- signer 2 checks and stores its rows but signs another message (another blob's certificate);
- signer 3 is honest; its signing can be held at a gate to fill its request pool on purpose.

Stakes 10/10/20/60 make one quorum (100 ballots, cycling) in which signers 0 and 1 own few enough rows that the
others still recover a blob, signer 2 few enough that the rest still certify one, and signer 3 so many that without
it no certificate is possible; the tests check those shares on chain before relying on them. Every signer takes at
most 2 BatchSign requests at once and 1 per peer. Tests run in order; the last one stops signer 3.
"""

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import pytest_asyncio

from zerog.chain import CommitRootSubmission
from zerog.crypto import bls, keccak256
from zerog.da.clients import CHANNEL_OPTIONS, BlobSignRequest, DisperserClient, SignerClient
from zerog.da.config import SignerConfig
from zerog.da.encoding import EncodedBlob, EncodedRow, encode_blob
from zerog.da.proto import disperser_pb2, signer_pb2, signer_pb2_grpc
from zerog.da.quorum import certificate_message, signer_bitmap
from zerog.da.retrieval import BlobRef, owned_rows, retrieve_blob, sample_blob
from zerog.da.signer import SignerService
from zerog.devnet import DADeployConfig
from zerog.errors import InvalidInput, TransactionReverted, Unavailable
from zerog.testing import LocalChain, random_bytes
from zerog.testing.da import DANetwork, running_da_network

pytestmark = [pytest.mark.chain, pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

ETHER = 10**18
STAKES = (10 * ETHER, 10 * ETHER, 20 * ETHER, 60 * ETHER)
WITHHOLDER, CORRUPTER, FORGER, HONEST = range(4)
MAX_ONGOING, MAX_PER_PEER = 2, 1
UPLOADER_ACCOUNT = 5
ROWS = 128
ROWS_NEEDED = 64

DATA = random_bytes(150_000, seed=61)  # 2 ckzg blobs: dispersed with every signer up, then read back
FLOOD_DATA = random_bytes(20_000, seed=62)  # registered directly, for BatchSign requests
AFTER_FLOOD_DATA = random_bytes(30_000, seed=63)
CERTIFICATE_DATA = random_bytes(25_000, seed=64)
BELOW_THRESHOLD_DATA = random_bytes(35_000, seed=65)
FORGER_FAILURE = "returned a signature that does not verify under its registered key"


def flip_byte(row: EncodedRow, position: int = 31) -> EncodedRow:
    """`row` with one bit of its first cell flipped (the low byte of a field element, so it stays canonical)."""
    data = bytearray(row.data)
    data[position] ^= 0x01
    return EncodedRow(index=row.index, data=bytes(data), proofs=row.proofs)


class WithholdingSigner(SignerService):
    """Signs and stores like an honest signer, then serves none of its rows."""

    async def batch_retrieve(self, request: signer_pb2.RetrieveRequest) -> list[list[EncodedRow]]:
        found = await super().batch_retrieve(request)
        return [[] for _ in found]


class CorruptingSigner(SignerService):
    """Serves its rows with one byte flipped in the first cell of the first row of each answer."""

    async def batch_retrieve(self, request: signer_pb2.RetrieveRequest) -> list[list[EncodedRow]]:
        found = await super().batch_retrieve(request)
        return [[flip_byte(rows[0]), *rows[1:]] if rows else rows for rows in found]


class ForgingSigner(SignerService):
    """Runs every check and stores the rows, but returns a signature over another blob's certificate message."""

    async def _check_blob(
        self, message: signer_pb2.BlobSignRequest
    ) -> tuple[bytes, list[bytes], bytes, list[EncodedRow]]:
        _, commitments, digest, rows = await super()._check_blob(message)
        other_root = keccak256(bytes(message.data_root))
        wrong = certificate_message(
            self.chain_id, self.entrance.address, int(message.epoch), int(message.quorum_id), other_root, digest
        )
        return bls.sign(self.sk, wrong), commitments, digest, rows


class GatedSigner(SignerService):
    """An honest signer whose signing waits while `gate` is clear (a stalled disk or CPU), holding its slots."""

    def __init__(self, config: SignerConfig) -> None:
        super().__init__(config)
        self.gate = asyncio.Event()
        self.gate.set()

    async def _sign_all(self, request: signer_pb2.SignRequest) -> list[bytes]:
        await self.gate.wait()
        return await super()._sign_all(request)


ROLES: tuple[type[SignerService], ...] = (WithholdingSigner, CorruptingSigner, ForgingSigner, GatedSigner)


def build_signer(index: int, config: SignerConfig) -> SignerService:
    return ROLES[index](config)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def network(local_chain: LocalChain, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DANetwork]:
    async with running_da_network(
        local_chain,
        Path(tmp_path_factory.mktemp("da-faults")),
        deploy=DADeployConfig(epoch_blocks=100),  # every blob of the module lands in the first live epoch
        stakes=STAKES,
        signer_overrides={"max_ongoing_sign_requests": MAX_ONGOING, "max_requests_per_peer": MAX_PER_PEER},
        signer_factory=build_signer,
    ) as net:
        yield net


@dataclass(frozen=True)
class Quorum:
    epoch: int
    quorum_id: int
    owners: list[str]
    """Row index → owner address (lower case)."""
    rows_of: dict[str, list[int]]
    required: int

    def rows(self, *signers: str) -> list[int]:
        return sorted(row for signer in signers for row in self.rows_of.get(signer, []))


def address(network: DANetwork, index: int) -> str:
    return network.signers[index].address.lower()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def quorum(network: DANetwork) -> Quorum:
    """The one quorum every blob of the module goes to; checks the row shares the scenarios rely on."""
    registry, epoch = network.registry, network.epoch
    assert await asyncio.to_thread(registry.quorum_count, epoch) == 1
    owners = [o.lower() for o in await asyncio.to_thread(registry.get_quorum, epoch, 0)]
    required = await asyncio.to_thread(network.entrance.required_rows)
    assert required == 96
    q = Quorum(epoch, 0, owners, owned_rows(owners), required)
    withholder, corrupter, forger, honest = (address(network, i) for i in range(4))
    assert set(q.rows_of) == {withholder, corrupter, forger, honest}
    # Without the withholder's and the corrupter's rows, the rest still recover a blob, and both own rows of the
    # systematic half (so retrieval must meet them and go on to the other half).
    assert ROWS - len(q.rows(withholder, corrupter)) >= ROWS_NEEDED
    assert set(q.rows(withholder)) & set(range(ROWS_NEEDED))
    assert set(q.rows(corrupter)) & set(range(ROWS_NEEDED))
    # Without the forger's rows, the rest still reach the threshold; without the largest signer's, nobody can.
    assert ROWS - len(q.rows(forger)) >= required
    assert ROWS - len(q.rows(honest)) < required
    return q


@dataclass(frozen=True)
class Registered:
    blob: EncodedBlob
    epoch: int
    quorum_id: int

    def request(self, rows: Sequence[EncodedRow], *, data_root: bytes | None = None) -> BlobSignRequest:
        return BlobSignRequest(
            epoch=self.epoch,
            quorum_id=self.quorum_id,
            data_root=self.blob.data_root if data_root is None else data_root,
            commitments=self.blob.commitments_bytes,
            rows=rows,
        )

    def rows(self, indexes: Sequence[int]) -> list[EncodedRow]:
        return [self.blob.rows[index] for index in indexes]


async def register(network: DANetwork, data: bytes) -> Registered:
    """Encode `data` and register it on chain as a disperser would (`submitOriginalData`), from a dev account."""
    blob = await asyncio.to_thread(encode_blob, data)
    sender = network.chain.sender_for(UPLOADER_ACCOUNT)
    upload = await asyncio.to_thread(
        network.entrance.submit_original_data, sender, blob.data_root, blob.commitments_bytes
    )
    assert upload.epoch == network.epoch
    return Registered(blob, upload.epoch, upload.quorum_id)


def certificate_message_of(network: DANetwork, blob: Registered) -> bytes:
    chain_id = int(network.chain.w3.eth.chain_id)
    return certificate_message(
        chain_id, network.entrance.address, blob.epoch, blob.quorum_id, blob.blob.data_root, blob.blob.commitments_hash
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def registered(network: DANetwork) -> Registered:
    """A blob registered on chain but never dispersed: BatchSign requests for it are valid."""
    return await register(network, FLOOD_DATA)


async def disperse(network: DANetwork, data: bytes) -> tuple[bytes, disperser_pb2.BlobStatusReply]:
    """(request id, final status) of `data` sent through the disperser."""
    async with DisperserClient(network.disperser.config.url) as client:
        status, request_id = await client.disperse(data)
        assert status == disperser_pb2.PROCESSING
        return request_id, await client.wait_final(request_id, timeout_s=60)


def status_name(reply: disperser_pb2.BlobStatusReply) -> str:
    return str(disperser_pb2.BlobStatus.Name(reply.status))


def bitmap_of(network: DANetwork, epoch_signers: Sequence[str], indexes: Sequence[int]) -> bytes:
    index_of = {a.lower(): i for i, a in enumerate(epoch_signers)}
    return signer_bitmap([index_of[address(network, i)] for i in indexes], len(epoch_signers))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def dispersed(network: DANetwork, quorum: Quorum) -> tuple[BlobRef, bytes, disperser_pb2.BlobStatusReply]:
    """DATA dispersed with every signer up: (blob, request id, final status)."""
    request_id, reply = await disperse(network, DATA)
    header = reply.info.blob_header
    return BlobRef(bytes(header.storage_root), int(header.epoch), int(header.quorum_id)), request_id, reply


# --- BatchSign: input checks and a flood ------------------------------------------------------------------------


async def test_batch_sign_refuses_bad_input_and_stores_nothing(
    network: DANetwork, quorum: Quorum, registered: Registered
) -> None:
    target = network.signers[HONEST]
    store = target.store
    assert store is not None
    mine = quorum.rows(address(network, HONEST))
    theirs = quorum.rows(address(network, WITHHOLDER))
    blob = registered.blob
    other = await asyncio.to_thread(encode_blob, b"commitments nobody registered for this root")
    corrupted_row = mine[len(mine) // 2]
    corrupted = [flip_byte(row) if row.index == corrupted_row else row for row in registered.rows(mine)]

    def stored() -> tuple[int, list[tuple[int, bytes, bytes]]]:
        return store.row_count(), store.get_rows(registered.epoch, registered.quorum_id, blob.data_root, mine)

    refusals: list[tuple[BlobSignRequest, str]] = [
        (registered.request(registered.rows(mine[1:])), r"exactly this signer's rows"),
        (registered.request(registered.rows(theirs)), r"exactly this signer's rows"),
        (registered.request(registered.rows([*mine, theirs[0]])), r"exactly this signer's rows"),
        (registered.request(registered.rows([*mine, mine[0]])), r"exactly this signer's rows"),
        (registered.request(registered.rows(mine), data_root=keccak256(b"never registered")), r"not registered"),
        (
            BlobSignRequest(
                registered.epoch, registered.quorum_id, blob.data_root, other.commitments_bytes, registered.rows(mine)
            ),
            r"commitments differ from the ones registered",
        ),
        (registered.request(corrupted), rf"row {corrupted_row} does not open the commitments"),
    ]
    client = SignerClient(target.config.public_socket)
    try:
        before = stored()
        for request, reason in refusals:
            with pytest.raises(InvalidInput, match=reason):
                await client.batch_sign([request])
            assert stored() == before, reason
        # The same signer signs the exact rows, and only then stores them.
        (signature,) = await client.batch_sign([registered.request(registered.rows(mine))])
    finally:
        await client.close()
    assert bls.verify(target.pk, certificate_message_of(network, registered), signature)
    count, rows = stored()
    assert [index for index, _, _ in rows] == mine
    assert count == before[0] + len(mine) - len(before[1])


async def settle(tasks: Sequence["asyncio.Task[list[bytes]]"], count: int, timeout_s: float = 30) -> int:
    """Wait until at least `count` of `tasks` are done (or `timeout_s` passed); returns how many are."""
    for _ in range(int(timeout_s * 20)):
        if sum(task.done() for task in tasks) >= count:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # and a little longer, to see any answer beyond `count`
    return sum(task.done() for task in tasks)


async def own_connection(socket: str) -> SignerClient:
    """A SignerClient on a connection of its own. gRPC shares one connection among a process's channels to the
    same address, and the signer counts requests per connection (`context.peer()`): this is another peer."""
    client = SignerClient(socket)
    await client.channel.close()
    client.channel = grpc.aio.insecure_channel(
        socket, options=[*CHANNEL_OPTIONS, ("grpc.use_local_subchannel_pool", 1)]
    )
    client.stub = signer_pb2_grpc.SignerStub(client.channel)  # type: ignore[no-untyped-call]
    return client


async def test_batch_sign_flood_is_bounded_and_the_signer_recovers(
    network: DANetwork, quorum: Quorum, registered: Registered
) -> None:
    target = network.signers[HONEST]
    assert isinstance(target, GatedSigner)
    request = registered.request(registered.rows(quorum.rows(address(network, HONEST))))

    def refusals() -> float:
        value = target.prometheus.get_sample_value("zerog_da_sign_requests_total", {"outcome": "resource_exhausted"})
        return value or 0.0

    refusals_before = refusals()
    clients = [await own_connection(target.config.public_socket) for _ in range(3)]
    first: list[asyncio.Task[list[bytes]]] = []
    rest: list[asyncio.Task[list[bytes]]] = []
    try:
        for client in clients:  # connected before the flood
            await client.status()
        target.gate.clear()
        try:
            # 20 at once from one client: one is taken and held, the other 19 exceed the per-peer bound.
            first = [asyncio.create_task(clients[0].batch_sign([request])) for _ in range(20)]
            first_answered = await settle(first, 19)
            ongoing_after_first = target.status_json()["ongoingSignRequests"]
            # 10 more from two other clients: one more is taken, then the pool (2) is full for everyone.
            rest = [asyncio.create_task(client.batch_sign([request])) for client in clients[1:] for _ in range(5)]
            rest_answered = await settle(rest, 9)
            ongoing_after_rest = target.status_json()["ongoingSignRequests"]
        finally:
            target.gate.set()
            first_results = await asyncio.gather(*first, return_exceptions=True)
            rest_results = await asyncio.gather(*rest, return_exceptions=True)
        # The pool is free again, and so is the first client's per-peer slot.
        ongoing_after = target.status_json()["ongoingSignRequests"]
        (again,) = await clients[0].batch_sign([request])
    finally:
        for client in clients:
            await client.close()

    assert (first_answered, ongoing_after_first) == (19, 1)
    assert (rest_answered, ongoing_after_rest) == (9, MAX_ONGOING)
    assert ongoing_after == 0
    message = certificate_message_of(network, registered)
    for results, refusal in (
        (first_results, "too many requests from this peer at once"),
        (rest_results, "request pool is full"),
    ):
        signed = [r for r in results if isinstance(r, list)]
        refused = [r for r in results if not isinstance(r, list)]
        assert len(signed) == 1
        assert all(bls.verify(target.pk, message, signature) for (signature,) in signed)
        for error in refused:
            assert isinstance(error, Unavailable), repr(error)
            assert "(RESOURCE_EXHAUSTED)" in str(error)
            assert str(error).endswith(refusal)
    assert bls.verify(target.pk, message, again)
    assert refusals() - refusals_before == 28
    assert not network.signer_tasks[HONEST].done()

    # A normal dispersal still goes through (the forger's rows never count).
    _, reply = await disperse(network, AFTER_FLOOD_DATA)
    assert status_name(reply) == "CONFIRMED", reply.info.blob_verification_proof.error
    assert reply.info.blob_verification_proof.rows_signed == ROWS - len(quorum.rows(address(network, FORGER)))


# --- Forged signatures ------------------------------------------------------------------------------------------


async def test_a_forged_signature_is_not_counted(
    network: DANetwork, quorum: Quorum, dispersed: tuple[BlobRef, bytes, disperser_pb2.BlobStatusReply]
) -> None:
    blob, request_id, reply = dispersed
    proof = reply.info.blob_verification_proof
    assert status_name(reply) == "CONFIRMED", proof.error
    forger = address(network, FORGER)
    assert proof.rows_signed == ROWS - len(quorum.rows(forger)) >= quorum.required
    epoch_signers = await asyncio.to_thread(network.registry.signers_of, blob.epoch)
    assert bytes(proof.signer_bitmap) == bitmap_of(network, epoch_signers, [WITHHOLDER, CORRUPTER, HONEST])
    forger_index = [a.lower() for a in epoch_signers].index(forger)
    assert not bytes(proof.signer_bitmap)[forger_index // 8] >> (forger_index % 8) & 1
    store = network.disperser.store
    assert store is not None
    record = store.get(request_id)
    assert record is not None
    assert record["signer_failures"] == {forger: FORGER_FAILURE}
    entrance = network.entrance
    assert await asyncio.to_thread(entrance.commitment_exists, blob.data_root, blob.epoch, blob.quorum_id)


async def test_the_contract_refuses_an_aggregate_with_a_forged_signature(network: DANetwork, quorum: Quorum) -> None:
    certified = await register(network, CERTIFICATE_DATA)
    message = certificate_message_of(network, certified)
    signatures: dict[int, bytes] = {}
    for index, signer in enumerate(network.signers):  # each signer over gRPC, with exactly its rows
        client = SignerClient(signer.config.public_socket)
        try:
            rows = certified.rows(quorum.rows(address(network, index)))
            (signatures[index],) = await client.batch_sign([certified.request(rows)])
        finally:
            await client.close()
        assert bls.verify(signer.pk, message, signatures[index]) == (index != FORGER)
    epoch_signers = await asyncio.to_thread(network.registry.signers_of, certified.epoch)
    blob = certified.blob

    def certificate(indexes: Sequence[int], replace: dict[int, bytes] | None = None) -> CommitRootSubmission:
        chosen = {**signatures, **(replace or {})}
        return CommitRootSubmission(
            data_root=blob.data_root,
            epoch=certified.epoch,
            quorum_id=certified.quorum_id,
            commitments_hash=blob.commitments_hash,
            signer_bitmap=bitmap_of(network, epoch_signers, indexes),
            agg_signature=bls.aggregate_signatures([chosen[i] for i in indexes]),
        )

    sender = network.chain.sender_for(UPLOADER_ACCOUNT)
    submit = network.entrance.submit_verified_commit_roots
    everyone = range(4)
    another_key = bls.sign(bls.keygen(b"\x63" * 32), message)  # the right message under a key nobody registered
    for forged in (certificate(everyone), certificate(everyone, {FORGER: another_key})):
        with pytest.raises(TransactionReverted) as refused:
            await asyncio.to_thread(submit, sender, [forged])
        assert refused.value.reason.startswith("InvalidSignature("), refused.value.reason
    entrance = network.entrance
    assert not await asyncio.to_thread(entrance.commitment_exists, blob.data_root, certified.epoch, certified.quorum_id)
    # Without the forger, the honest signatures (≥ 96 rows) make a certificate the contract accepts.
    _, events = await asyncio.to_thread(submit, sender, [certificate([WITHHOLDER, CORRUPTER, HONEST])])
    assert [e.data_root for e in events] == [blob.data_root]
    assert await asyncio.to_thread(entrance.commitment_exists, blob.data_root, certified.epoch, certified.quorum_id)


# --- Retrieval from withholding and corrupting signers -----------------------------------------------------------


async def test_retrieval_drops_a_withholder_and_a_corrupter(
    network: DANetwork, quorum: Quorum, dispersed: tuple[BlobRef, bytes, disperser_pb2.BlobStatusReply]
) -> None:
    blob, _, _ = dispersed
    withholder, corrupter = address(network, WITHHOLDER), address(network, CORRUPTER)
    data, report = await retrieve_blob(network.entrance, blob, timeout_s=10)
    assert data == DATA
    systematic = set(range(ROWS_NEEDED))
    withheld = sorted(set(quorum.rows(withholder)) & systematic)
    first_bad = min(set(quorum.rows(corrupter)) & systematic)
    assert report.failures == {
        withholder: f"holds none of rows {withheld}",
        corrupter: f"served a bad row: row {first_bad} does not open the commitments",
    }
    # Not one row of either was used (the corrupter's good rows included); the rest came from the honest two.
    assert not set(report.rows) & set(quorum.rows(withholder, corrupter))
    assert len(report.rows) >= ROWS_NEEDED
    assert set(report.rows) <= set(quorum.rows(address(network, FORGER), address(network, HONEST)))
    async with DisperserClient(network.disperser.config.url) as client:
        assert await client.retrieve(blob.data_root, blob.epoch, blob.quorum_id) == DATA


async def test_sampling_every_row_finds_the_bad_signers_rows(
    network: DANetwork, quorum: Quorum, dispersed: tuple[BlobRef, bytes, disperser_pb2.BlobStatusReply]
) -> None:
    blob, _, _ = dispersed
    withholder, corrupter = address(network, WITHHOLDER), address(network, CORRUPTER)
    report = await sample_blob(network.entrance, blob, samples=ROWS, timeout_s=10)
    assert report.missing == quorum.rows(withholder, corrupter)
    assert report.verified == quorum.rows(address(network, FORGER), address(network, HONEST))
    assert report.confidence == 0
    assert report.certified
    assert not report.available
    assert set(report.failures) == {withholder, corrupter}
    assert report.failures[withholder] == f"holds none of rows {quorum.rows(withholder)}"
    assert report.failures[corrupter].startswith(f"served a bad row: row {quorum.rows(corrupter)[0]} ")


# --- Below the threshold (stops the largest signer: keep last) ---------------------------------------------------


async def test_below_threshold_is_insufficient_signatures(network: DANetwork, quorum: Quorum) -> None:
    largest = address(network, HONEST)
    assert STAKES[HONEST] == max(STAKES)
    up = [address(network, i) for i in (WITHHOLDER, CORRUPTER, FORGER)]
    assert len(quorum.rows(*up)) < quorum.required  # even if the forger's signature counted
    await network.stop_signer(HONEST)
    _, reply = await disperse(network, BELOW_THRESHOLD_DATA)
    proof = reply.info.blob_verification_proof
    assert status_name(reply) == "INSUFFICIENT_SIGNATURES", proof.error
    signed = len(quorum.rows(address(network, WITHHOLDER), address(network, CORRUPTER)))
    assert proof.rows_signed == signed
    assert proof.error.startswith(f"signers of {signed} rows signed, the threshold is {quorum.required} (")
    assert f"{largest}: " in proof.error
    assert f"{address(network, FORGER)}: {FORGER_FAILURE}" in proof.error
    root = bytes(reply.info.blob_header.storage_root)
    assert root == (await asyncio.to_thread(encode_blob, BELOW_THRESHOLD_DATA)).data_root
    epoch, quorum_id = int(reply.info.blob_header.epoch), int(reply.info.blob_header.quorum_id)
    entrance = network.entrance
    assert await asyncio.to_thread(entrance.uploaded_commitments_hash, root, epoch, quorum_id) is not None
    assert not await asyncio.to_thread(entrance.commitment_exists, root, epoch, quorum_id)
