"""The grace period's end from the evidence's own keys, through `analyze` (§5.2, dpapi.md).

Truths: the BitCurator XP pair's README (the L$RTMTIMEBOMB secret decrypts to
2010-03-09T00:39:35Z, as impacket's secretsdump agrees) and the project's samples, which
carry a DPAPI timebomb but neither SECURITY hive nor master keys.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from hiveparse.analyze import analyze, host_document
from hiveparse.masterkeys import find_master_keys
from hiveparse.report.schema import SCHEMA

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SYNTHETIC_KEY = "dd26f81a-4ed9-49fd-8b45-42723d8ae006"


def _grace(paths: list[Path], as_of: datetime, **options: list[Path]) -> dict[str, object]:
    analysis = analyze(paths, as_of=as_of, **options)  # type: ignore[arg-type]
    (host,) = [h for h in analysis.hosts if h.state.grace.present]
    grace: dict[str, object] = host_document(host, analysis)["licensing"]["grace_period"]
    return grace


def test_xp_timebomb_is_read_from_the_lsa_secret(corpus: Path) -> None:
    grace = _grace([corpus / "dpapi" / "bitcurator_xp"], datetime(2010, 1, 1, tzinfo=UTC))
    assert grace["expires"] == "2010-03-09T00:39:35Z"
    assert grace["expires_source"] == "lsa_secret"
    assert grace["days_left"] == 68  # 2010-01-01 -> 2010-03-09T00:39:35, rounded up
    decryption = grace["decryption"]
    assert isinstance(decryption, dict)
    assert decryption["filetime"] == 129125687750000000
    assert decryption["steps"]["lsa_era"] == "nt5"


def test_missing_pieces_are_named_and_the_estimate_stays() -> None:
    grace = _grace([SAMPLES / "friday-afternoon-rdsh" / "SYSTEM"], datetime(2026, 3, 6, tzinfo=UTC))
    assert grace["expires_source"] == "estimated"
    decryption = grace["decryption"]
    assert isinstance(decryption, dict)
    assert decryption["status"] == "missing_keys"
    guid = decryption["master_key_guid"]
    assert str(uuid.UUID(guid)) == guid  # the blob names its master key
    missing = " ".join(decryption["missing"])
    assert "SECURITY hive" in missing
    assert f"master key file {guid}" in missing


def test_no_secret_reaches_the_report(corpus: Path) -> None:
    analysis = analyze([corpus / "dpapi" / "bitcurator_xp"], as_of=datetime(2010, 1, 1, tzinfo=UTC))
    documents = [host_document(host, analysis) for host in analysis.hosts]
    for document in documents:
        jsonschema.validate(json.loads(json.dumps(document)), SCHEMA)
    text = repr(documents)
    # The LSA key, the boot key and DPAPI_SYSTEM's machine key of the README.
    for secret in ("2b2c354c69367212d0f2d0556bba6c79", "9b01ef40d856a48795f6f3e627ef78b8",
                   "695cd3e6ca3e49c22fcc6fe55b039984e5ee5b62"):  # fmt: skip
        assert secret not in text


def test_master_keys_are_found_where_windows_keeps_them(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "dpapi" / "synthetic_timebomb" / f"masterkey_{SYNTHETIC_KEY}.bin"
    machine = tmp_path / "Windows" / "System32" / "Microsoft" / "Protect" / "S-1-5-18"
    (machine / "User").mkdir(parents=True)
    shutil.copy(source, machine / SYNTHETIC_KEY)
    shutil.copy(source, machine / "User" / "00000000-0000-0000-0000-000000000001")
    (machine / "Preferred").write_bytes(bytes(24))
    found = find_master_keys([tmp_path])
    assert list(found.files) == [SYNTHETIC_KEY]
    assert found.files[SYNTHETIC_KEY].scope == "machine"
    # The copy under a wrong name is refused: the file says which key it holds.
    assert [note.code for note in found.notes] == ["masterkey.name_mismatch"]
    # Named explicitly, a stray file is tried too; the volume walk alone does not see it.
    stray = tmp_path / "elsewhere" / SYNTHETIC_KEY
    stray.parent.mkdir()
    shutil.copy(source, stray)
    assert list(find_master_keys([stray], given=True).files) == [SYNTHETIC_KEY]
    assert find_master_keys([tmp_path / "elsewhere"]).files == {}
