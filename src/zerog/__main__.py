"""`python -m zerog` is the `zerog` command."""

from zerog.cli.main import run

run()
