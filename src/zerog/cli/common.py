"""CLI conventions shared by every command group: JSON output, one-line errors, progress bars, network flags."""

import asyncio
import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from zerog.logs import configure_logging

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="Chain JSON-RPC URL [env ZEROG_RPC; devnet]")]
KeyOption = Annotated[
    str | None, typer.Option("--key", help="Signing private key, 0x-hex [env ZEROG_KEY; devnet account 0]")
]
FlowOption = Annotated[str | None, typer.Option("--flow", help="Flow contract address [env ZEROG_FLOW; devnet]")]
DevnetDirOption = Annotated[
    Path | None,
    typer.Option("--devnet", help="Devnet directory to read [env ZEROG_DEVNET_DIR; ./.zerog/devnet]"),
]

PROGRESS_THRESHOLD_BYTES = 16 * 1024 * 1024
"""Files at least this large get a progress bar (on stderr, so JSON output stays clean)."""


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line and return the exit to raise."""
    stderr.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@contextmanager
def byte_progress(label: str, total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for `total` bytes when it is large and stderr is a terminal; yields the update callback."""
    if total < PROGRESS_THRESHOLD_BYTES or not stderr.is_terminal:
        yield None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done, total_now: progress.update(task, completed=done, total=total_now)


class Service(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


LogFormatOption = Annotated[str, typer.Option("--log-format", help="json or text")]
LogLevelOption = Annotated[str, typer.Option("--log-level")]


def run_service(service: Service, name: str, log_format: str, log_level: str) -> None:
    """Run a service until SIGTERM or SIGINT, logging JSON lines (or text) to stderr."""
    configure_logging(name, json_lines=log_format == "json", level=log_level)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, service.stop)
        await service.run()

    asyncio.run(main())
