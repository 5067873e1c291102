"""The whole chain: hives -> boot key -> LSA key -> DPAPI_SYSTEM -> master key -> blob."""

from __future__ import annotations

import io
import uuid

import pytest

from hiveparse.crypto.bootkey import LSA_CLASS_KEYS
from hiveparse.crypto.chain import (
    DpapiSystemKeys,
    decrypt_system_blob,
    decrypt_with_system_keys,
    list_lsa_secrets,
    open_lsa,
    read_dpapi_system,
)
from hiveparse.crypto.dpapi_system import split_dpapi_system
from hiveparse.crypto.errors import MissingKeyMaterial, WrongKey
from hiveparse.crypto.lsa import LsaEra
from hiveparse.crypto.timebomb import TimebombStatus, interpret_timebomb
from hiveparse.errors import UsageError
from hiveparse.filetime import iso_z
from hiveparse.model import HiveType, ValueType
from hiveparse.schemas import dpapi as blob_schema
from hiveparse.sources.memory import MemoryHive

SYNTHETIC_GUID = "dd26f81a-4ed9-49fd-8b45-42723d8ae006"


def _synthetic(dpapi, vectors):
    folder = dpapi / "synthetic_timebomb"
    plaintext = bytes.fromhex(vectors("synthetic_timebomb")["chain"]["dpapi_system_plaintext"])
    files = {SYNTHETIC_GUID: (folder / f"masterkey_{SYNTHETIC_GUID}.bin").read_bytes()}
    return plaintext, files, (folder / "timebomb_blob.bin").read_bytes()


# -- real XP hives: boot key -> NT5 LSA key -> DPAPI_SYSTEM ------------------------------------


def test_bitcurator_dpapi_system(xp_hives, vectors):
    expected = vectors("bitcurator_xp")["expected"]
    keys = read_dpapi_system(*xp_hives)
    assert keys.lsa is not None
    assert keys.lsa.boot_key.key.hex() == expected["bootkey"]
    assert keys.lsa.lsa_key.era is LsaEra.NT5
    assert keys.lsa.pol_revision == (1, 7)
    current = keys.values["CurrVal"]
    assert current.machine_key.hex() == expected["DPAPI_SYSTEM"]["machine_key"]
    assert current.user_key.hex() == expected["DPAPI_SYSTEM"]["user_key"]
    assert "OldVal" not in keys.values
    assert keys.notes == ("DPAPI_SYSTEM OldVal: absent",)
    labels = [key.label for key in keys.pre_keys()]
    assert labels == ["DPAPI_SYSTEM CurrVal machine key", "DPAPI_SYSTEM CurrVal user key"]
    for secret in (expected["bootkey"], expected["DPAPI_SYSTEM"]["machine_key"]):
        assert secret not in repr(keys)


def test_bitcurator_secret_listing(xp_hives, vectors):
    bomb = vectors("bitcurator_xp")["expected"]["timebomb_lsa_secret"]
    listed = list_lsa_secrets(*xp_hives)
    by_slot = {(entry.name, entry.slot): entry for entry in listed}
    assert all(entry.plaintext is None and entry.error is None for entry in listed)
    dpapi_system = by_slot["DPAPI_SYSTEM", "CurrVal"]
    assert (dpapi_system.stored_length, dpapi_system.length) == (68, 44)
    timebomb = by_slot[bomb["name"], "CurrVal"]
    assert timebomb.length == 8
    assert (bomb["name"], "OldVal") not in by_slot
    revealed = {(e.name, e.slot): e for e in list_lsa_secrets(*xp_hives, reveal=True)}
    plaintext = revealed[bomb["name"], "CurrVal"].plaintext
    assert plaintext is not None and plaintext.hex() == bomb["plaintext_filetime_le"]
    assert bomb["plaintext_filetime_le"] not in repr(revealed[bomb["name"], "CurrVal"])


def test_bitcurator_with_a_master_key_from_another_machine(xp_hives, dpapi, vectors):
    _, files, blob = _synthetic(dpapi, vectors)
    with pytest.raises(MissingKeyMaterial, match=f"master key file {SYNTHETIC_GUID} not supplied"):
        decrypt_system_blob(*xp_hives, {}, blob)
    with pytest.raises(WrongKey, match="no DPAPI_SYSTEM key opens it") as caught:
        decrypt_system_blob(*xp_hives, files, blob)
    assert "CurrVal machine key, DPAPI_SYSTEM CurrVal user key" in str(caught.value)


# -- DPAPI_SYSTEM -> master key -> blob --------------------------------------------------------


def test_synthetic_timebomb_chain(dpapi, vectors):
    plaintext, files, blob = _synthetic(dpapi, vectors)
    keys = DpapiSystemKeys({"CurrVal": split_dpapi_system(plaintext)})
    result = decrypt_with_system_keys(keys, files, blob)
    expected = vectors("synthetic_timebomb")["expected"]
    assert result.plaintext.hex() == expected["plaintext_hex"]
    reading = interpret_timebomb(result.plaintext)
    assert reading.status is TimebombStatus.FILETIME
    assert reading.filetime == expected["filetime"]
    assert iso_z(reading.end) == expected["utc"]
    assert result.attempts == ()
    steps = result.steps()
    assert steps["dpapi_system"] == "DPAPI_SYSTEM CurrVal machine key"
    assert steps["master_key_guid"] == SYNTHETIC_GUID
    assert steps["blob_algorithms"] == "AES-256/sha512"
    assert steps["boot_key_control_set"] is None  # no hives in this case
    assert result.blob.flags == 0x4  # README: LocalMachine


