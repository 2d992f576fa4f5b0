"""The `zerog` command. Each group lives in its own module; errors become one line and a non-zero exit."""

from typing import Annotated

import typer

import zerog
from zerog.cli import da, devnet, file, indexer, kv, memory, mining, storage, transfer
from zerog.cli.common import fail
from zerog.errors import ZerogError
from zerog.logs import configure_logging

app = typer.Typer(
    name="zerog",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="zerog: a decentralized AI operating system in the design of 0G.",
)
app.add_typer(da.app, name="da")
app.add_typer(devnet.app, name="devnet")
app.add_typer(file.app, name="file")
app.add_typer(indexer.app, name="indexer")
app.add_typer(kv.app, name="kv")
app.add_typer(memory.app, name="memory")
app.add_typer(mining.app, name="mining")
app.add_typer(storage.app, name="storage")
app.command("upload")(transfer.upload)
app.command("download")(transfer.download)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zerog {zerog.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """zerog: verifiable storage, data availability, compute and agent memory, in the design of 0G."""
    # Library warnings (a failover, a retry) go to stderr as readable lines; services reconfigure for JSON.
    configure_logging("cli", json_lines=False, level="warning")


def run() -> None:
    """Console-script entry point."""
    try:
        app()
    except ZerogError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the cause looked like
        raise SystemExit(fail(message).exit_code) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
