"""ZIP collections read in place: KAPE's and Velociraptor's layouts give what the same files
give in a folder (the grace period of samples/rdsh-image decrypts to the date its writer
encrypted), every file is named ARCHIVE!/member with the archive's and the member's
SHA-256 (computed here with hashlib), and hostile archives are refused member by member,
with nothing written outside the private folder."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from hiveparse.evidence.archive import ArchiveLimits, extract_collection
from tests.cli.running import hiveparse
from tests.support.oracles import oracle

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "samples" / "rdsh-image"  # a Windows volume: hives, SECURITY, master keys
EXPIRES = "2026-09-30T03:12:44Z"  # what samples/make_samples.py encrypted as the timebomb
AS_OF = "2026-06-01T00:00:00Z"
LAYOUTS = {
    "kape": "C/",
    "velociraptor_auto": "uploads/auto/C%3A/",
    "velociraptor_ntfs": "uploads/ntfs/%5C%5C.%5CC%3A/",
}


def _image_files() -> list[Path]:
    return sorted(f for f in IMAGE.rglob("*") if f.is_file() and "__pycache__" not in f.parts)


def _collection(target: Path, prefix: str, **options: Any) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in _image_files():
            archive.write(file, prefix + file.relative_to(IMAGE).as_posix(), **options)
        archive.writestr("results/Windows.KapeFiles.Targets.json", "{}")  # not evidence
    return target


def _analyze(*args: str | Path) -> tuple[int, list[dict[str, Any]], str]:
    done = hiveparse("analyze", *args, "-f", "jsonl", "--as-of", AS_OF)
    return done.returncode, [json.loads(x) for x in done.stdout.splitlines()], done.stderr


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_collection_zip_decrypts_the_grace_period_like_the_folder(
    tmp_path: Path, layout: str
) -> None:
    archive = _collection(tmp_path / f"{layout}.zip", LAYOUTS[layout])
    before = sorted(tmp_path.iterdir())
    code, (document,), stderr = _analyze(archive)
    assert code == 0, stderr
    assert sorted(tmp_path.iterdir()) == before  # nothing written beside the evidence
    grace = document["licensing"]["grace_period"]
    assert (grace["expires"], grace["expires_source"]) == (EXPIRES, "decrypted")
    _, (folder_document,), _ = _analyze(IMAGE)
    assert (
        document["licensing"]["mode"]["effective"]
        == folder_document["licensing"]["mode"]["effective"]
    )
    inside = f"{archive}!/{LAYOUTS[layout]}"
    assert document["host"]["case"] == f"{archive.name}!/{LAYOUTS[layout].rstrip('/')}"
    for record in [*document["evidence"], *document["supporting_files"]]:
        assert record["path"].startswith(inside)
        member = record["path"].removeprefix(f"{archive}!/")
        on_disk = IMAGE / member.removeprefix(LAYOUTS[layout])
        assert record["container"] == {
            "format": "zip",
            "path": str(archive),
            "sha256": _sha256(archive),
            "member": member,
            "member_sha256": _sha256(on_disk),
            "member_size": on_disk.stat().st_size,
        }
        assert record["sha256"] in (None, _sha256(on_disk))
    roles = {record["role"] for record in document["supporting_files"]}
    assert any("master key" in role for role in roles)
    # No path of the private copy leaks into the report.
    assert tempfile.gettempdir() not in json.dumps(document).replace(str(tmp_path), "")


def test_an_encrypted_collection_needs_its_password(tmp_path: Path) -> None:
    pyzipper = oracle("pyzipper")
    archive = tmp_path / "aes.zip"
    with pyzipper.AESZipFile(archive, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as writer:  # fmt: skip
        writer.setpassword(b"infected")
        for file in _image_files():
            writer.write(file, "C/" + file.relative_to(IMAGE).as_posix())
    code, documents, stderr = _analyze(archive)
    assert (code, documents) == (4, [])  # nothing could be read
    assert "are encrypted and need a password" in stderr and "give --zip-password" in stderr
    assert "Traceback" not in stderr
    code, _, stderr = _analyze(archive, "--zip-password", "wrong")
    assert code == 4 and "that the password given does not open" in stderr
    # In a batch, the locked collection is a case of its own, partial, saying why.
    tickets = tmp_path / "tickets"
    tickets.mkdir()
    archive.rename(tickets / "aes.zip")
    _collection(tickets / "open.zip", "C/")
    code, documents, stderr = _analyze(tickets)
    assert code == 3
    locked, opened = documents
    assert locked["partial"] and not locked["evidence"]
    codes = [d["code"] for d in locked["diagnostics"]]
    assert codes == ["case.no_evidence", "archive.encrypted"]
    assert locked["diagnostics"][1]["source"] == f"{tickets / 'aes.zip'}!"
    assert opened["licensing"]["grace_period"]["expires"] == EXPIRES
    archive = tickets / "aes.zip"
    code, (document,), stderr = _analyze(archive, "--zip-password", "infected")
    assert code == 0, stderr
    assert document["licensing"]["grace_period"]["expires"] == EXPIRES


def _hostile(target: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return target


def test_names_that_leave_the_collection_links_and_twins_are_not_read(tmp_path: Path) -> None:
    system = (IMAGE / "Windows/System32/config/SYSTEM").read_bytes()
    link = zipfile.ZipInfo("C/Windows/System32/config/SOFTWARE")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _hostile(
        tmp_path / "hostile.zip",
        [
            ("../../escaped/SYSTEM", system),
            ("/absolute/SYSTEM", system),
            ("C:/Windows/System32/config/SYSTEM", system),
            ("C\\..\\..\\SYSTEM", system),
            (link, b"/etc/passwd"),
            ("C/Windows/System32/config/SYSTEM", system),
            ("c/windows/system32/config/system", system),
        ],
    )
    workspace = tmp_path / "work"
    workspace.mkdir()
    extraction = extract_collection(archive, workspace)
    copied = [Path(p) for p in extraction.members]
    assert [p.relative_to(extraction.root).as_posix() for p in copied] == [
        "C/Windows/System32/config/SYSTEM"
    ]
    assert all(str(p).startswith(str(workspace)) for p in workspace.rglob("*"))
    assert not (tmp_path / "escaped").exists() and not Path("/absolute/SYSTEM").exists()
    skipped = [d.message for d in extraction.diagnostics if d.code == "archive.member_skipped"]
    assert len(skipped) == 6
    assert sum("leads outside" in m for m in skipped) == 4
    assert any("symbolic link" in m for m in skipped)
    assert any("second member of the same name" in m for m in skipped)


def test_a_zip_bomb_is_refused_by_its_ratio_and_the_total(tmp_path: Path) -> None:
    bomb = _hostile(tmp_path / "bomb.zip", [("C/Windows/System32/config/SYSTEM", bytes(8 << 20))])
    workspace = tmp_path / "work"
    workspace.mkdir()
    limits = ArchiveLimits(ratio=100, ratio_floor=1 << 20)
    extraction = extract_collection(bomb, workspace, limits=limits)
    assert not extraction.members
    (note,) = extraction.diagnostics
    assert "compression ratio" in note.message and note.severity == "error"
    total = extract_collection(bomb, workspace, limits=ArchiveLimits(total_bytes=1 << 20))
    assert not total.members
    assert any(d.code == "archive.limit_reached" for d in total.diagnostics)


def test_a_broken_zip_is_one_line_and_an_unreadable_document(tmp_path: Path) -> None:
    whole = _collection(tmp_path / "whole.zip", "C/").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    done = hiveparse("analyze", cut, "-f", "jsonl")
    assert done.returncode == 4
    assert "not a readable ZIP archive" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_queue_of_zips_and_folders_is_one_case_each(tmp_path: Path) -> None:
    tickets = tmp_path / "tickets"
    tickets.mkdir()
    _collection(tickets / "4711.zip", "uploads/auto/C%3A/")
    (tickets / "4712").mkdir()
    (tickets / "4712" / "SYSTEM").write_bytes(
        (IMAGE / "Windows/System32/config/SYSTEM").read_bytes()
    )
    code, documents, stderr = _analyze(tickets)
    assert code == 0, stderr
    assert [d["host"]["case"] for d in documents] == ["4711.zip!/uploads/auto/C%3A", "4712"]
    assert documents[0]["licensing"]["grace_period"]["expires"] == EXPIRES
    report = tmp_path / "report.jsonl"
    report.write_text(json.dumps(documents[0]) + "\n")
    done = hiveparse("analyze", tickets, "-f", "jsonl", "--as-of", AS_OF, "--resume", report)
    assert done.returncode == 0, done.stderr
    resumed = [json.loads(x)["host"]["case"] for x in report.read_text().splitlines()]
    assert resumed == ["4711.zip!/uploads/auto/C%3A", "4712"]


def test_no_copy_outlives_the_analysis(tmp_path: Path) -> None:
    archive = _collection(tmp_path / "c.zip", "C/")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = hiveparse("analyze", archive, "-f", "jsonl", env={**os.environ, "TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr
    assert list(scratch.iterdir()) == []


def test_nested_and_renamed_encrypted_members_are_reported(tmp_path: Path) -> None:
    inner = _collection(tmp_path / "inner.zip", "C/")
    nested = _hostile(tmp_path / "nested.zip", [("collections/inner.zip", inner.read_bytes())])
    workspace = tmp_path / "work"
    workspace.mkdir()
    extraction = extract_collection(nested, workspace)
    (note,) = extraction.diagnostics
    assert note.severity == "error" and "ZIP archive itself" in note.message
    pyzipper = oracle("pyzipper")
    renamed = tmp_path / "renamed.zip"
    with pyzipper.AESZipFile(renamed, "w", encryption=pyzipper.WZ_AES) as writer:
        writer.setpassword(b"infected")
        writer.writestr(
            "acme-rdsh01-system.hiv", (IMAGE / "Windows/System32/config/SYSTEM").read_bytes()
        )
    extraction = extract_collection(renamed, workspace)
    (note,) = extraction.diagnostics
    assert note.code == "archive.encrypted" and "1 member(s) are encrypted" in note.message


def test_a_broken_zip_among_tickets_is_its_own_case(tmp_path: Path) -> None:
    tickets = tmp_path / "zq"
    tickets.mkdir()
    whole = _collection(tmp_path / "whole.zip", "C/").read_bytes()
    (tickets / "truncated.zip").write_bytes(whole[: len(whole) // 2])
    (tickets / "4712").mkdir()
    (tickets / "4712" / "SYSTEM").write_bytes(
        (IMAGE / "Windows/System32/config/SYSTEM").read_bytes()
    )
    code, documents, _ = _analyze(tickets)
    assert code == 3
    assert [d["host"]["case"] for d in documents] == ["4712", "truncated.zip"]
    assert documents[1]["unreadable"][0]["path"] == str(tickets / "truncated.zip")


def test_one_drive_read_through_two_accessors_is_one_host(tmp_path: Path) -> None:
    """Velociraptor copies locked files through the ntfs accessor and the rest through
    auto: SYSTEM and SOFTWARE in one tree, SECURITY and the master keys in the other are
    still one machine, whose grace period decrypts."""
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        for file in _image_files():
            member = file.relative_to(IMAGE).as_posix()
            ntfs = file.name == "SECURITY" or "Protect" in member
            prefix = LAYOUTS["velociraptor_ntfs" if ntfs else "velociraptor_auto"]
            writer.write(file, prefix + member)
    code, (document,), stderr = _analyze(archive)
    assert code == 0, stderr
    assert {r["hive"] for r in document["evidence"]} == {"SYSTEM", "SOFTWARE", "SECURITY"}
    grace = document["licensing"]["grace_period"]
    assert (grace["expires"], grace["expires_source"]) == (EXPIRES, "decrypted")
