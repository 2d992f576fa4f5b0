"""Quorum lottery and certificate rules: ABI-exact messages, the ballot draw, bitmaps and thresholds."""

import random
from collections import Counter

import pytest
from eth_abi import encode
from hypothesis import given
from hypothesis import strategies as st
from web3 import Web3

from zerog.crypto import bls, keccak256
from zerog.da.quorum import (
    ROWS_PER_QUORUM,
    ballots,
    certificate_message,
    compute_owned_rows,
    compute_votes,
    draw_quorums,
    epoch_message,
    max_adversary_fraction,
    meets_threshold,
    rows_signed,
    sampling_confidence,
    signer_bitmap,
)
from zerog.errors import InvalidInput

ADDRESS = Web3.to_checksum_address("0x" + "ab" * 20)


def _random_registrants(rng: random.Random, votes: list[int]) -> list[tuple[int, list[bytes]]]:
    return [(signer, [rng.randbytes(32) for _ in range(count)]) for signer, count in enumerate(votes)]


# --- messages (what the contracts hash) ---


def test_epoch_message_is_abi_encode_packed() -> None:
    expected = Web3.solidity_keccak(["string", "uint256", "address", "uint64"], ["zerog-da-epoch", 5, ADDRESS, 3])
    assert epoch_message(5, ADDRESS, 3) == bytes(expected)
    assert epoch_message(5, bytes.fromhex("ab" * 20), 3) == bytes(expected)
    with pytest.raises(InvalidInput):
        epoch_message(5, ADDRESS, 2**64)


def test_certificate_message_is_abi_encode() -> None:
    root, commitments_hash = b"\x01" * 32, b"\x02" * 32
    expected = keccak256(
        encode(
            ["uint256", "address", "uint256", "uint256", "bytes32", "bytes32"],
            [31337, ADDRESS, 7, 2, root, commitments_hash],
        )
    )
    assert certificate_message(31337, ADDRESS, 7, 2, root, commitments_hash) == expected
    with pytest.raises(InvalidInput):
        certificate_message(31337, ADDRESS, 7, 2, root[:31], commitments_hash)


def test_ballots_hash_the_eip2537_signature() -> None:
    sk = bls.keygen(b"\x07" * 32)
    signature = bls.sign(sk, epoch_message(1, ADDRESS, 4))
    encoded = bls.g2_to_eip2537(signature)
    chain = ballots(encoded, 3)
    assert chain == [keccak256(encoded), keccak256(keccak256(encoded)), keccak256(keccak256(keccak256(encoded)))]
    assert ballots(signature, 3) == chain
    assert ballots(signature, 0) == []
    with pytest.raises(InvalidInput):
        ballots(encoded[:-1], 1)


def test_votes() -> None:
    assert compute_votes(95, 10, 1024) == 9
    assert compute_votes(10**9, 10, 1024) == 1024
    assert compute_votes(9, 10, 1024) == 0
    with pytest.raises(InvalidInput):
        compute_votes(1, 0, 1)


# --- the draw ---


def test_draw_rules_on_small_cases() -> None:
    ranked = [(i.to_bytes(32, "big"), i % 3) for i in range(300)]  # ballot i sorts at position i
    registrants = [(signer, [b for b, s in ranked if s == signer]) for signer in range(3)]
    owners = [s for _, s in ranked]
    assert draw_quorums(registrants, 10) == [owners[:128], owners[128:256], owners[-128:]]
    assert draw_quorums(registrants, 2) == [owners[:128], owners[128:256]]
    assert draw_quorums(registrants, 0) == []
    exact = [(0, [b for b, _ in ranked[:256]])]
    assert len(draw_quorums(exact, 10)) == 2  # a multiple of 128 adds no overlapping quorum
    few = [(4, [b"\x02" * 32]), (9, [b"\x01" * 32, b"\x03" * 32])]
    assert draw_quorums(few, 10) == [[[9, 4, 9][j % 3] for j in range(128)]]
    assert draw_quorums([], 10) == []
    # Equal ballots (impossible in practice) order by signer index.
    assert draw_quorums([(1, [b"\x05" * 32]), (0, [b"\x05" * 32])], 1) == [[0, 1] * 64]


@given(votes=st.lists(st.integers(0, 200), min_size=1, max_size=8), seed=st.integers(0, 2**32))
def test_draw_is_deterministic_and_complete(votes: list[int], seed: int) -> None:
    rng = random.Random(seed)
    registrants = _random_registrants(rng, votes)
    quorums = draw_quorums(registrants, 10)
    shuffled = registrants[:]
    rng.shuffle(shuffled)
    assert draw_quorums(shuffled, 10) == quorums
    total = sum(votes)
    assert len(quorums) == (0 if total == 0 else min(10, -(-total // ROWS_PER_QUORUM)))
    voters = {signer for signer, count in enumerate(votes) if count}
    for owners in quorums:
        assert len(owners) == ROWS_PER_QUORUM  # every row has an owner
        assert set(owners) <= voters
        assert sum(len(compute_owned_rows(owners, signer)) for signer in voters) == ROWS_PER_QUORUM
    if total >= ROWS_PER_QUORUM:
        assert all(Counter(q for owners in quorums for q in owners)[s] <= 2 * votes[s] for s in voters)


@pytest.mark.parametrize("votes", [[5, 10, 20, 40], [7, 30, 60, 90, 113]])
def test_row_share_converges_to_stake_share(votes: list[int]) -> None:
    """Over many epochs of fresh ballots, a signer owns rows in proportion to its votes (stake)."""
    rng = random.Random(2024)
    rows: Counter[int] = Counter()
    epochs = 400
    for _ in range(epochs):
        for owners in draw_quorums(_random_registrants(rng, votes), 10):
            rows.update(owners)
    total_rows = sum(rows.values())
    for signer, count in enumerate(votes):
        assert rows[signer] / total_rows == pytest.approx(count / sum(votes), abs=0.01)


# --- certificates ---


def test_bitmap_is_lsb_first() -> None:
    assert signer_bitmap([0, 9], 10) == b"\x01\x02"
    assert signer_bitmap([7, 8], 9) == b"\x80\x01"
    assert signer_bitmap([], 17) == bytes(3)
    assert signer_bitmap([], 0) == b""
    with pytest.raises(InvalidInput):
        signer_bitmap([10], 10)


@given(
    owners=st.lists(st.integers(0, 20), min_size=ROWS_PER_QUORUM, max_size=ROWS_PER_QUORUM),
    signed=st.sets(st.integers(0, 20)),
)
def test_rows_signed_counts_rows_of_set_bits(owners: list[int], signed: set[int]) -> None:
    bitmap = signer_bitmap(signed, 21)
    assert rows_signed(owners, bitmap) == sum(owner in signed for owner in owners)


def test_rows_signed_refuses_owners_outside_the_bitmap() -> None:
    with pytest.raises(InvalidInput):
        rows_signed([16], b"\xff")


def test_threshold_and_safety_arithmetic() -> None:
    assert meets_threshold(96, 7_500)  # 96 x 10,000 = 7,500 x 128 exactly
    assert not meets_threshold(95, 7_500)
    assert meets_threshold(128, 10_000)
    assert not meets_threshold(127, 10_000)
    assert max_adversary_fraction(7_500) == 0.25
    assert max_adversary_fraction(5_000) == 0.0
    assert sampling_confidence(10) == 1 - 1 / 1024
    assert sampling_confidence(0) == 0.0
    with pytest.raises(InvalidInput):
        meets_threshold(1, 0)
    with pytest.raises(InvalidInput):
        max_adversary_fraction(10_001)
