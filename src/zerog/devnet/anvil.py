"""Running anvil, the local EVM chain, from the pinned npm package: find it, start it, wait for it, stop it."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import zerog
from zerog.errors import NotFound, Unavailable

__all__ = ["AnvilConfig", "AnvilProcess", "find_anvil", "find_free_port", "is_port_free", "stop_process"]

CHAIN_ID = 31337
PRUNE_HISTORY_STATES = 64
"""Historical states anvil keeps in memory (none on disk)."""


def find_anvil() -> Path:
    """The anvil binary: $ZEROG_ANVIL, else node_modules of the working directory or of this checkout, else PATH."""
    if override := os.environ.get("ZEROG_ANVIL"):
        path = Path(override)
        if not path.is_file():
            raise NotFound(f"ZEROG_ANVIL points at {override}, which is not a file")
        return path
    roots = [Path.cwd(), *Path.cwd().parents, *Path(zerog.__file__).resolve().parents]
    for root in roots:
        for candidate in sorted(root.glob("node_modules/@foundry-rs/anvil-*/bin/anvil")):
            if os.access(candidate, os.X_OK):
                return candidate
    if found := shutil.which("anvil"):
        return Path(found)
    raise NotFound("anvil not found: run 'npm ci' in the zerog checkout (or 'make install'), or set ZEROG_ANVIL")


def is_port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on the port now (with SO_REUSEADDR, as our servers and anvil do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def find_free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class AnvilConfig:
    """How to run anvil."""

    port: int = 8545
    host: str = "127.0.0.1"
    state_file: Path | None = None
    """Load the chain from here at start and dump it on exit (and every `state_interval_s`)."""
    state_interval_s: int = 5
    block_time_s: float | None = None
    """Mine a block every this many seconds; None mines one block per transaction."""
    mixed_mining: bool = False
    """With `block_time_s`: also mine each transaction at once (blocks keep coming, txs never wait for one)."""
    accounts: int = 10
    balance_eth: int = 10_000


@dataclass(frozen=True, slots=True)
class AnvilProcess:
    """A running anvil."""

    pid: int
    rpc_url: str
    accounts: list[tuple[str, str]]
    """(address, private key) of the funded dev accounts."""

    @classmethod
    def start(
        cls, config: AnvilConfig, work_dir: Path, *, detach: bool = False, timeout_s: float = 30.0
    ) -> "AnvilProcess":
        """Start anvil and wait until it answers. With `detach` it outlives this process (the devnet)."""
        if not is_port_free(config.port, config.host):
            raise Unavailable(f"port {config.port} on {config.host} is in use; choose another with --port")
        work_dir.mkdir(parents=True, exist_ok=True)
        accounts_file = work_dir / "anvil-accounts.json"
        accounts_file.unlink(missing_ok=True)
        args = [
            str(find_anvil()),
            "--host", config.host,
            "--port", str(config.port),
            "--hardfork", "prague",
            # Nothing on disk (without it anvil writes ~1 MB per block), but the last 64 states in memory: a call
            # at "latest" that races a new block, or a revert replayed at the block before, still finds its state.
            "--prune-history", str(PRUNE_HISTORY_STATES),
            "--chain-id", str(CHAIN_ID),
            "--accounts", str(config.accounts),
            "--balance", str(config.balance_eth),
            "--config-out", str(accounts_file),
        ]  # fmt: skip
        if config.state_file is not None:
            args += ["--state", str(config.state_file), "--state-interval", str(config.state_interval_s)]
        if config.block_time_s is not None:
            args += ["--block-time", str(config.block_time_s)]
            if config.mixed_mining:
                args.append("--mixed-mining")
        log = (work_dir / "anvil.log").open("ab")
        try:
            process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=detach
            )
        finally:
            log.close()
        rpc_url = f"http://{config.host}:{config.port}"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = (work_dir / "anvil.log").read_text(errors="replace")[-2000:]
                raise Unavailable(f"anvil exited with code {process.returncode}: {tail.strip()}")
            if accounts_file.exists() and _answers(config.host, config.port):
                with contextlib.suppress(json.JSONDecodeError):
                    data = json.loads(accounts_file.read_text())
                    accounts = list(zip(data["available_accounts"], data["private_keys"], strict=True))
                    return cls(process.pid, rpc_url, accounts)
            time.sleep(0.05)
        stop_process(process.pid)
        raise Unavailable(f"anvil did not answer on {rpc_url} within {timeout_s}s")


def _answers(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def is_running(pid: int, marker: str = "anvil") -> bool:
    """Whether `pid` is alive (not a zombie) and its command line contains `marker` (a recycled pid is not ours)."""
    if pid <= 0 or not is_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker in cmdline


def is_alive(pid: int) -> bool:
    """The process exists and has not exited (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop_process(pid: int, *, timeout_s: float = 15.0) -> None:
    """SIGTERM (services flush and anvil dumps its state), then SIGKILL if it does not exit in time."""
    stop_processes([pid], timeout_s=timeout_s)


def stop_processes(pids: list[int], *, timeout_s: float = 15.0) -> None:
    """Signal all first, then wait for all: stopping N services takes as long as the slowest one."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    waiting = list(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
            if not is_alive(pid):
                waiting.remove(pid)
        time.sleep(0.05)
    for pid in waiting:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
