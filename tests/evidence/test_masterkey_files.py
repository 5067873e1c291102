"""Master key files found in a collection: the symbolic-link rule of evidence discovery.

The key file is the corpus's synthetic SYSTEM master key (dpapi/synthetic_timebomb), whose
GUID its README gives; it is copied into temporary folders laid out as Windows keeps it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hiveparse.evidence.masterkey_files import MAX_FILE, find_master_keys

SYNTHETIC_KEY = "dd26f81a-4ed9-49fd-8b45-42723d8ae006"
OTHER_GUIDS = (
    "00000000-0000-0000-0000-000000000001",
    "00000000-0000-0000-0000-000000000002",
    "00000000-0000-0000-0000-000000000003",
)


@pytest.fixture
def key_file(corpus: Path) -> Path:
    path = corpus / "dpapi" / "synthetic_timebomb" / f"masterkey_{SYNTHETIC_KEY}.bin"
    if not path.is_file():
        pytest.skip("the synthetic master key is not in this corpus")
    return path


def _protect(volume: Path) -> Path:
    folder = volume / "Windows" / "System32" / "Microsoft" / "Protect" / "S-1-5-18"
    folder.mkdir(parents=True)
    return folder


def test_a_key_file_linked_inside_the_volume_is_read(key_file: Path, tmp_path: Path):
    volume = tmp_path / "C"
    protect = _protect(volume)
    kept = volume / "kept" / "key.bin"
    kept.parent.mkdir()
    shutil.copy(key_file, kept)
    (protect / SYNTHETIC_KEY).symlink_to(kept)
    found = find_master_keys([volume])
    assert list(found.files) == [SYNTHETIC_KEY]
    assert found.files[SYNTHETIC_KEY].path == str(protect / SYNTHETIC_KEY)
    assert found.notes == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_links_out_of_the_volume_are_noted_and_never_opened(key_file: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    (outside / "User").mkdir(parents=True)
    shutil.copy(key_file, outside / SYNTHETIC_KEY)
    shutil.copy(key_file, outside / "User" / SYNTHETIC_KEY)
    os.mkfifo(outside / "pipe")  # opening it for reading would block for ever
    volume = tmp_path / "C"
    protect = _protect(volume)
    (protect / SYNTHETIC_KEY).symlink_to(outside / SYNTHETIC_KEY)
    (protect / OTHER_GUIDS[0]).symlink_to(outside / "pipe")
    (protect / OTHER_GUIDS[1]).symlink_to("/etc/shadow")
    (protect / OTHER_GUIDS[2]).symlink_to(tmp_path / "nowhere")
    (protect / "User").symlink_to(outside / "User", target_is_directory=True)
    found = find_master_keys([volume])
    assert found.files == {}
    notes = {Path(note.location.source or "").name: note for note in found.notes}
    assert set(notes) == {SYNTHETIC_KEY, *OTHER_GUIDS, "User"}
    assert {note.code for note in found.notes} == {"masterkey.link_outside"}
    assert "leads out of" in notes[SYNTHETIC_KEY].message
    assert "dangling" in notes[OTHER_GUIDS[2]].message


def test_a_named_folder_is_its_own_tree_and_a_named_file_is_read(key_file: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(key_file, outside / "copy.bin")
    named = tmp_path / "keys"
    (named / "sub").mkdir(parents=True)
    (named / "linked-out").symlink_to(outside / "copy.bin")
    found = find_master_keys([named], given=True)
    assert found.files == {}
    assert [note.code for note in found.notes] == ["masterkey.link_outside"]
    shutil.copy(key_file, named / "sub" / "inside.bin")
    (named / "linked-in").symlink_to(named / "sub" / "inside.bin")
    assert list(find_master_keys([named], given=True).files) == [SYNTHETIC_KEY]
    # A file the user names is read even through a link out of anywhere.
    (tmp_path / "named-link").symlink_to(outside / "copy.bin")
    assert list(find_master_keys([tmp_path / "named-link"], given=True).files) == [SYNTHETIC_KEY]


def test_an_oversized_key_file_is_refused_without_reading_it(tmp_path: Path):
    protect = _protect(tmp_path / "C")
    with (protect / SYNTHETIC_KEY).open("wb") as sink:
        sink.truncate(MAX_FILE + 1)
    found = find_master_keys([tmp_path / "C"])
    assert found.files == {}
    (note,) = found.notes
    assert note.code == "masterkey.unreadable"
    assert f"larger than {MAX_FILE}" in note.message
