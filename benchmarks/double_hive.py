"""Build a SYSTEM hive and one twice its size with the same licensing keys, both by `convert`.

    python benchmarks/double_hive.py SYSTEM_HIVE OUT_DIR
    # writes OUT_DIR/single/SYSTEM and OUT_DIR/double/SYSTEM

The hive is exported as regedit would (our exporter), the export's body is repeated under a
`Copy` key (keys analyze never reads), and both .reg files are turned into hives by the REGF
writer behind `hiveparse convert`. `analyze` on the two then shows whether its time grows
with the hive's size or only with the keys it reads.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

from hiveparse.export.convert import convert_reg_to_hives
from hiveparse.export.regfile import export_reg_bytes
from hiveparse.sources.regf import open_hive

MOUNT = "HKEY_LOCAL_MACHINE\\SYSTEM"
FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def main(source: str, out_dir: str) -> None:
    out = Path(out_dir)
    text = export_reg_bytes(open_hive(source, apply_logs=False).root(), MOUNT).decode("utf-16")
    header, body = text.split("\r\n", 1)
    copy = body.replace(f"[{MOUNT}\\", f"[{MOUNT}\\Copy\\")
    for name, content in (("single", body), ("double", body + copy)):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        reg = out / f"{name}.reg"
        reg.write_bytes(b"\xff\xfe" + f"{header}\r\n{content}".encode("utf-16-le"))
        (converted,) = convert_reg_to_hives(reg, last_written=FIXED_TIME)
        (folder / "SYSTEM").write_bytes(converted.data)
        reg.unlink()
        print(name, len(converted.data), "bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
