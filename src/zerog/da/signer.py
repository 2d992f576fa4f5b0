"""`zerog da signer run`: a DA signer (0G's "DA node") on BLS12-381.

- On first start it registers with the signer registry: its BLS public key with a proof of possession (checked
  on chain) and its stake. Every epoch it joins the next one with its epoch signature (the ballot seed).
- `BatchSign`: for each blob, the blob must be registered on chain with these commitments, the rows sent must be
  exactly this signer's rows in the blob's quorum, and every cell must open its commitment (one batched check);
  then it stores the rows and signs the certificate message. Work is bounded: at most `max_ongoing_sign_requests`
  requests at once (beyond: RESOURCE_EXHAUSTED "request pool is full", as 0G's node), `max_requests_per_peer`
  from one peer (0g-da-node #31), `max_blobs_per_request` blobs per request.
- `BatchRetrieve`: the stored rows asked for. `GetStatus`.
- Rows are pruned `epoch_window` epochs after theirs. HTTP: `/metrics`, `/status`.
"""

import asyncio
from collections import defaultdict
from typing import Any

import grpc
import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge

from zerog.chain import TxSender, connect, load_account
from zerog.chain.da import DAEntranceContract, DASignerRegistryContract
from zerog.crypto import bls, keccak256, kzg
from zerog.da.clients import CHANNEL_OPTIONS, row_from_message, row_to_message
from zerog.da.config import SignerConfig
from zerog.da.encoding import BYTES_PER_COMMITMENT, MAX_BLOBS, EncodedRow, verify_rows
from zerog.da.proto import signer_pb2, signer_pb2_grpc
from zerog.da.quorum import certificate_message, epoch_message
from zerog.da.store import RowStore
from zerog.errors import InvalidInput, InvalidProof, Unavailable, ZerogError
from zerog.rpc.monitoring import monitoring_app

__all__ = ["SignerService"]

log = structlog.get_logger("zerog.da.signer")

_CACHED_EPOCHS = 8
"""Quorums of this many past epochs stay cached."""


