"""StreamData (0G KV writes): the official Python SDK's vectors, round trips, truncation, limits and tags."""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.codec.stream import (
    DATA_PARSE_ERROR_INVALID,
    DATA_PARSE_ERROR_TOO_LONG,
    MAX_KEY_LENGTH,
    MAX_SET_SIZE,
    STREAM_DOMAIN,
    AccessControl,
    AclOpType,
    StreamData,
    StreamDataError,
    StreamRead,
    StreamWrite,
    encode_stream_tags,
    parse_replayed_stream_data,
    parse_stream_data,
    parse_stream_tags,
)
from zerog.errors import InvalidInput
from zerog.storage.types import STREAM_TAG

VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[1] / "vectors" / "stream.json").read_text())

S1, S2, S3 = (bytes([n]) * 32 for n in (1, 2, 3))
ACCOUNT = bytes(range(20))


def _from_json(vector: dict[str, Any]) -> StreamData:
    """The StreamData the SDK encoded, as zerog records."""
    return StreamData(
        version=vector["version"],
        reads=tuple(StreamRead(_hex(r["stream_id"]), _hex(r["key"])) for r in vector["reads"]),
        writes=tuple(StreamWrite(_hex(w["stream_id"]), _hex(w["key"]), _hex(w["data"])) for w in vector["writes"]),
        acls=tuple(
            AccessControl(
                AclOpType(a["op"]),
                _hex(a["stream_id"]),
                None if a["key"] is None else _hex(a["key"]),
                None if a["account"] is None else _hex(a["account"]),
            )
            for a in vector["acls"]
        ),
    )


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def _acl(op: AclOpType, stream_id: bytes = S1) -> AccessControl:
    return AccessControl(op, stream_id, b"special" if op.carries_key else None, ACCOUNT if op.carries_account else None)


EVERYTHING = StreamData(
    version=5,
    reads=(StreamRead(S3, b"watched"), StreamRead(S1, b"r")),
    writes=(StreamWrite(S1, b"k1", b"value one"), StreamWrite(S2, b"k2", b""), StreamWrite(S1, b"k3", b"3" * 40)),
    acls=tuple(_acl(op) for op in AclOpType),
)


# --- the official SDK's own encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS["vectors"]))
def test_sdk_vectors_encode_and_parse_identically(name: str) -> None:
    vector = VECTORS["vectors"][name]
    data = _from_json(vector)
    encoded = bytes.fromhex(vector["encoded"])
    assert data.encode() == encoded
    assert data.encoded_size == len(encoded)
    assert parse_stream_data(encoded) == data
    assert parse_replayed_stream_data(encoded) == data


@pytest.mark.parametrize("name", sorted(n for n in VECTORS["vectors"] if n.startswith("batcher_")))
def test_sdk_batcher_tags(name: str) -> None:
    vector = VECTORS["vectors"][name]
    data = _from_json(vector)
    # Batcher.exec uploads build_tags(): each stream once, in the order Batcher.set first named it.
    set_order = [_hex(call["set"][0]) for call in vector["calls"]]
    assert encode_stream_tags(set_order).hex() == vector["tags"]
    assert encode_stream_tags(data.stream_ids).hex() == vector["tags_sorted"]
    assert parse_stream_tags(bytes.fromhex(vector["tags"])) == tuple(dict.fromkeys(set_order))


def test_sdk_vectors_cover_every_acl_op_with_its_fields() -> None:
    ops = {vector["acls"][0]["op"] for vector in VECTORS["vectors"].values() if len(vector["acls"]) == 1}
    assert ops == {int(op) for op in AclOpType}
    multi = VECTORS["vectors"]["batcher_multi_set"]
    assert encode_stream_tags(_from_json(multi).stream_ids) != bytes.fromhex(multi["tags"])  # order really differs


def test_sdk_key_limits_agree() -> None:
    limits = VECTORS["sdk_limits"]
    assert limits["empty_key"] == "ValueError: Key is empty"
    assert limits["key_of_2_24_bytes"] == "ValueError: Key too large"
    longest = StreamData(0, writes=(StreamWrite(S1, b"k" * MAX_KEY_LENGTH, b""),))
    assert longest.encoded_size == limits["key_of_2_24_minus_1_bytes"]["encoded_size"]


