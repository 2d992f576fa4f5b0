"""The KV node's JSON-RPC surface: 0G's `kv_*` table (node/rpc/src/kv_rpc_server) with the SDKs' quirks.

- Keys arrive as base64 (0G, the TS and Go SDKs) or as "0x"-hex (the Python SDK); both are accepted.
- Keys in answers are base64, except for the Python SDK (User-Agent "0g-py-sdk/..."), which parses them as hex.
- `kv_getValue` never answers null: a missing key is `{version: 0, data: "", size: 0}` (null crashes TS).
- `kv_getTransactionResult` takes the seq as an integer or a decimal string (both SDKs send a string).
- `kv_IsAdmin` (both SDKs) is an alias of 0G's `kv_isAdmin`.
- zerog adds `kv_getReplayProgress(streamId)` so writers can wait to read their own writes.
"""

import base64
import binascii
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt, TypeAdapter

from zerog.codec.segment import encode_base64
from zerog.kv.node import KvNode
from zerog.kv.state import MAX_VERSION, StoredValue
from zerog.rpc import JsonRpcServer, Param, invalid_params, request_headers
from zerog.spec.types import parse_fixed_bytes

__all__ = ["parse_key", "register_kv_methods"]

PY_SDK_AGENT = "0g-py-sdk"


def parse_key(value: Any) -> bytes:
    """A key as the SDKs send it: "0x" + even-length hex (Python SDK), else standard base64 (0G's `Segment`)."""
    if not isinstance(value, str):
        raise ValueError("expected a key as base64 or 0x-hex")
    if value.startswith("0x") and len(value) % 2 == 0:
        try:
            key = bytes.fromhex(value[2:])
        except ValueError:
            key = None
        if key is not None:
            return _non_empty(key)
    try:
        return _non_empty(base64.b64decode(value, validate=True))
    except binascii.Error as exc:
        raise ValueError("a key must be base64 or 0x-hex") from exc


def _non_empty(key: bytes) -> bytes:
    if not key:
        raise ValueError("key is empty")
    return key