class _Refused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class SignerService:
    """Owns a signer's keys, row store, gRPC server and epoch loop; `run` returns after `stop()`."""

    def __init__(self, config: SignerConfig) -> None:
        self.config = config
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self.sk = bls.keygen(config.bls_key)
        self.pk = bls.public_key(self.sk)
        self.account = load_account(config.eth_key)
        self.address = str(self.account.address)
        self.store: RowStore | None = None
        self.epoch = 0
        self._joined = -1
        self._ongoing = 0
        self._per_peer: dict[str, int] = defaultdict(int)
        self._quorums: dict[tuple[int, int], list[str]] = {}
        prometheus = self.prometheus = CollectorRegistry()
        self._requests = Counter(
            "zerog_da_sign_requests", "BatchSign requests by outcome", ["outcome"], registry=prometheus
        )
        self._blobs_signed = Counter("zerog_da_blobs_signed", "Blobs verified and signed", registry=prometheus)
        self._rows_verified = Counter("zerog_da_rows_verified", "Rows whose cells were verified", registry=prometheus)
        self._retrieved = Counter("zerog_da_rows_served", "Rows served by BatchRetrieve", registry=prometheus)
        Gauge("zerog_da_sign_ongoing", "BatchSign requests in progress", registry=prometheus).set_function(
            lambda: self._ongoing
        )
        Gauge("zerog_da_rows_stored", "Rows held", registry=prometheus).set_function(
            lambda: self.store.row_count() if self.store is not None else 0
        )

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        config = self.config
        self.w3 = w3 = await asyncio.to_thread(connect, config.rpc_url)
        self.chain_id = await asyncio.to_thread(lambda: int(w3.eth.chain_id))
        self.entrance = DAEntranceContract(w3, config.entrance_address)
        await asyncio.to_thread(self.entrance.require_code)
        self.registry: DASignerRegistryContract = await asyncio.to_thread(self.entrance.signer_registry)
        self.sender = TxSender(w3, self.account)
        self.store = RowStore(config.db_dir)
        # About 2 s, before serving rather than in the first request; a signer only verifies: no prover tables.
        await asyncio.to_thread(kzg.load_trusted_setup, 0)
        server = grpc.aio.server(options=CHANNEL_OPTIONS)
        signer_pb2_grpc.add_SignerServicer_to_server(_Servicer(self), server)  # type: ignore[no-untyped-call]
        address = f"{config.listen[0]}:{config.listen[1]}"
        if server.add_insecure_port(address) == 0:
            raise Unavailable(f"the DA signer cannot listen on {address}")
        runner = web.AppRunner(monitoring_app(self.prometheus, self.status_json), access_log=None)
        await runner.setup()
        try:
            await server.start()
            try:
                await web.TCPSite(runner, *config.http_listen).start()
            except OSError as exc:
                raise Unavailable(f"the DA signer cannot serve HTTP on {config.http_listen}: {exc}") from exc
            await self._ensure_registered()
            await self._join_next_epoch()
            async with asyncio.TaskGroup() as tasks:
                loop = tasks.create_task(self._epoch_loop())
                self.ready.set()
                log.info("da_signer_ready", signer=self.address, grpc=address, epoch=self.epoch)
                await self._stop.wait()
                loop.cancel()
        finally:
            await server.stop(grace=1)
            await runner.cleanup()
            self.store.close()
            log.info("da_signer_stopped")

    # --- registration ----------------------------------------------------------------------------------------

    async def _ensure_registered(self) -> None:
        info = await asyncio.to_thread(self.registry.get_signer, self.address)
        if info.registered and not info.deregistered:
            if info.socket != self.config.public_socket:
                await asyncio.to_thread(self.registry.update_socket, self.sender, self.config.public_socket)
            return
        pop = bls.pop_prove(self.sk)
        await asyncio.to_thread(
            self.registry.register,
            self.sender,
            bls.g1_to_eip2537(self.pk),
            bls.g2_to_eip2537(pop),
            self.config.public_socket,
            self.config.stake_wei,
        )
        log.info("da_signer_registered", signer=self.address, stake_wei=self.config.stake_wei)

    async def _join_next_epoch(self) -> None:
        """Sign up for the epoch after the current one, once (the signature is the ballot seed)."""
        self.epoch = await asyncio.to_thread(self.registry.due_epoch)
        target = self.epoch + 1
        if target == self._joined:
            return  # one view call per poll once joined
        if await asyncio.to_thread(self.registry.registered_epoch, self.address, target):
            self._joined = target
            return
        signature = bls.sign(self.sk, epoch_message(self.chain_id, self.address, target))
        try:
            await asyncio.to_thread(self.registry.register_next_epoch, self.sender, bls.g2_to_eip2537(signature))
            self._joined = target
            log.info("da_epoch_joined", epoch=target)
        except ZerogError as exc:
            log.warning("da_epoch_join_failed", epoch=target, error=str(exc))

    async def _epoch_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.poll_interval_s)
            try:
                await self._join_next_epoch()
                if self.store is not None and self.epoch > self.config.epoch_window:
                    pruned = await asyncio.to_thread(self.store.prune_before, self.epoch - self.config.epoch_window)
                    if pruned:
                        log.info("da_rows_pruned", rows=pruned, before_epoch=self.epoch - self.config.epoch_window)
            except ZerogError as exc:
                log.warning("da_epoch_loop_failed", error=str(exc))

    # --- requests --------------------------------------------------------------------------------------------

    async def _quorum(self, epoch: int, quorum_id: int) -> list[str]:
        key = (epoch, quorum_id)
        if key not in self._quorums:
            owners = await asyncio.to_thread(self.registry.get_quorum, epoch, quorum_id)
            for old in [k for k in self._quorums if k[0] + _CACHED_EPOCHS < epoch]:
                del self._quorums[old]  # a quorum never changes, but old epochs stop being asked about
            self._quorums[key] = [o.lower() for o in owners]
        return self._quorums[key]

    async def batch_sign(self, request: signer_pb2.SignRequest, peer: str) -> list[bytes]:
        if self._ongoing >= self.config.max_ongoing_sign_requests:
            raise _Refused(grpc.StatusCode.RESOURCE_EXHAUSTED, "request pool is full")
        if self._per_peer[peer] >= self.config.max_requests_per_peer:
            raise _Refused(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many requests from this peer at once")
        if not 0 < len(request.requests) <= self.config.max_blobs_per_request:
            raise _Refused(
                grpc.StatusCode.INVALID_ARGUMENT, f"send 1 to {self.config.max_blobs_per_request} blobs per request"
            )
        self._ongoing += 1
        self._per_peer[peer] += 1
        try:
            return await self._sign_all(request)
        finally:
            self._ongoing -= 1
            self._per_peer[peer] -= 1
            if not self._per_peer[peer]:
                del self._per_peer[peer]

    async def _sign_all(self, request: signer_pb2.SignRequest) -> list[bytes]:
        checked = [await self._check_blob(blob) for blob in request.requests]
        try:
            await asyncio.to_thread(_verify_all, [(commitments, rows) for _, commitments, _, rows in checked])
        except (InvalidProof, InvalidInput) as exc:
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from exc
        store = self.store
        if store is None:
            raise _Refused(grpc.StatusCode.UNAVAILABLE, "the signer is starting")
        signatures = []
        for (signature, commitments, _, rows), message in zip(checked, request.requests, strict=True):
            await asyncio.to_thread(
                store.put_blob,
                message.epoch,
                message.quorum_id,
                bytes(message.data_root),
                b"".join(commitments),
                [(row.index, row.data, row.proofs) for row in rows],
            )
            signatures.append(signature)
            self._rows_verified.inc(len(rows))
            self._blobs_signed.inc()
        return signatures

    async def _check_blob(
        self, message: signer_pb2.BlobSignRequest
    ) -> tuple[bytes, list[bytes], bytes, list[EncodedRow]]:
        """(signature, commitments, commitments hash, rows) of one blob that passes every check."""
        data_root, raw = bytes(message.data_root), bytes(message.commitments)
        if len(data_root) != 32:
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, "a data root is 32 bytes")
        if not raw or len(raw) % BYTES_PER_COMMITMENT or len(raw) // BYTES_PER_COMMITMENT > MAX_BLOBS:
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, f"commitments are 1 to {MAX_BLOBS} x 48 bytes")
        commitments = [raw[i : i + BYTES_PER_COMMITMENT] for i in range(0, len(raw), BYTES_PER_COMMITMENT)]
        digest = keccak256(raw)
        epoch, quorum_id = int(message.epoch), int(message.quorum_id)
        try:
            registered = await asyncio.to_thread(self.entrance.uploaded_commitments_hash, data_root, epoch, quorum_id)
        except ZerogError as exc:
            raise _Refused(grpc.StatusCode.UNAVAILABLE, f"cannot read the chain: {exc}") from exc
        if registered is None:
            raise _Refused(grpc.StatusCode.FAILED_PRECONDITION, "the blob is not registered on chain for that quorum")
        if registered != digest:
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, "the commitments differ from the ones registered")
        try:
            owners = await self._quorum(epoch, quorum_id)
        except ZerogError as exc:
            raise _Refused(grpc.StatusCode.FAILED_PRECONDITION, f"no such quorum: {exc}") from exc
        mine = {index for index, owner in enumerate(owners) if owner == self.address.lower()}
        if not mine:
            raise _Refused(grpc.StatusCode.FAILED_PRECONDITION, "this signer owns no row of that quorum")
        try:
            rows = [row_from_message(row) for row in message.rows]
        except InvalidInput as exc:
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from exc
        sent = [row.index for row in rows]
        if sorted(sent) != sorted(mine) or len(set(sent)) != len(sent):
            raise _Refused(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"send exactly this signer's rows {sorted(mine)}, got {sorted(sent)}",
            )
        if any(row.blob_count != len(commitments) for row in rows):
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, "every row holds one cell per commitment")
        signed = certificate_message(self.chain_id, self.entrance.address, epoch, quorum_id, data_root, digest)
        return bls.sign(self.sk, signed), commitments, digest, rows

    async def batch_retrieve(self, request: signer_pb2.RetrieveRequest) -> list[list[EncodedRow]]:
        store = self.store
        if store is None:
            raise _Refused(grpc.StatusCode.UNAVAILABLE, "the signer is starting")
        if len(request.requests) > self.config.max_blobs_per_request:
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, "too many blobs in one request")
        found = []
        for blob in request.requests:
            indexes = [int(i) for i in blob.row_indexes]
            if any(not 0 <= i < 128 for i in indexes) or len(indexes) > 128:
                raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, "row indexes are 0..127")
            rows = await asyncio.to_thread(
                store.get_rows, int(blob.epoch), int(blob.quorum_id), bytes(blob.data_root), indexes
            )
            self._retrieved.inc(len(rows))
            found.append([EncodedRow(index=i, data=d, proofs=p) for i, d, p in rows])
        return found

    def status_json(self) -> dict[str, Any]:
        return {
            "signer": self.address,
            "publicKey": "0x" + self.pk.hex(),
            "socket": self.config.public_socket,
            "epoch": self.epoch,
            "rowsStored": self.store.row_count() if self.store is not None else 0,
            "ongoingSignRequests": self._ongoing,
            "entrance": self.config.entrance_address,
        }


