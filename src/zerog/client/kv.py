"""KV on zerog (or 0G): a `Batcher` that turns writes and ACL changes into one StreamData upload, and a
`KvClient` that reads a KV node's `kv_*` API, pages long values, and waits for a write to be replayed.

    batch = Batcher(network)
    batch.set(stream, b"greeting", b"hello")
    written = await batch.execute(kv_url=url)            # uploads, then waits until the KV node applied it
    async with KvClient(url) as kv:
        value = await kv.get(stream, b"greeting")       # version = the tx seq of the write
"""

import asyncio
import base64
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from zerog.client.network import Network
from zerog.client.upload import UploadOptions, UploadResult, upload_file
from zerog.codec.stream import (
    MAX_KEY_LENGTH,
    AccessControl,
    AclOpType,
    StreamData,
    StreamRead,
    StreamWrite,
    encode_stream_tags,
)
from zerog.crypto import keccak256
from zerog.errors import InvalidInput, Unavailable
from zerog.rpc import JsonRpcClient
from zerog.spec.types import parse_fixed_bytes

__all__ = [
    "MAX_QUERY_BYTES",
    "NEVER_CONFLICT",
    "Batcher",
    "KvClient",
    "KvValue",
    "KvWrite",
    "stream_id_for",
]

MAX_QUERY_BYTES = 256 * 1024
"""Bytes per kv_getValue page: 0G's `max_query_len_in_bytes` default."""
NEVER_CONFLICT = (1 << 64) - 1
"""The StreamData version that no key can be newer than: the write never conflicts (last writer wins)."""
COMMIT = "Commit"


def stream_id_for(name: str | bytes) -> bytes:
    """A stream id: 32 bytes as given ("0x" + 64 hex), else keccak256 of the name, so "notes" is a stream too."""
    if isinstance(name, bytes):
        return parse_fixed_bytes(name, 32, "a stream id")
    if name.startswith("0x") and len(name) == 66:
        return parse_fixed_bytes(name, 32, "a stream id")
    if not name:
        raise InvalidInput("a stream name cannot be empty")
    return keccak256(name.encode())


def _check_key(key: bytes) -> bytes:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput(f"a key is 1 to {MAX_KEY_LENGTH} bytes, got {len(key)}")
    return key


def _account(address: str | bytes) -> bytes:
    return parse_fixed_bytes(address, 20, "an account address")


@dataclass(frozen=True, slots=True)
class KvValue:
    key: bytes
    data: bytes
    version: int
    """The tx seq that wrote the value; 0 when the key was never written."""

    @property
    def exists(self) -> bool:
        return self.version != 0 and bool(self.data)


@dataclass
class KvWrite:
    """A KV write on the log: where it is, and how the KV node replayed it (when waited for)."""

    tx_seq: int
    root: bytes
    upload: UploadResult
    result: str | None = None
    """0G's replay result ("Commit", "VersionConfliction", ...); None when not waited for."""
    waited_s: float = 0.0

    @property
    def committed(self) -> bool:
        return self.result == COMMIT


