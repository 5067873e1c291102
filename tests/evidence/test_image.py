"""Disk images read without mounting: every format tests/data/images/build.sh made of
samples/rdsh-image (with mkntfs, ntfs-3g, sfdisk, ewfacquire and qemu-img) decrypts to the
grace-period end samples/make_samples.py encrypted, with the findings the folder gives. The
provenance is checked against what those tools reported when the images were built
(tests/data/images/MANIFEST.json): sfdisk's partition table, ntfs-3g's MFT record numbers,
ewfinfo's stored hashes, sha256sum of every file. Damaged, encrypted and Windows-less disks
are built here from those images by changing bytes whose place the manifest gives."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.cli.running import hiveparse
from tests.support.oracles import oracle

for _module in ("pyewf", "pytsk3", "pyvhdi", "pyvmdk"):
    oracle(_module)  # hiveparse[images]: CI installs it; elsewhere these tests are skipped

from hiveparse.evidence.image.disk import open_disk  # noqa: E402
from hiveparse.evidence.image.formats import ImageFormat, raw_parts, sniff_image  # noqa: E402
from hiveparse.evidence.image.partitions import read_partitions  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "tests" / "data" / "images"
SAMPLE = REPO / "samples" / "rdsh-image"
MANIFEST = json.loads((IMAGES / "MANIFEST.json").read_text(encoding="utf-8"))
EXPIRES = "2026-09-30T03:12:44Z"  # what samples/make_samples.py encrypted as the timebomb
AS_OF = "2026-06-01T00:00:00Z"
FORMATS = {"raw": "raw", "split-raw": "raw", "ewf": "ewf", "vpc": "vhd", "vhdx": "vhdx",
           "vmdk": "vmdk"}  # fmt: skip
OF_RDSH = [item for item in MANIFEST["images"] if item["disk"] == "rdsh-image.raw"]


def _analyze(*args: str | Path) -> tuple[int, list[dict[str, Any]], str]:
    done = hiveparse("analyze", *args, "-f", "jsonl", "--as-of", AS_OF)
    return done.returncode, [json.loads(x) for x in done.stdout.splitlines()], done.stderr


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _findings(document: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["id"], f["severity"]) for f in document["findings"])


def _volume_files(disk: str, partition: int) -> dict[str, dict[str, Any]]:
    volume = next(
        v for v in MANIFEST["disks"][disk]["volumes"] if v["partition_number"] == partition
    )
    return {item["path"]: item for item in volume["files"]}


def _partition(disk: str, number: int) -> dict[str, Any]:
    return next(p for p in MANIFEST["disks"][disk]["partitions"] if p["number"] == number)


@pytest.fixture(scope="module")
def folder_document() -> dict[str, Any]:
    code, documents, _ = _analyze(SAMPLE)
    assert code == 0 and len(documents) == 1
    return documents[0]


@pytest.mark.parametrize("image", OF_RDSH, ids=[item["name"] for item in OF_RDSH])
def test_every_format_gives_what_the_folder_gives(
    image: dict[str, Any], folder_document: dict[str, Any]
) -> None:
    code, documents, stderr = _analyze(IMAGES / image["name"])
    assert code == 0, stderr
    [document] = documents
    assert document["licensing"]["grace_period"]["expires"] == EXPIRES
    assert document["licensing"]["grace_period"]["expires_source"] == "decrypted"
    assert _findings(document) == _findings(folder_document)
    assert document["host"]["label"] == folder_document["host"]["label"]
    assert not document["partial"]
    # Provenance: the image as named, every file of it hashed as sha256sum did.
    files = {item["name"]: item for item in image["files"]}
    volume = _volume_files("rdsh-image.raw", 1)
    partition = _partition("rdsh-image.raw", 1)
    for record in document["evidence"]:
        container = record["container"]
        assert container["format"] == FORMATS[image["container"]]
        assert container["path"] == str(IMAGES / image["name"])
        assert container["sha256"] == files[image["name"]]["sha256"]
        assert [
            (Path(f["path"]).name, f["size"], f["sha256"]) for f in container["image_files"]
        ] == [(f["name"], f["size"], f["sha256"]) for f in image["files"]]
        assert container["media_size"] == image["virtual_size"]
        # The partition as sfdisk wrote it, the file as ntfs-3g placed it.
        assert container["partition"]["index"] == 1
        assert container["partition"]["offset"] == partition["offset"]
        assert container["partition"]["size"] == partition["size_bytes"]
        assert container["partition"]["type"] == "0x07"
        built = volume[container["member"]]
        assert container["mft_entry"] == built["mft_record"]
        assert container["mft_sequence"] == built["mft_sequence"]
        assert container["member_sha256"] == built["sha256"] == record["sha256"]
        assert record["sha256"] == _sha256(SAMPLE / container["member"])
        assert record["path"] == f"{IMAGES / image['name']}!/p1/{container['member']}"
    [key] = document["supporting_files"]
    assert key["container"]["member"].startswith("Windows/System32/Microsoft/Protect/S-1-5-18/")
    assert key["sha256"] == _sha256(SAMPLE / key["container"]["member"])


def test_the_ewf_stored_hashes_are_reported_and_verified() -> None:
    [image] = [item for item in OF_RDSH if item["name"] == "rdsh-image.E01"]
    code, [document], _ = _analyze(IMAGES / "rdsh-image.E01", "--verify-image")
    assert code == 0
    container = document["evidence"][0]["container"]
    assert container["stored_hashes"] == {
        "md5": image["ewf"]["stored_md5"],
        "sha1": image["ewf"]["stored_sha1"],
    }
    assert container["verified"] == {"md5": True, "sha1": True}
    verified = [d for d in document["diagnostics"] if d["code"] == "image.verified"]
    assert sorted(d["message"].split("(")[-1].rstrip(")") for d in verified) == sorted(
        [image["ewf"]["stored_md5"], image["ewf"]["stored_sha1"]]
    )


def test_verify_image_on_a_format_without_stored_hashes_says_so() -> None:
    code, [document], _ = _analyze(IMAGES / "rdsh-image.vhdx", "--verify-image")
    assert code == 0
    [note] = [d for d in document["diagnostics"] if d["code"] == "image.no_stored_hash"]
    assert note["severity"] == "warning"


def test_no_image_hash_leaves_the_image_unhashed_and_says_so() -> None:
    code, [document], _ = _analyze(IMAGES / "rdsh-image-split.E01", "--no-image-hash")
    assert code == 0
    container = document["evidence"][0]["container"]
    assert container["sha256"] is None
    assert all(item["sha256"] is None for item in container["image_files"])
    assert len(container["image_files"]) == 4
    assert any(d["code"] == "image.not_hashed" for d in document["diagnostics"])
    # The files read from it are still hashed.
    assert container["member_sha256"] == document["evidence"][0]["sha256"]


def test_two_installs_on_one_disk_are_two_hosts() -> None:
    code, documents, stderr = _analyze(IMAGES / "two-installs.raw")
    assert code == 0, stderr
    by_folder = {Path(d["host"]["folder"]).name: d for d in documents}
    assert sorted(by_folder) == ["p1", "p2"]
    # Each host is the one its sample folder's hives give (the image holds no event log).
    second = REPO / MANIFEST["samples"]["second_install"]
    for folder, sample in (("p1", SAMPLE), ("p2", second)):
        hives = (
            [p for p in sample.iterdir() if p.suffix != ".evtx"] if sample != SAMPLE else [sample]
        )
        _, [expected], _ = _analyze(*hives)
        document = by_folder[folder]
        assert document["host"]["label"] == expected["host"]["label"]
        assert _findings(document) == _findings(expected)
        index = int(folder[1:])
        offsets = {e["container"]["partition"]["offset"] for e in document["evidence"]}
        assert offsets == {_partition("two-installs.raw", index)["offset"]}
    assert by_folder["p1"]["host"]["label"] != by_folder["p2"]["host"]["label"]


@pytest.mark.parametrize(("disk", "index"), [("gpt.raw", 3), ("logical.raw", 5), ("volume.raw", 0)])
def test_gpt_logical_and_table_less_volumes(disk: str, index: int) -> None:
    code, [document], stderr = _analyze(IMAGES / disk)
    assert code == 0, stderr
    assert document["licensing"]["grace_period"]["expires"] == EXPIRES
    partition = document["evidence"][0]["container"]["partition"]
    assert partition["index"] == index
    if index:
        built = _partition(disk, index)
        assert partition["offset"] == built["offset"]
        written = built["type"].lower()
        assert partition["type"] == (written if "-" in written else f"0x{int(written, 16):02x}")
    else:
        assert (partition["scheme"], partition["offset"]) == ("none", 0)
        assert document["evidence"][0]["path"].startswith(f"{IMAGES / disk}!/volume/")


@pytest.mark.parametrize("disk", sorted(MANIFEST["disks"]))
def test_partition_tables_read_as_sfdisk_wrote_them(disk: str) -> None:
    built = MANIFEST["disks"][disk]
    with open_disk(IMAGES / disk, ImageFormat.RAW) as opened:
        table = read_partitions(opened)
    assert table.notes == []
    if built.get("whole_file_is_volume"):  # a volume image: no table
        assert table.scheme == "none"
        return
    assert table.scheme == {"dos": "mbr", "gpt": "gpt"}[built["partition_table"]["label"]]
    read = [(p.index, p.offset, p.size) for p in table.partitions]
    assert read == [(p["number"], p["offset"], p["size_bytes"]) for p in built["partitions"]]
    for partition, written in zip(table.partitions, built["partitions"], strict=True):
        if table.scheme == "gpt":
            assert partition.type == written["type"].lower()
            assert partition.name == written.get("name", "")
        else:
            assert partition.type == f"0x{int(written['type'], 16):02x}"


def test_an_image_without_windows_says_what_it_holds() -> None:
    code, documents, stderr = _analyze(IMAGES / "no-windows.raw")
    assert (code, documents) == (4, [])
    [line] = [x for x in stderr.splitlines() if "image.no_windows" in x]
    assert "p1 NTFS" in line and "p2 FAT" in line
    assert "Traceback" not in stderr


def test_a_truncated_image_gives_what_it_holds_and_the_offset_where_it_ends(
    tmp_path: Path,
) -> None:
    volume = _volume_files("rdsh-image.raw", 1)
    system = volume["Windows/System32/config/SYSTEM"]["data_disk_extents"][0]
    cut = system["offset"] + 4096  # inside SYSTEM's data
    readable = [
        path
        for path, item in volume.items()
        if item.get("data_disk_extents")
        and all(e["offset"] + e["length"] <= cut for e in item["data_disk_extents"])
    ]
    assert readable, "the manifest places some file before the cut"
    image = tmp_path / "cut.raw"
    image.write_bytes((IMAGES / "rdsh-image.raw").read_bytes()[:cut])
    code, documents, stderr = _analyze(image)
    assert code == 3, stderr
    damaged = [d for document in documents for d in document["diagnostics"]
               if d["code"] == "image.damaged"]  # fmt: skip
    assert any("SYSTEM" in d["message"] and d["offset"] == cut for d in damaged), damaged
    assert any("past the end of the image" in d["message"] for d in damaged)
    read = {e["container"]["member"] for document in documents for e in document["evidence"]}
    assert "Windows/System32/config/SYSTEM" not in read
    assert read == {p for p in readable if p.startswith("Windows/System32/config/")}
    assert all(document["partial"] for document in documents)
    assert "Traceback" not in stderr


def test_a_missing_middle_segment_is_named(tmp_path: Path) -> None:
    for name in ("rdsh-image-split.E01", "rdsh-image-split.E02", "rdsh-image-split.E04"):
        shutil.copy(IMAGES / name, tmp_path / name)
    code, _, stderr = _analyze(tmp_path / "rdsh-image-split.E01")
    assert code in (3, 4) and "Traceback" not in stderr
    named = [x for x in stderr.splitlines() if "segment rdsh-image-split.E03" in x]
    assert len(named) == 1 and "is missing" in named[0]
    assert len([x for x in stderr.splitlines() if "image.damaged" in x]) <= 8  # not one per chunk


def test_a_later_raw_part_alone_points_to_the_first(tmp_path: Path) -> None:
    done = hiveparse("analyze", IMAGES / "rdsh-image-split.002", "-f", "json")
    assert done.returncode == 4 and "Traceback" not in done.stderr
    assert "give rdsh-image-split.001" in done.stderr


def test_a_missing_last_ewf_segment_is_said(tmp_path: Path) -> None:
    for name in ("rdsh-image-split.E01", "rdsh-image-split.E02", "rdsh-image-split.E03"):
        shutil.copy(IMAGES / name, tmp_path / name)
    code, documents, stderr = _analyze(tmp_path / "rdsh-image-split.E01")
    assert code in (3, 4) and "Traceback" not in stderr and "case.failed" not in stderr
    assert all(document["partial"] for document in documents)
    # Where the data stops: the end of the third segment's chunks, named by libewf.
    damaged = [d for document in documents for d in document["diagnostics"]
               if d["code"] == "image.damaged"]  # fmt: skip
    assert damaged and all("missing segment file" in d["message"] for d in damaged)
    assert all(d["offset"] is not None for d in damaged)


def _with_bitlocker(source: Path, target: Path, offset: int) -> Path:
    data = bytearray(source.read_bytes())
    data[offset + 3 : offset + 11] = b"-FVE-FS-"  # the BitLocker volume's OEM identifier
    target.write_bytes(data)
    return target


def test_a_bitlocker_volume_is_reported_not_read_exit_3(tmp_path: Path) -> None:
    offset = _partition("rdsh-image.raw", 1)["offset"]
    image = _with_bitlocker(IMAGES / "rdsh-image.raw", tmp_path / "locked.raw", offset)
    code, [document], stderr = _analyze(image)
    assert code == 3, stderr
    assert document["partial"] and document["evidence"] == []
    [item] = document["unreadable"]
    assert (item["kind"], item["offset"], item["path"]) == (
        "EncryptedVolume",
        offset,
        f"{image}!/p1",
    )
    assert "BitLocker" in item["error"]
    assert [d["code"] for d in document["diagnostics"]] == ["input.encrypted_volume"]


def test_a_bitlocker_volume_beside_a_readable_install(tmp_path: Path) -> None:
    offset = _partition("two-installs.raw", 2)["offset"]
    image = _with_bitlocker(IMAGES / "two-installs.raw", tmp_path / "half.raw", offset)
    code, documents, stderr = _analyze(image)
    assert code == 3, stderr
    hosts = [d for d in documents if d["evidence"]]
    locked = [d for d in documents if not d["evidence"]]
    assert [Path(d["host"]["folder"]).name for d in hosts] == ["p1"]
    assert hosts[0]["licensing"]["grace_period"]["expires"] == EXPIRES
    assert [u["kind"] for d in locked for u in d["unreadable"]] == ["EncryptedVolume"]


def test_bitlocker_to_go_is_told_by_its_identifier() -> None:
    from hiveparse.evidence.image.partitions import Partition  # noqa: PLC0415
    from hiveparse.evidence.image.volumes import identify_volume  # noqa: PLC0415

    head = bytearray(4096)
    head[3:11] = b"MSWIN4.1"
    head[160:176] = uuid.UUID("4967d63b-2e29-4ad8-8399-f6a339e3d001").bytes_le
    head[510:512] = b"\x55\xaa"

    class _Disk:
        size = len(head)

        def read(self, offset: int, size: int) -> bytes:
            return bytes(head[offset : offset + size])

    kind = identify_volume(_Disk(), Partition(0, "none", 0, len(head), "", ""))  # type: ignore[arg-type]
    assert kind.encrypted and kind.file_system == "BitLocker"


def test_without_the_images_extra_one_line_exit_4(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    (blocked / "pytsk3").mkdir(parents=True)
    (blocked / "pytsk3" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocked), str(REPO)])}
    done = hiveparse("analyze", IMAGES / "rdsh-image.E01", "-f", "json", env=env)
    assert done.returncode == 4
    assert "Traceback" not in done.stderr
    lines = [x for x in done.stderr.splitlines() if "hiveparse[images]" in x]
    assert len(lines) == 1 and "rdsh-image.E01" in lines[0]


def test_the_image_is_only_read(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in ("rdsh-image-split.E01", "rdsh-image-split.E02", "rdsh-image-split.E03",
                 "rdsh-image-split.E04", "rdsh-image-flat.vmdk", "rdsh-image-flat-flat.vmdk",
                 "rdsh-image-split.vmdk", "rdsh-image-split-s001.vmdk", "rdsh-image-split.001",
                 "rdsh-image-split.002", "rdsh-image-split.003"):  # fmt: skip
        shutil.copy2(IMAGES / name, evidence / name)

    def state() -> dict[str, tuple[str, int]]:
        return {p.name: (_sha256(p), p.stat().st_mtime_ns) for p in sorted(evidence.iterdir())}

    before = state()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    done = hiveparse(
        "analyze",
        evidence,
        "-f",
        "jsonl",
        "--as-of",
        AS_OF,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    assert done.returncode == 0, done.stderr
    assert state() == before
    assert list(temporary.iterdir()) == []  # the private copies are gone
    # A folder of images is a case each; segments and extents belong to their image.
    documents = [json.loads(x) for x in done.stdout.splitlines()]
    assert sorted(d["host"]["case"].split("!")[0] for d in documents) == [
        "rdsh-image-flat.vmdk",
        "rdsh-image-split.001",
        "rdsh-image-split.E01",
        "rdsh-image-split.vmdk",
    ]
    assert all(d["licensing"]["grace_period"]["expires"] == EXPIRES for d in documents)


def test_image_signatures() -> None:
    assert sniff_image((IMAGES / "rdsh-image.E01").read_bytes()[:4096]).format == ImageFormat.EWF  # type: ignore[union-attr]
    second = sniff_image((IMAGES / "rdsh-image-split.E02").read_bytes()[:4096])
    assert second is not None and second.format is None and "segment 2" in second.what
    # A VMware extent of a split image has no descriptor of its own (descriptorOffset 0);
    # qemu-img writes one into each extent, which the descriptor's listing then sets aside.
    head = bytearray((IMAGES / "rdsh-image-split-s001.vmdk").read_bytes()[:4096])
    head[28:36] = bytes(8)
    extent = sniff_image(bytes(head))
    assert extent is not None and extent.format is None and "extent" in extent.what
    assert raw_parts(IMAGES / "rdsh-image-split.001") == [
        IMAGES / f"rdsh-image-split.00{n}" for n in (1, 2, 3)
    ]
    assert sniff_image(b"regf" + bytes(4092)) is None


def test_a_renamed_sparse_vmdk_is_read_alone_never_a_neighbour(tmp_path: Path) -> None:
    """Review: a monolithic VMDK renamed beside a file of its old name read the neighbour."""
    shutil.copy(IMAGES / "rdsh-image.vmdk", tmp_path / "HOST-A.vmdk")
    shutil.copy(IMAGES / "no-windows.raw", tmp_path / "rdsh-image.vmdk")  # a decoy neighbour
    code, documents, stderr = _analyze(tmp_path / "HOST-A.vmdk")
    assert code == 0, stderr
    [document] = documents
    assert document["licensing"]["grace_period"]["expires"] == EXPIRES
    [only] = {Path(f["path"]).name for f in document["evidence"][0]["container"]["image_files"]}
    assert only == "HOST-A.vmdk"


def test_a_path_inside_an_image_cannot_climb_out() -> None:
    done = hiveparse("query", f"{IMAGES / 'rdsh-image.E01'}!/p1/../../../../outside/SYSTEM", "x")
    assert done.returncode == 2 and "'..'" in done.stderr


def test_a_hive_the_image_cuts_short_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    volume = _volume_files("rdsh-image.raw", 1)
    [extent] = volume["Windows/System32/config/SYSTEM"]["data_disk_extents"]
    cut = extent["offset"] + extent["length"] - 4096  # the hive's last 4 KiB are gone
    image = tmp_path / "cut.raw"
    image.write_bytes((IMAGES / "rdsh-image.raw").read_bytes()[:cut])
    code, [document], stderr = _analyze(image)
    assert code == 3, stderr
    [system] = [e for e in document["evidence"] if e["container"]["member"].endswith("SYSTEM")]
    container = system["container"]
    assert (container["member_complete"], container["member_size"]) == (
        False,
        extent["length"] - 4096,
    )
    original = (SAMPLE / "Windows/System32/config/SYSTEM").read_bytes()
    assert (
        container["member_sha256"] == hashlib.sha256(original[: cut - extent["offset"]]).hexdigest()
    )
    assert document["partial"]
    assert any(
        d["code"] == "image.damaged"
        and f"the first {extent['length'] - 4096} of its" in d["message"]
        for d in document["diagnostics"]
    )


def _gpt_entries_offsets(data: bytes) -> tuple[int, int]:
    """Where the primary and the backup GPT entry arrays start (UEFI 2.10 table 5-5:
    PartitionEntryLBA at byte 72 of each header)."""
    primary = int.from_bytes(data[512 + 72 : 512 + 80], "little") * 512
    backup_header = len(data) - 512
    backup = int.from_bytes(data[backup_header + 72 : backup_header + 80], "little") * 512
    return primary, backup


def test_a_gpt_whose_primary_entries_fail_their_crc_is_read_from_the_backup(
    tmp_path: Path,
) -> None:
    data = bytearray((IMAGES / "gpt.raw").read_bytes())
    primary, backup = _gpt_entries_offsets(bytes(data))
    data[primary + 2 * 128 + 40] ^= 0xFF  # partition 3's ending LBA, in the primary only
    image = tmp_path / "gpt.raw"
    image.write_bytes(data)
    with open_disk(image, ImageFormat.RAW) as opened:
        table = read_partitions(opened)
    built = MANIFEST["disks"]["gpt.raw"]["partitions"]
    assert [(p.index, p.offset, p.size) for p in table.partitions] == [
        (p["number"], p["offset"], p["size_bytes"]) for p in built
    ]
    [(_, note, damaged)] = table.notes
    assert "backup" in note and not damaged
    # Both copies broken: read as the primary says, and the run is partial.
    data[backup + 2 * 128 + 40] ^= 0xFF
    image.write_bytes(data)
    code, [document], _ = _analyze(image)
    assert code == 3 and document["partial"]
    assert any(
        "neither the primary GPT nor the backup" in d["message"] for d in document["diagnostics"]
    )


def _written_into_volume(tmp_path: Path, files: dict[str, Path]) -> tuple[Path, dict[str, int]]:
    """rdsh-image.raw with ``files`` (path in the volume, from its root -> file) written into
    a copy of its NTFS volume by ntfs-3g's ntfscp (no mount), and the MFT entry ntfs-3g's
    ntfsinfo gives each: the image, and the entries by path."""
    import subprocess  # noqa: PLC0415

    from tests.support.oracles import oracle_command  # noqa: PLC0415

    ntfscp = oracle_command("ntfscp", "ntfs-3g")
    ntfsinfo = oracle_command("ntfsinfo", "ntfs-3g")
    partition = _partition("rdsh-image.raw", 1)
    disk = bytearray((IMAGES / "rdsh-image.raw").read_bytes())
    start, end = partition["offset"], partition["offset"] + partition["size_bytes"]
    volume = tmp_path / "volume.img"
    volume.write_bytes(disk[start:end])
    entries = {}
    for inside, source in files.items():
        in_volume = "/" + inside  # ntfs-3g names a file from the volume's root
        subprocess.run([ntfscp, "-f", str(volume), str(source), in_volume], check=True,
                       capture_output=True)  # fmt: skip
        shown = subprocess.run([ntfsinfo, "-F", in_volume, str(volume)],
                               check=True, capture_output=True, text=True).stdout  # fmt: skip
        entries[inside] = int(shown.split("Dumping Inode ", 1)[1].split()[0])
    disk[start:end] = volume.read_bytes()
    image = tmp_path / "written.raw"
    image.write_bytes(disk)
    return image, entries


def test_a_user_hive_is_read_from_its_profile(tmp_path: Path) -> None:
    """Users\\*\\NTUSER.DAT is one of the fixed paths. ntfs-3g's ntfscp writes a hive into
    the Public profile of a copy of the volume (no mount), and analyze reads it from there,
    with its MFT entry as ntfs-3g's ntfsinfo gives it."""
    hive = SAMPLE / "Windows/System32/config/SOFTWARE"  # any hive: its type is its content
    image, entries = _written_into_volume(tmp_path, {"Users/Public/NTUSER.DAT": hive})
    code, [document], stderr = _analyze(image)
    assert code == 0, stderr
    [user] = [e for e in document["evidence"] if e["container"]["member"].endswith("NTUSER.DAT")]
    assert user["container"]["member"] == "Users/Public/NTUSER.DAT"
    assert user["container"]["mft_entry"] == entries["Users/Public/NTUSER.DAT"]
    assert user["sha256"] == _sha256(hive)


