"""Golden vectors from 0G, pinned: `load_vectors()` returns tests/vectors/storage.json."""

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def load_vectors() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "storage.json").read_text())


def matches(expected: str, actual: bytes) -> bool:
    """Compare a full hex hash, or one the reference abbreviates as 'prefix…suffix'."""
    if "…" in expected:
        prefix, suffix = expected.split("…")
        return actual.hex().startswith(prefix) and actual.hex().endswith(suffix)
    return actual.hex() == expected
