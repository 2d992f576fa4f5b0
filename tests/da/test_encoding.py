"""DA encoding: padding and field mapping round trips, rows that verify, any 64 rows recover the exact data."""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.crypto import build_file_tree, keccak256, kzg
from zerog.da import encoding
from zerog.da.encoding import (
    BYTES_PER_CELL,
    CELLS_PER_BLOB,
    DATA_BYTES_PER_BLOB,
    MAX_DATA_BYTES,
    EncodedBlob,
    EncodedRow,
    encode_blob,
    encoded_bytes,
    join_blobs,
    pad_payload,
    parse_commitments,
    recover_blob,
    row_from_parts,
    split_blobs,
    unpad_payload,
    verify_rows,
)
from zerog.errors import InvalidInput, InvalidProof

# 1 byte; data that exactly fills one ckzg blob (with its 4-byte length); one byte more (two blobs); three blobs.
SIZES = [1, DATA_BYTES_PER_BLOB - 4, DATA_BYTES_PER_BLOB - 3, 2 * DATA_BYTES_PER_BLOB + 12_345]


def _data(size: int) -> bytes:
    return random.Random(size).randbytes(size)


@pytest.fixture(scope="module")
def encoded() -> dict[int, EncodedBlob]:
    return {size: encode_blob(_data(size)) for size in SIZES}


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


# --- padding and field mapping ---


@given(data=st.binary(min_size=1, max_size=3 * DATA_BYTES_PER_BLOB))
def test_padding_round_trip(data: bytes) -> None:
    payload = pad_payload(data)
    assert len(payload) % DATA_BYTES_PER_BLOB == 0
    assert len(payload) // DATA_BYTES_PER_BLOB == max(1, -(-(len(data) + 4) // DATA_BYTES_PER_BLOB))
    assert payload[-4:] == len(data).to_bytes(4, "little")
    assert unpad_payload(payload) == data


@pytest.mark.parametrize("size", [1, DATA_BYTES_PER_BLOB - 4, DATA_BYTES_PER_BLOB - 3, MAX_DATA_BYTES])
def test_blob_count_at_the_boundaries(size: int) -> None:
    expected = {1: 1, DATA_BYTES_PER_BLOB - 4: 1, DATA_BYTES_PER_BLOB - 3: 2, MAX_DATA_BYTES: 256}[size]
    assert encoding.compute_blob_count(size) == expected


def test_bad_payloads_are_refused() -> None:
    with pytest.raises(InvalidInput):
        pad_payload(b"")
    with pytest.raises(InvalidInput):
        encoding.compute_blob_count(MAX_DATA_BYTES + 1)
    good = pad_payload(b"abc")
    refused = [
        b"",
        good[:-1],
        good + bytes(DATA_BYTES_PER_BLOB),  # the length says one blob, the payload has two
        good[:-4] + (0).to_bytes(4, "little"),  # empty data
        good[:-4] + len(good).to_bytes(4, "little"),  # longer than the payload
        good[:3] + b"\x01" + good[4:],  # nonzero padding
        _flip(good, 8 * (len(good) - 5)),  # nonzero padding right before the length
    ]
    for payload in refused:
        with pytest.raises(InvalidInput):
            unpad_payload(payload)


@given(data=st.binary(min_size=1, max_size=2 * DATA_BYTES_PER_BLOB))
def test_field_mapping_round_trip(data: bytes) -> None:
    payload = pad_payload(data)
    blobs = split_blobs(payload)
    assert all(len(blob) == kzg.BYTES_PER_BLOB for blob in blobs)
    element = 17
    assert blobs[0][32 * element : 32 * (element + 1)] == b"\0" + payload[31 * element : 31 * (element + 1)]
    assert join_blobs(blobs) == payload


def test_join_refuses_non_da_elements() -> None:
    blob = split_blobs(pad_payload(b"x"))[0]
    with pytest.raises(InvalidInput):
        join_blobs([b"\x01" + blob[1:]])
    with pytest.raises(InvalidInput):
        join_blobs([blob[:-1]])


# --- encoding ---


@pytest.mark.parametrize("size", SIZES)
def test_encoded_blob_layout(encoded: dict[int, EncodedBlob], size: int) -> None:
    blob = encoded[size]
    k = blob.blob_count
    assert blob.size == size
    assert k == encoding.compute_blob_count(size)
    assert len(blob.commitments) == k
    assert [row.index for row in blob.rows] == list(range(CELLS_PER_BLOB))
    assert blob.commitments_hash == keccak256(b"".join(blob.commitments))
    assert parse_commitments(blob.commitments_bytes) == blob.commitments
    stored = encoded_bytes(blob)
    assert len(stored) == k * 256 * 1024
    assert blob.data_root == build_file_tree(stored).root
    # Row r is cell r of every ckzg blob, in blob order.
    ckzg_blobs = split_blobs(pad_payload(_data(size)))
    last_cells = kzg.compute_cells(ckzg_blobs[-1])
    assert blob.commitments[-1] == kzg.blob_to_commitment(ckzg_blobs[-1])
    for row in (blob.rows[0], blob.rows[77]):
        assert row.cell(k - 1) == last_cells[row.index]
        assert row_from_parts(row.index, [row.cell(i) for i in range(k)], [row.proof(i) for i in range(k)]) == row