def _verify_all(blobs: list[tuple[list[bytes], list[EncodedRow]]]) -> None:
    for commitments, rows in blobs:
        verify_rows(commitments, rows)


class _Servicer(signer_pb2_grpc.SignerServicer):
    def __init__(self, service: SignerService) -> None:
        self.service = service

    async def BatchSign(  # noqa: N802 (gRPC's method name)
        self, request: signer_pb2.SignRequest, context: grpc.aio.ServicerContext
    ) -> signer_pb2.SignReply:
        try:
            signatures = await self.service.batch_sign(request, context.peer())
        except _Refused as exc:
            self.service._requests.labels(outcome=exc.code.name.lower()).inc()
            log.warning("da_sign_refused", code=exc.code.name, reason=str(exc), peer=context.peer())
            await context.abort(exc.code, str(exc))
            raise  # abort raises; this keeps type checkers content
        self.service._requests.labels(outcome="signed").inc()
        return signer_pb2.SignReply(signatures=signatures)

    async def BatchRetrieve(  # noqa: N802
        self, request: signer_pb2.RetrieveRequest, context: grpc.aio.ServicerContext
    ) -> signer_pb2.RetrieveReply:
        try:
            found = await self.service.batch_retrieve(request)
        except _Refused as exc:
            await context.abort(exc.code, str(exc))
            raise
        return signer_pb2.RetrieveReply(
            rows=[signer_pb2.RowSet(rows=[row_to_message(row) for row in rows]) for rows in found]
        )

    async def GetStatus(  # noqa: N802
        self, request: signer_pb2.StatusRequest, context: grpc.aio.ServicerContext
    ) -> signer_pb2.StatusReply:
        service = self.service
        return signer_pb2.StatusReply(
            status_code=200,
            entrance_contract=service.config.entrance_address,
            signer=service.address,
            epoch=service.epoch,
            rows_stored=service.store.row_count() if service.store is not None else 0,
        )