def test_a_segment_linked_from_outside_the_image_folder_is_not_opened(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    evidence = tmp_path / "evidence"
    elsewhere.mkdir()
    evidence.mkdir()
    for name in ("rdsh-image-split.E01", "rdsh-image-split.E02", "rdsh-image-split.E04"):
        shutil.copy(IMAGES / name, evidence / name)
    shutil.copy(IMAGES / "rdsh-image-split.E03", elsewhere / "rdsh-image-split.E03")
    (evidence / "rdsh-image-split.E03").symlink_to(elsewhere / "rdsh-image-split.E03")
    done = hiveparse("analyze", evidence / "rdsh-image-split.E01", "-f", "json")
    assert done.returncode == 4 and "Traceback" not in done.stderr
    assert "rdsh-image-split.E03, a file of the image: symbolic link" in done.stderr
    assert "leads out of" in done.stderr


def test_a_renamed_single_segment_ewf_is_read(tmp_path: Path) -> None:
    shutil.copy(IMAGES / "rdsh-image.E01", tmp_path / "evidence.bin")
    code, [document], stderr = _analyze(tmp_path / "evidence.bin")
    assert code == 0, stderr
    assert document["licensing"]["grace_period"]["expires"] == EXPIRES


def test_overlapping_partitions_are_said(tmp_path: Path) -> None:
    data = bytearray((IMAGES / "two-installs.raw").read_bytes())
    data[446 + 16 + 8 : 446 + 16 + 12] = data[446 + 8 : 446 + 12]  # p2 starts where p1 does
    image = tmp_path / "overlap.raw"
    image.write_bytes(data)
    with open_disk(image, ImageFormat.RAW) as opened:
        table = read_partitions(opened)
    assert any("partitions 1 and 2 overlap" in note for _, note, _ in table.notes)


def test_an_image_that_yields_nothing_still_has_its_document(tmp_path: Path) -> None:
    """Review: a damaged image with no host left `-o` holding [] and its errors on stderr
    only."""
    for name in ("rdsh-image-split.E01", "rdsh-image-split.E03", "rdsh-image-split.E04"):
        shutil.copy(IMAGES / name, tmp_path / name)
    done = hiveparse("analyze", tmp_path / "rdsh-image-split.E01", "-f", "json")
    document = json.loads(done.stdout)
    assert done.returncode == 4 and document["partial"]
    assert document["host"]["label"].startswith("damaged image")
    assert any("segment rdsh-image-split.E02" in d["message"] for d in document["diagnostics"])


def test_a_zip_holding_a_disk_image_says_so(tmp_path: Path) -> None:
    import zipfile  # noqa: PLC0415

    archive = tmp_path / "collection.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.write(IMAGES / "rdsh-image.raw", "disk/rdsh-image.raw")
    done = hiveparse("analyze", archive, "-f", "json")
    assert done.returncode in (3, 4)
    assert "is a disk image itself, which is not opened inside a ZIP" in done.stdout + done.stderr


def test_ewf2_and_logical_evidence_headers() -> None:
    """Ex01 (EWF2) file header as libewf declares it (ewf_file_header_v2: signature, major
    and minor version, compression method uint16, segment number uint32, set GUID): the
    first segment is an image, a later one is read with it; L01/Lx01 hold files, not a
    disk. No Ex01 image can be made with Debian's tools (ewfacquire writes EWF1 only)."""

    def header(signature: bytes, segment: int) -> bytes:
        return (
            signature
            + bytes([2, 1])
            + (1).to_bytes(2, "little")
            + segment.to_bytes(4, "little")
            + uuid.uuid4().bytes
            + bytes(4096 - 32)
        )

    first = sniff_image(header(b"EVF2\r\n\x81\x00", 1))
    assert first is not None and first.format == ImageFormat.EWF and "Ex01" in first.what
    later = sniff_image(header(b"EVF2\r\n\x81\x00", 3))
    assert later is not None and later.format is None and "segment 3" in later.what
    logical = sniff_image(header(b"LEF2\r\n\x81\x00", 1))
    assert logical is not None and logical.format is None and "logical" in logical.what


def test_event_logs_are_read_from_the_installation(tmp_path: Path) -> None:
    """winevt\\Logs is one of the fixed paths (for analyze). ntfs-3g's ntfscp writes an RCM
    Admin log of the image's host into the empty winevt\\Logs folder of a copy of the
    volume (no mount), once under its own name and once as Application.evtx: the first is
    read, with its MFT entry as ntfs-3g's ntfsinfo gives it and the file's sha256, and
    joins the installation by layout; the second is not copied out (in winevt\\Logs a file's
    name is its channel's, and no reported event is of the Application channel)."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from samples.evtx_factory import CATALOGUE, RCM, write_evtx  # noqa: PLC0415

    name = "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Admin.evtx"
    log = tmp_path / name  # the image's own host's: RDSH-FIN02 (samples/rdsh-image)
    when = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    write_evtx(log, [CATALOGUE[(RCM, 1068)].spec(when, {}), CATALOGUE[(RCM, 1069)].spec(when, {})],
               computer="RDSH-FIN02.contoso.com")  # fmt: skip
    inside = f"Windows/System32/winevt/Logs/{name}"
    image, entries = _written_into_volume(
        tmp_path, {inside: log, "Windows/System32/winevt/Logs/Application.evtx": log}
    )
    code, [document], stderr = _analyze(image)
    assert code == 0, stderr
    [source] = document["events"]["sources"]
    assert source["path"] == f"{image}!/p1/{inside}"
    assert source["placed_by"] == "layout"
    assert source["container"]["member"] == inside
    assert source["container"]["mft_entry"] == entries[inside]
    assert source["sha256"] == _sha256(log)
    counts = {(c["event_id"], c["count"]) for c in document["events"]["counts"]}
    assert counts == {(1068, 1), (1069, 1)}
