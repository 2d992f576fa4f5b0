"""`zerog storage`: run a storage node."""

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

from zerog.logs import configure_logging
from zerog.storage.config import load_storage_config
from zerog.storage.service import StorageService

app = typer.Typer(no_args_is_help=True, help="Run a zerog storage node (0G's zgs_* JSON-RPC).")


@app.command("run")
def run(
    config: Annotated[Path, typer.Option("--config", help="The node's TOML config file")],
    log_format: Annotated[str, typer.Option("--log-format", help="json or text")] = "json",
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Run a storage node until SIGTERM, SIGINT or admin_shutdown."""
    settings = load_storage_config(config)
    configure_logging("storage", json_lines=log_format == "json", level=log_level)
    asyncio.run(_run(StorageService(settings)))


async def _run(service: StorageService) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, service.stop)
    await service.run()
