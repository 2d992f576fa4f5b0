"""`zerog storage`: run a storage node."""

from pathlib import Path
from typing import Annotated

import typer

from zerog.cli.common import LogFormatOption, LogLevelOption, run_service
from zerog.storage.config import load_storage_config
from zerog.storage.service import StorageService

app = typer.Typer(no_args_is_help=True, help="Run a zerog storage node (0G's zgs_* JSON-RPC).")


@app.command("run")
def run(
    config: Annotated[Path, typer.Option("--config", help="The node's TOML config file")],
    log_format: LogFormatOption = "json",
    log_level: LogLevelOption = "info",
) -> None:
    """Run a storage node until SIGTERM, SIGINT or admin_shutdown."""
    run_service(StorageService(load_storage_config(config)), "storage", log_format, log_level)
