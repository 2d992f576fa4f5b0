"""The ckzg wrapper: setup loading, cells and proofs that verify, systematic cells, recovery, mapped errors."""

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.crypto import kzg
from zerog.errors import InvalidInput

Cells = tuple[bytes, bytes, list[bytes], list[bytes]]
BLS_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def _random_blob(seed: int) -> bytes:
    rng = random.Random(seed)
    return b"".join(
        (rng.getrandbits(255) % BLS_MODULUS).to_bytes(32, "big") for _ in range(kzg.FIELD_ELEMENTS_PER_BLOB)
    )


@pytest.fixture(scope="module")
def extended() -> Cells:
    blob = _random_blob(1)
    cells, proofs = kzg.compute_cells_and_proofs(blob)
    return blob, kzg.blob_to_commitment(blob), cells, proofs


def test_trusted_setup_is_ethereums_and_loaded_once() -> None:
    path = kzg.trusted_setup_path()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == kzg.TRUSTED_SETUP_SHA256
    assert kzg.load_trusted_setup() is kzg.load_trusted_setup()


def test_cells_and_proofs_verify(extended: Cells) -> None:
    blob, commitment, cells, proofs = extended
    assert len(cells) == len(proofs) == kzg.CELLS_PER_BLOB
    assert {len(cell) for cell in cells} == {kzg.BYTES_PER_CELL}
    assert {len(proof) for proof in proofs} == {kzg.BYTES_PER_PROOF}
    assert kzg.compute_cells(blob) == cells
    assert kzg.verify_cells([commitment] * 128, list(range(128)), cells, proofs)
    # Systematic: the first half of the extension is the blob itself.
    assert b"".join(cells[:64]) == blob


def test_zero_blob_commits_to_infinity() -> None:
    assert kzg.blob_to_commitment(bytes(kzg.BYTES_PER_BLOB)) == b"\xc0" + bytes(47)


def test_wrong_cell_or_index_fails(extended: Cells) -> None:
    _, commitment, cells, proofs = extended
    assert kzg.verify_cells([commitment], [5], [cells[6]], [proofs[5]]) is False
    assert kzg.verify_cells([commitment], [6], [cells[5]], [proofs[5]]) is False
    other = kzg.blob_to_commitment(_random_blob(2))
    assert kzg.verify_cells([other], [5], [cells[5]], [proofs[5]]) is False


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_any_half_recovers(extended: Cells, seed: int) -> None:
    _, _, cells, proofs = extended
    chosen = random.Random(seed).sample(range(128), 64)  # in random order: the wrapper sorts
    recovered_cells, recovered_proofs = kzg.recover_cells_and_proofs(chosen, [cells[i] for i in chosen])
    assert recovered_cells == cells
    assert recovered_proofs == proofs


def test_malformed_input_is_invalid_input(extended: Cells) -> None:
    blob, commitment, cells, proofs = extended
    non_canonical = BLS_MODULUS.to_bytes(32, "big") + blob[32:]
    calls = [
        lambda: kzg.blob_to_commitment(blob[:-1]),
        lambda: kzg.blob_to_commitment(non_canonical),
        lambda: kzg.compute_cells_and_proofs(non_canonical),
        lambda: kzg.compute_cells(b""),
        lambda: kzg.verify_cells([commitment], [0, 1], [cells[0]], [proofs[0]]),
        lambda: kzg.verify_cells([commitment], [128], [cells[0]], [proofs[0]]),
        lambda: kzg.verify_cells([commitment[:-1]], [0], [cells[0]], [proofs[0]]),
        lambda: kzg.verify_cells([b"\x12" * 48], [0], [cells[0]], [proofs[0]]),
        lambda: kzg.recover_cells_and_proofs(list(range(63)), cells[:63]),
        lambda: kzg.recover_cells_and_proofs([0] * 64, [cells[0]] * 64),
        lambda: kzg.recover_cells_and_proofs(list(range(64)), cells[:63]),
        lambda: kzg.bytes_to_commitment(b"\x12" * 48),
    ]
    for call in calls:
        with pytest.raises(InvalidInput):
            call()
    assert kzg.bytes_to_commitment(commitment) == commitment
