"""hivex's .reg export, read back by our .reg parser, must say what our REGF reader says.

For each hive of HIVES, ``hivexregedit --export --prefix PREFIX HIVE '\\'`` (Debian
libwin-hivex-perl; the key argument is a path inside the hive, the prefix is prepended to
every key line) writes the whole hive as a .reg file; :func:`parse_reg_file` reads it
(lenient) and the snapshot is compared with :func:`open_hive`'s reading by
:func:`compare_hives`. A .reg file carries no last-written times and no class names: the
snapshot has None for both, and compare_hives compares them only where both sides know them.

What hivexregedit writes (Win/Hivex/Regedit.pm, ``reg_export_node``, hivex 1.3.23): the
version-5 header without a byte-order mark, LF line ends, key paths verbatim, value names
with ``\\`` and ``"`` escaped, every value as ``hex(N):`` with the stored bytes on one line
(REG_BINARY too, and strings: it never writes quoted strings) except a 4-byte REG_DWORD as
``dword:``, values and subkeys sorted. The data therefore round-trips byte for byte and
types are kept exactly; only names the .reg format cannot carry differ (EXPLANATIONS).

Invocation: hivexregedit prints names to a raw STDOUT, so Perl writes each piece as Latin-1
when all its characters are below U+0100 and as UTF-8 (with a "Wide character" warning)
otherwise; one file can hold both (yarp's CompHive: the key U+009F as the byte 9F, the key
'Ÿ' as C5 B8), and no single codec reads it. It is run with ``PERL_UNICODE=O`` (STDOUT in
UTF-8) and parsed as UTF-8; test_raw_stdout_mixes_latin1_and_utf8 pins the quirk.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from hiveparse.engines.verify import Disagreement, DisagreementKind, compare_hives
from hiveparse.errors import Diagnostic, Severity
from hiveparse.model import fold_name
from hiveparse.sources.regf import open_hive
from hiveparse.sources.regtext import RegHeader, parse_reg_file

PREFIX = r"HKEY_LOCAL_MACHINE\EVIDENCE"

# Small hives with awkward names and data, and one big one (regipy SYSTEM, 11 MB: a 19 MB
# export, about 5 s). Relative to the corpus's hives/ folder.
HIVES: tuple[str, ...] = (
    "regipy/SAM",
    "regipy/NTUSER.DAT",
    "regipy/SYSTEM",
    "bitcurator-dfa/SECURITY",  # LSA secret keys 'SAC<NUL>', 'SAI<NUL>'
    "python-registry/UNICODE_TESTS",
    "yarp/BigDataHive",  # values over 16 KiB (db records)
    "yarp/BogusKeyNamesHive",  # key names with CR LF and with NUL
    "yarp/CompHive",  # a compressed name 0x9F beside a UTF-16 'Ÿ'
    "yarp/ExtendedASCIIHive",
    "yarp/MultiSzHive",
    "yarp/PairHive",  # a surrogate pair in a key name
    "yarp/StringValuesHive",  # strings with and without NUL, odd lengths
    "yarp/UnicodeHive",
)


@dataclass(frozen=True)
class Explanation:
    """One named cause: the disagreements and parser diagnostics it explains, per hive.

    ``paths`` are fnmatch patterns on the key path (case-insensitive, '*' matches '\\');
    ``line`` decides whether a diagnostic's exported line is one this cause produces;
    ``hives`` gives, per hive, the exact (disagreements, warning/error diagnostics) counts.
    """

    name: str
    why: str
    kinds: frozenset[DisagreementKind]
    paths: tuple[str, ...]
    line: Callable[[str], bool]
    hives: dict[str, tuple[int, int]]

    def matches(self, found: Disagreement) -> bool:
        folded = fold_name(found.path)
        return found.kind in self.kinds and any(
            fnmatchcase(folded, fold_name(pattern)) for pattern in self.paths
        )


EXPLANATIONS: tuple[Explanation, ...] = (
    Explanation(
        name="hivexregedit_key_name_with_nul",
        why=(
            "Win::Hivex's Perl binding returns a key name with its length, so a NUL inside "
            "it (XP's LSA secrets 'SAC<NUL>' and 'SAI<NUL>', yarp's 'testnu<NUL>l') is "
            "written raw into the key line. Windows reads .reg lines as C strings and stops "
            "at the NUL (Wine get_lineW; our parser: reg.embedded_nul), so the line has no "
            "']' and is rejected (reg.syntax), with the line of every key below it; their "
            "values are skipped (INFO). The .reg format has no escape for a NUL in a key "
            "name: the key is missing from the parse, not misread."
        ),
        kinds=frozenset({DisagreementKind.KEY_MISSING}),
        paths=("*\x00*",),
        line=lambda text: "\x00" in text,
        hives={"bitcurator-dfa/SECURITY": (2, 24), "yarp/BogusKeyNamesHive": (1, 2)},
    ),
    Explanation(
        name="hivexregedit_key_name_with_line_break",
        why=(
            "Key names are written verbatim (as regedit writes them), so yarp's key "
            "'testnew<CR><LF>ne' splits its key line in two: '[...\\testnew' has no ']' "
            "and 'ne]' starts with no '[' or '\"'; regedit (Wine's parser, which ours "
            "follows) rejects both (reg.syntax). The .reg format cannot carry a line break "
            "in a key name: the key is missing from the parse."
        ),
        kinds=frozenset({DisagreementKind.KEY_MISSING}),
        paths=("*\r*", "*\n*"),
        line=lambda text: "\x00" not in text and text.startswith("[") != text.endswith("]"),
        hives={"yarp/BogusKeyNamesHive": (1, 2)},
    ),
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # regedit's line ends (lines.py)


def hivexregedit_available() -> bool:
    return shutil.which("hivexregedit") is not None


def export_with_hivex(hive: Path, out: Path, *, utf8_stdout: bool = True) -> None:
    env = dict(os.environ)
    env.pop("PERL_UNICODE", None)
    if utf8_stdout:
        env["PERL_UNICODE"] = "O"
    with out.open("wb") as sink:
        done = subprocess.run(
            ["hivexregedit", "--export", "--prefix", PREFIX, str(hive), "\\"],
            stdout=sink,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def _judge(
    hive: str, found: list[Disagreement], diagnostics: list[Diagnostic], exported: Path
) -> list[str]:
    """Problems: what no explanation covers, and explanations whose counts do not match."""
    applicable = [rule for rule in EXPLANATIONS if hive in rule.hives]
    counts = {rule.name: [0, 0] for rule in applicable}
    problems: list[str] = []
    for item in found:
        rule = next((rule for rule in applicable if rule.matches(item)), None)
        if rule is None:
            problems.append(f"unexplained: {item}")
        else:
            counts[rule.name][0] += 1
    noteworthy = [d for d in diagnostics if d.severity is not Severity.INFO]
    if noteworthy:
        text = exported.read_text(encoding="utf-8", errors="surrogateescape")
        lines = _LINE_BREAK.split(text)
        for diagnostic in noteworthy:
            number = diagnostic.location.line
            line = lines[number - 1] if number else ""
            rule = next((rule for rule in applicable if rule.line(line)), None)
            if rule is None:
                problems.append(f"unexplained diagnostic: {diagnostic} on {line!r}")
            else:
                counts[rule.name][1] += 1
    for rule in applicable:
        expected, got = rule.hives[hive], tuple(counts[rule.name])
        if expected != got:
            problems.append(
                f"{rule.name} expects (disagreements, diagnostics) {expected}, got {got}"
            )
    return problems


def _require(corpus: Path, hive: str) -> Path:
    if not hivexregedit_available():
        pytest.skip("hivexregedit (libwin-hivex-perl) is not installed")
    path = corpus / "hives" / hive
    if not path.is_file():
        pytest.skip(f"{hive} is not in this corpus")
    return path


@pytest.mark.corpus
@pytest.mark.peers
@pytest.mark.parametrize("hive", HIVES)
def test_hivex_export_parses_to_our_reading(corpus: Path, tmp_path: Path, hive: str) -> None:
    path = _require(corpus, hive)
    exported = tmp_path / "export.reg"
    export_with_hivex(path, exported)

    parsed = parse_reg_file(exported, encoding="utf-8")
    assert parsed.header is RegHeader.VERSION_5
    assert parsed.encoding == "utf-8"
    assert list(parsed.hives) == [PREFIX]
    snapshot = parsed.hives[PREFIX]

    reading = open_hive(path, apply_logs=False)
    found = list(compare_hives(reading, snapshot))
    assert not any(
        d.kind in {DisagreementKind.LAST_WRITTEN_DIFFERS, DisagreementKind.CLASS_NAME_DIFFERS}
        for d in found
    )
    problems = _judge(hive, found, parsed.diagnostics, exported)
    assert problems == [], "\n".join(problems[:25])


def test_every_explanation_is_for_a_tested_hive() -> None:
    for rule in EXPLANATIONS:
        assert set(rule.hives) <= set(HIVES), rule.name
        assert rule.why and rule.kinds and rule.paths, rule.name


@pytest.mark.corpus
@pytest.mark.peers
def test_raw_stdout_mixes_latin1_and_utf8(corpus: Path, tmp_path: Path) -> None:
    path = _require(corpus, "yarp/CompHive")
    exported = tmp_path / "raw.reg"
    export_with_hivex(path, exported, utf8_stdout=False)
    data = exported.read_bytes()
    assert f"[{PREFIX}\\\x9f]\n".encode("latin-1") in data  # U+009F as one Latin-1 byte
    assert f"[{PREFIX}\\Ÿ]\n".encode() in data  # U+0178 as UTF-8
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
