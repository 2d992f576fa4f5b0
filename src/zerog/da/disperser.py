"""`zerog da disperser run`: takes blobs, gets them certified on chain, and reads them back (0G's disperser API).

A blob goes PROCESSING → CONFIRMED (certificate accepted) → FINALIZED (`finalization_blocks` later, still on chain),
or ends FAILED / INSUFFICIENT_SIGNATURES with the reason in `BlobVerificationProof.error`:

1. encode on the encoder pool (ckzg in worker processes): commitments, 128 rows, data root;
2. `submitOriginalData` with the blob fee: the chain assigns the epoch and quorum (`DataUpload`);
3. `BatchSign` to every owner of the quorum's rows, each with exactly its rows; each returned signature is checked
   against the signer's registered key before it counts; signers that failed are asked again (`sign_retries`, with
   backoff) while the rows signed are below the contract's threshold;
4. the signatures are aggregated with the signer bitmap and `submitVerifiedCommitRoots` checks the certificate;
5. with storage nodes configured, the encoded blob is also uploaded to zerog storage (same root, while the
   signatures are collected; CONFIRMED waits for it), so it outlives
   the signers' pruning window.

Requests live in LMDB with their data until done, so a restart resumes them (a registered blob is not registered
twice). `RetrieveBlob` fetches rows from the signers and verifies everything (`zerog.da.retrieval`).
"""

import asyncio
import contextlib
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import grpc
import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from zerog.chain import TxSender, connect, load_account
from zerog.chain.da import CommitRootSubmission, DAEntranceContract, DASignerRegistryContract
from zerog.client.upload import UploadOptions, upload_file
from zerog.crypto import bls
from zerog.da.clients import CHANNEL_OPTIONS, BlobSignRequest, SignerClient
from zerog.da.config import DisperserConfig
from zerog.da.encoding import EncodedBlob, encode_blob, encoded_bytes, encoder_pool
from zerog.da.proto import disperser_pb2, disperser_pb2_grpc
from zerog.da.quorum import certificate_message, signer_bitmap
from zerog.da.retrieval import BlobRef, owned_rows, retrieve_blob
from zerog.da.store import RequestStore
from zerog.errors import InvalidInput, InvalidProof, NotFound, Unavailable, ZerogError
from zerog.rpc.monitoring import monitoring_app

__all__ = ["STATUS_NAMES", "DisperserService"]

log = structlog.get_logger("zerog.da.disperser")

STATUS_NAMES = {value: name for name, value in disperser_pb2.BlobStatus.items()}
_RETRY_BACKOFF_S = 0.5


