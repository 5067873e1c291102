"""The tables of info, secrets, verify and recover (hiveparse.report.tables) and the reg
query listing (hiveparse.report.reg_query), each on what the library makes of real hives:
every record's essential fields shown, names from evidence escaped (ESC, NUL, rich markup),
80 columns kept in a pipe where the content allows (a long name folds, it is never cut).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from hiveparse.engines.verify import compare_hives, disagreement_record, verify_peers
from hiveparse.evidence.open import open_evidence
from hiveparse.evidence.registry import Registry
from hiveparse.model import HiveType, ValueType
from hiveparse.report import records
from hiveparse.report.evidence_summary import info_report
from hiveparse.report.models import InfoDocument, VerifyDocument
from hiveparse.report.recovered import recover_report
from hiveparse.report.reg_query import write_query
from hiveparse.report.secrets import secrets_report
from hiveparse.report.tables import (
    MAX_DISAGREEMENTS,
    write_info_table,
    write_recover_table,
    write_secrets_table,
    write_verify_table,
)
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.edit import delete_value
from hiveparse.sources.regf.writer import write_hive, write_hive_with_layout
from tests.sources.regf.test_reader_hostile import _shared_value_lists

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ESC_KEY = "Ven\x1b]0;owned\x07dor"  # would retitle the terminal if printed raw
ESC_VALUE = "set\x1b[2Jting\n[bold]x[/bold]"  # clears the screen; a line break; rich markup
SHOWN_KEY = "Ven\\x1b]0;owned\\x07dor"
SHOWN_VALUE = "set\\x1b[2Jting\\n[bold]x[/bold]"


def render(write: Callable[..., None], document: Any, width: int | None = None) -> str:
    sink = io.StringIO()
    write(document, sink, width=width)
    return sink.getvalue()


def assert_fits(text: str, width: int = 80) -> None:
    wide = [line for line in text.splitlines() if len(line) > width]
    assert not wide, wide
    assert not [line for line in text.splitlines() if line != line.rstrip()], "trailing blanks"


def assert_clean(text: str) -> None:
    """No control character of the evidence reaches the output."""
    assert not [c for c in text if not c.isprintable() and c != "\n"], repr(text)


def row(text: str, *cells: str) -> bool:
    """Whether one line holds ``cells`` in order, separated by column gaps."""
    pattern = r" {2,}".join(re.escape(cell) for cell in cells)
    return re.search(rf"(^|\s){pattern}(\s|$)", text, re.M) is not None


def first_column(text: str, header: str) -> str:
    """The cells of a table's first column (after the header line starting with
    ``header``) joined: a name folded over several lines reads whole again."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith(header))
    title = lines[at]
    second = re.search(r"\S {2,}(\S)", title)
    assert second is not None
    end = second.start(1)
    return "".join(line[:end].strip() for line in lines[at + 1 :])


def info_document(path: Path) -> InfoDocument:
    return info_report(path)[0]


def hostile_hive(folder: Path) -> Path:
    """A SOFTWARE hive whose key and value names hold ESC, BEL, a line break and markup,
    with one value deleted (its record left in the live key's value list slack)."""
    hive = MemoryHive(HiveType.SOFTWARE)
    key = hive.root().ensure(f"Vendor\\{ESC_KEY}")
    key.set_value(ESC_VALUE, int(ValueType.REG_SZ), "da\x1bta\0".encode("utf-16-le"))
    key.set_value("kept", int(ValueType.REG_DWORD), b"\x01\x00\x00\x00")
    key.set_value("gone", int(ValueType.REG_SZ), "was here\0".encode("utf-16-le"))
    image, layout = write_hive_with_layout(hive)
    edited = bytearray(image)
    delete_value(edited, layout, f"Vendor\\{ESC_KEY}", "gone")
    folder.mkdir(exist_ok=True)
    path = folder / "SOFTWARE"
    path.write_bytes(bytes(edited))
    return path


# -- info ------------------------------------------------------------------------------------


