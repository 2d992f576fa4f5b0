"""Async gRPC clients of the DA services: a signer (`Signer`) and a disperser (`Disperser`).

Every call has a deadline; a dead or refusing endpoint becomes `Unavailable`, a refusal of the request itself
(`INVALID_ARGUMENT`, `FAILED_PRECONDITION`, `NOT_FOUND`) `InvalidInput`, and a full signer (`RESOURCE_EXHAUSTED`)
`Unavailable` too, so callers retry.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

from zerog.da.encoding import EncodedRow
from zerog.da.proto import disperser_pb2, disperser_pb2_grpc, signer_pb2, signer_pb2_grpc
from zerog.errors import InvalidInput, NotFound, Unavailable

__all__ = [
    "GRPC_MAX_MESSAGE_BYTES",
    "BlobSignRequest",
    "DisperserClient",
    "SignerClient",
    "grpc_error",
    "row_from_message",
    "row_to_message",
]

GRPC_MAX_MESSAGE_BYTES = 300 * 1024 * 1024
"""0G's disperser accepts messages up to 300 MiB; a 32 MiB blob's encoded rows are 64 MiB."""
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", GRPC_MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", GRPC_MAX_MESSAGE_BYTES),
]


def grpc_error(exc: grpc.aio.AioRpcError, target: str) -> Exception:
    """A gRPC failure as zerog's error."""
    code, detail = exc.code(), exc.details() or ""
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
        return InvalidInput(f"{target} refused the request: {detail}")
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(f"{target}: {detail}")
    return Unavailable(f"{target} did not serve the request ({code.name}): {detail}")


def row_to_message(row: EncodedRow) -> signer_pb2.EncodedRow:
    return signer_pb2.EncodedRow(index=row.index, data=row.data, proofs=row.proofs)


def row_from_message(message: signer_pb2.EncodedRow) -> EncodedRow:
    return EncodedRow(index=int(message.index), data=bytes(message.data), proofs=bytes(message.proofs))


@dataclass(frozen=True, slots=True)
class BlobSignRequest:
    epoch: int
    quorum_id: int
    data_root: bytes
    commitments: bytes
    rows: Sequence[EncodedRow]


class SignerClient:
    def __init__(self, socket: str, *, timeout_s: float = 30.0) -> None:
        self.socket = socket
        self.timeout_s = timeout_s
        self.channel = grpc.aio.insecure_channel(socket, options=CHANNEL_OPTIONS)
        self.stub = signer_pb2_grpc.SignerStub(self.channel)  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self.channel.close()

    async def batch_sign(self, requests: Sequence[BlobSignRequest]) -> list[bytes]:
        message = signer_pb2.SignRequest(
            requests=[
                signer_pb2.BlobSignRequest(
                    epoch=r.epoch,
                    quorum_id=r.quorum_id,
                    data_root=r.data_root,
                    commitments=r.commitments,
                    rows=[row_to_message(row) for row in r.rows],
                )
                for r in requests
            ]
        )
        try:
            reply = await self.stub.BatchSign(message, timeout=self.timeout_s)
        except grpc.aio.AioRpcError as exc:
            raise grpc_error(exc, f"signer {self.socket}") from exc
        if len(reply.signatures) != len(requests):
            raise Unavailable(f"signer {self.socket} answered {len(reply.signatures)} of {len(requests)} signatures")
        return [bytes(s) for s in reply.signatures]

    async def batch_retrieve(
        self, epoch: int, quorum_id: int, data_root: bytes, row_indexes: Sequence[int]
    ) -> list[EncodedRow]:
        message = signer_pb2.RetrieveRequest(
            requests=[
                signer_pb2.BlobRetrieveRequest(
                    epoch=epoch, quorum_id=quorum_id, data_root=data_root, row_indexes=list(row_indexes)
                )
            ]
        )
        try:
            reply = await self.stub.BatchRetrieve(message, timeout=self.timeout_s)
        except grpc.aio.AioRpcError as exc:
            raise grpc_error(exc, f"signer {self.socket}") from exc
        if len(reply.rows) != 1:
            raise Unavailable(f"signer {self.socket} answered {len(reply.rows)} row sets for 1 request")
        return [row_from_message(row) for row in reply.rows[0].rows]

    async def status(self) -> signer_pb2.StatusReply:
        try:
            reply: signer_pb2.StatusReply = await self.stub.GetStatus(signer_pb2.StatusRequest(), timeout=5)
        except grpc.aio.AioRpcError as exc:
            raise grpc_error(exc, f"signer {self.socket}") from exc
        return reply


class DisperserClient:
    def __init__(self, target: str, *, timeout_s: float = 120.0) -> None:
        self.target = target
        self.timeout_s = timeout_s
        self.channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.stub = disperser_pb2_grpc.DisperserStub(self.channel)  # type: ignore[no-untyped-call]

    async def __aenter__(self) -> "DisperserClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.channel.close()

    async def disperse(self, data: bytes) -> tuple[int, bytes]:
        """(status, request id)."""
        try:
            reply = await self.stub.DisperseBlob(disperser_pb2.DisperseBlobRequest(data=data), timeout=self.timeout_s)
        except grpc.aio.AioRpcError as exc:
            raise grpc_error(exc, f"disperser {self.target}") from exc
        return int(reply.result), bytes(reply.request_id)

    async def status(self, request_id: bytes) -> disperser_pb2.BlobStatusReply:
        try:
            reply: disperser_pb2.BlobStatusReply = await self.stub.GetBlobStatus(
                disperser_pb2.BlobStatusRequest(request_id=request_id), timeout=10
            )
        except grpc.aio.AioRpcError as exc:
            raise grpc_error(exc, f"disperser {self.target}") from exc
        return reply

    async def wait_final(
        self, request_id: bytes, *, timeout_s: float = 300.0, poll_s: float = 0.1
    ) -> disperser_pb2.BlobStatusReply:
        """Poll until the request leaves PROCESSING; `Unavailable` if it has not after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            reply = await self.status(request_id)
            if reply.status != disperser_pb2.PROCESSING:
                return reply
            if time.monotonic() > deadline:
                raise Unavailable(
                    f"request {request_id.decode(errors='replace')} is still processing after {timeout_s:.0f} s"
                )
            await asyncio.sleep(poll_s)

    async def retrieve(self, data_root: bytes, epoch: int, quorum_id: int) -> bytes:
        try:
            reply = await self.stub.RetrieveBlob(
                disperser_pb2.RetrieveBlobRequest(storage_root=data_root, epoch=epoch, quorum_id=quorum_id),
                timeout=self.timeout_s,
            )
        except grpc.aio.AioRpcError as exc:
            raise grpc_error(exc, f"disperser {self.target}") from exc
        return bytes(reply.data)