@dataclass
class Batcher:
    """Collects writes, reads (for version checks) and ACL ops into one StreamData; `execute` uploads it.

    `version` is the snapshot the writer read: the write is refused ("VersionConfliction") if any key it reads or
    writes changed after that tx seq. The default never conflicts.
    """

    network: Network
    version: int = NEVER_CONFLICT
    reads: list[StreamRead] = field(default_factory=list)
    writes: list[StreamWrite] = field(default_factory=list)
    acls: list[AccessControl] = field(default_factory=list)

    def set(self, stream: bytes, key: bytes, value: bytes) -> "Batcher":
        self.writes.append(StreamWrite(stream, _check_key(key), value))
        return self

    def delete(self, stream: bytes, key: bytes) -> "Batcher":
        """An empty value: 0G's deletion (reads see version, no data; iteration skips the key)."""
        return self.set(stream, key, b"")

    def watch(self, stream: bytes, key: bytes) -> "Batcher":
        """Fail the write if `key` changed after `version` (a read in the StreamData)."""
        self.reads.append(StreamRead(stream, _check_key(key)))
        return self

    def grant_admin(self, stream: bytes, account: str | bytes) -> "Batcher":
        return self._acl(AclOpType.GRANT_ADMIN, stream, account=_account(account))

    def renounce_admin(self, stream: bytes) -> "Batcher":
        return self._acl(AclOpType.RENOUNCE_ADMIN, stream)

    def set_special_key(self, stream: bytes, key: bytes) -> "Batcher":
        return self._acl(AclOpType.SET_KEY_TO_SPECIAL, stream, key=_check_key(key))

    def set_normal_key(self, stream: bytes, key: bytes) -> "Batcher":
        return self._acl(AclOpType.SET_KEY_TO_NORMAL, stream, key=_check_key(key))

    def grant_writer(self, stream: bytes, account: str | bytes) -> "Batcher":
        return self._acl(AclOpType.GRANT_WRITE, stream, account=_account(account))

    def revoke_writer(self, stream: bytes, account: str | bytes) -> "Batcher":
        return self._acl(AclOpType.REVOKE_WRITE, stream, account=_account(account))

    def renounce_writer(self, stream: bytes) -> "Batcher":
        return self._acl(AclOpType.RENOUNCE_WRITE, stream)

    def grant_special_writer(self, stream: bytes, key: bytes, account: str | bytes) -> "Batcher":
        return self._acl(AclOpType.GRANT_SPECIAL_WRITE, stream, key=_check_key(key), account=_account(account))

    def revoke_special_writer(self, stream: bytes, key: bytes, account: str | bytes) -> "Batcher":
        return self._acl(AclOpType.REVOKE_SPECIAL_WRITE, stream, key=_check_key(key), account=_account(account))

    def renounce_special_writer(self, stream: bytes, key: bytes) -> "Batcher":
        return self._acl(AclOpType.RENOUNCE_SPECIAL_WRITE, stream, key=_check_key(key))

    def _acl(
        self, op: AclOpType, stream: bytes, *, key: bytes | None = None, account: bytes | None = None
    ) -> "Batcher":
        self.acls.append(AccessControl(op, parse_fixed_bytes(stream, 32, "a stream id"), key, account))
        return self

    def build(self) -> StreamData:
        if not self.writes and not self.acls:
            raise InvalidInput("nothing to write: add a write or an ACL op to the batch")
        data = StreamData(self.version, tuple(self.reads), tuple(self.writes), tuple(self.acls))
        data.validate()
        return data

    async def execute(
        self,
        *,
        kv_url: str | None = None,
        wait: Literal["stored", "applied"] = "applied",
        timeout_s: float = 60.0,
        options: UploadOptions | None = None,
        on_stage: Callable[[str], None] | None = None,
    ) -> KvWrite:
        """Upload the batch as one log entry; with wait="applied", also wait for `kv_url` to replay it."""
        data = self.build()
        network = self.network
        network.require_storage()
        base = options or UploadOptions()
        upload_options = UploadOptions(
            replicas=base.replicas,
            method=base.method,
            wait="finalized",
            tags=encode_stream_tags(data.stream_ids),
            fee_wei=base.fee_wei,
            retries=base.retries,
            timeout_s=base.timeout_s,
            new_tx=True,
        )
        if on_stage:
            on_stage("uploading")
        upload = await upload_file(
            data.encode(),
            rpc_url=network.rpc_url,
            private_key=network.require_key(),
            flow_address=network.require_flow(),
            nodes=network.nodes,
            indexer=network.indexer,
            options=upload_options,
        )
        written = KvWrite(upload.tx_seq, upload.root, upload)
        if wait == "applied":
            url = kv_url or network.kv
            if not url:
                raise InvalidInput("waiting for the write to apply needs a KV node: pass --kv or set ZEROG_KV")
            if on_stage:
                on_stage(f"waiting for the KV node to replay tx {upload.tx_seq}")
            started = time.monotonic()
            async with KvClient(url) as kv:
                written.result = await kv.wait_for_result(upload.tx_seq, timeout_s=timeout_s)
            written.waited_s = time.monotonic() - started
        return written


