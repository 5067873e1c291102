"""LSA policy key and LSA secrets, both eras (dpapi.md §2.2, §2.3, §3.1)."""

from __future__ import annotations

import struct
import uuid

import pytest

from hiveparse.crypto.bootkey import LSA_CLASS_KEYS, boot_key_from_class_names
from hiveparse.crypto.errors import (
    DecryptionError,
    MalformedInput,
    MissingKeyMaterial,
    TruncatedInput,
    UnsupportedAlgorithm,
    WrongKey,
)
from hiveparse.crypto.lsa import (
    LsaEra,
    LsaKey,
    decrypt_pol_ek_list,
    decrypt_pol_secret_encryption_key,
    decrypt_secret,
    decrypt_secret_nt5,
    decrypt_secret_nt6,
    read_lsa_key,
    read_pol_revision,
    read_secret_update_time,
    read_secret_value,
    secret_names,
    system_function_005,
)
from hiveparse.filetime import filetime_iso
from hiveparse.model import HiveType
from hiveparse.sources.memory import MemoryHive

# -- NT5: the real BitCurator XP pair --------------------------------------------------------


def test_bitcurator_lsa_key_and_revision(xp_hives, vectors):
    expected = vectors("bitcurator_xp")["expected"]
    security = xp_hives[1]
    lsa_key = read_lsa_key(security, bytes.fromhex(expected["bootkey"]))
    assert lsa_key.era is LsaEra.NT5
    assert lsa_key.key.hex() == expected["lsa_key_nt5"]
    assert lsa_key.source == "Policy\\PolSecretEncryptionKey"
    assert expected["lsa_key_nt5"] not in repr(lsa_key)
    assert read_pol_revision(security) == (1, 7)  # README: PolRevision 1.7


def test_bitcurator_secrets_as_stored_and_decrypted(xp_hives, vectors):
    expected = vectors("bitcurator_xp")["expected"]
    security = xp_hives[1]
    lsa_key = read_lsa_key(security, bytes.fromhex(expected["bootkey"]))
    names = secret_names(security)
    bomb = expected["timebomb_lsa_secret"]
    assert {"DPAPI_SYSTEM", bomb["name"]} <= set(names)
    stored = read_secret_value(security, "DPAPI_SYSTEM")
    assert stored is not None and stored.hex() == expected["DPAPI_SYSTEM"]["CurrVal_hex"]
    assert decrypt_secret(stored, lsa_key).hex() == expected["DPAPI_SYSTEM"]["plaintext"]
    assert read_secret_value(security, "DPAPI_SYSTEM", "OldVal") is None
    stored = read_secret_value(security, bomb["name"])
    assert stored is not None and stored.hex() == bomb["CurrVal_hex"]
    assert decrypt_secret_nt5(stored, lsa_key).hex() == bomb["plaintext_filetime_le"]
    cupd = read_secret_update_time(security, bomb["name"], "CurrVal")
    oupd = read_secret_update_time(security, bomb["name"], "OldVal")
    assert filetime_iso(cupd) == bomb["CupdTime_utc"]
    assert filetime_iso(oupd) == bomb["OupdTime_utc"]
    assert read_secret_value(security, "no such secret") is None


def test_bitcurator_secret_under_the_wrong_lsa_key(xp_hives, vectors):
    stored = bytes.fromhex(vectors("bitcurator_xp")["expected"]["DPAPI_SYSTEM"]["CurrVal_hex"])
    with pytest.raises(WrongKey, match="NT5 secret"):
        decrypt_secret_nt5(stored, bytes(16))


def test_bitcurator_wrong_boot_key(xp_hives):
    with pytest.raises(WrongKey, match="PolSecretEncryptionKey"):
        read_lsa_key(xp_hives[1], bytes(16))


# -- dissect.target vectors: Win10 / Win7 / Vista (NT6) and XP (NT5) ---------------------------


def _dissect(vectors, system):
    entry = vectors("dissect_target")["systems"][system]
    names = [entry["class_names"][n] for n in LSA_CLASS_KEYS]
    return entry, boot_key_from_class_names(names)


