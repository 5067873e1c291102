"""samples/volume_factory.py: a volume whose timebomb the whole chain decrypts from its files.

The volume is written to ``tmp_path`` and read back only through the readers an analyst uses
(``open_hive`` on ``Windows/System32/config``, the master key files from
``Protect/S-1-5-18``). Independent truths: the grace-period end we asked for comes back
exactly; ``SecDesc`` equals the bytes of real SECURITY hives in the corpus; impacket's own
hive reader, secretsdump and DPAPI classes (when importable) read the same keys.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from hiveparse.crypto.bootkey import read_boot_key
from hiveparse.crypto.chain import decrypt_system_blob, read_dpapi_system
from hiveparse.crypto.errors import WrongKey
from hiveparse.crypto.lsa import read_pol_revision, read_secret_update_time
from hiveparse.crypto.masterkey import decrypt_master_key_file, parse_preferred
from hiveparse.crypto.timebomb import TimebombStatus, interpret_timebomb
from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import HiveType, ValueType
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.open import open_hive
from samples.volume_factory import (
    KeyMaterial,
    build_key_material,
    set_lsa_class_names,
    write_volume,
)
from tests.support.oracles import oracle

EXPIRY = datetime(2026, 3, 20, 9, 30, 15, tzinfo=UTC)
SEED = "test-volume"
LAYOUT = [
    "Windows/System32/config/SYSTEM",
    "Windows/System32/config/SECURITY",
    "Windows/System32/Microsoft/Protect/S-1-5-18/{guid}",
    "Windows/System32/Microsoft/Protect/S-1-5-18/Preferred",
]


def _system() -> MemoryHive:
    """A SYSTEM hive with Select and two ControlSets; ControlSet001 already has an Lsa key."""
    hive = MemoryHive(HiveType.SYSTEM)
    root = hive.root()
    root.ensure("Select").set_value("Current", int(ValueType.REG_DWORD), (1).to_bytes(4, "little"))
    lsa = root.ensure(r"ControlSet001\Control\Lsa")
    lsa.set_value("LmCompatibilityLevel", int(ValueType.REG_DWORD), (5).to_bytes(4, "little"))
    root.ensure(r"ControlSet002\Control")
    return hive


@pytest.fixture(scope="module")
def material() -> KeyMaterial:
    return build_key_material(SEED, EXPIRY)


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory, material: KeyMaterial) -> list[Path]:
    return write_volume(tmp_path_factory.mktemp("volume"), _system(), material)


def _protect_folder(volume: list[Path]) -> Path:
    return volume[2].parent


def _master_key_files(volume: list[Path]) -> dict[str, bytes]:
    folder = _protect_folder(volume)
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.name != "Preferred"}


def test_the_timebomb_decrypts_from_the_written_files(volume, material):
    system, security = open_hive(volume[0]), open_hive(volume[1])
    result = decrypt_system_blob(system, security, _master_key_files(volume), material.timebomb)
    reading = interpret_timebomb(result.plaintext)
    assert reading.status is TimebombStatus.FILETIME
    assert reading.end == EXPIRY
    assert result.plaintext == datetime_to_filetime(EXPIRY).to_bytes(8, "little")
    assert result.steps() == {
        "boot_key_control_set": "ControlSet001",
        "lsa_era": "nt6",
        "lsa_key_source": "Policy\\PolEKList",
        "lsa_key_id": str(material.lsa_key_id),
        "dpapi_system": "DPAPI_SYSTEM CurrVal machine key",
        "master_key_guid": str(material.master_key_guid),
        "blob_algorithms": "AES-256/sha512",
        "mac_variant": "rfc",
    }
    assert result.attempts == ()
    assert result.blob.flags == 0x4  # LocalMachine, as TSTool's ProtectedData call writes it
    assert len(material.timebomb) == 230


def test_layout_and_key_places(tmp_path, volume, material):
    root = volume[0].parents[3]
    guid = str(material.master_key_guid)
    assert [path.relative_to(root).as_posix() for path in volume] == [
        entry.format(guid=guid) for entry in LAYOUT
    ]
    system = open_hive(volume[0])
    for control_set in ("ControlSet001", "ControlSet002"):
        boot_key = read_boot_key(system, control_set)
        assert boot_key.key == material.boot_key
        assert dict(zip(material.class_names, boot_key.class_names, strict=True)) == (
            material.class_names
        )
    kept = system.root().find(r"ControlSet001\Control\Lsa").value("LmCompatibilityLevel")
    assert kept is not None  # the keys already there are kept
    security = open_hive(volume[1])
    assert security.root().name == "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}"
    assert read_pol_revision(security) == (1, 12)
    installed = EXPIRY - timedelta(days=120)
    assert read_secret_update_time(security, "DPAPI_SYSTEM", "OldVal") == datetime_to_filetime(
        installed
    )
    assert read_secret_update_time(security, "DPAPI_SYSTEM", "CurrVal") == datetime_to_filetime(
        installed + timedelta(seconds=1)
    )
    secret = security.root().find(r"Policy\Secrets\DPAPI_SYSTEM")
    default = secret.value("")
    assert (default.type_id, default.raw) == (int(ValueType.REG_DWORD), b"")
    for slot in secret.subkeys():
        assert slot.value("").type_id == int(ValueType.REG_NONE)
    preferred = parse_preferred(volume[3].read_bytes())
    assert preferred.guid == material.master_key_guid.bytes_le
    assert preferred.expires == installed + timedelta(days=90)


def test_both_dpapi_system_values_open(volume, material):
    keys = read_dpapi_system(open_hive(volume[0]), open_hive(volume[1]))
    assert keys.values["CurrVal"] == material.dpapi_system
    assert keys.values["OldVal"] == material.old_dpapi_system
    assert material.dpapi_system.machine_key != material.old_dpapi_system.machine_key
    data = volume[2].read_bytes()
    assert len(data) == 468
    assert decrypt_master_key_file(data, material.dpapi_system.machine_key).key == (
        material.master_key
    )
    for wrong in (material.dpapi_system.user_key, material.old_dpapi_system.machine_key):
        with pytest.raises(WrongKey):
            decrypt_master_key_file(data, wrong)


def test_secret_descriptor_is_the_one_windows_writes(corpus, volume):
    real = open_hive(corpus / "hives" / "regipy" / "SECURITY")
    expected = real.root().find(r"Policy\Secrets\DPAPI_SYSTEM\SecDesc").value("").raw
    ours = open_hive(volume[1]).root().find(r"Policy\Secrets\DPAPI_SYSTEM\SecDesc").value("")
    assert ours.raw == expected


def test_same_seed_same_bytes(tmp_path, volume):
    again = write_volume(tmp_path / "again", _system(), build_key_material(SEED, EXPIRY))
    assert [path.read_bytes() for path in again] == [path.read_bytes() for path in volume]
    other = build_key_material("another machine", EXPIRY)
    assert other.boot_key != build_key_material(SEED, EXPIRY).boot_key
    assert other.master_key_guid != build_key_material(SEED, EXPIRY).master_key_guid


def test_a_system_hive_needs_a_control_set(material):
    with pytest.raises(ValueError, match="no ControlSetNNN"):
        set_lsa_class_names(MemoryHive(HiveType.SYSTEM), material.class_names)


# -- impacket: its own hive reader, secretsdump and DPAPI on our volume ------------------------


def _impacket() -> tuple[ModuleType, ModuleType]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dpapi = oracle("impacket.dpapi")
        secretsdump = oracle("impacket.examples.secretsdump")
    return dpapi, secretsdump


def test_impacket_reads_the_boot_key_master_key_and_timebomb(volume, material):
    impacket_dpapi, secretsdump = _impacket()
    assert secretsdump.LocalOperations(str(volume[0])).getBootKey() == material.boot_key
    data = volume[2].read_bytes()
    header = impacket_dpapi.MasterKeyFile(data)
    section = impacket_dpapi.MasterKey(data[len(header) :][: header["MasterKeyLen"]])
    master_key = section.decrypt(material.dpapi_system.machine_key)
    assert master_key == material.master_key
    plaintext = impacket_dpapi.DPAPI_BLOB(material.timebomb).decrypt(master_key)
    assert plaintext == datetime_to_filetime(EXPIRY).to_bytes(8, "little")


def test_impacket_secretsdump_reads_the_security_hive(tmp_path, volume, material):
    _, secretsdump = _impacket()
    # The volume's own SECURITY file, as our writer wrote it (the (default) values' flags
    # clear, as Windows leaves them: impacket finds a (default) value by that).
    security = next(path for path in volume if path.name == "SECURITY")
    printed: list[str] = []
    peer = secretsdump.LSASecrets(
        str(security),
        material.boot_key,
        isRemote=False,
        history=True,
        perSecretCallback=lambda _kind, text: printed.append(text),
    )
    try:
        peer.dumpSecrets()
    finally:
        peer.finish()
    assert printed == [
        f"dpapi_machinekey:0x{value.machine_key.hex()}\ndpapi_userkey:0x{value.user_key.hex()}"
        for value in (material.dpapi_system, material.old_dpapi_system)
    ]