def test_stream_domain() -> None:
    assert STREAM_DOMAIN.hex() == VECTORS["stream_domain"]
    assert STREAM_DOMAIN.hex() == "df2ff3bb0af36c6384e6206552a4ed807f6f6a26e7d0aa6bff772ddc9d4307aa"
    assert STREAM_DOMAIN == STREAM_TAG


# --- round trips -------------------------------------------------------------------------------------------------

stream_ids = st.one_of(st.sampled_from([S1, S2, S3]), st.binary(min_size=32, max_size=32))
stream_keys = st.binary(min_size=1, max_size=40)


@st.composite
def acls(draw: st.DrawFn) -> AccessControl:
    op = draw(st.sampled_from(AclOpType))
    key = draw(stream_keys) if op.carries_key else None
    account = draw(st.binary(min_size=20, max_size=20)) if op.carries_account else None
    return AccessControl(op, draw(stream_ids), key, account)


stream_datas = st.builds(
    StreamData,
    version=st.integers(0, 2**64 - 1),
    reads=st.lists(st.builds(StreamRead, stream_ids, stream_keys), max_size=4).map(tuple),
    writes=st.lists(st.builds(StreamWrite, stream_ids, stream_keys, st.binary(max_size=300)), max_size=4).map(tuple),
    acls=st.lists(acls(), max_size=4).map(tuple),
)


@settings(max_examples=300)
@given(data=stream_datas)
def test_encode_then_parse_is_identity(data: StreamData) -> None:
    encoded = data.encode()
    assert len(encoded) == data.encoded_size
    assert parse_stream_data(encoded) == data
    assert parse_replayed_stream_data(encoded) == data


@settings(max_examples=300)
@given(data=stream_datas, position=st.integers(0), value=st.integers(0, 255))
def test_parse_then_encode_is_identity(data: StreamData, position: int, value: int) -> None:
    """Any blob that parses, here a valid one with one byte changed, encodes back to itself."""
    blob = bytearray(data.encode())
    blob[position % len(blob)] = value
    try:
        parsed = parse_stream_data(bytes(blob))
    except InvalidInput:
        return
    assert parsed.encode() == bytes(blob)


@settings(max_examples=50)
@given(data=stream_datas)
def test_every_truncation_fails_cleanly(data: StreamData) -> None:
    encoded = data.encode()
    for end in range(len(encoded)):
        with pytest.raises(StreamDataError) as caught:
            parse_stream_data(encoded[:end])
        assert caught.value.result == DATA_PARSE_ERROR_INVALID


@pytest.mark.parametrize("name", ["everything", "batcher_multi_set"])
def test_every_truncation_of_sdk_blobs_fails_cleanly(name: str) -> None:
    encoded = bytes.fromhex(VECTORS["vectors"][name]["encoded"])
    for end in range(len(encoded)):
        with pytest.raises(StreamDataError, match=r"truncated|overrun"):
            parse_stream_data(encoded[:end])


def test_truncation_reports_section_and_what_parsed() -> None:
    encoded = EVERYTHING.encode()
    reads_end = 8 + 4 + sum(32 + 3 + len(r.key) for r in EVERYTHING.reads)
    with pytest.raises(StreamDataError) as caught:
        parse_stream_data(encoded[: reads_end + 10])
    assert caught.value.section == "writes"
    assert caught.value.parsed == StreamData(EVERYTHING.version, EVERYTHING.reads)
    with pytest.raises(StreamDataError) as caught:
        parse_stream_data(encoded[:5])
    assert (caught.value.section, caught.value.parsed) == ("version", None)
    with pytest.raises(StreamDataError) as caught:
        parse_stream_data(encoded[:-1])
    assert caught.value.section == "acls"
    assert caught.value.parsed == StreamData(EVERYTHING.version, EVERYTHING.reads, EVERYTHING.writes)


# --- what 0G's replayer reads: padding and trailing bytes ---------------------------------------------------------


def test_trailing_bytes_are_refused_strictly_but_ignored_by_the_replayer() -> None:
    encoded = EVERYTHING.encode()
    with pytest.raises(InvalidInput, match="follow the ACL set") as caught:
        parse_stream_data(encoded + b"\x00")
    assert not isinstance(caught.value, StreamDataError)  # 0G records no DataParseError for it
    assert parse_replayed_stream_data(encoded + b"junk" * 100) == EVERYTHING


