"""atheris target for transaction-log replay: any bytes as the .LOG1 of a dirty hive, only
hiveparse errors out, and the replayed hive never outgrows what the hive and the log hold.

Run: ``python fuzz/fuzz_logs.py -max_total_time=60 <seed_dir>``. An empty seed folder is
filled with valid new-format logs (one and two entries, a page beyond the first bin) and an
old-format log of the same primary, built as the test suite builds them. Each input is
replayed onto a small dirty primary (sequence numbers 3/2) with the same limit ``open_hive``
takes from the files (the primary's bins plus the log's bytes), then opened and walked; an
exception that is not a :class:`~hiveparse.errors.HiveparseError`, an image larger than the
limit allows, or an input that runs longer than :data:`INPUT_SECONDS` is a finding, kept
under ``tests/regressions/logs/`` unless ``-artifact_prefix=`` is given.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import atheris
from _harness import run, time_limit

_REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_REPO))  # the seed builders live beside the log tests

with atheris.instrument_imports():
    from hiveparse.errors import HiveparseError
    from hiveparse.model import walk
    from hiveparse.sources.regf import open_hive
    from hiveparse.sources.regf.logs import replay_logs

from tests.sources.regf.test_regf_logs import (  # noqa: E402 - seeds only: not instrumented
    BIN,
    hive_bin,
    log_entry,
    new_log,
    old_log,
    primary,
)

REGRESSIONS = _REPO / "tests" / "regressions" / "logs"
INPUT_SECONDS = 2.0
PRIMARY = primary((3, 2), b"original", b"second!!")


class Outgrown(Exception):
    """The replay allocated more than the primary and the log can hold."""


def test_one_input(data: bytes) -> None:
    with time_limit(INPUT_SECONDS):
        limit = -(-(len(PRIMARY) - 4096 + len(data)) // 4096) * 4096
        with contextlib.suppress(HiveparseError):
            result = replay_logs(
                PRIMARY, [("H.LOG1", data)], source="H", max_hive_bins_data_size=limit
            )
            if len(result.data) > 4096 + max(limit, len(PRIMARY) - 4096):
                raise Outgrown(f"{len(result.data)} bytes from a {len(data)}-byte log")
            hive = open_hive(path="<fuzz>", data=bytes(result.data), apply_logs=False)
            for key in walk(hive.root()):
                for value in key.values():
                    _ = value.raw


def seed_logs() -> dict[str, bytes]:
    one = log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=2 * BIN)
    two = log_entry(3, [(BIN, hive_bin(BIN, b"entry-3!"))], hive_bins=2 * BIN)
    return {
        "new_one": new_log(2, one, hive_bins=2 * BIN),
        "new_two": new_log(2, one, two, hive_bins=2 * BIN),
        "old": old_log(3, {0: hive_bin(0, b"old-page")[:512]}, hive_bins=2 * BIN),
    }


def _seeds() -> dict[str, bytes]:
    return {f"{name}.LOG1": log for name, log in seed_logs().items()}


def main() -> None:
    run(sys.argv, test_one_input, _seeds, REGRESSIONS)


if __name__ == "__main__":
    main()
