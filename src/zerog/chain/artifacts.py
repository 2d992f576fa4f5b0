"""Compiled contract artifacts (ABI + bytecode) shipped in the package, made by `make contracts`."""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from zerog.errors import NotFound

__all__ = ["Artifact", "load_artifact"]


@dataclass(frozen=True, slots=True)
class Artifact:
    """One compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    """Creation code, 0x-hex."""
    deployed_bytecode: str
    """Runtime code, 0x-hex: what `eth_getCode` returns after deployment."""


@cache
def load_artifact(name: str) -> Artifact:
    """The artifact of contract `name` (e.g. "Flow")."""
    path = resources.files("zerog.chain") / "artifacts" / f"{name}.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise NotFound(f"no compiled artifact for contract {name!r}; run 'make contracts'") from exc
    return Artifact(name, data["abi"], data["bytecode"], data["deployedBytecode"])