def test_encode_on_an_executor_gives_the_same_blob(encoded: dict[int, EncodedBlob]) -> None:
    size = SIZES[-1]
    with ThreadPoolExecutor(2) as executor:
        assert encode_blob(_data(size), executor) == encoded[size]


@pytest.mark.slow
def test_encode_and_recover_on_a_process_pool(encoded: dict[int, EncodedBlob]) -> None:
    size = SIZES[-1]
    blob = encoded[size]
    with encoding.encoder_pool(2) as pool:
        assert encode_blob(_data(size), pool) == blob
        assert recover_blob(blob.blob_count, blob.rows[64:], pool) == _data(size)


# --- verification ---


@pytest.mark.parametrize("size", SIZES)
def test_all_rows_verify(encoded: dict[int, EncodedBlob], size: int) -> None:
    blob = encoded[size]
    verify_rows(blob.commitments, blob.rows)
    verify_rows(blob.commitments, blob.rows[5:9])


@settings(max_examples=8, deadline=None)
@given(case=st.sampled_from(SIZES[1:]), row=st.integers(0, 127), bit=st.integers(0, 2**40), in_proof=st.booleans())
def test_a_flipped_bit_fails_and_names_its_row(
    encoded: dict[int, EncodedBlob], case: int, row: int, bit: int, in_proof: bool
) -> None:
    blob = encoded[case]
    good = blob.rows[row]
    if in_proof:
        bad = EncodedRow(good.index, good.data, _flip(good.proofs, bit))
    else:
        bad = EncodedRow(good.index, _flip(good.data, bit), good.proofs)
    rows = list(blob.rows)
    rows[row] = bad
    with pytest.raises(InvalidProof, match=f"row {row} "):
        verify_rows(blob.commitments, rows)


def test_rows_of_another_blob_fail(encoded: dict[int, EncodedBlob]) -> None:
    one, other = encoded[SIZES[0]], encoded[SIZES[1]]
    with pytest.raises(InvalidProof):
        verify_rows(other.commitments, one.rows[:3])


def test_malformed_rows_are_refused(encoded: dict[int, EncodedBlob]) -> None:
    blob = encoded[SIZES[2]]
    row = blob.rows[3]
    for make in (
        lambda: EncodedRow(128, row.data, row.proofs),
        lambda: EncodedRow(3, row.data[:-1], row.proofs),
        lambda: EncodedRow(3, row.data, row.proofs[:-48]),
        lambda: EncodedRow(3, b"", b""),
        lambda: row_from_parts(3, [row.cell(0)], []),
    ):
        with pytest.raises(InvalidInput):
            make()
    with pytest.raises(InvalidInput):
        verify_rows(blob.commitments[:1], [row])  # a row of two cells against one commitment
    with pytest.raises(InvalidInput):
        verify_rows(blob.commitments, [row, row])
    with pytest.raises(InvalidInput):
        verify_rows([b"\x12" * 48, blob.commitments[1]], [row])
    with pytest.raises(InvalidInput):
        parse_commitments(blob.commitments_bytes[:-1])


# --- recovery ---


@settings(max_examples=6, deadline=None)
@given(case=st.sampled_from(SIZES), seed=st.integers(0, 2**32), extra=st.integers(0, 64))
def test_any_64_rows_recover_the_data(encoded: dict[int, EncodedBlob], case: int, seed: int, extra: int) -> None:
    blob = encoded[case]
    rows = random.Random(seed).sample(blob.rows, 64 + extra)
    assert recover_blob(blob.blob_count, rows) == _data(case)


@pytest.mark.parametrize("size", SIZES)
def test_the_data_rows_and_the_parity_rows_each_recover(encoded: dict[int, EncodedBlob], size: int) -> None:
    blob = encoded[size]
    assert recover_blob(blob.commitments, blob.rows[:64]) == _data(size)  # systematic: no decoding
    assert recover_blob(blob.commitments, blob.rows[64:]) == _data(size)


def test_recovery_refuses_too_few_or_bad_rows(encoded: dict[int, EncodedBlob]) -> None:
    blob = encoded[SIZES[1]]
    with pytest.raises(InvalidInput):
        recover_blob(blob.blob_count, blob.rows[:63])
    with pytest.raises(InvalidInput):
        recover_blob(blob.blob_count, [*blob.rows[:63], blob.rows[0]])
    with pytest.raises(InvalidInput):
        recover_blob(blob.blob_count + 1, blob.rows)
    rows = list(blob.rows[:64])
    rows[10] = EncodedRow(10, _flip(rows[10].data, 2000), rows[10].proofs)
    with pytest.raises(InvalidProof, match="row 10 "):
        recover_blob(blob.commitments, rows)
    # Without the commitments nothing is verified, but a cell that cannot be DA data (a top byte set) is refused.
    rows[10] = EncodedRow(10, rows[10].data[: BYTES_PER_CELL - 32] + b"\x01" + bytes(31), rows[10].proofs)
    with pytest.raises(InvalidInput):
        recover_blob(blob.blob_count, rows)
