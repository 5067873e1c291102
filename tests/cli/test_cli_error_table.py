"""The one table from exceptions to messages and exit codes (cli/errors.py: RULES), which
cli/main.py:run() only looks up. End-to-end, the same behaviours are pinned by
test_cli_hostile.py (full disk, closed stdout, memory) and test_cli_commands.py."""

from __future__ import annotations

import errno

import pytest
import typer
from hiveparse.cli.errors import INTERNAL, RULES, Form, Rule, rule_for

try:
    from click import UsageError as ClickUsageError
except ImportError:  # typer 0.28 carries its own copy of click and no longer depends on it
    from typer._click.exceptions import UsageError as ClickUsageError

from hiveparse.errors import (
    EvidenceError,
    HiveparseError,
    KeyNotFound,
    OutputError,
    ResourceLimit,
    UsageError,
)

CASES: list[tuple[BaseException, int, Form, str | None]] = [
    (OutputError("cannot write 'x': disk full"), 74, Form.LINE, "cannot write 'x': disk full"),
    (UsageError("bad option"), 2, Form.LINE, "bad option"),
    (KeyNotFound("no such key"), 2, Form.LINE, "no such key"),
    (EvidenceError("cannot read"), 4, Form.LINE, "cannot read"),
    (ResourceLimit("too deep"), 4, Form.LINE, "too deep"),
    (HiveparseError("anything"), 4, Form.LINE, "anything"),
    (BrokenPipeError(errno.EPIPE, "Broken pipe"), 0, Form.SILENT, None),
    (KeyboardInterrupt(), 130, Form.LINE, "interrupted"),
    (
        MemoryError(),
        4,
        Form.LINE,
        "resource limit reached while reading the evidence (MemoryError)",
    ),
    (
        RecursionError("deep"),
        4,
        Form.LINE,
        "resource limit reached while reading the evidence (RecursionError)",
    ),
    (
        OSError(errno.ENOSPC, "No space left on device"),
        74,
        Form.LINE,
        "cannot write the output: No space left on device",
    ),
    (
        OSError(errno.EBADF, "standard output is closed"),
        74,
        Form.LINE,
        "cannot write the output: standard output is closed",
    ),
    (ClickUsageError("No such option: --nope"), 2, Form.LINE, "No such option: --nope"),
    (typer.BadParameter("'x' is not one of 'a', 'b'."), 2, Form.LINE, None),
    (typer.Abort(), 130, Form.LINE, "aborted"),
    (OSError(errno.ENOENT, "No such file or directory"), 70, Form.LINE, None),
    (ValueError("a bug"), 70, Form.LINE, "internal error, please report it: ValueError: a bug"),
]


def _message(rule: Rule, error: BaseException) -> str:
    return rule.message(error)


@pytest.mark.parametrize(
    ("error", "code", "form", "message"), CASES, ids=[type(c[0]).__name__ for c in CASES]
)
def test_each_exception_has_one_rule(
    error: BaseException, code: int, form: Form, message: str | None
):
    rule = rule_for(error)
    assert (rule.exit_code, rule.form) == (code, form)
    if message is not None:
        assert _message(rule, error) == message
    assert "\n" not in _message(rule, error)


def test_running_a_command_without_arguments_prints_clicks_usage_as_is():
    # The error hiveparse's own app raises when it is run bare (from whichever click typer
    # brings: its own copy since typer 0.28).
    from hiveparse.cli.main import build_app  # noqa: PLC0415

    command = typer.main.get_command(build_app(["query"]))
    with pytest.raises(Exception) as raised:
        command.main([], prog_name="hiveparse", standalone_mode=False)
    error = raised.value
    assert type(error).__name__ == "NoArgsIsHelpError"
    rule = rule_for(error)
    assert (rule.exit_code, rule.form) == (2, Form.AS_IS)
    assert rule.message(error).startswith("Usage: ")


def test_only_output_failures_and_exhaustion_drop_the_output():
    dropping = {type(error).__name__ for error, *_ in CASES if rule_for(error).drops_output}
    assert dropping == {"OSError", "MemoryError", "RecursionError"}
    assert not rule_for(OSError(errno.ENOENT, "x")).drops_output
    released = {type(error).__name__ for error, *_ in CASES if rule_for(error).after_release}
    assert released == {"MemoryError", "RecursionError"}


def test_the_table_gives_every_documented_exit_code_of_an_error():
    # 1 (findings) and 3 (partial) are results of a run, never an exception's.
    assert {rule.exit_code for rule in (*RULES, INTERNAL)} == {0, 2, 4, 70, 74, 130}
    # What no rule claims is a bug.
    assert rule_for(LookupError("x")) is INTERNAL
