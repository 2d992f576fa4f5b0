"""The devnet's service processes: storage nodes, the indexer and the KV node, each a detached `zerog ... run` process.

Each service gets a directory under the devnet's (config, database, log), ports chosen once and kept in
devnet.json so URLs survive `down`/`up`, and is started with `python -m zerog <kind> run --config FILE`.
"""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zerog.devnet.anvil import find_free_port, is_alive, is_port_free, is_running, stop_process
from zerog.errors import Unavailable

__all__ = ["DEVNET_SHARDS", "SERVICE_MARKER", "ServiceSpec", "kept_port", "pick_port", "start_service", "wait_ready"]

DEVNET_SHARDS = ("0/1", "0/1", "0/2", "1/2")
"""Two full nodes and one node for each half of the flow."""
SERVICE_MARKER = "zerog"
"""In every service's command line: a pid that does not show it was reused by another program."""


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One service process of the devnet."""

    kind: str
    """"storage", "indexer", "kv", "da signer" or "da disperser": the `zerog` command (group) that runs it."""
    name: str
    directory: Path
    config: str
    """The TOML config text."""
    url: str
    """Where it answers; GET {url}/status tells it is up."""

    @property
    def config_path(self) -> Path:
        return self.directory / "config.toml"

    @property
    def log_path(self) -> Path:
        return self.directory / f"{self.kind.replace(' ', '-')}.log"


def pick_port(previous: int | None) -> int:
    """The port used last time if it is still free, else a new free one."""
    if previous and is_port_free(previous):
        return previous
    return find_free_port()


def kept_port(entry: dict[str, Any], key: str = "port") -> int:
    """A service's port `entry[key]`: the one it runs on, else the one it had if still free, else a new one."""
    if is_running(int(entry.get("pid", 0)), SERVICE_MARKER):
        return int(entry[key])
    return pick_port(entry.get(key))


def start_service(spec: ServiceSpec) -> int:
    """Write the config and start the process detached; returns its pid (readiness is `wait_ready`)."""
    spec.directory.mkdir(parents=True, exist_ok=True)
    spec.config_path.write_text(spec.config)
    log = spec.log_path.open("ab")
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "zerog", *spec.kind.split(), "run", "--config", str(spec.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        log.close()
    return process.pid


def wait_ready(spec: ServiceSpec, pid: int, timeout_s: float = 60.0) -> dict[str, Any]:
    """Poll `{url}/status` until it answers; fail with the log's tail if the process dies first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive(pid):
            tail = spec.log_path.read_text(errors="replace")[-1500:] if spec.log_path.exists() else ""
            raise Unavailable(f"{spec.name} exited while starting: {tail.strip()}")
        try:
            with urllib.request.urlopen(f"{spec.url}/status", timeout=2) as response:
                status: dict[str, Any] = json.loads(response.read())
                return status
        except (urllib.error.URLError, OSError, json.JSONDecodeError):
            time.sleep(0.1)
    stop_process(pid)
    raise Unavailable(f"{spec.name} did not answer at {spec.url} within {timeout_s:.0f}s; see {spec.log_path}")
