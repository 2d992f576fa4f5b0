"""Reading service config files: TOML in, one clear `ConfigError` naming the file and key out."""

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zerog.errors import ConfigError, InvalidInput

__all__ = ["describe_validation_error", "parse_listen_address", "read_toml"]


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; `ConfigError` when it is missing or not TOML."""
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"no config file at {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def describe_validation_error(source: str, exc: ValidationError) -> ConfigError:
    """The first problem pydantic found, as '<file>: <key>: <reason>'."""
    first = exc.errors()[0]
    return ConfigError(f"{source}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")


def parse_listen_address(text: str) -> tuple[str, int]:
    """'host:port' -> (host, port)."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput(f"a listen address looks like 'host:port', got {text!r}")
    return host, int(port)
