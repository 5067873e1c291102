"""The whole-hive record stream (records.walk_records) against the key and value objects.

A key of the project's REGF reader is walked as cell rows, without a key and value object
each. The records, their order and every diagnostic must be exactly those of the object
path (model.walk_listed + records.key_record), whose keys and values agree with the peer
parsers (tests/differential): on every corpus hive and on every hostile variant of the
adversarial suite, where the anomalies and the walk's budget notes must come out the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hiveparse.errors import HiveparseError
from hiveparse.model import walk_listed
from hiveparse.paths import full_key_path
from hiveparse.report.lines import regf_walk_lines
from hiveparse.report.records import key_record, walk_records
from hiveparse.report.render import dumps_line
from hiveparse.sources.regf import open_hive
from tests.adversarial.generate import SYNTHETIC_BASES
from tests.support.hives import corpus_hives, hostile_variant_files

MOUNT = "HKEY_LOCAL_MACHINE\\TEST"


def _by_objects(path: Path, *, security: bool) -> tuple[list[dict[str, Any]], list[Any]]:
    hive = open_hive(path, apply_logs=False)
    notes: list[Any] = []
    records = [
        key_record(
            key,
            full_key_path(MOUNT, key.path),
            with_values=True,
            with_security=security,
            subkeys=subkeys,
        )
        for key, subkeys in walk_listed(hive.root(), notes=notes)
    ]
    return records, hive.diagnostics + notes


def _by_rows(path: Path, *, security: bool) -> tuple[list[dict[str, Any]], list[Any]]:
    hive = open_hive(path, apply_logs=False)
    notes: list[Any] = []
    records = list(walk_records(hive.root(), MOUNT, notes=notes, with_security=security))
    return records, hive.diagnostics + notes


def _outcome(reader: Any, path: Path, *, security: bool) -> Any:
    try:
        return reader(path, security=security)
    except HiveparseError as error:  # the same typed error, at the same place
        return type(error).__name__, str(error)


def _by_lines(path: Path, *, security: bool) -> tuple[bytes, list[Any]]:
    hive = open_hive(path, apply_logs=False)
    notes: list[Any] = []
    pieces = regf_walk_lines(hive.root(), MOUNT, notes=notes, with_security=security)
    return "".join(pieces).encode("ascii"), hive.diagnostics + notes


def test_every_corpus_hive_streams_the_records_of_its_objects(corpus: Path) -> None:
    """Rows against objects, and (report.lines, tests/report/test_lines.py) the JSON Lines
    written from the rows against ``dumps_line`` of the rows' records: one walk each."""
    hives = corpus_hives(corpus)
    assert len(hives) > 50  # the corpus's hives, not a folder that moved
    keys = 0
    for path in hives:
        by_rows = _outcome(_by_rows, path, security=False)
        assert by_rows == _outcome(_by_objects, path, security=False), path
        if isinstance(by_rows[0], list):
            keys += len(by_rows[0])
            text = b"".join(dumps_line(record) for record in by_rows[0])
            assert _by_lines(path, security=False) == (text, by_rows[1]), path
        else:  # the same typed error, at the same place
            assert _outcome(_by_lines, path, security=False) == by_rows, path
    assert keys > 100_000


def test_security_descriptors_stream_as_the_objects_give_them(corpus: Path) -> None:
    path = corpus / "hives/regipy/SYSTEM_WIN_10_1709"
    by_rows, _ = _by_rows(path, security=True)
    assert by_rows == _by_objects(path, security=True)[0]
    assert len(by_rows) == 43211  # what every peer parser counts (tests/sources/regf)
    assert sum(len(record["values"]) for record in by_rows) == 90307


@pytest.mark.parametrize("base", SYNTHETIC_BASES)
def test_hostile_variants_stream_the_same_records_and_anomalies(base: str, tmp_path: Path) -> None:
    """Rows against objects, and the JSON Lines written from the rows (report.lines) against
    ``dumps_line`` of the rows' records, on every hostile variant, with and without the
    security descriptors: one walk each."""
    for name, path in hostile_variant_files(base, tmp_path):
        for security in (False, True):
            by_rows = _outcome(_by_rows, path, security=security)
            assert by_rows == _outcome(_by_objects, path, security=security), name
            lines = _outcome(_by_lines, path, security=security)
            if isinstance(by_rows[0], list):
                text = b"".join(dumps_line(record) for record in by_rows[0])
                assert lines == (text, by_rows[1]), name
            else:  # the same typed error, at the same place
                assert lines == by_rows, name
