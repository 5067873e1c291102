"""The protect side (hiveparse.crypto.protect): build, then decrypt or compare with the corpus.

Three kinds of truth:

* **Windows-made bytes, rebuilt.** Where the corpus gives every input of a structure — keys
  and plaintexts from the published answers, salts from the structure's clear fields or from
  a CBC/RC4 decryption done here with ``cryptography`` and the corpus's own intermediate
  values — the builder must give the corpus bytes exactly: the Win10/7/Vista PolEKList and
  DPAPI_SYSTEM values (dissect.target, DPAPIck), the XP secrets (BitCurator, dissect.target,
  DPAPIck), the SYSTEM and user master key files (Nemesis, impacket, DPAPIck) and the blobs
  (Nemesis, impacket, DPAPIck, the synthetic timebomb).
* **Round trips** through the decryptors, for inputs the corpus has no sample of.
* **impacket** (when importable) decrypting our master key files and blobs.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import warnings
from datetime import UTC, datetime
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from hiveparse.crypto._primitives import CALG_3DES, CALG_HMAC, CALG_SHA1, CIPHERS
from hiveparse.crypto.blob import MacVariant, decrypt_blob
from hiveparse.crypto.bootkey import boot_key_from_class_names
from hiveparse.crypto.dpapi_system import split_dpapi_system
from hiveparse.crypto.errors import WrongKey
from hiveparse.crypto.lsa import (
    LsaEra,
    LsaKey,
    decrypt_pol_ek_list,
    decrypt_pol_secret_encryption_key,
    decrypt_secret,
    decrypt_secret_nt5,
    decrypt_secret_nt6,
)
from hiveparse.crypto.masterkey import (
    decrypt_master_key_file,
    decrypt_master_key_section,
    parse_master_key_file,
    parse_preferred,
)
from hiveparse.crypto.protect import (
    BLOB_LOCAL_MACHINE,
    POL_EK_LIST_KEY_ID,
    build_dpapi_system,
    build_lsa_key_list,
    build_master_key_file,
    build_pol_revision,
    build_preferred,
    class_names_from_boot_key,
    protect_blob,
    protect_master_key,
    protect_master_key_file,
    protect_pol_ek_list,
    protect_pol_secret_encryption_key,
    protect_secret,
    protect_secret_nt5,
    protect_secret_nt6,
    replay_bytes,
    seeded_random_bytes,
    system_function_004,
)
from hiveparse.crypto.protect_dpapi import BACKUP_KEY_SIZE
from hiveparse.schemas import dpapi as blob_schema
from hiveparse.schemas import dpapi_masterkey as mk_schema
from hiveparse.schemas import lsa as lsa_schema
from tests.support.oracles import oracle

try:  # cryptography >= 43 keeps RC4 here
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
except ImportError:  # pragma: no cover - cryptography 42
    from cryptography.hazmat.primitives.ciphers.algorithms import ARC4  # type: ignore[no-redef]

FIXED_KEY_ID = uuid.UUID("0c03a3a0-2b09-d7df-7654-3d47bc16bae3")


def _hex(text: str) -> bytes:
    return bytes.fromhex(text)


def _ascii(text: str) -> bytes:
    """The corpus writes a NUL inside an ASCII vector as the four characters ``\\x00``."""
    return text.replace("\\x00", "\x00").encode()


# -- randomness ---------------------------------------------------------------------------------


def test_seeded_stream_is_one_stream_whatever_the_draw_sizes():
    whole = seeded_random_bytes("seed")(100)
    split = seeded_random_bytes("seed")
    assert split(7) + split(60) + split(33) == whole
    assert seeded_random_bytes("seed")(100) == whole
    assert seeded_random_bytes("other")(100) != whole
    # SHA-256(seed ‖ NUL ‖ counter as 8 big-endian bytes), computed here by hand
    assert whole[:32] == hashlib.sha256(b"seed\0" + bytes(8)).digest()


def test_replay_hands_back_exactly_the_chunks():
    draw = replay_bytes(b"ab", b"cde")
    assert draw(2) == b"ab"
    with pytest.raises(ValueError, match="a draw of 2 bytes met a 3-byte chunk"):
        draw(2)
    with pytest.raises(ValueError, match="after the last chunk"):
        draw(1)


# -- boot key: the class names of every corpus system ------------------------------------------


def test_class_names_rebuilt_from_published_boot_keys(vectors):
    systems = vectors("dissect_target")["systems"]
    cases = [(s["computed"]["bootkey"], s["class_names"]) for s in systems.values()]
    bitcurator = vectors("bitcurator_xp")["expected"]
    cases.append((bitcurator["bootkey"], bitcurator["lsa_class_names"]))
    for boot_key, names in cases:
        assert class_names_from_boot_key(_hex(boot_key)) == names
    assert len(cases) == 5


def test_class_names_round_trip_and_size():
    boot_key = bytes(range(16))
    names = class_names_from_boot_key(boot_key)
    assert list(names) == ["JD", "Skew1", "GBG", "Data"]
    assert boot_key_from_class_names(list(names.values())) == boot_key
    with pytest.raises(ValueError, match="boot key: 15 bytes"):
        class_names_from_boot_key(bytes(15))


# -- NT6: PolEKList and secrets, rebuilt byte for byte -----------------------------------------


def _nt6_cases(vectors):
    """(boot key, PolEKList, LSA key, CurrVal, DPAPI_SYSTEM) of every Vista+ system."""
    for name, system in vectors("dissect_target")["systems"].items():
        if name == "xp":
            continue
        computed = system["computed"]
        yield (
            _hex(computed["bootkey"]),
            _hex(system["policy_value_hex"]),
            _hex(computed["lsa_key"]),
            _hex(system["DPAPI_SYSTEM_CurrVal_hex"]),
            _hex(computed["DPAPI_SYSTEM_plain"]),
        )
    lsa = vectors("dpapick")["lsa"]
    yield (
        _hex(lsa["nt6_PolEKList"]["bootkey"]),
        _hex(lsa["nt6_PolEKList"]["value_hex"]),
        _hex(lsa["nt6_PolEKList"]["expected_lsa_key"]),
        _hex(lsa["nt6_secret_DPAPI_SYSTEM"]["CurrVal_hex"]),
        _hex(lsa["nt6_secret_DPAPI_SYSTEM"]["expected_DPAPI_SYSTEM"]),
    )


def test_nt6_values_rebuilt_byte_for_byte(vectors):
    count = 0
    for boot_key, pol_ek_list, lsa_key, curr_val, dpapi_system in _nt6_cases(vectors):
        key_id = uuid.UUID(bytes_le=curr_val[4:20])  # the secret names the LSA key it used
        assert pol_ek_list[4:20] == POL_EK_LIST_KEY_ID.bytes_le  # the same in every sample
        salt = pol_ek_list[28:60]  # the wrapper's clear salt (dpapi.md §2.2)
        rebuilt = protect_pol_ek_list({key_id: lsa_key}, key_id, boot_key, replay_bytes(salt))
        assert rebuilt == pol_ek_list
        secret = protect_secret_nt6(dpapi_system, lsa_key, key_id, replay_bytes(curr_val[28:60]))
        assert secret == curr_val
        count += 1
    assert count == 4
    assert str(key_id) == vectors("dpapick")["lsa"]["nt6_PolEKList"]["expected_current_key_id"]


def test_nt6_round_trip_several_keys():
    boot_key = seeded_random_bytes("boot")(16)
    old, current = uuid.UUID(int=1), FIXED_KEY_ID
    keys = {old: bytes(32), current: b"\x07" * 32}
    value = protect_pol_ek_list(keys, current, boot_key, seeded_random_bytes("pol"))
    opened = decrypt_pol_ek_list(value, boot_key)
    assert (opened.era, opened.key_id, opened.key, opened.keys) == (
        LsaEra.NT6,
        current,
        keys[current],
        keys,
    )
    for secret in (b"", b"x", bytes(range(16)), bytes(range(44))):
        stored = protect_secret(secret, opened, seeded_random_bytes(secret.hex()))
        assert decrypt_secret(stored, opened) == secret
        assert len(stored) == 60 + 16 + (len(secret) + 15) // 16 * 16
    under_old = protect_secret_nt6(b"old", keys[old], old, seeded_random_bytes("o"))
    assert decrypt_secret_nt6(under_old, opened) == b"old"
    with pytest.raises(WrongKey):
        decrypt_pol_ek_list(value, bytes(16))


def test_key_list_refuses_bad_input():
    with pytest.raises(ValueError, match="not among the keys"):
        build_lsa_key_list({FIXED_KEY_ID: bytes(32)}, uuid.UUID(int=2))
    with pytest.raises(ValueError, match="LSA key: 16 bytes"):
        build_lsa_key_list({FIXED_KEY_ID: bytes(16)}, FIXED_KEY_ID)
    with pytest.raises(ValueError, match="without a key id"):
        protect_secret(b"", LsaKey(LsaEra.NT6, bytes(32)), replay_bytes())


def test_pol_revision():
    assert build_pol_revision(1, 7) == bytes.fromhex("07000100")  # BitCurator XP
    assert build_pol_revision(1, 12) == bytes.fromhex("0c000100")  # Server 2016/2019 era


# -- NT5 ----------------------------------------------------------------------------------------


def _nt5_policy_tail(value: bytes, boot_key: bytes) -> bytes:
    """The last 16 plaintext bytes of a PolSecretEncryptionKey, decrypted here by hand."""
    salt = value[60:76]
    rc4_key = hashlib.md5(boot_key + salt * 1000).digest()
    decryptor = Cipher(ARC4(rc4_key), mode=None).decryptor()
    return (decryptor.update(value[12:60]) + decryptor.finalize())[32:]


def test_nt5_values_rebuilt_byte_for_byte(vectors, xp_hives):
    xp = vectors("dissect_target")["systems"]["xp"]
    lsa = vectors("dpapick")["lsa"]
    bitcurator = vectors("bitcurator_xp")["expected"]
    policies = [
        (xp["policy_value_hex"], xp["published_expected"]["bootkey"], xp["computed"]["lsa_key"]),
        (
            lsa["nt5_PolSecretEncryptionKey"]["value_hex"],
            lsa["nt5_PolSecretEncryptionKey"]["bootkey"],
            lsa["nt5_PolSecretEncryptionKey"]["expected_lsa_key"],
        ),
    ]
    security = xp_hives[1].root()
    bitcurator_policy = security.find("Policy\\PolSecretEncryptionKey").value("").raw
    policies.append((bitcurator_policy.hex(), bitcurator["bootkey"], bitcurator["lsa_key_nt5"]))
    for value_hex, boot_key, lsa_key in policies:
        value, boot = _hex(value_hex), _hex(boot_key)
        draws = replay_bytes(value[60:76], _nt5_policy_tail(value, boot))
        assert protect_pol_secret_encryption_key(_hex(lsa_key), boot, draws) == value

    secrets = [
        (xp["DPAPI_SYSTEM_CurrVal_hex"], xp["computed"]["DPAPI_SYSTEM_plain"], xp["computed"]),
        (
            bitcurator["DPAPI_SYSTEM"]["CurrVal_hex"],
            bitcurator["DPAPI_SYSTEM"]["plaintext"],
            {"lsa_key": bitcurator["lsa_key_nt5"]},
        ),
        (
            bitcurator["timebomb_lsa_secret"]["CurrVal_hex"],
            bitcurator["timebomb_lsa_secret"]["plaintext_filetime_le"],
            {"lsa_key": bitcurator["lsa_key_nt5"]},
        ),
    ]
    for stored_hex, plaintext, keys in secrets:
        stored = _hex(stored_hex)
        offset = int.from_bytes(stored[8:12], "little")  # the former pointer, kept as found
        rebuilt = protect_secret_nt5(_hex(plaintext), _hex(keys["lsa_key"]), buffer_offset=offset)
        assert rebuilt == stored

    vector = lsa["nt5_secret_SystemFunction005"]
    secret = _hex(vector["expected_DPAPI_SYSTEM"])
    plaintext = len(secret).to_bytes(4, "little") + (1).to_bytes(4, "little") + secret
    plaintext += bytes(-len(plaintext) % 8)
    ciphertext = system_function_004(plaintext, _hex(vector["lsa_key"]))
    assert ciphertext.hex() == vector["ciphertext_after_12_byte_header"]


def test_nt5_round_trip():
    boot_key, lsa_key = bytes(range(16)), bytes(range(100, 116))
    value = protect_pol_secret_encryption_key(lsa_key, boot_key, seeded_random_bytes("nt5"))
    opened = decrypt_pol_secret_encryption_key(value, boot_key)
    assert (opened.era, opened.key) == (LsaEra.NT5, lsa_key)
    for secret in (b"", b"1234567", bytes(range(44)), bytes(300)):
        stored = protect_secret(secret, opened, replay_bytes())  # NT5 draws nothing
        assert decrypt_secret_nt5(stored, lsa_key) == secret
        header = lsa_schema.lsa_secret_nt5.parse(stored)
        assert header.maximum_length == 0x20000000 | header.length
    with pytest.raises(ValueError, match="whole DES blocks"):
        system_function_004(b"1234567", lsa_key)


# -- DPAPI_SYSTEM ---------------------------------------------------------------------------


def test_dpapi_system_payload_matches_published(vectors):
    nemesis = vectors("nemesis", "dpapi_system_vectors.json")["dpapi_system_secret"]
    impacket = vectors("impacket")["dpapi_system_secret"]
    cases = [
        (nemesis["machine_key"], nemesis["user_key"], nemesis["plaintext_hex"]),
        (
            impacket["expected_machine_key"],
            impacket["expected_user_key"],
            impacket["plaintext_hex"],
        ),
    ]
    for machine, user, plaintext in cases:
        built = build_dpapi_system(_hex(machine), _hex(user))
        assert built.hex() == plaintext
        split = split_dpapi_system(built)
        assert (split.machine_key, split.user_key) == (_hex(machine), _hex(user))
    with pytest.raises(ValueError, match="user key: 19 bytes"):
        build_dpapi_system(bytes(20), bytes(19))


# -- master key files ---------------------------------------------------------------------------


def _master_key_cases(vectors):
    """(file, pre-key, intermediates) of every master key file the corpus can open."""
    nemesis = vectors("nemesis", "dpapi_system_vectors.json")
    system = nemesis["dpapi_system_secret"]
    yield "nemesis", "masterkey_system.bin", system["machine_key"], nemesis["machine_masterkey"]
    yield "nemesis", "masterkey_systemuser.bin", system["user_key"], nemesis["user_masterkey"]
    impacket = vectors("impacket")
    yield (
        "impacket",
        impacket["system_masterkey_file"]["file"],
        impacket["dpapi_system_secret"]["expected_user_key"],
        impacket["system_masterkey_file"],
    )
    for case in vectors("dpapick")["masterkeys"].values():
        yield "dpapick", case["file"], case["prekey_hmac_sha1_pwdhash_sid"], case


def _sections(data: bytes) -> tuple[bytes, bytes, bytes]:
    """The master key, backup key and CREDHIST sections of a file, cut by its header."""
    header = mk_schema.master_key_file.parse(data)
    master_end = 128 + header.master_key_length
    backup_end = master_end + header.backup_key_length
    credhist_end = backup_end + header.credhist_length
    return data[128:master_end], data[master_end:backup_end], data[backup_end:credhist_end]


def test_master_key_files_rebuilt_byte_for_byte(dpapi, vectors):
    rebuilt_count = 0
    for folder, name, pre_key, case in _master_key_cases(vectors):
        data = (dpapi / folder / name).read_bytes()
        intermediates = case["computed_intermediates"]
        master_key = _hex(intermediates["plaintext_masterkey"])
        published_sha1 = case.get("published_expected_plaintext_sha1")
        if published_sha1 is not None:
            assert hashlib.sha1(master_key).hexdigest() == published_sha1
        section, backup, credhist = _sections(data)
        header = intermediates["masterkey_section"]
        crypt_algorithm, hash_algorithm = int(header["alg_crypt"], 16), int(header["alg_hash"], 16)
        # The HMAC salt and filler, read by decrypting the head with the corpus's own PBKDF2
        # output (cryptography only): what the builder must draw to give the same bytes.
        spec = CIPHERS[crypt_algorithm]
        key_iv = _hex(intermediates["ms_pbkdf2_output_key_iv"])
        decryptor = Cipher(
            spec.algorithm(key_iv[: spec.key_length]), modes.CBC(key_iv[spec.key_length :])
        ).decryptor()
        plaintext = decryptor.update(section[32:]) + decryptor.finalize()
        digest = 20 if hash_algorithm == CALG_HMAC else 64
        filler = plaintext[16 + digest : -64]
        draws = replay_bytes(_hex(header["salt"]), plaintext[:16], *([filler] if filler else []))
        rebuilt = protect_master_key(
            master_key,
            _hex(pre_key),
            draws,
            rounds=header["rounds"],
            hash_algorithm=hash_algorithm,
            crypt_algorithm=crypt_algorithm,
        )
        assert rebuilt == section, name
        whole = build_master_key_file(
            uuid.UUID(intermediates["header"]["guid"]),
            rebuilt,
            backup_key_section=backup,  # its pre-key is not public: carried over as found
            credhist_guid=credhist[4:],
            flags=intermediates["header"]["flags"],
        )
        # We write the reserved dwords after the GUID as zero; DPAPIck's Windows 8.1 file has
        # stray bytes there (7cb7e903 in the second), every other file zeros.
        assert whole[84:92] == bytes(8)
        assert whole[:84] + data[84:92] + whole[92:] == data, name
        rebuilt_count += 1
    assert rebuilt_count == 6


def test_system_master_key_file_round_trip():
    guid = uuid.UUID("88501326-a867-4d11-a1c9-1a2ff642e9a8")
    master_key, machine, user = bytes(range(64)), b"m" * 20, b"u" * 20
    data = protect_master_key_file(guid, master_key, machine, seeded_random_bytes("mk"))
    assert len(data) == 468  # the size of every SYSTEM key file in the corpus
    parsed = parse_master_key_file(data)
    assert (parsed.version, parsed.guid, parsed.flags) == (2, str(guid), 6)
    assert parsed.credhist_guid == bytes(16)
    assert parsed.backup_key is not None
    assert len(parsed.backup_key.ciphertext) == 112  # as on Windows: a 32-byte backup key
    assert decrypt_master_key_file(data, machine).key == master_key
    with pytest.raises(WrongKey):
        decrypt_master_key_file(data, user)
    assert protect_master_key_file(guid, master_key, machine, seeded_random_bytes("mk")) == data
    bare = protect_master_key_file(
        guid, master_key, machine, seeded_random_bytes("mk"), backup_key=False, flags=0
    )
    assert len(bare) == 128 + 176 + 20
    assert parse_master_key_file(bare).backup_key is None


def test_master_key_3des_sha1_and_backup_sizes():
    pre_key = b"p" * 20
    section = protect_master_key(
        bytes(64),
        pre_key,
        seeded_random_bytes("3des"),
        rounds=4000,
        hash_algorithm=CALG_HMAC,
        crypt_algorithm=CALG_3DES,
    )
    assert len(section) == 32 + 104  # XP: 104 bytes of ciphertext (dpapi.md §2.5)
    parsed = parse_master_key_file(build_master_key_file(uuid.UUID(int=5), section))
    assert parsed.master_key is not None
    assert decrypt_master_key_section(parsed.master_key, pre_key) == bytes(64)
    backup = protect_master_key(bytes(BACKUP_KEY_SIZE), pre_key, seeded_random_bytes("b"))
    assert len(backup) == 32 + 112
    with pytest.raises(ValueError, match="master key: 63 bytes"):
        protect_master_key(bytes(63), pre_key, seeded_random_bytes("x"))


def test_preferred():
    guid = uuid.UUID("dd26f81a-4ed9-49fd-8b45-42723d8ae006")
    expires = datetime(2024, 5, 1, 12, tzinfo=UTC)
    data = build_preferred(guid, expires)
    assert data == guid.bytes_le + (133590384000000000).to_bytes(8, "little")  # README FILETIME
    preferred = parse_preferred(data)
    assert (preferred.guid, preferred.expires) == (guid.bytes_le, expires)


# -- blobs --------------------------------------------------------------------------------------


def _nemesis_domain_key(dpapi) -> bytes:
    """The decrypted ed93694f-... master key, as KNOWN_ANSWERS.md prints it."""
    text = (dpapi / "nemesis" / "KNOWN_ANSWERS.md").read_text()
    found = re.search(r"decrypted masterkey \(64 bytes\):\s+([0-9A-Fa-f]{128})", text)
    assert found is not None
    key = _hex(found.group(1))
    assert hashlib.sha1(key).hexdigest().upper() == "17FD87F91D25A18ABD9BCD66B6D9F3C6BFC16778"
    return key


def _blob_cases(dpapi, vectors):
    """(blob, master key, plaintext, entropy, MAC variant) for every blob with known inputs."""
    for case in vectors("dpapick")["blobs"].values():
        entropy = case["entropy_ascii"]
        yield (
            (dpapi / "dpapick" / case["file"]).read_bytes(),
            _hex(case["masterkey_plaintext"]),
            _ascii(case["expected_plaintext_ascii"]),
            None if entropy is None else _ascii(entropy),
            MacVariant(case["session_key_and_sign_variant"]),
        )
    unprotect = vectors("impacket")["unprotect"]
    key, expected = _hex(unprotect["masterkey_plaintext"]), unprotect["expected_plaintext_ascii"]
    entropy = unprotect["entropy_ascii_for_blob_with_entropy"].encode()
    for name, extra in (("blob_no_entropy.bin", None), ("blob_with_entropy.bin", entropy)):
        blob = (dpapi / "impacket" / name).read_bytes()
        yield blob, key, expected.encode(), extra, MacVariant.RFC
    nemesis_key = _nemesis_domain_key(dpapi)
    for name, extra in (
        ("blob_without_entropy.bin", None),
        ("blob_with_entropy.bin", bytes([1, 2, 3, 4, 5])),  # KNOWN_ANSWERS.md
    ):
        yield (dpapi / "nemesis" / name).read_bytes(), nemesis_key, b"test", extra, MacVariant.RFC
    synthetic = vectors("synthetic_timebomb")
    yield (
        (dpapi / "synthetic_timebomb" / "timebomb_blob.bin").read_bytes(),
        _hex(synthetic["chain"]["masterkey_plaintext"]),
        _hex(synthetic["expected"]["plaintext_hex"]),
        None,
        MacVariant.RFC,
    )


def _credential_case(dpapi, vectors):
    """impacket's credential blob: 3DES/SHA-1, flag SYSTEM, the XP MAC. The README gives only
    the plaintext's SHA-256, so the plaintext is taken from the decryptor and checked by it."""
    vector = vectors("impacket")["credential_file"]
    credential = (dpapi / "impacket" / vector["file"]).read_bytes()
    size = int.from_bytes(credential[4:8], "little")
    blob = credential[12 : 12 + size]
    key = _hex(vector["masterkey_plaintext"])
    plaintext = decrypt_blob(blob, key).plaintext
    assert hashlib.sha256(plaintext).hexdigest() == vector["observed"]["plaintext_sha256"]
    return blob, key, plaintext, None, MacVariant.XP


