"""What ``info`` says of a disk image: the image and its files, its partitions and volumes,
the Windows installations in it and the registry files read from each, with where they lie
(partition, path in the volume, MFT entry) and their hashes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from hiveparse.evidence.image.extract import ImageExtraction


def image_info_document(extraction: ImageExtraction) -> dict[str, Any]:
    """The ``info`` document of a disk image (:class:`~hiveparse.report.models.InfoDocument`,
    with ``image``, ``volumes`` and ``files`` in place of a hive's facts)."""
    from hiveparse.errors import Severity  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415

    files = [
        {"path": extraction.show(copied), **member}
        for copied, member in sorted(extraction.members.items())
    ]
    diagnostics = [note.shown(extraction.show) for note in extraction.diagnostics]
    diagnostics += extraction.encrypted_diagnostics()
    body = {
        "written_by": None,
        "hives": [],
        "image": extraction.record,
        "volumes": extraction.volumes,
        "installs": [extraction.show(folder) for folder in extraction.installs],
        "encrypted": [
            {"folder": extraction.show(folder), "message": what, "offset": offset}
            for folder, what, offset in extraction.encrypted
        ],
        "files": files,
    }
    partial = bool(extraction.encrypted) or any(d.severity == Severity.ERROR for d in diagnostics)
    return records.envelope([], body, partial=partial, diagnostics=diagnostics)


def write_image_info_table(document: dict[str, Any], sink: TextIO) -> None:
    """The image, its volumes, and the files read from each Windows installation."""
    image = document["image"]
    out = [f"{image['path']}  ({image['format']}, {image['media_size']} bytes)"]
    out += [
        f"  file    {item['path']}  {item['size']} bytes  sha256 {item['sha256']}"
        for item in image["image_files"]
    ]
    for name, value in sorted(image["stored_hashes"].items()):
        verified = image.get("verified", {}).get(name)
        check = "" if verified is None else ("  (verified)" if verified else "  (DOES NOT MATCH)")
        out.append(f"  stored  {name} {value}{check}")
    out.append(f"  table   {image.get('partition_table', 'unknown')}")
    for volume in document["volumes"]:
        partition = volume["partition"]
        windows = "  Windows installation" if volume["windows"] else ""
        copies = volume.get("shadow_copies") or []
        shadows = (
            f"  {len(copies)} shadow cop{'y' if len(copies) == 1 else 'ies'}" if copies else ""
        )
        out.append(
            f"  {volume['folder']:<7} offset {partition['offset']}  {partition['size']} bytes  "
            f"{partition['type_name']}  {volume['file_system']}{windows}{shadows}"
        )
    if document["files"]:
        out.append("files read (path in the image, MFT entry, sha256):")
        out += [
            f"  {item['path']}  #{item['mft_entry']}  {item['member_sha256']}"
            for item in document["files"]
        ]
    sink.write("\n".join(out) + "\n")
