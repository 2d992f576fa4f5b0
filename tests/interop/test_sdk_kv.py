"""The official 0G SDKs' KV clients, unchanged, against zerog's KV node (one storage node "0/1", one KV node that
holds every stream, on one module-scoped chain).

- the Python SDK (`0g-storage-sdk` 0.4.0, `core.kv.Batcher`) writes a new stream; its `KvClient` reads the values,
  versions (= the tx seq), first/last/next and a `KvIterator` walk back from zerog's node, and so does zerog's client;
- zerog's `Batcher` writes; the TS SDKs' `KvClient` (1.2.8 and 0.3.3) and the Python SDK's read it: values,
  versions, iteration both ways, the ACL queries (`kv_IsAdmin` included);
- the TS SDKs' `Batcher` writes; zerog's client and the SDK itself read it;
- a value over one kv_getValue page (256 KiB): the Python SDK pages it whole; both TS SDKs' getValue cannot (an SDK
  bug that real 0G shares, see test_value_over_one_page);
- a stale StreamData version gives "VersionConfliction", a write by another account to a stream it has no right on
  gives "WritePermissionDenied: stream: 0x<hex>, key: <key>": 0G's result strings, from `kv_getTransactionResult`
  with the seq as a string (both SDKs' `getTransactionResult`, and zerog's client, send a string).

Each writer signs with its own dev account, so no nonce is ever shared. Every SDK call is a subprocess under a
timeout (sdk_runner.py in the SDK's own venv, ts/sdk.mjs under node); the nodes run in this module's event loop.
"""

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
import pytest_asyncio

from tests.interop import test_sdk_storage, test_ts_sdk
from tests.interop.test_official_sdk import SDK_PYTHON
from tests.interop.test_ts_sdk import NODE, TS_DIR
from zerog.client import Network
from zerog.client.kv import Batcher, KvClient, stream_id_for
from zerog.testing import LocalChain, kv_config, node_config, random_bytes, running_kv_node, running_node

TS_MISSING = not (TS_DIR / "node_modules").is_dir() or NODE is None

pytestmark = [
    pytest.mark.interop,
    pytest.mark.chain,
    pytest.mark.slow,
    pytest.mark.skipif(not SDK_PYTHON.exists(), reason="the official SDK venv is missing: run 'make test'"),
    pytest.mark.asyncio(loop_scope="module"),
]
needs_ts = pytest.mark.skipif(
    TS_MISSING, reason="the TS SDK is not installed in tests/interop/ts/node_modules (or node is missing)"
)

PY_SDK, TS_SDK, TS_SDK_OLD, ZEROG, INTRUDER = 6, 5, 2, 4, 3
"""Dev account per writer: the Python SDK, TS 1.2.8, TS 0.3.3, zerog's client, and an account with no rights."""
PY_STREAM = stream_id_for("interop/kv/py-sdk")
ZEROG_STREAM = stream_id_for("interop/kv/zerog")
PY_VALUES = {"alpha": "1", "beta": "two", "gamma": "three 3 \u00e9"}
ZEROG_VALUES = {b"k1": b"\x00\x01binary\xff", b"k2": b"v2", b"k3": b"v3" * 100}


async def sdk(*args: str, timeout_s: float = 90) -> dict[str, Any]:
    """One sdk_runner.py command in the Python SDK's venv (fails the test on an error or a timeout)."""
    return cast(dict[str, Any], await test_sdk_storage.sdk(*args, timeout_s=timeout_s))


async def ts(*args: str, sdk: str = "1.2.8", timeout_s: float = 90) -> dict[str, Any]:
    """One ts/sdk.mjs command under node (fails the test on an error or a timeout)."""
    return cast(dict[str, Any], await test_ts_sdk.ts(*args, sdk=sdk, timeout_s=timeout_s))