def test_replayer_reads_missing_bytes_from_sector_padding() -> None:
    data = StreamData(9, writes=(StreamWrite(S1, b"key", b"abcdefghij"),))
    encoded = data.encode()
    assert len(encoded) % 256 != 0
    # Without its ACL count the blob is short, but the zero padding of its last sector reads as "0 ACL ops".
    assert parse_replayed_stream_data(encoded[:-4]) == data
    # A value cut short is completed with padding zeros, as the flow stores them.
    assert parse_replayed_stream_data(encoded[:-9]) == StreamData(
        9, writes=(StreamWrite(S1, b"key", b"abcde" + bytes(5)),)
    )
    # A value reaching past the last sector is a parse error.
    header = 8 + 4 + 4 + 32 + 3 + 3
    too_long = encoded[:header] + (256).to_bytes(8, "big")
    with pytest.raises(StreamDataError) as caught:
        parse_replayed_stream_data(too_long)
    assert (caught.value.result, caught.value.section) == (DATA_PARSE_ERROR_INVALID, "writes")
    with pytest.raises(StreamDataError):
        parse_replayed_stream_data(b"")


# --- limits ------------------------------------------------------------------------------------------------------


def test_key_length_limits_on_encode() -> None:
    with pytest.raises(InvalidInput, match="key"):
        StreamData(0, writes=(StreamWrite(S1, b"", b"v"),)).encode()
    with pytest.raises(InvalidInput, match="key"):
        StreamData(0, reads=(StreamRead(S1, bytes(1 << 24)),)).encode()
    with pytest.raises(InvalidInput, match="key"):
        StreamData(0, acls=(AccessControl(AclOpType.SET_KEY_TO_SPECIAL, S1, b""),)).encode()
    longest = StreamData(0, writes=(StreamWrite(S1, b"k" * MAX_KEY_LENGTH, b"v"),))
    encoded = longest.encode()
    assert encoded[8 + 4 + 4 + 32 : 8 + 4 + 4 + 32 + 3] == b"\xff\xff\xff"
    assert parse_stream_data(encoded) == longest


def test_empty_key_is_a_parse_error() -> None:
    blob = (1).to_bytes(8, "big") + (1).to_bytes(4, "big") + S1 + bytes(3) + bytes(8)
    with pytest.raises(StreamDataError, match="empty key") as caught:
        parse_stream_data(blob)
    assert (caught.value.result, caught.value.section) == (DATA_PARSE_ERROR_INVALID, "reads")


def test_set_sizes_up_to_the_cap_parse() -> None:
    reads = tuple(StreamRead(S1, i.to_bytes(3, "big")) for i in range(MAX_SET_SIZE))
    data = StreamData(1, reads=reads)
    assert parse_stream_data(data.encode()) == data
    with pytest.raises(InvalidInput, match="65536"):
        StreamData(1, writes=(StreamWrite(S1, b"k", b""),) * (MAX_SET_SIZE + 1)).encode()
    with pytest.raises(InvalidInput, match="65536"):
        StreamData(1, reads=(*reads, StreamRead(S1, b"k"))).encode()
    with pytest.raises(InvalidInput, match="65536"):
        StreamData(1, acls=(_acl(AclOpType.RENOUNCE_WRITE),) * (MAX_SET_SIZE + 1)).encode()


@pytest.mark.parametrize("section", ["reads", "writes", "acls"])
def test_counts_over_the_cap_are_list_too_long(section: str) -> None:
    empty = (0).to_bytes(4, "big")
    over = (MAX_SET_SIZE + 1).to_bytes(4, "big")
    counts = {"reads": [over], "writes": [empty, over], "acls": [empty, empty, over]}[section]
    blob = (3).to_bytes(8, "big") + b"".join(counts) + bytes(1000)
    with pytest.raises(StreamDataError, match="limit") as caught:
        parse_stream_data(blob)
    assert (caught.value.result, caught.value.section) == (DATA_PARSE_ERROR_TOO_LONG, section)
    assert caught.value.parsed is not None
    assert caught.value.parsed.version == 3


def test_version_must_be_a_u64() -> None:
    with pytest.raises(InvalidInput, match="u64"):
        StreamData(2**64).encode()
    with pytest.raises(InvalidInput, match="u64"):
        StreamData(-1).encode()