class KvClient:
    """Reads one KV node. Use as an async context manager."""

    def __init__(self, url: str, *, timeout_s: float = 30.0) -> None:
        self.url = url
        self.rpc = JsonRpcClient(url, timeout_s=timeout_s)

    async def __aenter__(self) -> "KvClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.rpc.close()

    async def get(self, stream: bytes, key: bytes, version: int | None = None) -> KvValue:
        """The value of `key` at `version` (default: the latest), paged in 256 KiB pieces."""
        key_b64 = _b64(_check_key(key))
        pieces: list[bytes] = []
        offset, size, found_version = 0, None, 0
        while size is None or offset < size:
            answer = await self.rpc.call(
                "kv_getValue", *_with_version([_hex(stream), key_b64, offset, MAX_QUERY_BYTES], version)
            )
            if not isinstance(answer, dict):
                raise Unavailable(f"{self.url} answered kv_getValue with {answer!r}")
            piece = base64.b64decode(answer.get("data") or "")
            if size is not None and int(answer["version"]) != found_version:
                offset, size, pieces = 0, None, []  # rewritten while paging: start over at the new version
                continue
            size, found_version = int(answer["size"]), int(answer["version"])
            pieces.append(piece)
            offset += len(piece)
            if not piece and offset < size:
                raise Unavailable(f"{self.url} returned an empty page at offset {offset} of {size}")
        return KvValue(key, b"".join(pieces), found_version)

    async def first(self, stream: bytes, version: int | None = None) -> KvValue | None:
        return await self._pair("kv_getFirst", [_hex(stream), 0, MAX_QUERY_BYTES], version, stream)

    async def last(self, stream: bytes, version: int | None = None) -> KvValue | None:
        return await self._pair("kv_getLast", [_hex(stream), 0, MAX_QUERY_BYTES], version, stream)

    async def next(
        self, stream: bytes, key: bytes, *, inclusive: bool = False, version: int | None = None
    ) -> KvValue | None:
        params = [_hex(stream), _b64(_check_key(key)), 0, MAX_QUERY_BYTES, inclusive]
        return await self._pair("kv_getNext", params, version, stream)

    async def prev(
        self, stream: bytes, key: bytes, *, inclusive: bool = False, version: int | None = None
    ) -> KvValue | None:
        params = [_hex(stream), _b64(_check_key(key)), 0, MAX_QUERY_BYTES, inclusive]
        return await self._pair("kv_getPrev", params, version, stream)

    async def items(
        self, stream: bytes, *, reverse: bool = False, version: int | None = None
    ) -> AsyncIterator[KvValue]:
        """Every live key of the stream in key order (deleted keys are skipped, as 0G does)."""
        current = await (self.last(stream, version) if reverse else self.first(stream, version))
        while current is not None:
            yield current
            step = self.prev if reverse else self.next
            current = await step(stream, current.key, version=version)

    async def transaction_result(self, tx_seq: int) -> str | None:
        result = await self.rpc.call("kv_getTransactionResult", str(tx_seq))
        return None if result is None else str(result)

    async def wait_for_result(self, tx_seq: int, *, timeout_s: float = 60.0, poll_s: float = 0.1) -> str:
        """Poll until the KV node has replayed tx `tx_seq`; returns 0G's result string."""
        deadline = time.monotonic() + timeout_s
        while True:
            result = await self.transaction_result(tx_seq)
            if result is not None:
                return result
            if time.monotonic() > deadline:
                raise Unavailable(f"{self.url} has not replayed tx {tx_seq} after {timeout_s:.0f}s")
            await asyncio.sleep(poll_s)

    async def replay_progress(self, stream: bytes) -> dict[str, Any]:
        answer = await self.rpc.call("kv_getReplayProgress", _hex(stream))
        if not isinstance(answer, dict):
            raise Unavailable(f"{self.url} answered kv_getReplayProgress with {answer!r}")
        return answer

    async def holding_streams(self) -> list[bytes]:
        return [bytes.fromhex(s.removeprefix("0x")) for s in await self.rpc.call("kv_getHoldingStreamIds") or []]

    async def is_admin(self, account: str | bytes, stream: bytes, version: int | None = None) -> bool:
        return bool(
            await self.rpc.call("kv_isAdmin", *_with_version(["0x" + _account(account).hex(), _hex(stream)], version))
        )

    async def is_writer_of_stream(self, account: str | bytes, stream: bytes, version: int | None = None) -> bool:
        params = _with_version(["0x" + _account(account).hex(), _hex(stream)], version)
        return bool(await self.rpc.call("kv_isWriterOfStream", *params))

    async def is_writer_of_key(
        self, account: str | bytes, stream: bytes, key: bytes, version: int | None = None
    ) -> bool:
        params = _with_version(["0x" + _account(account).hex(), _hex(stream), _b64(_check_key(key))], version)
        return bool(await self.rpc.call("kv_isWriterOfKey", *params))

    async def is_special_key(self, stream: bytes, key: bytes, version: int | None = None) -> bool:
        params = _with_version([_hex(stream), _b64(_check_key(key))], version)
        return bool(await self.rpc.call("kv_isSpecialKey", *params))

    async def has_write_permission(
        self, account: str | bytes, stream: bytes, key: bytes, version: int | None = None
    ) -> bool:
        params = _with_version(["0x" + _account(account).hex(), _hex(stream), _b64(_check_key(key))], version)
        return bool(await self.rpc.call("kv_hasWritePermission", *params))

    async def _pair(self, method: str, params: list[Any], version: int | None, stream: bytes) -> KvValue | None:
        answer = await self.rpc.call(method, *_with_version(params, version))
        if answer is None:
            return None
        if not isinstance(answer, dict):
            raise Unavailable(f"{self.url} answered {method} with {answer!r}")
        key = base64.b64decode(answer["key"])
        data = base64.b64decode(answer.get("data") or "")
        size = int(answer["size"])
        if len(data) < size:
            return await self.get(stream, key, version)  # a long value: page it
        return KvValue(key, data, int(answer["version"]))


def _hex(stream: bytes) -> str:
    return "0x" + parse_fixed_bytes(stream, 32, "a stream id").hex()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _with_version(params: list[Any], version: int | None) -> list[Any]:
    return params if version is None else [*params, version]
