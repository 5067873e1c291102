"""The collection specs under contrib/: they parse as KAPE and Velociraptor read them, and
what they collect from a Windows volume is what hiveparse needs and nothing else. The
collected files of samples/rdsh-image, laid out as each collector writes them, are then
analysed: the grace period decrypts to the date the sample's writer encrypted."""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import re
import uuid
import zipfile
from pathlib import Path, PureWindowsPath

import pytest

from tests.cli.running import hiveparse

yaml = pytest.importorskip("yaml", reason="PyYAML (dev extra) reads the specs")

REPO = Path(__file__).resolve().parents[1]
KAPE = REPO / "contrib" / "kape" / "HiveparseRDSLicensing.tkape"
VELOCIRAPTOR = REPO / "contrib" / "velociraptor" / "Custom.Windows.Hiveparse.RDSLicensing.yaml"
SERVER = REPO / "contrib" / "velociraptor" / "Custom.Server.Hiveparse.Analyze.yaml"
IMAGE = REPO / "samples" / "rdsh-image"
PROTECT = "Windows/System32/Microsoft/Protect/S-1-5-18"
NEEDED = [
    "Windows/System32/config/SYSTEM",
    "Windows/System32/config/SYSTEM.LOG1",
    "Windows/System32/config/SYSTEM.LOG2",
    "Windows/System32/config/SOFTWARE",
    "Windows/System32/config/SOFTWARE.LOG1",
    "Windows/System32/config/SECURITY",
    "Windows/System32/config/SECURITY.LOG2",
    "Windows/System32/config/SAM",
    "Windows/System32/config/RegBack/SYSTEM",
    "Windows/System32/config/RegBack/SOFTWARE",
    f"{PROTECT}/1409b414-ff88-4a88-9854-b2b09dc341ed",
    f"{PROTECT}/Preferred",
    f"{PROTECT}/User/6bd4e3a2-75f4-4c5e-9f8d-0e1a2b3c4d5e",
    f"{PROTECT}/User/Preferred",
    "Users/alice/NTUSER.DAT",
    "Users/alice/ntuser.dat.LOG1",
    "Windows/System32/winevt/Logs/System.evtx",
    "Windows/System32/winevt/Logs/"
    "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
    "Windows/System32/winevt/Logs/"
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
]
NOT_NEEDED = [
    "Windows/System32/winevt/Logs/Application.evtx",
    "Windows/System32/winevt/Logs/Security.evtx",
    "Windows/System32/drivers/etc/hosts",
    "Windows/System32/Microsoft/Protect/S-1-5-20/abc",
    "Users/alice/Documents/contract.docx",
    "Users/alice/AppData/Local/Temp/setup.log",
    "Windows/System32/config/systemprofile/AppData/Local/x.dat",
    "pagefile.sys",
]


def _kape_collects(path: str, targets: list[dict[str, object]]) -> bool:
    """KAPE's matching, as its target documentation states it: Path is a folder
    (``%user%`` any user, ``*`` a wildcard), FileMask a file-name pattern (all files
    when absent), Recursive takes in the folders below; Windows names are case-blind."""
    folder, _, name = path.rpartition("/")
    for target in targets:
        base = PureWindowsPath(str(target["Path"]))
        pattern = "/".join(base.parts[1:]).replace("%user%", "*").casefold()
        here = folder.casefold()
        recursive = bool(target.get("Recursive"))
        inside = fnmatch.fnmatchcase(here, pattern) or (
            recursive and fnmatch.fnmatchcase(here, pattern + "/*")
        )
        if inside and fnmatch.fnmatchcase(
            name.casefold(), str(target.get("FileMask", "*")).casefold()
        ):
            return True
    return False


def _velociraptor_collects(path: str, globs: list[str]) -> bool:
    """Velociraptor's glob: {a,b} alternatives, * within a name, ** any depth; NTFS
    names are case-blind."""
    for glob in globs:
        for expanded in _braces(glob.removeprefix("/")):
            pattern = re.escape(expanded.casefold())
            pattern = pattern.replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
            if re.fullmatch(pattern, path.casefold()):
                return True
    return False


def _braces(glob: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", glob)
    if match is None:
        return [glob]
    head, tail = glob[: match.start()], glob[match.end() :]
    return [x for option in match.group(1).split(",") for x in _braces(head + option + tail)]


def _kape_targets() -> list[dict[str, object]]:
    spec = yaml.safe_load(KAPE.read_text())
    uuid.UUID(spec["Id"])
    assert spec["RecreateDirectories"] is True
    for target in spec["Targets"]:
        assert {"Name", "Category", "Path"} <= set(target)
        assert str(target["Path"]).startswith("C:\\")
    return spec["Targets"]


def _velociraptor_globs() -> list[str]:
    spec = yaml.safe_load(VELOCIRAPTOR.read_text())
    assert spec["type"] == "CLIENT" and spec["name"] == VELOCIRAPTOR.stem
    parameters = {p["name"]: p for p in spec["parameters"]}
    assert parameters["Drive"]["default"] == "C:"
    rows = list(csv.DictReader(io.StringIO(parameters["TargetGlobs"]["default"])))
    (source,) = spec["sources"]
    assert 'accessor="ntfs"' in source["query"] and "upload(" in source["query"]
    return [row["Glob"] for row in rows]


@pytest.mark.parametrize("collector", ["kape", "velociraptor"])
def test_the_specs_collect_what_hiveparse_needs_and_nothing_else(collector: str) -> None:
    if collector == "kape":
        targets = _kape_targets()
        collects = [path for path in NEEDED + NOT_NEEDED if _kape_collects(path, targets)]
    else:
        globs = _velociraptor_globs()
        collects = [path for path in NEEDED + NOT_NEEDED if _velociraptor_collects(path, globs)]
    assert collects == NEEDED


def test_the_server_artifact_runs_analyze_on_each_finished_collection() -> None:
    spec = yaml.safe_load(SERVER.read_text())
    assert spec["type"] == "SERVER_EVENT"
    query = spec["sources"][0]["query"]
    assert "System.Flow.Completion" in query
    assert '"analyze"' in query and '"jsonl"' in query


LAYOUT = {"kape": "C/", "velociraptor": "uploads/ntfs/%5C%5C.%5CC%3A/"}


@pytest.mark.parametrize("collector", sorted(LAYOUT))
def test_what_they_collect_decrypts_the_grace_period(tmp_path: Path, collector: str) -> None:
    files = [f for f in IMAGE.rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    if collector == "kape":
        targets = _kape_targets()
        chosen = [f for f in files if _kape_collects(f.relative_to(IMAGE).as_posix(), targets)]
    else:
        globs = _velociraptor_globs()
        chosen = [
            f for f in files if _velociraptor_collects(f.relative_to(IMAGE).as_posix(), globs)
        ]
    assert {f.name for f in chosen} >= {"SYSTEM", "SOFTWARE", "SECURITY", "Preferred"}
    collection = tmp_path / f"{collector}.zip"
    with zipfile.ZipFile(collection, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in chosen:
            archive.write(file, LAYOUT[collector] + file.relative_to(IMAGE).as_posix())
    done = hiveparse("analyze", collection, "-f", "json", "--as-of", "2026-06-01")
    assert done.returncode == 0, done.stderr
    grace = json.loads(done.stdout)["licensing"]["grace_period"]
    # samples/make_samples.py encrypted this date as the image's timebomb.
    assert (grace["expires"], grace["expires_source"]) == ("2026-09-30T03:12:44Z", "decrypted")
