"""A DA network end to end on a real anvil: 4 signer nodes with different stakes and a disperser, over gRPC.

A blob is dispersed, certified on chain (the contract checks the aggregate BLS signature and the row threshold),
finalized, retrieved through the disperser and by the library straight from the signers, and sampled as a light
client; then half the signers stop and the blob is still retrieved from the rest.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from zerog.da import DEFAULT_THRESHOLD_BPS
from zerog.da.clients import DisperserClient, SignerClient
from zerog.da.encoding import encode_blob
from zerog.da.proto import disperser_pb2
from zerog.da.retrieval import BlobLocator, BlobRef, owned_rows, retrieve_blob, sample_blob
from zerog.errors import InvalidInput, NotFound
from zerog.testing import LocalChain, random_bytes
from zerog.testing.da import DANetwork, running_da_network

pytestmark = [pytest.mark.chain, pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

DATA = random_bytes(300_000, seed=6)  # 3 ckzg blobs


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def network(local_chain: LocalChain, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DANetwork]:
    async with running_da_network(local_chain, Path(tmp_path_factory.mktemp("da"))) as net:
        yield net


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def dispersed(network: DANetwork) -> tuple[BlobRef, disperser_pb2.BlobStatusReply]:
    async with DisperserClient(network.disperser.config.url) as client:
        status, request_id = await client.disperse(DATA)
        assert status == disperser_pb2.PROCESSING
        reply = await client.wait_final(request_id, timeout_s=60)
    assert disperser_pb2.BlobStatus.Name(reply.status) == "CONFIRMED", reply.info.blob_verification_proof.error
    header = reply.info.blob_header
    return BlobRef(bytes(header.storage_root), int(header.epoch), int(header.quorum_id)), reply


async def test_blob_is_certified_on_chain(
    network: DANetwork, dispersed: tuple[BlobRef, disperser_pb2.BlobStatusReply]
) -> None:
    blob, reply = dispersed
    expected = encode_blob(DATA)
    assert blob.data_root == expected.data_root
    assert blob.epoch == network.epoch
    proof = reply.info.blob_verification_proof
    assert bytes(proof.commitments) == expected.commitments_bytes
    assert proof.rows_signed == 128  # every signer is up and honest
    assert len(proof.tx_hash) == 32
    assert proof.block_number > 0
    entrance = network.entrance
    assert await asyncio.to_thread(entrance.commitment_exists, blob.data_root, blob.epoch, blob.quorum_id)
    verified = await asyncio.to_thread(entrance.verified_commitments_hash, blob.data_root, blob.epoch, blob.quorum_id)
    assert verified == expected.commitments_hash
    assert await asyncio.to_thread(entrance.required_rows) == DEFAULT_THRESHOLD_BPS * 128 // 10_000


async def test_status_becomes_finalized(
    network: DANetwork, dispersed: tuple[BlobRef, disperser_pb2.BlobStatusReply]
) -> None:
    network.chain.w3.provider.make_request("anvil_mine", [hex(2)])  # type: ignore[arg-type]
    async with DisperserClient(network.disperser.config.url) as client:
        store = network.disperser.store
        assert store is not None
        request_id = next(iter(store.env.begin().cursor(db=store._records).iternext(values=False)))
        reply = await client.status(bytes(request_id))
    assert disperser_pb2.BlobStatus.Name(reply.status) == "FINALIZED"


async def test_retrieve_through_the_disperser_and_directly(
    network: DANetwork, dispersed: tuple[BlobRef, disperser_pb2.BlobStatusReply]
) -> None:
    blob, _ = dispersed
    async with DisperserClient(network.disperser.config.url) as client:
        assert await client.retrieve(blob.data_root, blob.epoch, blob.quorum_id) == DATA
    data, report = await retrieve_blob(network.entrance, blob)
    assert data == DATA
    assert not report.failures
    assert set(report.rows) == set(range(64))  # the systematic half sufficed


async def test_light_client_sampling(
    network: DANetwork, dispersed: tuple[BlobRef, disperser_pb2.BlobStatusReply]
) -> None:
    blob, _ = dispersed
    report = await sample_blob(network.entrance, blob, samples=12)
    assert report.available
    assert report.certified
    assert not report.missing
    assert len(report.verified) == 12
    assert report.confidence == 1 - 2**-12
    seeded = [await sample_blob(network.entrance, blob, 8, seed_from_certificate=True) for _ in range(2)]
    assert seeded[0].verified == seeded[1].verified
    assert seeded[0].seed.startswith("certificate:0x")


async def test_bad_requests_get_clear_errors(
    network: DANetwork, dispersed: tuple[BlobRef, disperser_pb2.BlobStatusReply]
) -> None:
    blob, _ = dispersed
    async with DisperserClient(network.disperser.config.url) as client:
        with pytest.raises(InvalidInput, match=r"1\.\.32505852 bytes"):
            await client.disperse(b"")
        with pytest.raises(NotFound, match="no request"):
            await client.status(b"nope")
        with pytest.raises(NotFound, match="not registered"):
            await client.retrieve(bytes(32), blob.epoch, blob.quorum_id)
        with pytest.raises(InvalidInput, match="32-byte"):
            await client.retrieve(b"short", blob.epoch, blob.quorum_id)
    with pytest.raises(InvalidInput, match="blob id"):
        BlobRef.parse("0x12-3")
    assert BlobRef.parse(str(blob)) == blob
    socket = network.signers[0].config.public_socket
    signer = SignerClient(socket)
    try:
        with pytest.raises(InvalidInput, match=r"0\.\.127"):
            await signer.batch_retrieve(blob.epoch, blob.quorum_id, blob.data_root, [128])
    finally:
        await signer.close()


async def test_retrieval_with_half_the_signers_down(
    network: DANetwork, dispersed: tuple[BlobRef, disperser_pb2.BlobStatusReply]
) -> None:
    blob, _ = dispersed
    async with await BlobLocator.open(network.entrance, blob) as locator:
        rows_of = owned_rows(locator.owners)
    # Stop the two signers with the least stake; the other two must still hold at least 64 rows.
    for index in (0, 1):
        await network.stop_signer(index)
    up = [s.address.lower() for s in network.signers[2:]]
    assert sum(len(rows_of.get(a, [])) for a in up) >= 64
    data, report = await retrieve_blob(network.entrance, blob, timeout_s=5)
    assert data == DATA
    down = {s.address.lower() for s in network.signers[:2]} & set(rows_of)
    assert set(report.failures) == down
    sample = await sample_blob(network.entrance, blob, samples=128, timeout_s=5)
    assert not sample.available
    assert sample.confidence == 0