@pytest.mark.parametrize("system", ["win10", "win7", "vista"])
def test_dissect_nt6(vectors, system):
    entry, boot_key = _dissect(vectors, system)
    lsa_key = decrypt_pol_ek_list(bytes.fromhex(entry["policy_value_hex"]), boot_key)
    assert lsa_key.era is LsaEra.NT6
    secret = decrypt_secret(bytes.fromhex(entry["DPAPI_SYSTEM_CurrVal_hex"]), lsa_key)
    published = entry["published_expected"]
    if published:  # win10: dissect.target's own assertions
        assert lsa_key.key.hex() == published["lsa_key"]
        full = bytes.fromhex(published["DPAPI_SYSTEM_decrypted_with_16_byte_header"])
        length = struct.unpack_from("<I", full)[0]
        assert secret == full[16 : 16 + length]
    else:  # win7, vista: computed by the research session (upstream asserts none)
        assert lsa_key.key.hex() == entry["computed"]["lsa_key"]
        assert secret.hex() == entry["computed"]["DPAPI_SYSTEM_plain"]
    # The secret names the key that encrypted it; it is PolEKList's current key.
    key_id = bytes.fromhex(entry["DPAPI_SYSTEM_CurrVal_hex"])[4:20]
    assert lsa_key.key_id == uuid.UUID(bytes_le=key_id)


def test_dissect_xp(vectors):
    entry, boot_key = _dissect(vectors, "xp")
    published = entry["published_expected"]
    lsa_key = decrypt_pol_secret_encryption_key(bytes.fromhex(entry["policy_value_hex"]), boot_key)
    assert lsa_key.key.hex() == published["lsa_key"]
    secret = decrypt_secret(bytes.fromhex(entry["DPAPI_SYSTEM_CurrVal_hex"]), lsa_key)
    full = bytes.fromhex(published["DPAPI_SYSTEM_decrypted_with_8_byte_header"])
    length = struct.unpack_from("<I", full)[0]
    assert secret == full[8 : 8 + length]


def test_dissect_nt6_wrong_boot_key_and_wrong_lsa_key(vectors):
    entry, boot_key = _dissect(vectors, "win10")
    with pytest.raises(WrongKey, match="PolEKList"):
        decrypt_pol_ek_list(bytes.fromhex(entry["policy_value_hex"]), bytes(16))
    stored = bytes.fromhex(entry["DPAPI_SYSTEM_CurrVal_hex"])
    with pytest.raises(WrongKey, match="LSA secret"):
        decrypt_secret_nt6(stored, bytes(32))
    # A secret encrypted under a key id PolEKList does not hold.
    lsa_key = decrypt_pol_ek_list(bytes.fromhex(entry["policy_value_hex"]), boot_key)
    stranger = stored[:4] + uuid.UUID(int=1).bytes_le + stored[20:]
    with pytest.raises(WrongKey, match="which PolEKList lacks"):
        decrypt_secret(stranger, lsa_key)


# -- DPAPIck vectors -------------------------------------------------------------------------


def test_dpapick_nt5_lsa_key(vectors):
    vector = vectors("dpapick")["lsa"]["nt5_PolSecretEncryptionKey"]
    lsa_key = decrypt_pol_secret_encryption_key(
        bytes.fromhex(vector["value_hex"]), bytes.fromhex(vector["bootkey"])
    )
    assert lsa_key.key.hex() == vector["expected_lsa_key"]


def test_dpapick_nt6_lsa_key(vectors):
    vector = vectors("dpapick")["lsa"]["nt6_PolEKList"]
    lsa_key = decrypt_pol_ek_list(
        bytes.fromhex(vector["value_hex"]), bytes.fromhex(vector["bootkey"])
    )
    assert lsa_key.key.hex() == vector["expected_lsa_key"]
    assert str(lsa_key.key_id) == vector["expected_current_key_id"]


def test_dpapick_system_function_005(vectors):
    vector = vectors("dpapick")["lsa"]["nt5_secret_SystemFunction005"]
    ciphertext = bytes.fromhex(vector["ciphertext_after_12_byte_header"])
    key = bytes.fromhex(vector["lsa_key"])
    assert system_function_005(ciphertext, key).hex() == vector["expected_DPAPI_SYSTEM"]
    # The same through the stored form (u32 length, u32 maximum length, u32 pointer, data).
    stored = struct.pack("<III", len(ciphertext), 0x20000000 | len(ciphertext), 0) + ciphertext
    as_key = LsaKey(LsaEra.NT5, key)
    assert decrypt_secret(stored, as_key).hex() == vector["expected_DPAPI_SYSTEM"]


