"""What a person watching a batch sees on a terminal (a pseudo-terminal here): a progress
line on stderr (not with --quiet, not in a pipe), one line per host first, and each host in
full only with --details."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ticket_queue import make_queue

COUNT = 9


@pytest.fixture(scope="module")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("terminal") / "tickets"
    make_queue(root, COUNT)
    return root


def _on_terminal(*args: str | Path, stdout_terminal: bool = True) -> tuple[str, str]:
    """Run the command with stderr (and stdout) on a pseudo-terminal: (stdout, stderr)."""
    err_master, err_slave = pty.openpty()
    out_master, out_slave = pty.openpty() if stdout_terminal else (None, None)
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hiveparse", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=out_slave if out_slave is not None else subprocess.PIPE,
        stderr=err_slave,
        env=env,
    )
    os.close(err_slave)
    if out_slave is not None:
        os.close(out_slave)

    def drain(fd: int) -> str:
        chunks = []
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(fd)
        return b"".join(chunks).decode("utf-8", "replace")

    out = drain(out_master) if out_master is not None else process.stdout.read().decode()  # type: ignore[union-attr]
    err = drain(err_master)
    process.wait(timeout=120)
    return out, err


def test_progress_on_the_terminal_then_a_line_per_host(tickets: Path) -> None:
    out, err = _on_terminal("analyze", tickets)
    assert f"{COUNT}/{COUNT} cases" in err
    assert "\r\x1b[K" in err  # the line is redrawn in place, and cleared at the end
    assert f"{COUNT} hosts" in out
    for column in ("case", "host", "mode", "worst finding"):
        assert column in out
    assert "ticket-00001" in out and "TS01" in out
    assert "--details shows each host in full" in out
    assert "licensing mode" not in out  # the per-host detail is not shown


def test_details_show_each_host_after_the_table(tickets: Path) -> None:
    out, _ = _on_terminal("analyze", tickets, "--details", "--quiet")
    table = out.index(f"{COUNT} hosts")
    # Each host's section opens with a rule naming its case, after the table.
    sections = [out.index(f"(case ticket-{n:05d}, as of") for n in range(1, COUNT + 1)]
    assert table < sections[0] and sections == sorted(sections)
    assert out.count("licensing mode") >= COUNT - 2  # every host with evidence


def test_quiet_and_pipes_have_no_progress(tickets: Path) -> None:
    _, err = _on_terminal("analyze", tickets, "--quiet")
    assert "cases" not in err
    out, err = _on_terminal("analyze", tickets, "-f", "jsonl", stdout_terminal=False)
    assert f"{COUNT}/{COUNT} cases" in err  # stderr is still the terminal
    assert out.count("\n") == COUNT
    piped = subprocess.run(
        [sys.executable, "-m", "hiveparse", "analyze", tickets, "-f", "jsonl"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "cases" not in piped.stderr


def test_one_host_is_shown_in_full(tickets: Path) -> None:
    out, err = _on_terminal("analyze", tickets / "ticket-00001")
    assert "hosts" not in out.split("\n", 1)[0]
    assert "licensing mode" in out
    assert "cases" not in err  # one case: no progress line
