"""`python -m hiveparse` runs the command line."""

from hiveparse.cli.main import run

run()