def _rebuild_blob(blob: bytes, master_key: bytes, plaintext: bytes, entropy, variant) -> bytes:
    """``protect_blob`` with the clear fields of ``blob``: salts, flags, description, algorithms
    and key size."""
    parsed = blob_schema.dpapi_blob.parse(blob)
    description = bytes(parsed.description).decode("utf-16-le").removesuffix("\0")
    return protect_blob(
        plaintext,
        master_key,
        uuid.UUID(bytes_le=bytes(parsed.master_key_guid)),
        replay_bytes(bytes(parsed.salt), bytes(parsed.hmac2_key)),
        entropy=entropy,
        description=description,
        flags=int.from_bytes(
            blob[blob_schema.FLAGS_OFFSET : blob_schema.FLAGS_OFFSET + 4], "little"
        ),
        crypt_algorithm=int(parsed.crypt_algorithm),
        hash_algorithm=int(parsed.hash_algorithm),
        mac_variant=variant,
        crypt_key_bits=parsed.crypt_key_bits,
    )


def test_blobs_rebuilt_byte_for_byte(dpapi, vectors):
    cases = [*_blob_cases(dpapi, vectors), _credential_case(dpapi, vectors)]
    for blob, master_key, plaintext, entropy, variant in cases:
        assert _rebuild_blob(blob, master_key, plaintext, entropy, variant) == blob
    assert len(cases) == 10