def test_dpapick_nt6_secret(vectors):
    vector = vectors("dpapick")["lsa"]["nt6_secret_DPAPI_SYSTEM"]
    secret = decrypt_secret_nt6(
        bytes.fromhex(vector["CurrVal_hex"]), bytes.fromhex(vector["lsa_key"])
    )
    assert secret.hex() == vector["expected_DPAPI_SYSTEM"]


# -- broken inputs ---------------------------------------------------------------------------


def _all_values(vectors):
    dissect = vectors("dissect_target")["systems"]
    dpapick = vectors("dpapick")["lsa"]
    return {
        "nt6_pol": bytes.fromhex(dissect["win10"]["policy_value_hex"]),
        "nt6_secret": bytes.fromhex(dissect["win10"]["DPAPI_SYSTEM_CurrVal_hex"]),
        "nt5_pol": bytes.fromhex(dissect["xp"]["policy_value_hex"]),
        "nt5_secret": bytes.fromhex(dissect["xp"]["DPAPI_SYSTEM_CurrVal_hex"]),
        "dpapick_nt6_pol": bytes.fromhex(dpapick["nt6_PolEKList"]["value_hex"]),
    }


def test_every_truncation_is_a_typed_error(vectors):
    """Cut anywhere, with the right keys: a typed error, never a shortened or garbled secret."""
    values = _all_values(vectors)
    dissect = vectors("dissect_target")["systems"]
    win10 = bytes.fromhex(dissect["win10"]["published_expected"]["bootkey"])
    win10_lsa = bytes.fromhex(dissect["win10"]["published_expected"]["lsa_key"])
    xp = bytes.fromhex(dissect["xp"]["published_expected"]["bootkey"])
    xp_lsa = bytes.fromhex(dissect["xp"]["published_expected"]["lsa_key"])
    dpapick = bytes.fromhex(vectors("dpapick")["lsa"]["nt6_PolEKList"]["bootkey"])
    calls = {
        "nt6_pol": lambda raw: decrypt_pol_ek_list(raw, win10),
        "dpapick_nt6_pol": lambda raw: decrypt_pol_ek_list(raw, dpapick),
        "nt6_secret": lambda raw: decrypt_secret_nt6(raw, win10_lsa),
        "nt5_pol": lambda raw: decrypt_pol_secret_encryption_key(raw, xp),
        "nt5_secret": lambda raw: decrypt_secret_nt5(raw, xp_lsa),
    }
    for name, call in calls.items():
        raw = values[name]
        call(raw)  # whole: opens
        for cut in range(len(raw)):
            with pytest.raises(DecryptionError):
                call(raw[:cut])


def test_specific_malformed_inputs(vectors):
    values = _all_values(vectors)
    with pytest.raises(TruncatedInput):
        decrypt_pol_secret_encryption_key(values["nt5_pol"][:75], bytes(16))
    with pytest.raises(MalformedInput, match="no ciphertext"):
        decrypt_secret_nt6(values["nt6_secret"][:60], bytes(32))
    with pytest.raises(UnsupportedAlgorithm, match="wrapper version"):
        decrypt_secret_nt6(b"\x00\x00\x00\x02" + values["nt6_secret"][4:], bytes(32))
    with pytest.raises(MalformedInput, match="not whole DES blocks"):
        system_function_005(bytes(12), bytes(16))
    with pytest.raises(MalformedInput, match="expected 16"):
        system_function_005(bytes(16), bytes(15))


def test_security_hive_without_policy_keys():
    with pytest.raises(MissingKeyMaterial, match="neither"):
        read_lsa_key(MemoryHive(HiveType.SECURITY), bytes(16))
    assert read_pol_revision(MemoryHive(HiveType.SECURITY)) is None
    assert secret_names(MemoryHive(HiveType.SECURITY)) == []
