"""Validating positional JSON-RPC params once, at the edge, into typed values."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from zerog.rpc.errors import invalid_params

__all__ = ["Param", "parse_params"]


@dataclass(frozen=True, slots=True)
class Param:
    """One positional parameter: its name (for errors), its type, and whether it may be left out."""

    name: str
    adapter: TypeAdapter[Any]
    optional: bool = False
    default: Any = None


def parse_params(params: Any, spec: Sequence[Param]) -> list[Any]:
    """Validate `params` (a JSON array, or an object keyed by name) against `spec`; raise -32602 on any problem."""
    if params is None:
        params = []
    if isinstance(params, dict):
        params = [params[p.name] if p.name in params else _missing(p) for p in spec]
    if not isinstance(params, list):
        raise invalid_params("params", "params must be an array")
    if len(params) > len(spec):
        raise invalid_params("params", f"expected at most {len(spec)} params, got {len(params)}")
    values = []
    for index, param in enumerate(spec):
        if index >= len(params) or params[index] is _MISSING:
            if not param.optional:
                raise invalid_params(param.name, "missing")
            values.append(param.default)
            continue
        if params[index] is None and param.optional:
            values.append(param.default)
            continue
        try:
            values.append(param.adapter.validate_python(params[index]))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise invalid_params(param.name, f"{where + ': ' if where else ''}{first['msg']}") from exc
        except ValueError as exc:
            raise invalid_params(param.name, str(exc)) from exc
    return values


_MISSING = object()


def _missing(param: Param) -> object:
    return _MISSING
