"""Round trips: hive → regedit-format export → our .reg parser gives the same tree, and the
bundled samples say the same thing in both their forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiveparse.engines.verify import DisagreementKind, compare_hives
from hiveparse.export.regfile import export_reg_bytes
from hiveparse.sources.regf import open_hive
from hiveparse.sources.regtext import parse_reg_bytes

REPO = Path(__file__).resolve().parents[2]


def _assert_same_content(reference, other) -> None:
    # A .reg file carries no last-written times or class names: compare names, types, data.
    problems = [
        d
        for d in compare_hives(reference, other)
        if d.kind
        not in {DisagreementKind.LAST_WRITTEN_DIFFERS, DisagreementKind.CLASS_NAME_DIFFERS}
    ]
    assert problems == []


@pytest.mark.parametrize(
    "relative",
    [
        "hives/regipy/SAM",
        "hives/regipy/NTUSER.DAT",
        "hives/yarp/BigDataHive",
        "hives/yarp/UnicodeHive",
    ],
)
@pytest.mark.parametrize("regedit4", [False])
def test_hive_export_parse_gives_the_same_tree(corpus: Path, relative: str, regedit4: bool):
    hive = open_hive(corpus / relative, apply_logs=False)
    mount = r"HKEY_LOCAL_MACHINE\EVIDENCE"
    parsed = parse_reg_bytes(export_reg_bytes(hive.root(), mount, regedit4=regedit4), strict=True)
    assert parsed.diagnostics == [] or all(d.severity != "error" for d in parsed.diagnostics)
    (reparsed,) = parsed.hives.values()
    _assert_same_content(hive, reparsed)


def test_sample_hive_and_reg_hold_the_same_facts():
    folder = REPO / "samples" / "rds-session-host"
    hive = open_hive(folder / "SYSTEM")
    parsed = parse_reg_bytes((folder / "SYSTEM.reg").read_bytes(), strict=True)
    _assert_same_content(hive, parsed.hives[r"HKEY_LOCAL_MACHINE\SYSTEM"])