def test_info_table_shows_every_fact_of_the_hive() -> None:
    path = SAMPLES / "grace-reset" / "SYSTEM"
    document = info_document(path)
    text = render(write_info_table, document)
    assert_fits(text)
    evidence, header = document["evidence"][0], document["header"]
    assert text.splitlines()[0] == str(path)
    (mount,) = document["hives"]
    assert row(text, "format", "regf")
    assert row(text, "size", f"{evidence['size']} bytes")
    assert row(text, "sha256", evidence["sha256"])
    assert row(text, "hive", f"SYSTEM mounted at {mount['mount']}")
    assert row(text, f"{mount['keys']} keys, {mount['values']} values")
    assert row(text, "version", header["version"])
    assert row(text, "sequence", f"{header['primary_sequence']}/{header['secondary_sequence']}")
    assert row(text, "checksum", "ok")
    assert row(text, "last written", str(header["last_written"]))
    assert row(text, "dirty", "no")
    assert row(text, "anomalies", str(len(document["diagnostics"])))


@pytest.mark.corpus
def test_info_table_lists_each_anomaly(corpus: Path) -> None:
    document = info_document(corpus / "hives/yarp/BadSubkeyHive")
    assert document["diagnostics"]
    text = render(write_info_table, document)
    assert_fits(text)
    assert row(text, "anomalies", str(len(document["diagnostics"])))
    for item in document["diagnostics"]:
        assert row(text, item["severity"], item["code"], f"0x{item['offset']:x}")
        first_words = " ".join(item["message"].split()[:3])
        assert first_words in text


def test_info_table_escapes_a_hostile_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "case\x1b[31m"
    path = hostile_hive(folder)
    text = render(write_info_table, info_document(path))
    assert_clean(text)
    assert_fits(text)
    heading = text[: text.index("\n  format ")].replace("\n", "")  # a long path folds
    assert heading == str(path).replace("\x1b", "\\x1b")


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("reveal", [False, True])
def test_secrets_table_shows_every_secret(corpus: Path, reveal: bool) -> None:
    document, _ = secrets_report([corpus / "dpapi" / "bitcurator_xp"], reveal=reveal)
    (host,) = document["hosts"]
    narrow = render(write_secrets_table, document)
    assert_fits(narrow)
    assert_clean(narrow)  # the XP secrets SAC<NUL> and SAI<NUL>
    assert "SAC\\x00" in narrow
    assert narrow.splitlines()[0] == host["host"]
    assert row(narrow, "SYSTEM", host["system"]) and row(narrow, "SECURITY", host["security"])
    assert host["lsa"] is not None
    assert row(narrow, "LSA key", f"{host['lsa']['era']} ({host['lsa']['source']})")
    wide = render(write_secrets_table, document, width=200)
    for secret in host["secrets"]:
        # slot, size and time never fold: each secret has its row even at 80 columns
        cells = (secret["slot"], str(secret["length"]), str(secret["updated"]))
        assert row(narrow, *cells), secret
        assert row(wide, secret["name"].replace("\x00", "\\x00"), *cells), secret
        if reveal and secret.get("value"):
            for text in (narrow, wide):  # on rows of their own, folded in the first column
                assert secret["value"] in first_column(text, "secret / value")
    assert ("value (hex)" in narrow) is reveal
    if not reveal:
        assert "807db7fd20bfca01" not in wide  # the timebomb's plaintext


# -- verify ----------------------------------------------------------------------------------


def test_verify_table_shows_where_engines_stopped(tmp_path: Path) -> None:
    path = tmp_path / "SOFTWARE"
    path.write_bytes(_shared_value_lists(20))
    opened = open_evidence(path, apply_logs=False)
    result = verify_peers(
        opened.hives[0].hive, str(path), ["regipy", "python-registry"], diagnostics=[]
    )
    assert result.stopped and result.partial
    document = records.envelope(
        [opened],
        {"reference_engine": "hiveparse", "peers": result.peers},
        partial=result.partial,
        diagnostics=result.diagnostics,
    )
    text = render(write_verify_table, cast(VerifyDocument, document))
    assert_fits(text)
    for peer in result.peers:
        found = peer["disagreements"]
        assert f"{peer['engine']}: {len(found)} disagreement(s) with hiveparse" in text
        # a table lists the first MAX_DISAGREEMENTS, counts the rest, and always shows
        # where the comparison stopped (the last one)
        assert len(found) > MAX_DISAGREEMENTS and found[-1]["kind"] == "read_budget_exceeded"
        omitted = len(found) - MAX_DISAGREEMENTS - 1
        assert f"    ... {omitted} more disagreement(s) not listed" in text
        for item in [*found[:MAX_DISAGREEMENTS], found[-1]]:
            assert item["kind"] in text
            assert f"  {item['path'] or '(root)'}" in text.splitlines()  # the key, on its line
            said = item["a"] or item["b"]
            assert said is not None
            assert " ".join(said.split()[:2]) in text


