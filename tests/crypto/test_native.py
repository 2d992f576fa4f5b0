"""The native hashing core gives the same bytes as the pure-Python reference, on every SIMD path."""

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerog.crypto import keccak

native = pytest.importorskip("zerog.native._keccak")


@settings(max_examples=150, deadline=None)
@given(
    leaf_size=st.sampled_from([1, 8, 32, 64, 135, 136, 137, 200, 256, 272]),
    count=st.integers(1, 40),
    seed=st.integers(0, 2**32),
)
def test_leaves_and_levels_match_the_reference(leaf_size: int, count: int, seed: int) -> None:
    data = (seed.to_bytes(8, "big") * (leaf_size * count // 8 + 1))[: leaf_size * count]
    data = bytes((b + i) % 256 for i, b in enumerate(data))
    assert native.hash_leaves(data, leaf_size) == keccak.hash_leaves_reference(data, leaf_size)
    level = keccak.hash_leaves_reference(data, leaf_size)
    assert native.hash_level(level) == keccak.hash_level_reference(level)
    assert native.tree_root(data, leaf_size) == keccak.hash_tree_reference(data, leaf_size)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="multiple"):
        native.hash_leaves(b"abc", 2)
    with pytest.raises(ValueError, match="32-byte"):
        native.hash_level(b"x" * 33)
    with pytest.raises(ValueError, match="whole leaves"):
        native.tree_root(b"", 256)


@pytest.mark.parametrize("level", ["0", "1", "2"])
def test_every_simd_path_agrees(level: str) -> None:
    """Scalar, AVX2 and AVX-512 (where the CPU has them) on the same random segments, in a fresh process."""
    script = (
        "import os, sha3\n"
        "from zerog.native import _keccak\n"
        "from zerog.crypto.keccak import hash_tree_reference\n"
        "for n in (1, 3, 4, 5, 8, 9, 17, 1024):\n"
        "    data = os.urandom(256 * n)\n"
        "    assert _keccak.tree_root(data, 256) == hash_tree_reference(data, 256), n\n"
        "print(_keccak.simd_lanes())\n"
    )
    env = {**os.environ, "ZEROG_NATIVE_SIMD": level}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) in (1, 4, 8)
