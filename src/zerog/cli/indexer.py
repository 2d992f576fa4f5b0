"""`zerog indexer`: run the storage indexer (0G's indexer_* JSON-RPC and the REST gateway)."""

from pathlib import Path
from typing import Annotated

import typer

from zerog.cli.common import LogFormatOption, LogLevelOption, run_service
from zerog.indexer import IndexerService, load_indexer_config

app = typer.Typer(no_args_is_help=True, help="Run a zerog storage indexer (0G's indexer_* JSON-RPC and REST gateway).")


@app.command("run")
def run(
    config: Annotated[Path, typer.Option("--config", help="The indexer's TOML config file")],
    log_format: LogFormatOption = "json",
    log_level: LogLevelOption = "info",
) -> None:
    """Run the indexer until SIGTERM or SIGINT."""
    run_service(IndexerService(load_indexer_config(config)), "indexer", log_format, log_level)