@dataclass
class Stack:
    chain: LocalChain
    storage_url: str
    kv_url: str
    py_write: dict[str, Any] | None = None
    """The Python SDK's first write to PY_STREAM (set by the first test; later tests reuse it)."""

    def address(self, account: int) -> str:
        return self.chain.accounts[account][0]

    def network(self, account: int) -> Network:
        return Network(
            rpc_url=self.chain.rpc_url,
            flow_address=self.chain.flow.address,
            private_key=self.chain.accounts[account][1],
            info=None,
            nodes=(self.storage_url,),
            kv=self.kv_url,
        )

    async def result(self, tx_seq: int) -> str:
        """0G's replay result for `tx_seq`, waited for through zerog's client (which sends the seq as a string)."""
        async with KvClient(self.kv_url) as kv:
            return await kv.wait_for_result(tx_seq, timeout_s=30)

    async def py_write_kv(
        self, stream: bytes, pairs: dict[str, str], *, account: int, version: int | None = None
    ) -> dict[str, Any]:
        args = ["kv-write", self.chain.rpc_url, self.chain.flow.address, self.chain.accounts[account][1]]
        args += [self.storage_url, _hex(stream), *(f"{k}={v}" for k, v in pairs.items())]
        if version is not None:
            args += ["--version", str(version)]
        return await sdk(*args)

    async def ts_write_kv(
        self, stream: bytes, pairs: dict[str, str], *, account: int, version: int | None = None, sdk: str = "1.2.8"
    ) -> dict[str, Any]:
        args = ["kv-write", self.chain.rpc_url, self.chain.accounts[account][1], self.storage_url, _hex(stream)]
        args += [f"{k}={v}" for k, v in pairs.items()]
        args += ["--flow", self.chain.flow.address]
        if version is not None:
            args += ["--version", str(version)]
        return await ts(*args, sdk=sdk)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(local_chain: LocalChain, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    work = tmp_path_factory.mktemp("sdk-kv")
    async with running_node(node_config(local_chain, work / "storage")) as storage:
        config = kv_config(local_chain, work / "kv", [storage.url], data_wait_s=5.0)
        async with running_kv_node(config):
            yield Stack(local_chain, storage.url, config.url)


def _hex(stream: bytes) -> str:
    return "0x" + stream.hex()


def _b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def _pair(key: str, data: bytes | str, version: int) -> dict[str, Any]:
    raw = data.encode() if isinstance(data, str) else data
    return {"key": key, "data": _b64(raw), "size": len(raw), "version": version}


async def _py_sdk_write(stack: Stack) -> dict[str, Any]:
    """The Python SDK's first write to PY_STREAM, made once."""
    if stack.py_write is None:
        written = await stack.py_write_kv(PY_STREAM, PY_VALUES, account=PY_SDK)
        assert await stack.result(int(written["tx_seq"])) == "Commit"
        stack.py_write = written
    return stack.py_write


async def test_python_sdk_writes_and_reads_back(stack: Stack) -> None:
    written = await _py_sdk_write(stack)
    seq = int(written["tx_seq"])
    assert str(written["root"]).startswith("0x")
    assert str(written["txHash"]).startswith("0x")

    # The SDK's KvClient: get_value (keys sent as 0x-hex), first/last/next and a KvIterator walk (keys answered in
    # hex for its User-Agent), the ACL queries (kv_IsAdmin with a capital I) and kv_getHoldingStreamIds.
    read = await sdk(
        "kv-read", stack.kv_url, _hex(PY_STREAM), *PY_VALUES, "missing", "--account", stack.address(PY_SDK)
    )
    expected = {k: {"data": _b64(v), "size": len(v.encode()), "version": seq} for k, v in PY_VALUES.items()}
    assert read["values"] == {**expected, "missing": {"data": "", "size": 0, "version": 0}}
    walk = [_pair(k, v, seq) for k, v in sorted(PY_VALUES.items())]
    assert read["iter"] == walk
    assert (read["first"], read["last"], read["next"]) == (walk[0], walk[-1], walk[1])
    assert _hex(PY_STREAM) in read["holding"]
    acl = read["acl"]
    assert isinstance(acl, dict)
    assert acl["is_admin"] is True  # the first writer of a new stream becomes its admin
    assert acl["has_write_permission"] == dict.fromkeys([*PY_VALUES, "missing"], True)
    assert acl["is_special_key"] == dict.fromkeys([*PY_VALUES, "missing"], False)

    # zerog's client reads the same, and agrees on the ACL answers.
    async with KvClient(stack.kv_url) as kv:
        for key, value in PY_VALUES.items():
            got = await kv.get(PY_STREAM, key.encode())
            assert (got.data, got.version) == (value.encode(), seq)
        items = [(v.key, v.data, v.version) async for v in kv.items(PY_STREAM)]
        assert items == [(k.encode(), v.encode(), seq) for k, v in sorted(PY_VALUES.items())]
        assert await kv.is_writer_of_stream(stack.address(PY_SDK), PY_STREAM) is acl["is_writer_of_stream"]
        assert await kv.is_writer_of_key(stack.address(PY_SDK), PY_STREAM, b"alpha") is acl["is_writer_of_key"]["alpha"]

    # The SDK reads the result with its own call (the seq sent as a string).
    assert (await sdk("kv-result", stack.kv_url, str(seq)))["results"] == {str(seq): "Commit"}


async def test_sdks_read_what_zerog_wrote(stack: Stack) -> None:
    batch = Batcher(stack.network(ZEROG))
    for key, value in ZEROG_VALUES.items():
        batch.set(ZEROG_STREAM, key, value)
    written = await batch.execute()
    assert written.result == "Commit"
    seq = written.tx_seq
    keys = [k.decode() for k in ZEROG_VALUES]
    walk = [_pair(k.decode(), v, seq) for k, v in sorted(ZEROG_VALUES.items())]
    values = {k.decode(): {"data": _b64(v), "size": len(v), "version": seq} for k, v in ZEROG_VALUES.items()}

    # The Python SDK.
    read = await sdk("kv-read", stack.kv_url, _hex(ZEROG_STREAM), *keys, "--account", stack.address(ZEROG))
    assert read["values"] == values
    assert read["iter"] == walk
    assert read["acl"]["is_admin"] is True
    assert read["acl"]["has_write_permission"] == dict.fromkeys(keys, True)

    # The TS SDKs, when installed: getValue, a KvIterator walk forwards (seekToFirst/next) and backwards
    # (seekToLast/prev), the ACL queries.
    if TS_MISSING:
        return
    for version in ("1.2.8", "0.3.3"):
        read = await ts(
            "kv-read", stack.kv_url, _hex(ZEROG_STREAM), *keys, "--account", stack.address(ZEROG), sdk=version
        )
        assert read["values"] == values, version
        assert read["iter"] == walk, version
        assert read["reverse"] == walk[::-1], version
        assert _hex(ZEROG_STREAM) in read["holding"]
        acl = read["acl"]
        assert isinstance(acl, dict)
        assert acl["isAdmin"] is True, version
        assert acl["hasWritePermission"] == dict.fromkeys(keys, True), version
        assert acl["isSpecialKey"] == dict.fromkeys(keys, False), version
        # Another account: no admin, no write permission on the stream zerog created.
        other = await ts(
            "kv-read", stack.kv_url, _hex(ZEROG_STREAM), "k1", "--account", stack.address(INTRUDER), sdk=version
        )
        assert other["acl"]["isAdmin"] is False
        assert other["acl"]["hasWritePermission"] == {"k1": False}
        # A missing key is {version: 0, data: "", size: 0}, never null (null crashes TS KvClient.getValue).
        missing = await ts("kv-read", stack.kv_url, _hex(ZEROG_STREAM), "nope", sdk=version)
        assert missing["values"] == {"nope": {"data": "", "size": 0, "version": 0}}, version


async def test_value_over_one_page(stack: Stack) -> None:
    stream = stream_id_for("interop/kv/big")
    big = random_bytes(300 * 1024 + 5, seed=7)
    written = await Batcher(stack.network(ZEROG)).set(stream, b"big", big).set(stream, b"small", b"s").execute()
    assert written.result == "Commit"
    seq = written.tx_seq
    async with KvClient(stack.kv_url) as kv:
        assert (await kv.get(stream, b"big")).data == big

    # The Python SDK's get_value pages by decoded length (core/kv/client.py: `len(base64.b64decode(val.data))`).
    read = await sdk("kv-read", stack.kv_url, _hex(stream), "big", "small")
    assert read["values"]["big"] == {"data": _b64(big), "size": len(big), "version": seq}
    assert read["iter"] == [_pair("big", big, seq), _pair("small", "s", seq)]

    if TS_MISSING:
        return
    # Both TS SDKs' KvClient.getValue (lib.commonjs/kv/client.js line 23, 1.2.8 and 0.3.3) ask for the next page at
    # `val.data.length`, the length of the *base64* string assembled so far (349528 after one 262144-byte page),
    # not its byte length. 0G's kv_getValue refuses a start index past the value's end ("start index is greater than
    # value length", node/rpc/src/kv_rpc_server/impl.rs), as zerog does: any value over 256 KiB and under 4/3 of
    # that fails there too, a longer one would come back with bytes skipped. Values of one page read fine.
    for version in ("1.2.8", "0.3.3"):
        read = await ts("kv-read", stack.kv_url, _hex(stream), "big", "small", sdk=version)
        assert "start index is greater than value length" in read["values"]["big"]["error"], version
        assert read["values"]["small"] == {"data": _b64("s"), "size": 1, "version": seq}, version
        # KvIterator.move fetches each value with that getValue: a walk over the stream fails the same way.
        assert "start index is greater than value length" in read["iter"]["error"], version


@needs_ts
@pytest.mark.parametrize(("version", "account"), [("1.2.8", TS_SDK), ("0.3.3", TS_SDK_OLD)])
async def test_ts_sdk_writes_zerog_reads(stack: Stack, version: str, account: int) -> None:
    stream = stream_id_for(f"interop/kv/ts-{version}")
    pairs = {"x": f"from ts {version}", "y": "why"}
    written = await stack.ts_write_kv(stream, pairs, account=account, sdk=version)
    seq = int(written["txSeq"])
    assert await stack.result(seq) == "Commit"
    async with KvClient(stack.kv_url) as kv:
        for key, value in pairs.items():
            got = await kv.get(stream, key.encode())
            assert (got.data, got.version) == (value.encode(), seq)
        assert await kv.is_admin(stack.address(account), stream)
    read = await ts("kv-read", stack.kv_url, _hex(stream), *pairs, sdk=version)
    assert read["iter"] == [_pair(k, v, seq) for k, v in sorted(pairs.items())]
    assert (await ts("kv-result", stack.kv_url, str(seq), sdk=version))["results"] == {str(seq): "Commit"}


async def test_version_conflict_and_permission_denied(stack: Stack) -> None:
    first = await _py_sdk_write(stack)
    seq = int(first["tx_seq"])
    denial = f"WritePermissionDenied: stream: {_hex(PY_STREAM)}, key: {{}}"

    # The Python SDK writes "alpha" at the snapshot it read (the first write's seq): it commits. The same snapshot
    # is then stale: "alpha" changed after it.
    fresh = await stack.py_write_kv(PY_STREAM, {"alpha": "fresh"}, account=PY_SDK, version=seq)
    fresh_seq = int(fresh["tx_seq"])
    assert await stack.result(fresh_seq) == "Commit"
    stale = await stack.py_write_kv(PY_STREAM, {"alpha": "stale"}, account=PY_SDK, version=seq)
    stale_seq = int(stale["tx_seq"])
    assert await stack.result(stale_seq) == "VersionConfliction"

    # zerog's client, signing with an account that has no right on the SDK's stream.
    denied = await Batcher(stack.network(INTRUDER)).set(PY_STREAM, b"beta", b"mine").execute()
    assert denied.result == denial.format("beta")
    results = {str(fresh_seq): "Commit", str(stale_seq): "VersionConfliction", str(denied.tx_seq): denied.result}

    if not TS_MISSING:
        # The TS SDK's Batcher as another intruder on the Python SDK's stream...
        intruder = await stack.ts_write_kv(PY_STREAM, {"gamma": "ts was here"}, account=TS_SDK)
        results[str(intruder["txSeq"])] = denial.format("gamma")
        # ... and on a stream of its own: a write, then one whose version predates it.
        stream = stream_id_for("interop/kv/ts-conflict")
        mine = await stack.ts_write_kv(stream, {"x": "1"}, account=TS_SDK)
        assert int(mine["txSeq"]) > 0  # the Python SDK wrote before, so a version below it exists
        late = await stack.ts_write_kv(stream, {"x": "2"}, account=TS_SDK, version=int(mine["txSeq"]) - 1)
        results[str(mine["txSeq"])] = "Commit"
        results[str(late["txSeq"])] = "VersionConfliction"
        for tx_seq, result in results.items():
            assert await stack.result(int(tx_seq)) == result, tx_seq

    # Both SDKs' getTransactionResult (the seq sent as a string) see the same strings.
    assert (await sdk("kv-result", stack.kv_url, *results))["results"] == results
    if not TS_MISSING:
        assert (await ts("kv-result", stack.kv_url, *results))["results"] == results

    # Only the committed write changed anything: "alpha" is "fresh" at its seq, "1" before it; the rest is as the
    # first write left it, for the SDK and for zerog.
    read = await sdk("kv-read", stack.kv_url, _hex(PY_STREAM), *PY_VALUES)
    expected = {k: _b64(v) for k, v in {**PY_VALUES, "alpha": "fresh"}.items()}
    assert {k: v["data"] for k, v in read["values"].items()} == expected
    assert {k: v["version"] for k, v in read["values"].items()} == {"alpha": fresh_seq, "beta": seq, "gamma": seq}
    old = await sdk("kv-read", stack.kv_url, _hex(PY_STREAM), "alpha", "--version", str(fresh_seq - 1))
    assert old["values"] == {"alpha": {"data": _b64("1"), "size": 1, "version": seq}}
    async with KvClient(stack.kv_url) as kv:
        assert (await kv.get(PY_STREAM, b"alpha")).data == b"fresh"
        assert (await kv.get(PY_STREAM, b"alpha", version=fresh_seq - 1)).data == b"1"
        assert (await kv.get(PY_STREAM, b"beta")).data == b"two"
        if not TS_MISSING:
            assert (await kv.get(stream_id_for("interop/kv/ts-conflict"), b"x")).data == b"1"
