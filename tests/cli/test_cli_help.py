"""`-h` is `--help`, for the main command and every subcommand."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Hand-listed: every command README documents. A command added without -h fails here.
COMMANDS = (
    "analyze",
    "schema",
    "query",
    "export",
    "info",
    "verify",
    "timebomb",
    "convert",
    "recover",
    "secrets",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hiveparse", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_main_command_h_is_help():
    short, long = run("-h"), run("--help")
    assert (short.returncode, long.returncode) == (0, 0)
    assert short.stdout == long.stdout
    assert short.stdout.startswith("Usage: ")
    assert "hiveparse [OPTIONS] COMMAND" in short.stdout.splitlines()[0]
    assert "-h, --help" in short.stdout
    for command in COMMANDS:
        assert f"  {command} " in short.stdout, command


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_h_is_help(command: str):
    short, long = run(command, "-h"), run(command, "--help")
    assert short.returncode == 0, short.stderr
    assert short.stderr == ""
    assert short.stdout == long.stdout
    first = short.stdout.splitlines()[0]
    assert first.startswith("Usage: ") and f"hiveparse {command} [OPTIONS]" in first
    assert "-h, --help" in short.stdout


def test_h_after_arguments_still_shows_help():
    # An eager option: nothing is opened, even when the evidence does not exist.
    result = run("query", "/nonexistent/hive", "-h")
    assert result.returncode == 0, result.stderr
    assert "hiveparse query [OPTIONS]" in result.stdout.splitlines()[0]