def test_verify_table_shows_each_disagreement_escaped() -> None:
    ours = MemoryHive(HiveType.SOFTWARE, engine="hiveparse")
    theirs = MemoryHive(HiveType.SOFTWARE, engine="regipy")
    ours.root().ensure(ESC_KEY).set_value(ESC_VALUE, int(ValueType.REG_DWORD), b"\x01\0\0\0")
    theirs.root().ensure(ESC_KEY).set_value(ESC_VALUE, int(ValueType.REG_DWORD), b"\x02\0\0\0")
    ours.root().ensure("OnlyOurs")
    theirs.root().ensure(ESC_KEY).set_value("", int(ValueType.REG_SZ), b"x\0\0\0")
    found = [disagreement_record(d) for d in compare_hives(ours, theirs)]
    assert {item["kind"] for item in found} == {"data_differs", "key_missing", "value_missing"}
    document = cast(
        VerifyDocument,
        {
            "reference_engine": "hiveparse",
            "peers": [{"engine": "regipy", "error": None, "disagreements": found}],
        },
    )
    text = render(write_verify_table, document)
    assert_fits(text)
    assert_clean(text)
    assert "regipy: 3 disagreement(s) with hiveparse" in text
    lines = text.splitlines()
    header = next(line for line in lines if "kind" in line)
    assert row(header, "kind", "value", "hiveparse", "regipy")
    data = next(item for item in found if item["kind"] == "data_differs")
    # each key's path on a line of its own, its disagreements in rows below it (a terminal
    # wide enough for the escaped name; at 80 columns it folds)
    lines = render(write_verify_table, document, width=200).splitlines()
    at = lines.index(f"  {SHOWN_KEY}")
    below = "\n".join(lines[at + 1 : at + 3])
    assert row(below, "data_differs", SHOWN_VALUE, str(data["a"]), str(data["b"]))
    assert row(below, "value_missing", "(Default)", "-", "present")
    at = lines.index("  OnlyOurs")
    assert row(lines[at + 1], "key_missing", "present", "-")


def test_verify_table_names_a_peer_that_failed() -> None:
    document = cast(
        VerifyDocument,
        {
            "reference_engine": "hiveparse",
            "peers": [{"engine": "regipy", "error": "KeyError: 'x'", "disagreements": []}],
        },
    )
    assert render(write_verify_table, document) == "regipy: KeyError: 'x'\n"


# -- recover ---------------------------------------------------------------------------------


def test_recover_table_shows_the_deleted_timebomb() -> None:
    document, _ = recover_report(SAMPLES / "grace-reset" / "SYSTEM", None)
    (value,) = document["values_without_key"]
    text = render(write_recover_table, document)
    assert_fits(text)
    scanned = document["scanned_bytes"]
    assert row(text, "deleted keys", "0")
    assert row(text, "values whose key is unknown", "1")
    assert row(
        text,
        "bytes searched",
        f"{scanned['free']} free, {scanned['slack']} slack, {scanned['remnant']} remnant",
    )
    where = f"free space, cell 0x{value['cell_offset']:x}"
    assert row(text, "REG_BINARY", str(value["size"]), where)
    folded = first_column(text, "value / data")
    assert value["name"] in folded  # folded at 80 columns, never cut
    assert str(value["decoded"])[:40] in folded
    wide = render(write_recover_table, document, width=160)
    assert row(wide, value["name"], "REG_BINARY", str(value["size"]), where)


