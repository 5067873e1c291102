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

from hiveparse.crypto.dpapi_system import DpapiSystem
from hiveparse.crypto.protect import class_names_from_boot_key
from hiveparse.evidence.masterkey_files import find_master_keys
from hiveparse.model import ValueType
from hiveparse.rds.analyze import analyze, host_document
from hiveparse.rds.locations import TIMEBOMB_RTM
from hiveparse.report.schema import SCHEMA
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf.writer import write_hive
from samples import make_samples, volume_factory

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


# --- a volume built with the project's own tools ---------------------------------------------


def _session_host_system(timebomb: bytes) -> MemoryHive:
    hives = make_samples.session_host_hives(
        make_samples.SessionHost(
            machine=make_samples.Machine(
                "RDSH-T1", "", "2024-01-02T10:00:00", "2024-04-01T08:00:00"
            ),
            role_installed="2024-01-03T09:00:00",
            current=make_samples.ControlSetState(grace_written="2024-01-02T12:00:00"),
        )
    )
    system = hives["SYSTEM"]
    assert isinstance(system, MemoryHive)
    for number in (1, 2):
        grace = system.root().find(rf"ControlSet00{number}\{make_samples.GRACE_PERIOD}")
        assert isinstance(grace, MemoryKey)
        grace.set_value(TIMEBOMB_RTM, int(ValueType.REG_BINARY), timebomb)
    return system


def _write(folder: Path, name: str, hive: MemoryHive) -> None:
    config = folder / "Windows" / "System32" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / name).write_bytes(write_hive(hive, hive_file_name=name))


def test_analyze_opens_the_corpus_timebomb_in_a_volume_we_build(
    corpus: Path, tmp_path: Path
) -> None:
    """The corpus blob and Nemesis master key (not made by us) under a SECURITY hive whose
    DPAPI_SYSTEM is Nemesis's, built with our writer and protect functions."""
    folder = corpus / "dpapi" / "synthetic_timebomb"
    vectors = json.loads((folder / "vectors.json").read_text())
    plain = bytes.fromhex(vectors["chain"]["dpapi_system_plaintext"])
    dpapi = DpapiSystem(1, plain[4:24], plain[24:44])
    boot_key = bytes(range(16))
    lsa_id = uuid.UUID(int=0x1234)
    security = volume_factory.security_hive(
        boot_key, lsa_id, bytes(range(32, 64)), {"CurrVal": dpapi, "OldVal": dpapi},
        "test", datetime(2024, 1, 2, tzinfo=UTC), (1, 12),
    )  # fmt: skip
    system = _session_host_system((folder / "timebomb_blob.bin").read_bytes())
    volume_factory.set_lsa_class_names(system, class_names_from_boot_key(boot_key))
    _write(tmp_path, "SYSTEM", system)
    _write(tmp_path, "SECURITY", security)
    protect = tmp_path / "Windows" / "System32" / "Microsoft" / "Protect" / "S-1-5-18"
    protect.mkdir(parents=True)
    shutil.copy(folder / f"masterkey_{SYNTHETIC_KEY}.bin", protect / SYNTHETIC_KEY)
    grace = _grace([tmp_path], datetime(2024, 4, 1, tzinfo=UTC))
    assert grace["expires"] == vectors["expected"]["utc"] == "2024-05-01T12:00:00Z"
    assert grace["expires_source"] == "decrypted"
    assert grace["days_left"] == 31
    decryption = grace["decryption"]
    assert isinstance(decryption, dict)
    assert decryption["master_key_guid"] == SYNTHETIC_KEY
    assert decryption["steps"]["dpapi_system"] == "DPAPI_SYSTEM CurrVal machine key"

    # The same volume without its master key: the missing file is named, the estimate stays.
    (protect / SYNTHETIC_KEY).unlink()
    grace = _grace([tmp_path], datetime(2024, 4, 1, tzinfo=UTC))
    assert grace["expires_source"] == "estimated"
    assert grace["decryption"]["missing"] == [  # type: ignore[index]
        f"master key file {SYNTHETIC_KEY} (Windows\\System32\\Microsoft\\Protect\\S-1-5-18\\"
        f"{SYNTHETIC_KEY} or its User subfolder)"
    ]


def test_a_key_that_does_not_fit_is_a_one_line_failure(tmp_path: Path) -> None:
    # Two machines' key material mixed up: the SECURITY hive of one, the master key of the other.
    expiry = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    ours, other = (volume_factory.build_key_material(s, expiry) for s in ("ours", "other"))
    system = _session_host_system(ours.timebomb)
    volume_factory.set_lsa_class_names(system, ours.class_names)
    _write(tmp_path, "SYSTEM", system)
    _write(tmp_path, "SECURITY", other.security)
    protect = tmp_path / "Windows" / "System32" / "Microsoft" / "Protect" / "S-1-5-18"
    protect.mkdir(parents=True)
    (protect / str(ours.master_key_guid)).write_bytes(ours.master_key_file)
    grace = _grace([tmp_path], datetime(2026, 3, 1, tzinfo=UTC))
    assert grace["expires_source"] == "estimated"
    decryption = grace["decryption"]
    assert isinstance(decryption, dict)
    assert decryption["status"] == "failed"
    assert "\n" not in decryption["error"]
    assert decryption["error"]


def test_a_fresh_volume_decrypts_to_the_expiry_it_was_built_with(tmp_path: Path) -> None:
    expiry = datetime(2026, 4, 17, 6, 30, 5, tzinfo=UTC)
    material = volume_factory.build_key_material("fresh", expiry)
    volume_factory.write_volume(tmp_path, _session_host_system(material.timebomb), material)
    grace = _grace([tmp_path], datetime(2026, 3, 6, tzinfo=UTC))
    assert (grace["expires"], grace["expires_source"]) == ("2026-04-17T06:30:05Z", "decrypted")
