"""The JSON Lines of a whole REGF walk written from cell rows (report.lines) against the
record path: each line must be byte for byte what ``render.dumps_line`` writes for the
record ``records.walk_records`` makes of the same key (which tests/report/test_records_walk
checks against the key and value objects, and tests/report/test_render against the standard
library's ``json.dumps``), with the same diagnostics; every corpus hive and every hostile
variant of the adversarial suite is checked in the same walk as the records
(tests/report/test_records_walk).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hiveparse.report.lines import VALUES_PER_PIECE, regf_walk_lines
from hiveparse.report.records import walk_records
from hiveparse.report.render import dumps_line, write_ascii_pieces
from hiveparse.sources.regf import open_hive
from tests.report.test_records_walk import MOUNT

CONTROL_SET = "ControlSet001"


def _by_records(path: Path, *, security: bool) -> tuple[bytes, list[Any]]:
    hive = open_hive(path, apply_logs=False)
    notes: list[Any] = []
    walked = walk_records(
        hive.root(), MOUNT, notes=notes, control_set=CONTROL_SET, with_security=security
    )
    return b"".join(dumps_line(record) for record in walked), hive.diagnostics + notes


def _pieces(path: Path, *, security: bool) -> tuple[list[str], list[Any]]:
    hive = open_hive(path, apply_logs=False)
    notes: list[Any] = []
    pieces = list(
        regf_walk_lines(
            hive.root(), MOUNT, notes=notes, control_set=CONTROL_SET, with_security=security
        )
    )
    return pieces, hive.diagnostics + notes


def test_security_descriptors_and_many_values_write_as_records_do(corpus: Path) -> None:
    # The Win10 SYSTEM hive: security descriptors on every key, and keys with more values
    # than one piece holds (written in pieces).
    path = corpus / "hives/regipy/SYSTEM_WIN_10_1709"
    pieces, diagnostics = _pieces(path, security=True)
    text, expected_diagnostics = _by_records(path, security=True)
    assert "".join(pieces).encode("ascii") == text
    assert diagnostics == expected_diagnostics
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 43211  # what every peer parser counts (tests/sources/regf)
    assert sum(len(record["values"]) for record in records) == 90307
    assert all("security" in record for record in records)
    # A piece ends with a line break only where its key's line ends.
    ended = [piece for piece in pieces if piece.endswith("\n")]
    assert len(ended) == len(records)
    assert all(piece.count("\n") == 1 for piece in ended)
    assert len(pieces) > len(records)  # some key's values came in more than one piece
    widest = max(len(record["values"]) for record in records)
    assert widest > VALUES_PER_PIECE


def test_pieces_go_to_the_byte_stream_after_earlier_text() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", write_through=False)
    out.write("before\n")
    write_ascii_pieces(iter(["a" * 40_000, "b" * 40_000, "c\n"]), out)
    out.write("after\n")
    out.flush()
    assert raw.getvalue() == b"before\n" + b"a" * 40_000 + b"b" * 40_000 + b"c\nafter\n"


def test_pieces_go_to_a_text_stream_without_bytes_under_it() -> None:
    out = io.StringIO()
    write_ascii_pieces(iter(["{", "}\n"]), out)
    assert out.getvalue() == "{}\n"