def test_blob_round_trips():
    master_key = seeded_random_bytes("key")(64)
    guid = uuid.UUID("88501326-a867-4d11-a1c9-1a2ff642e9a8")
    for plaintext in (b"", b"\x00" * 8, bytes(range(16)), bytes(100)):
        blob = protect_blob(plaintext, master_key, guid, seeded_random_bytes(plaintext.hex()))
        opened = decrypt_blob(blob, master_key)
        assert (opened.plaintext, opened.flags, opened.master_key_guid) == (
            plaintext,
            BLOB_LOCAL_MACHINE,
            str(guid),
        )
        assert (opened.crypt_algorithm, opened.hash_algorithm, opened.description) == (
            "AES-256",
            "sha512",
            "",
        )
    timebomb = protect_blob(bytes(8), master_key, guid, seeded_random_bytes("t"))
    assert len(timebomb) == 230  # dpapi.md §2.6: the size of an AES-256/SHA-512 timebomb
    for variant in MacVariant:
        blob = protect_blob(
            b"secret",
            master_key,
            guid,
            seeded_random_bytes(variant),
            entropy=b"entropy",
            description="a description",
            flags=0,
            crypt_algorithm=CALG_3DES,
            hash_algorithm=CALG_SHA1,
            mac_variant=variant,
        )
        opened = decrypt_blob(blob, master_key, entropy=b"entropy")
        assert (opened.plaintext, opened.mac_variant, opened.description) == (
            b"secret",
            variant,
            "a description",
        )
        assert len(blob_schema.dpapi_blob.parse(blob).salt) == 16  # the SHA-1 era's size
        with pytest.raises(WrongKey):
            decrypt_blob(blob, master_key, entropy=b"other")