@pytest.mark.corpus
def test_recover_table_shows_each_deleted_key_and_its_values(corpus: Path) -> None:
    document, _ = recover_report(corpus / "hives/yarp/DeletedDataHive", None)
    assert document["keys"] and document["values_of_live_keys"]
    text = render(write_recover_table, document)
    assert_fits(text)
    assert row(text, "deleted keys", str(len(document["keys"])))
    for key in document["keys"]:
        assert key["path"] in text.splitlines()
        assert row(text, "last written", str(key["last_written"]))
        assert row(text, "found in", f"{key['location']} space, cell 0x{key['cell_offset']:x}")
        for value in key["values"]:
            assert row(text, value["name"], value["type"], str(value["size"]))
            assert row(text, str(value["decoded"]))
    for value in document["values_of_live_keys"]:
        assert value["key_path"] in text.splitlines()
        assert row(text, value["name"], value["type"], str(value["size"]))


def test_recover_table_escapes_names_from_the_hive(tmp_path: Path) -> None:
    document, _ = recover_report(hostile_hive(tmp_path), None)
    (value,) = document["values_of_live_keys"]
    assert value["name"] == "gone"
    text = render(write_recover_table, document, width=160)
    assert_clean(text)
    assert f"HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\{SHOWN_KEY}" in text.splitlines()
    assert row(text, "gone", "REG_SZ", str(value["size"]))
    assert row(text, "was here")


# -- query (the reg query listing) -----------------------------------------------------------


def test_reg_query_listing_keeps_its_layout_and_escapes_names(tmp_path: Path) -> None:
    path = tmp_path / "SOFTWARE"
    hive = MemoryHive(HiveType.SOFTWARE)
    vendor = hive.root().ensure("Vendor")
    vendor.set_value("Mode", int(ValueType.REG_DWORD), b"\x04\x00\x00\x00")
    vendor.set_value("", int(ValueType.REG_BINARY), b"\xab\xcd")
    vendor.ensure(ESC_KEY).set_value(ESC_VALUE, int(ValueType.REG_SZ), "v\0".encode("utf-16-le"))
    path.write_bytes(write_hive(hive))
    opened = open_evidence(path)
    located = Registry([opened]).locate("HKLM\\SOFTWARE\\Vendor")
    sink = io.StringIO()
    write_query(sink, opened, located, fmt="table", recursive=False, security=False, strict=False)
    key = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor"
    assert sink.getvalue().splitlines() == [
        "",
        key,
        "    Mode    REG_DWORD    0x4",
        "    (Default)    REG_BINARY    ABCD",
        "",
        f"{key}\\{SHOWN_KEY}",
    ]
    sink = io.StringIO()
    write_query(sink, opened, located, fmt="table", recursive=True, security=False, strict=False)
    text = sink.getvalue()
    assert_clean(text)
    assert f"\n{key}\\{SHOWN_KEY}\n    {SHOWN_VALUE}    REG_SZ    v\n" in text


def test_analyze_table_shows_names_as_written_not_as_emoji_or_markup(tmp_path: Path) -> None:
    """rich reads ":fire:" as an emoji code and "[bold]" as markup: a case folder named so
    must be shown as it is written, in analyze's table as in every other."""
    import os  # noqa: PLC0415
    import shutil  # noqa: PLC0415

    from tests.cli.running import hiveparse  # noqa: PLC0415

    samples = Path(__file__).resolve().parents[2] / "samples"
    case = tmp_path / "ticket :fire: [bold]7[/bold]"
    shutil.copytree(samples / "rds-session-host", case)
    result = hiveparse("analyze", case, "-f", "table", env={**os.environ, "COLUMNS": "200"})
    assert result.returncode in (0, 1), result.stderr
    assert "ticket :fire: [bold]7[/bold]" in result.stdout
    assert "\N{FIRE}" not in result.stdout


def test_info_quick_never_claims_a_hive_has_no_anomalies() -> None:
    """--quick reads the header and bins only: its anomaly count says so."""
    hive = Path(__file__).resolve().parents[2] / "samples" / "friday-afternoon-rdsh" / "SYSTEM"
    quick = info_report(hive, walk_all=False)[0]
    whole = info_report(hive)[0]
    assert re.search(
        r"anomalies +0 in the header and bins \(--quick: the keys and values "
        r"were not read\)",
        render(write_info_table, quick, width=200),
    )
    assert re.search(r"anomalies +0\n", render(write_info_table, whole, width=200))
