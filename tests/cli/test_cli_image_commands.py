"""info, query, secrets and timebomb --from on disk images: an image stands for its Windows
volumes, IMAGE!/pN/path for one file in it, and each command says of them what it says of
the same files in samples/rdsh-image (the folder the images were built from), with every
path named as the image's inside and no private copy left or named."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli.running import hiveparse
from tests.support.oracles import oracle
from tests.support.processes import in_session

for _module in ("pyewf", "pytsk3", "pyvhdi", "pyvmdk"):
    oracle(_module)

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "tests" / "data" / "images"
SAMPLE = REPO / "samples" / "rdsh-image"
MANIFEST = json.loads((IMAGES / "MANIFEST.json").read_text(encoding="utf-8"))
EXPIRES = "2026-09-30T03:12:44Z"
SYSTEM = "p1/Windows/System32/config/SYSTEM"


def _json(*args: str | Path, tmp: Path) -> tuple[int, Any, str]:
    done = hiveparse(*args, "-f", "json", env={**os.environ, "TMPDIR": str(tmp)})
    assert str(tmp) not in done.stdout + done.stderr  # no private copy is named ...
    assert list(tmp.iterdir()) == []  # ... or left behind
    return done.returncode, json.loads(done.stdout) if done.stdout else None, done.stderr


@pytest.mark.parametrize("image", ["rdsh-image.E01", "rdsh-image.vhdx", "rdsh-image.vmdk"])
def test_query_a_hive_inside_an_image(tmp_path: Path, image: str) -> None:
    key = "HKLM\\SYSTEM\\ControlSet001\\Control\\Terminal Server"
    code, inside, _ = _json("query", f"{IMAGES / image}!/{SYSTEM}", key, "-s", tmp=tmp_path)
    _, folder, _ = _json("query", SAMPLE / SYSTEM.removeprefix("p1/"), key, "-s", tmp=tmp_path)
    assert code == 0
    assert inside["keys"] == json.loads(
        json.dumps(folder["keys"]).replace(
            json.dumps(str(SAMPLE / SYSTEM.removeprefix("p1/")))[1:-1],
            json.dumps(f"{IMAGES / image}!/{SYSTEM}")[1:-1],
        )
    )
    [record] = inside["evidence"]
    assert record["path"] == f"{IMAGES / image}!/{SYSTEM}"
    assert record["sha256"] == folder["evidence"][0]["sha256"]


def test_query_a_whole_image_names_the_hives_to_choose_from(tmp_path: Path) -> None:
    done = hiveparse("query", IMAGES / "rdsh-image.E01", "HKLM\\SYSTEM\\Select")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{IMAGES / 'rdsh-image.E01'}!/{SYSTEM}" in done.stderr
    missing = hiveparse("query", f"{IMAGES / 'rdsh-image.E01'}!/p1/Windows/System32/config/SAM")
    assert missing.returncode == 2 and "holds no such file" in missing.stderr


def test_info_of_an_image_lists_its_volumes_and_files(tmp_path: Path) -> None:
    code, document, _ = _json("info", IMAGES / "two-installs.raw", tmp=tmp_path)
    assert code == 0 and not document["partial"]
    built = MANIFEST["disks"]["two-installs.raw"]
    assert [(v["partition"]["index"], v["partition"]["offset"]) for v in document["volumes"]] == [
        (p["number"], p["offset"]) for p in built["partitions"]
    ]
    assert document["installs"] == [f"{IMAGES / 'two-installs.raw'}!/p{n}" for n in (1, 2)]
    read = {(f["path"], f["mft_entry"], f["member_sha256"]) for f in document["files"]}
    expected = {
        (f"{IMAGES / 'two-installs.raw'}!/p{v['partition_number']}/{f['path']}", f["mft_record"],
         f["sha256"])
        for v in built["volumes"]
        for f in v["files"]
        if f["role"] != "decoy"
    }  # fmt: skip
    assert read == expected


def test_info_of_a_hive_inside_an_image(tmp_path: Path) -> None:
    code, inside, _ = _json("info", f"{IMAGES / 'rdsh-image-split.E01'}!/{SYSTEM}", tmp=tmp_path)
    _, folder, _ = _json("info", SAMPLE / SYSTEM.removeprefix("p1/"), tmp=tmp_path)
    assert code == 0
    for field in ("hives", "header", "dirty"):
        assert inside[field] == folder[field]


def test_secrets_of_an_image(tmp_path: Path) -> None:
    code, inside, _ = _json("secrets", IMAGES / "rdsh-image-fixed.vhd", tmp=tmp_path)
    _, folder, _ = _json("secrets", SAMPLE, tmp=tmp_path)
    assert code == 0
    names = [[s["name"] for s in host["secrets"]] for host in inside["hosts"]]
    assert names == [[s["name"] for s in host["secrets"]] for host in folder["hosts"]]


def test_timebomb_from_an_image_decrypts_every_control_set(tmp_path: Path) -> None:
    code, document, _ = _json("timebomb", "--from", IMAGES / "rdsh-image-stream.vmdk", tmp=tmp_path)
    assert code == 0
    assert [t["decryption"]["expires"] for t in document["timebombs"]] == [EXPIRES, EXPIRES]
    assert all(
        t["where"]["source"] == f"{IMAGES / 'rdsh-image-stream.vmdk'}!/{SYSTEM}"
        for t in document["timebombs"]
    )


def test_the_other_commands_carry_the_image_provenance(tmp_path: Path) -> None:
    image = IMAGES / "rdsh-image.E01"
    volume = {
        f["path"]: f for v in MANIFEST["disks"]["rdsh-image.raw"]["volumes"] for f in v["files"]
    }
    _, info, _ = _json("info", f"{image}!/{SYSTEM}", tmp=tmp_path)
    _, timebomb, _ = _json("timebomb", "--from", image, tmp=tmp_path)
    _, secrets, _ = _json("secrets", image, tmp=tmp_path)
    for document in (info, timebomb, secrets):
        for record in [*document["evidence"], *document.get("supporting_files", [])]:
            container = record["container"]
            assert container["path"] == str(image) and container["format"] == "ewf"
            assert container["mft_entry"] == volume[container["member"]]["mft_record"]
            assert container["member_sha256"] == volume[container["member"]]["sha256"]


def _locked(tmp_path: Path) -> Path:
    data = bytearray((IMAGES / "rdsh-image.raw").read_bytes())
    offset = MANIFEST["disks"]["rdsh-image.raw"]["partitions"][0]["offset"]
    data[offset + 3 : offset + 11] = b"-FVE-FS-"
    locked = tmp_path / "locked.raw"
    locked.write_bytes(data)
    return locked


def test_timebomb_and_secrets_say_an_encrypted_volume(tmp_path: Path) -> None:
    locked = _locked(tmp_path)
    timebomb = hiveparse("timebomb", "--from", locked, "-f", "json")
    assert timebomb.returncode == 3  # evidence is there, closed: partial, not nothing
    assert "input.encrypted_volume" in timebomb.stdout
    secrets = hiveparse("secrets", locked, "-f", "json")
    assert secrets.returncode == 4 and "BitLocker" in secrets.stderr


def test_timebomb_from_a_truncated_image_is_partial(tmp_path: Path) -> None:
    files = {
        f["path"]: f for v in MANIFEST["disks"]["rdsh-image.raw"]["volumes"] for f in v["files"]
    }
    [extent] = files["Windows/System32/config/SYSTEM"]["data_disk_extents"]
    cut = tmp_path / "cut.raw"
    cut.write_bytes((IMAGES / "rdsh-image.raw").read_bytes()[: extent["offset"] + 4096])
    done = hiveparse("timebomb", "--from", cut, "-f", "json")
    document = json.loads(done.stdout)
    assert done.returncode == 3 and document["partial"]
    assert any(d["code"] == "image.damaged" for d in document["diagnostics"])


@pytest.mark.parametrize(
    "command",
    [
        ["query", f"{IMAGES / 'rdsh-image.E01'}!/p1/Windows/System32/config/SOFTWARE",
         "HKLM\\SOFTWARE", "-s", "-f", "jsonl"],
        ["info", str(IMAGES / "rdsh-image.E01"), "-f", "json"],
        ["analyze", str(IMAGES), "-f", "jsonl"],
    ],
    ids=["query", "info", "analyze"],
)  # fmt: skip
def test_a_closed_pipe_leaves_no_copy_of_the_evidence(tmp_path: Path, command: list[str]) -> None:
    """Review: `| head` killed the process before the private copies (hives, master keys)
    were removed. The reader goes away after ten bytes; the temporary folder must be empty."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    process = subprocess.Popen(
        [sys.executable, "-m", "hiveparse", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    code = process.wait(timeout=120)
    assert code in (0, -13), stderr  # quietly, as any filter ends (README: exit codes)
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_names_inside_an_image_compare_without_case(tmp_path: Path) -> None:
    code, document, _ = _json(
        "info", f"{IMAGES / 'rdsh-image.E01'}!/P1/windows/system32/CONFIG/system", tmp=tmp_path
    )
    assert code == 0 and document["hives"][0]["hive"] == "SYSTEM"
    code, whole, _ = _json("info", f"{IMAGES / 'rdsh-image.E01'}!", tmp=tmp_path)
    assert code == 0 and whole["installs"] == [f"{IMAGES / 'rdsh-image.E01'}!/p1"]


@pytest.mark.parametrize("stop", ["pipe", "interrupt"])
def test_a_batch_cut_short_leaves_no_copy_and_no_process(tmp_path: Path, stop: str) -> None:
    """Review: with -j 2, a run ended by `| head` or Ctrl-C left its workers' private copies
    (hives, master keys) in $TMPDIR, and Ctrl-C could hang waiting for the workers."""
    import signal  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import time  # noqa: PLC0415

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "hiveparse", "analyze", str(IMAGES), "-f", "jsonl", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(temporary)},
        start_new_session=True,
    )
    assert process.stdout is not None
    if stop == "pipe":
        process.stdout.read(300)
        process.stdout.close()
    else:
        process.stdout.read(1)  # the first case is written: the others are in hand
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C reaches the group
        process.stdout.read()
    process.wait(timeout=60)
    deadline = time.monotonic() + 20
    while in_session(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not in_session(process.pid)
    assert list(temporary.iterdir()) == []