def test_mapping_keys_may_be_uuids_braced_or_upper_case(dpapi, vectors):
    plaintext, files, blob = _synthetic(dpapi, vectors)
    keys = DpapiSystemKeys({"CurrVal": split_dpapi_system(plaintext)})
    data = files[SYNTHETIC_GUID]
    for name in (uuid.UUID(SYNTHETIC_GUID), "{" + SYNTHETIC_GUID.upper() + "}"):
        assert (
            decrypt_with_system_keys(keys, {name: data}, blob).plaintext.hex() == "0060ba17bf9bda01"
        )
    with pytest.raises(UsageError, match="not a GUID"):
        decrypt_with_system_keys(keys, {"Preferred": b"", SYNTHETIC_GUID: data}, blob)


def test_old_value_is_tried_after_the_current_one(dpapi, vectors):
    plaintext, files, blob = _synthetic(dpapi, vectors)
    stale = split_dpapi_system(b"\x01\x00\x00\x00" + bytes(range(40)))
    keys = DpapiSystemKeys({"CurrVal": stale, "OldVal": split_dpapi_system(plaintext)})
    result = decrypt_with_system_keys(keys, files, blob)
    assert result.pre_key.label == "DPAPI_SYSTEM OldVal machine key"
    assert [line.split(":")[0] for line in result.attempts] == [
        "DPAPI_SYSTEM CurrVal machine key",
        "DPAPI_SYSTEM CurrVal user key",
    ]


def test_nemesis_user_key_chain_on_a_cng_system_key(dpapi, vectors):
    """KNOWN_ANSWERS.md: the CNG system key's "Private Key" blob opens with the SYSTEM *user*
    master key fb1190c1-... and entropy ``xT5rZW5qVVbrvpuA`` + NUL."""
    nemesis = dpapi / "nemesis"
    plaintext = bytes.fromhex(
        vectors("nemesis", "dpapi_system_vectors.json")["dpapi_system_secret"]["plaintext_hex"]
    )
    keys = DpapiSystemKeys({"CurrVal": split_dpapi_system(plaintext)})
    guid = "fb1190c1-123d-45f8-95f4-32aee28fe2eb"
    files = {guid: (nemesis / "masterkey_systemuser.bin").read_bytes()}
    data = next(
        (nemesis / "chrome" / "v137after").rglob("7096db7aeb75c0d3497ecd56d355a695_*")
    ).read_bytes()
    entropy = b"xT5rZW5qVVbrvpuA\x00"
    expected = (
        "4b44424d0100000020000000442ad62f22c9bc1bf2c9a67a4cfc5ac0d3b660b4e431f6b2232c8a730fbc1e21"
    )
    opened = []
    start = data.find(blob_schema.PROVIDER_GUID)
    while start != -1:
        stream = io.BytesIO(data[start - 4 :])
        blob_schema.dpapi_blob.parse_stream(stream)
        blob = data[start - 4 : start - 4 + stream.tell()]
        try:
            result = decrypt_with_system_keys(keys, files, blob, entropy=entropy)
        except WrongKey:  # the "Private Key Properties" blob takes another entropy
            pass
        else:
            opened.append(result)
        start = data.find(blob_schema.PROVIDER_GUID, start + 1)
    assert len(opened) == 1
    assert opened[0].plaintext.hex() == expected
    assert opened[0].pre_key.label == "DPAPI_SYSTEM CurrVal user key"
    assert opened[0].attempts[0].startswith("DPAPI_SYSTEM CurrVal machine key: ")


# -- NT6 end to end on the in-memory backend (dissect.target's published Win10 vector) --------


def _nt6_hives(entry):
    system = MemoryHive(HiveType.SYSTEM)
    root = system.root()
    root.ensure("Select").set_value("Current", ValueType.REG_DWORD, (1).to_bytes(4, "little"))
    lsa = root.ensure("ControlSet001\\Control\\Lsa")
    for name in LSA_CLASS_KEYS:
        lsa.add_key(name).class_name_text = entry["class_names"][name]
    security = MemoryHive(HiveType.SECURITY)
    policy = security.root().ensure("Policy")
    policy.ensure("PolEKList").set_value("", 0, bytes.fromhex(entry["policy_value_hex"]))
    current = policy.ensure("Secrets\\DPAPI_SYSTEM\\CurrVal")
    current.set_value("", 0, bytes.fromhex(entry["DPAPI_SYSTEM_CurrVal_hex"]))
    return system, security


def test_dissect_win10_chain_on_memory_hives(vectors):
    entry = vectors("dissect_target")["systems"]["win10"]
    system, security = _nt6_hives(entry)
    context = open_lsa(system, security)
    assert context.lsa_key.era is LsaEra.NT6
    assert context.lsa_key.key.hex() == entry["published_expected"]["lsa_key"]
    keys = read_dpapi_system(system, security)
    published = bytes.fromhex(
        entry["published_expected"]["DPAPI_SYSTEM_decrypted_with_16_byte_header"]
    )
    assert keys.values["CurrVal"].machine_key == published[20:40]
    assert keys.values["CurrVal"].user_key == published[40:60]
    listed = list_lsa_secrets(system, security)
    assert [(e.name, e.slot, e.length) for e in listed] == [("DPAPI_SYSTEM", "CurrVal", 44)]


def test_unreadable_dpapi_system_is_missing_key_material(vectors):
    entry = vectors("dissect_target")["systems"]["win10"]
    system, security = _nt6_hives(entry)
    security.root().find("Policy\\Secrets\\DPAPI_SYSTEM\\CurrVal").set_value(
        "", 0, b"\x00\x00\x00\x01"
    )
    with pytest.raises(MissingKeyMaterial, match="no readable value") as caught:
        read_dpapi_system(system, security)
    assert "\n" not in str(caught.value)
    listed = list_lsa_secrets(system, security)
    assert listed[0].error is not None and listed[0].length is None