def _seq(value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64:
        return value
    raise ValueError("expected a tx seq: an integer or a decimal string")


U64 = Annotated[StrictInt, Field(ge=0, lt=1 << 64)]
_u64 = TypeAdapter(U64)
_bool = TypeAdapter(StrictBool)
_stream = TypeAdapter(Annotated[str, AfterValidator(lambda v: parse_fixed_bytes(v, 32, "a stream id"))])
_account = TypeAdapter(Annotated[str, AfterValidator(lambda v: parse_fixed_bytes(v, 20, "an account address"))])
_key = TypeAdapter(Annotated[Any, BeforeValidator(parse_key)])
_tx_seq = TypeAdapter(Annotated[Any, BeforeValidator(_seq)])


def _version(value: int | None) -> int:
    return MAX_VERSION if value is None else value


def _encode_key(key: bytes) -> str:
    headers = request_headers.get() or {}
    if headers.get("User-Agent", "").startswith(PY_SDK_AGENT):
        return "0x" + key.hex()
    return encode_base64(key)


def register_kv_methods(server: JsonRpcServer, node: KvNode) -> None:
    """Add 0G's `kv_*` methods (and zerog's `kv_getReplayProgress`) to `server`."""
    state = node.state
    max_len = node.config.max_query_len

    def page(value: StoredValue, start: int, length: int) -> tuple[bytes, int]:
        if length > max_len:
            raise invalid_params("len", "query length too large")
        if start > len(value.data):
            raise invalid_params("start_index", "start index is greater than value length")
        return value.data[start : start + length], len(value.data)

    def key_value(value: StoredValue | None, start: int, length: int) -> Any:
        if value is None:
            if length > max_len:
                raise invalid_params("len", "query length too large")
            return None
        data, size = page(value, start, length)
        return {"version": value.version, "key": _encode_key(value.key), "data": encode_base64(data), "size": size}

    @server.method(
        "kv_getValue",
        Param("stream_id", _stream),
        Param("key", _key),
        Param("start_index", _u64),
        Param("len", _u64),
        Param("version", _u64, optional=True),
    )
    async def get_value(stream_id: bytes, key: bytes, start: int, length: int, version: int | None) -> Any:
        if length > max_len:
            raise invalid_params("len", "query length too large")
        value = state.get_value(stream_id, key, _version(version))
        if value is None or not value.data:
            return {"version": 0 if value is None else value.version, "data": "", "size": 0}
        data, size = page(value, start, length)
        return {"version": value.version, "data": encode_base64(data), "size": size}

    def neighbour(name: str, *, reverse: bool) -> None:
        @server.method(
            name,
            Param("stream_id", _stream),
            Param("key", _key),
            Param("start_index", _u64),
            Param("len", _u64),
            Param("inclusive", _bool),
            Param("version", _u64, optional=True),
        )
        async def get(stream_id: bytes, key: bytes, start: int, length: int, inclusive: bool, v: int | None) -> Any:
            found = state.next_value(stream_id, key, _version(v), reverse=reverse, inclusive=inclusive)
            return key_value(found, start, length)

    def end(name: str, *, reverse: bool) -> None:
        @server.method(
            name,
            Param("stream_id", _stream),
            Param("start_index", _u64),
            Param("len", _u64),
            Param("version", _u64, optional=True),
        )
        async def get(stream_id: bytes, start: int, length: int, v: int | None) -> Any:
            found = state.next_value(stream_id, None, _version(v), reverse=reverse, inclusive=True)
            return key_value(found, start, length)

    neighbour("kv_getNext", reverse=False)
    neighbour("kv_getPrev", reverse=True)
    end("kv_getFirst", reverse=False)
    end("kv_getLast", reverse=True)

    @server.method("kv_getTransactionResult", Param("tx_seq", _tx_seq))
    async def get_transaction_result(seq: int) -> str | None:
        return state.get_result(seq)

    @server.method("kv_getHoldingStreamIds")
    async def get_holding_stream_ids() -> list[str]:
        held = node.config.held_streams
        streams = sorted(held) if held is not None else state.stream_ids()
        return ["0x" + s.hex() for s in streams]

    @server.method(
        "kv_hasWritePermission",
        Param("account", _account),
        Param("stream_id", _stream),
        Param("key", _key),
        Param("version", _u64, optional=True),
    )
    async def has_write_permission(account: bytes, stream_id: bytes, key: bytes, version: int | None) -> bool:
        return state.has_write_permission(account, stream_id, key, _version(version))

    @server.method(
        "kv_isAdmin",
        Param("account", _account),
        Param("stream_id", _stream),
        Param("version", _u64, optional=True),
        aliases=("kv_IsAdmin",),
    )
    async def is_admin(account: bytes, stream_id: bytes, version: int | None) -> bool:
        return state.is_admin(account, stream_id, _version(version))

    @server.method(
        "kv_isSpecialKey", Param("stream_id", _stream), Param("key", _key), Param("version", _u64, optional=True)
    )
    async def is_special_key(stream_id: bytes, key: bytes, version: int | None) -> bool:
        return state.is_special_key(stream_id, key, _version(version))

    @server.method(
        "kv_isWriterOfKey",
        Param("account", _account),
        Param("stream_id", _stream),
        Param("key", _key),
        Param("version", _u64, optional=True),
    )
    async def is_writer_of_key(account: bytes, stream_id: bytes, key: bytes, version: int | None) -> bool:
        return state.is_writer_of_key(account, stream_id, key, _version(version))

    @server.method(
        "kv_isWriterOfStream",
        Param("account", _account),
        Param("stream_id", _stream),
        Param("version", _u64, optional=True),
    )
    async def is_writer_of_stream(account: bytes, stream_id: bytes, version: int | None) -> bool:
        return state.is_writer_of_stream(account, stream_id, _version(version))

    @server.method("kv_getStatus")
    async def get_status() -> bool:
        return True

    @server.method("kv_getReplayProgress", Param("stream_id", _stream))
    async def get_replay_progress(stream_id: bytes) -> Any:
        return node.replay_progress(stream_id)