# -- impacket, as a second opinion on what we build --------------------------------------------


@pytest.fixture(scope="module")
def impacket_dpapi() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return oracle("impacket.dpapi")


def test_impacket_opens_our_master_key_and_blobs(impacket_dpapi):
    guid = uuid.UUID("3f0b8a9e-5d1c-4e27-9a61-0c2d7b4e8f13")
    master_key, machine = seeded_random_bytes("impacket key")(64), b"M" * 20
    data = protect_master_key_file(guid, master_key, machine, seeded_random_bytes("impacket"))
    header = impacket_dpapi.MasterKeyFile(data)
    assert header["Guid"].decode("utf-16-le") == str(guid)
    section = impacket_dpapi.MasterKey(data[len(header) :][: header["MasterKeyLen"]])
    assert section.decrypt(machine) == master_key
    assert section.decrypt(b"U" * 20) is None
    for options in (
        {},
        {"entropy": b"Some entropy", "description": "described"},
        {"crypt_algorithm": CALG_3DES, "hash_algorithm": CALG_SHA1, "flags": 0x20000000},
    ):
        blob = protect_blob(b"grace end", master_key, guid, seeded_random_bytes("b"), **options)
        peer = impacket_dpapi.DPAPI_BLOB(blob)
        assert peer.decrypt(master_key, options.get("entropy")) == b"grace end"
        assert uuid.UUID(bytes_le=bytes(peer["GuidMasterKey"])) == guid