class DisperserService:
    """Owns the encoder pool, request store, chain sender and gRPC server; `run` returns after `stop()`."""

    def __init__(self, config: DisperserConfig) -> None:
        self.config = config
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self.account = load_account(config.eth_key)
        self.address = str(self.account.address)
        self.store: RequestStore | None = None
        self.pool: ProcessPoolExecutor | None = None
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._chain_lock = asyncio.Lock()
        self._epoch_signers: dict[int, list[str]] = {}
        prometheus = self.prometheus = CollectorRegistry()
        self._outcomes = Counter("zerog_da_blobs", "Blobs by final status", ["status"], registry=prometheus)
        self._to_certificate = Histogram(
            "zerog_da_certificate_seconds",
            "From DisperseBlob to the certificate on chain",
            buckets=(0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
            registry=prometheus,
        )
        self._retrievals = Counter(
            "zerog_da_retrievals", "RetrieveBlob calls by outcome", ["outcome"], registry=prometheus
        )
        Gauge("zerog_da_queue", "Blobs waiting to be dispersed", registry=prometheus).set_function(self._queue.qsize)

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
        self.store = store = RequestStore(config.db_dir)
        self.pool = pool = encoder_pool(config.encoder_workers)
        loop = asyncio.get_running_loop()  # start the workers (each loads the KZG setup) before taking blobs
        await asyncio.gather(*(loop.run_in_executor(pool, _warm_up) for _ in range(config.encoder_workers)))
        server = grpc.aio.server(options=CHANNEL_OPTIONS)
        disperser_pb2_grpc.add_DisperserServicer_to_server(_Servicer(self), server)  # type: ignore[no-untyped-call]
        if server.add_insecure_port(config.url) == 0:
            raise Unavailable(f"the DA disperser cannot listen on {config.url}")
        runner = web.AppRunner(monitoring_app(self.prometheus, self.status_json), access_log=None)
        await runner.setup()
        try:
            await server.start()
            try:
                await web.TCPSite(runner, *config.http_listen).start()
            except OSError as exc:
                raise Unavailable(f"the DA disperser cannot serve HTTP on {config.http_listen}: {exc}") from exc
            for request_id in store.pending_ids():
                log.info("da_request_resumed", request_id=request_id.decode())
                self._queue.put_nowait(request_id)
            async with asyncio.TaskGroup() as tasks:
                workers = [tasks.create_task(self._worker()) for _ in range(config.encoder_workers)]
                self.ready.set()
                log.info("da_disperser_ready", grpc=config.url, account=self.address)
                await self._stop.wait()
                for worker in workers:
                    worker.cancel()
        finally:
            await server.stop(grace=1)
            await runner.cleanup()
            self.pool.shutdown(cancel_futures=True)
            store.close()
            log.info("da_disperser_stopped")

    # --- requests ----------------------------------------------------------------------------------------------

    def disperse(self, data: bytes) -> bytes:
        """Queue a blob; returns its request id."""
        if not 0 < len(data) <= self.config.max_blob_bytes:
            raise InvalidInput(f"a blob is 1..{self.config.max_blob_bytes} bytes, got {len(data)}")
        store = self._require_store()
        request_id = uuid.uuid4().hex.encode()
        store.add(request_id, {"status": "PROCESSING", "size": len(data), "requested_at": time.time()}, data)
        self._queue.put_nowait(request_id)
        log.info("da_blob_received", request_id=request_id.decode(), size=len(data))
        return request_id

    async def status(self, request_id: bytes) -> dict[str, Any]:
        store = self._require_store()
        record = store.get(request_id)
        if record is None:
            raise NotFound(f"no request {request_id.decode(errors='replace')}")
        if record["status"] == "CONFIRMED":
            latest = await asyncio.to_thread(lambda: int(self.w3.eth.block_number))
            if latest >= record["block_number"] + self.config.finalization_blocks:
                root = bytes.fromhex(record["data_root"])
                if await asyncio.to_thread(self.entrance.commitment_exists, root, record["epoch"], record["quorum_id"]):
                    record["status"] = "FINALIZED"
                    store.put(request_id, record)
        return record

    async def retrieve(self, blob: BlobRef) -> bytes:
        try:
            data, report = await retrieve_blob(self.entrance, blob, executor=self.pool)
        except ZerogError as exc:
            self._retrievals.labels(outcome=type(exc).__name__).inc()
            raise
        self._retrievals.labels(outcome="ok").inc()
        if report.failures:
            log.warning("da_retrieve_degraded", blob=str(blob), failures=report.failures)
        return data

    def _require_store(self) -> RequestStore:
        if self.store is None:
            raise Unavailable("the disperser is starting")
        return self.store

    # --- dispersal ---------------------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            request_id = await self._queue.get()
            try:
                await self._process(request_id)
            except Exception as exc:  # one bad blob must not stop the worker
                log.exception("da_request_crashed", request_id=request_id.decode())
                self._finish(request_id, "FAILED", error=f"internal error: {exc}")

    def _update(self, request_id: bytes, **changes: Any) -> dict[str, Any]:
        store = self._require_store()
        record = store.get(request_id) or {}
        record.update(changes)
        store.put(request_id, record)
        return record

    def _finish(self, request_id: bytes, status: str, **changes: Any) -> None:
        store = self._require_store()
        record = store.get(request_id) or {}
        record.update(changes, status=status)
        store.put(request_id, record, done=True)
        self._outcomes.labels(status=status).inc()
        log.info("da_blob_done", request_id=request_id.decode(), status=status, error=record.get("error"))

    async def _process(self, request_id: bytes) -> None:
        store = self._require_store()
        data, record = store.data(request_id), store.get(request_id)
        if data is None or record is None:
            return
        started = time.monotonic()
        timings: dict[str, float] = {}
        blob = await asyncio.to_thread(encode_blob, data, self.pool)
        timings["encode_s"] = time.monotonic() - started
        record = self._update(request_id, data_root=blob.data_root.hex(), commitments=blob.commitments_bytes.hex())
        if record.get("epoch") is None:  # not registered yet (a resumed request may be)
            try:
                async with self._chain_lock:
                    upload = await asyncio.to_thread(
                        self.entrance.submit_original_data, self.sender, blob.data_root, blob.commitments_bytes
                    )
            except ZerogError as exc:
                self._finish(request_id, "FAILED", error=f"registering the blob on chain failed: {exc}")
                return
            record = self._update(
                request_id, epoch=upload.epoch, quorum_id=upload.quorum_id, upload_tx=upload.receipt.tx_hash
            )
        timings["register_s"] = time.monotonic() - started - sum(timings.values())
        epoch, quorum_id = int(record["epoch"]), int(record["quorum_id"])
        log.info("da_blob_registered", request_id=request_id.decode(), epoch=epoch, quorum=quorum_id)
        storage = asyncio.create_task(self._store_in_storage(blob))  # in parallel with the signing
        try:
            await self._certify(request_id, blob, epoch, quorum_id, started, timings, storage)
        finally:
            storage.cancel()

    async def _certify(
        self,
        request_id: bytes,
        blob: EncodedBlob,
        epoch: int,
        quorum_id: int,
        started: float,
        timings: dict[str, float],
        storage: "asyncio.Task[dict[str, Any]]",
    ) -> None:
        try:
            outcome = await self._collect_signatures(blob, epoch, quorum_id)
        except ZerogError as exc:
            self._finish(request_id, "FAILED", error=f"collecting signatures failed: {exc}")
            return
        signatures, failures, rows_signed, required, bitmap = outcome
        timings["sign_s"] = time.monotonic() - started - sum(timings.values())
        self._update(request_id, rows_signed=rows_signed, signer_bitmap=bitmap.hex(), signer_failures=failures)
        if rows_signed < required:
            why = "; ".join(f"{signer}: {reason}" for signer, reason in sorted(failures.items()))
            self._finish(
                request_id,
                "INSUFFICIENT_SIGNATURES",
                error=f"signers of {rows_signed} rows signed, the threshold is {required} ({why})",
                timings=timings,
            )
            return
        submission = CommitRootSubmission(
            data_root=blob.data_root,
            epoch=epoch,
            quorum_id=quorum_id,
            commitments_hash=blob.commitments_hash,
            signer_bitmap=bitmap,
            agg_signature=bls.aggregate_signatures(signatures),
        )
        try:
            async with self._chain_lock:
                receipt, _ = await asyncio.to_thread(
                    self.entrance.submit_verified_commit_roots, self.sender, [submission]
                )
        except ZerogError as exc:
            self._finish(request_id, "FAILED", error=f"the certificate was refused: {exc}", timings=timings)
            return
        timings["certify_s"] = time.monotonic() - started - sum(timings.values())
        self._to_certificate.observe(time.monotonic() - started)
        log.info(
            "da_blob_certified",
            request_id=request_id.decode(),
            blob=str(BlobRef(blob.data_root, epoch, quorum_id)),
            rows_signed=rows_signed,
            seconds=round(time.monotonic() - started, 3),
        )
        stored = await storage  # CONFIRMED means certified and, with storage configured, stored
        timings["storage_wait_s"] = time.monotonic() - started - sum(timings.values())
        self._finish(
            request_id,
            "CONFIRMED",
            tx_hash=receipt.tx_hash,
            block_number=receipt.block_number,
            certificate_gas=receipt.gas_used,
            timings=timings,
            **stored,
        )

    async def _collect_signatures(
        self, blob: EncodedBlob, epoch: int, quorum_id: int
    ) -> tuple[list[bytes], dict[str, str], int, int, bytes]:
        """(signatures, failures by signer, rows signed, rows required, signer bitmap)."""
        owners = await asyncio.to_thread(self.registry.get_quorum, epoch, quorum_id)
        rows_of = owned_rows(owners)
        signers = await self._signers_of(epoch)
        infos = dict(
            zip(
                rows_of,
                await asyncio.gather(*(asyncio.to_thread(self.registry.get_signer, a) for a in rows_of)),
                strict=True,
            )
        )
        required = await asyncio.to_thread(self.entrance.required_rows)
        message = certificate_message(
            self.chain_id, self.entrance.address, epoch, quorum_id, blob.data_root, blob.commitments_hash
        )
        signed: dict[str, bytes] = {}
        failures: dict[str, str] = {}
        clients = {owner: SignerClient(infos[owner].socket, timeout_s=self.config.sign_timeout_s) for owner in rows_of}
        try:
            for attempt in range(self.config.sign_retries + 1):
                asking = [owner for owner in rows_of if owner not in signed]
                results = await asyncio.gather(
                    *(
                        self._ask(clients[owner], infos[owner].pk_g1, message, blob, epoch, quorum_id, rows_of[owner])
                        for owner in asking
                    )
                )
                for owner, (signature, failure) in zip(asking, results, strict=True):
                    if signature is not None:
                        signed[owner] = signature
                        failures.pop(owner, None)
                    else:
                        failures[owner] = failure or "no signature"
                rows = sum(len(rows_of[owner]) for owner in signed)
                if rows >= required or len(signed) == len(rows_of) or attempt == self.config.sign_retries:
                    break
                log.info("da_sign_retry", missing=sorted(failures), rows_signed=rows, required=required)
                await asyncio.sleep(_RETRY_BACKOFF_S * 2**attempt)
        finally:
            for client in clients.values():
                await client.close()
        index_of = {address: index for index, address in enumerate(signers)}
        unknown = [owner for owner in signed if owner not in index_of]
        if unknown:
            raise Unavailable(f"quorum owners {unknown} are not among the epoch's signers")
        ordered = sorted(signed, key=index_of.__getitem__)
        bitmap = signer_bitmap([index_of[owner] for owner in ordered], len(signers))
        rows = sum(len(rows_of[owner]) for owner in signed)
        return [signed[owner] for owner in ordered], failures, rows, required, bitmap

    async def _ask(
        self,
        client: SignerClient,
        pk_eip2537: bytes,
        message: bytes,
        blob: EncodedBlob,
        epoch: int,
        quorum_id: int,
        rows: list[int],
    ) -> tuple[bytes | None, str | None]:
        request = BlobSignRequest(
            epoch=epoch,
            quorum_id=quorum_id,
            data_root=blob.data_root,
            commitments=blob.commitments_bytes,
            rows=[blob.rows[index] for index in rows],
        )
        try:
            (signature,) = await client.batch_sign([request])
        except ZerogError as exc:
            return None, str(exc)
        except ValueError:
            return None, "answered a different number of signatures"
        try:
            valid = bls.verify(bls.eip2537_to_g1(pk_eip2537), message, signature)
        except (InvalidInput, ValueError):
            valid = False
        if not valid:
            return None, "returned a signature that does not verify under its registered key"
        return signature, None

    async def _signers_of(self, epoch: int) -> list[str]:
        if epoch not in self._epoch_signers:
            signers = await asyncio.to_thread(self.registry.signers_of, epoch)
            for old in [e for e in self._epoch_signers if e + 8 < epoch]:
                del self._epoch_signers[old]  # keep a few past epochs, not all of them
            self._epoch_signers[epoch] = [address.lower() for address in signers]
        return self._epoch_signers[epoch]

    async def _store_in_storage(self, blob: EncodedBlob) -> dict[str, Any]:
        config = self.config
        if not config.storage_nodes and not config.indexer_url:
            return {}
        # With its own key the storage upload runs beside the certificate; with the disperser's, it takes turns.
        shared_key = config.storage_key == config.eth_key
        try:
            async with self._chain_lock if shared_key else contextlib.nullcontext():
                stored = await upload_file(
                    encoded_bytes(blob),
                    rpc_url=config.rpc_url,
                    private_key=config.storage_key,
                    flow_address=config.flow_address,
                    nodes=config.storage_nodes,
                    indexer=config.indexer_url or None,
                    options=UploadOptions(wait="packed"),
                )
        except ZerogError as exc:
            log.warning("da_storage_upload_failed", error=str(exc))
            return {"storage_error": str(exc)}
        if stored.root != blob.data_root:
            return {"storage_error": f"storage root 0x{stored.root.hex()} differs from the data root"}
        return {"storage_tx_seq": stored.tx_seq}

    # --- HTTP ----------------------------------------------------------------------------------------------------

    def status_json(self) -> dict[str, Any]:
        return {
            "disperser": self.address,
            "grpc": self.config.url,
            "entrance": self.config.entrance_address,
            "queued": self._queue.qsize(),
        }


def _warm_up() -> None:
    """Runs in an encoder worker once its initializer loaded the setup."""


def blob_status_reply(record: dict[str, Any]) -> disperser_pb2.BlobStatusReply:
    """A request record as 0G's `BlobStatusReply`."""
    header = disperser_pb2.BlobHeader(
        storage_root=bytes.fromhex(record.get("data_root") or ""),
        epoch=int(record.get("epoch") or 0),
        quorum_id=int(record.get("quorum_id") or 0),
    )
    proof = disperser_pb2.BlobVerificationProof(
        commitments=bytes.fromhex(record.get("commitments") or ""),
        signer_bitmap=bytes.fromhex(record.get("signer_bitmap") or ""),
        rows_signed=int(record.get("rows_signed") or 0),
        tx_hash=bytes.fromhex((record.get("tx_hash") or "").removeprefix("0x")),
        block_number=int(record.get("block_number") or 0),
        error=str(record.get("error") or ""),
    )
    return disperser_pb2.BlobStatusReply(
        status=disperser_pb2.BlobStatus.Value(record["status"]),
        info=disperser_pb2.BlobInfo(blob_header=header, blob_verification_proof=proof),
    )


_CODES: dict[type[ZerogError], grpc.StatusCode] = {
    InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    InvalidProof: grpc.StatusCode.DATA_LOSS,
}


def _code(exc: ZerogError) -> grpc.StatusCode:
    for kind, code in _CODES.items():
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.UNAVAILABLE


class _Servicer(disperser_pb2_grpc.DisperserServicer):
    def __init__(self, service: DisperserService) -> None:
        self.service = service

    async def DisperseBlob(  # noqa: N802 (gRPC's method name)
        self, request: disperser_pb2.DisperseBlobRequest, context: grpc.aio.ServicerContext
    ) -> disperser_pb2.DisperseBlobReply:
        try:
            request_id = self.service.disperse(bytes(request.data))
        except ZerogError as exc:
            await context.abort(_code(exc), str(exc))
            raise
        return disperser_pb2.DisperseBlobReply(result=disperser_pb2.PROCESSING, request_id=request_id)

    async def GetBlobStatus(  # noqa: N802
        self, request: disperser_pb2.BlobStatusRequest, context: grpc.aio.ServicerContext
    ) -> disperser_pb2.BlobStatusReply:
        try:
            record = await self.service.status(bytes(request.request_id))
        except ZerogError as exc:
            await context.abort(_code(exc), str(exc))
            raise
        return blob_status_reply(record)

    async def RetrieveBlob(  # noqa: N802
        self, request: disperser_pb2.RetrieveBlobRequest, context: grpc.aio.ServicerContext
    ) -> disperser_pb2.RetrieveBlobReply:
        root = bytes(request.storage_root)
        if len(root) != 32:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "storage_root is a 32-byte data root")
        try:
            data = await self.service.retrieve(BlobRef(root, int(request.epoch), int(request.quorum_id)))
        except ZerogError as exc:
            await context.abort(_code(exc), str(exc))
            raise
        return disperser_pb2.RetrieveBlobReply(data=data)
