"""`zerog indexer`: run the storage indexer (0G's indexer_* JSON-RPC and the REST gateway)."""

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

from zerog.indexer import IndexerService, load_indexer_config
from zerog.logs import configure_logging

app = typer.Typer(no_args_is_help=True, help="Run a zerog storage indexer (0G's indexer_* JSON-RPC and REST gateway).")


@app.command("run")
def run(
    config: Annotated[Path, typer.Option("--config", help="The indexer's TOML config file")],
    log_format: Annotated[str, typer.Option("--log-format", help="json or text")] = "json",
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Run the indexer until SIGTERM or SIGINT."""
    settings = load_indexer_config(config)
    configure_logging("indexer", json_lines=log_format == "json", level=log_level)
    asyncio.run(_run(IndexerService(settings)))


async def _run(service: IndexerService) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, service.stop)
    await service.run()