# --- ACL ops -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [c for c in range(256) if c not in {int(op) for op in AclOpType}])
def test_unknown_acl_ops_are_refused(code: int) -> None:
    blob = (0).to_bytes(8, "big") + bytes(8) + (1).to_bytes(4, "big") + bytes([code]) + S1 + bytes(100)
    with pytest.raises(StreamDataError, match=f"unknown op 0x{code:02x}") as caught:
        parse_stream_data(blob)
    assert (caught.value.result, caught.value.section) == (DATA_PARSE_ERROR_INVALID, "acls")


@pytest.mark.parametrize("op", list(AclOpType))
def test_acl_fields_follow_0g(op: AclOpType) -> None:
    """The op byte, the stream id, then the key and the account exactly when 0G's replayer reads them."""
    encoded = StreamData(0, acls=(_acl(op),)).encode()
    body = encoded[8 + 4 + 4 + 4 :]
    expected = bytes([op]) + S1
    expected += (7).to_bytes(3, "big") + b"special" if op.carries_key else b""
    expected += ACCOUNT if op.carries_account else b""
    assert body == expected
    renounces = {AclOpType.RENOUNCE_ADMIN, AclOpType.RENOUNCE_WRITE, AclOpType.RENOUNCE_SPECIAL_WRITE}
    assert op.carries_account == (
        op not in renounces and op not in {AclOpType.SET_KEY_TO_SPECIAL, AclOpType.SET_KEY_TO_NORMAL}
    )
    assert op.carries_key == (op >> 4 in (1, 3))


@pytest.mark.parametrize(
    "acl",
    [
        AccessControl(AclOpType.GRANT_ADMIN, S1),  # needs an account
        AccessControl(AclOpType.GRANT_ADMIN, S1, b"k", ACCOUNT),  # takes no key
        AccessControl(AclOpType.RENOUNCE_ADMIN, S1, account=ACCOUNT),  # acts on the sender
        AccessControl(AclOpType.SET_KEY_TO_NORMAL, S1),  # needs a key
        AccessControl(AclOpType.GRANT_SPECIAL_WRITE, S1, b"k"),  # needs an account too
        AccessControl(AclOpType.GRANT_WRITE, S1, account=bytes(19)),  # short account
        AccessControl(AclOpType.GRANT_WRITE, bytes(31), account=ACCOUNT),  # short stream id
        AccessControl(0x40, S1),  # type: ignore[arg-type]  # not an op
    ],
)
def test_malformed_acls_are_refused_on_encode(acl: AccessControl) -> None:
    with pytest.raises(InvalidInput):
        StreamData(0, acls=(acl,)).encode()


def test_bad_stream_ids_are_refused_on_encode() -> None:
    with pytest.raises(InvalidInput, match="stream id"):
        StreamData(0, reads=(StreamRead(bytes(33), b"k"),)).encode()
    with pytest.raises(InvalidInput, match="stream id"):
        StreamData(0, writes=(StreamWrite(b"", b"k", b"v"),)).encode()


# --- tags --------------------------------------------------------------------------------------------------------


def test_stream_ids_are_what_the_builder_tags() -> None:
    data = StreamData(
        0,
        reads=(StreamRead(S3, b"r"),),  # reads are not tagged (Go's Watch adds no stream id)
        writes=(StreamWrite(S2, b"a", b""), StreamWrite(S2, b"b", b"")),
        acls=(_acl(AclOpType.GRANT_WRITE, S1),),
    )
    assert data.stream_ids == (S1, S2)


def test_encode_stream_tags() -> None:
    assert encode_stream_tags([]) == STREAM_DOMAIN
    assert encode_stream_tags([S2, S1, S2]) == STREAM_DOMAIN + S2 + S1
    with pytest.raises(InvalidInput, match="stream id"):
        encode_stream_tags([bytes(31)])


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (b"", None),
        (b"\x00", None),
        (STREAM_DOMAIN[:31], None),
        (bytes(32) + S1, None),
        (STREAM_DOMAIN + S1[:31], None),
        (STREAM_DOMAIN + S1 + b"\x00", None),
        (STREAM_DOMAIN, ()),
        (STREAM_DOMAIN + S1, (S1,)),
        (STREAM_DOMAIN + S2 + S1 + S2, (S2, S1, S2)),
    ],
)
def test_parse_stream_tags(tags: bytes, expected: tuple[bytes, ...] | None) -> None:
    assert parse_stream_tags(tags) == expected


@given(ids=st.lists(stream_ids, max_size=6, unique=True))
def test_tags_round_trip(ids: list[bytes]) -> None:
    assert parse_stream_tags(encode_stream_tags(ids)) == tuple(ids)
