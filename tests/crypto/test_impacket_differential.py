"""impacket as a second opinion (dpapi.md §5): same boot key, secrets, master keys and blobs.

impacket is not a dependency; this module is skipped where it is not importable (install it
anywhere on ``PYTHONPATH`` to run it, e.g. ``pip install --target DIR impacket``).
"""

from __future__ import annotations

import struct
import warnings

from hiveparse.crypto.blob import decrypt_blob
from hiveparse.crypto.chain import list_lsa_secrets, open_lsa, read_dpapi_system
from hiveparse.crypto.errors import WrongKey
from hiveparse.crypto.masterkey import decrypt_master_key_file, user_pre_key
from tests.support.oracles import oracle

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    impacket_dpapi = oracle("impacket.dpapi")
    secretsdump = oracle("impacket.examples.secretsdump")


def _impacket_master_key(data: bytes, pre_key: bytes) -> bytes | None:
    header = impacket_dpapi.MasterKeyFile(data)
    rest = data[len(header) :]
    section = impacket_dpapi.MasterKey(rest[: header["MasterKeyLen"]])
    return section.decrypt(pre_key)


def _ours_or_none(data: bytes, pre_key: bytes) -> bytes | None:
    try:
        return decrypt_master_key_file(data, pre_key).key
    except WrongKey:
        return None


def test_bitcurator_lsa_secrets(dpapi, xp_hives):
    folder = dpapi / "bitcurator_xp"
    boot_key = secretsdump.LocalOperations(str(folder / "SYSTEM")).getBootKey()
    assert open_lsa(*xp_hives).boot_key.key == boot_key
    printed: list[str] = []
    peer = secretsdump.LSASecrets(
        str(folder / "SECURITY"),
        boot_key,
        isRemote=False,
        history=True,
        perSecretCallback=lambda _kind, text: printed.append(text),
    )
    try:
        peer.dumpSecrets()
    finally:
        peer.finish()
    ours = {
        (entry.name + ("_history" if entry.slot == "OldVal" else "")): entry.plaintext
        for entry in list_lsa_secrets(*xp_hives, reveal=True)
    }
    compared = 0
    for text in printed:
        name, _, value = text.partition(":")
        if name in ours and ours[name] and all(c in "0123456789abcdef" for c in value):
            assert ours[name].hex() == value, name
            compared += 1
    assert compared >= 5
    keys = read_dpapi_system(*xp_hives).values["CurrVal"]
    joined = "\n".join(printed)
    assert f"dpapi_machinekey:0x{keys.machine_key.hex()}" in joined
    assert f"dpapi_userkey:0x{keys.user_key.hex()}" in joined


def _master_key_cases(dpapi, vectors):
    nemesis = vectors("nemesis", "dpapi_system_vectors.json")["dpapi_system_secret"]
    impacket = vectors("impacket")
    system_plain = bytes.fromhex(impacket["dpapi_system_secret"]["plaintext_hex"])
    cases = []
    for name in ("masterkey_system.bin", "masterkey_systemuser.bin"):
        data = (dpapi / "nemesis" / name).read_bytes()
        cases += [
            (data, bytes.fromhex(nemesis["machine_key"])),
            (data, bytes.fromhex(nemesis["user_key"])),
        ]
    data = (dpapi / "impacket" / impacket["system_masterkey_file"]["file"]).read_bytes()
    cases += [(data, system_plain[4:24]), (data, system_plain[24:44])]
    for case in vectors("dpapick")["masterkeys"].values():
        data = (dpapi / "dpapick" / case["file"]).read_bytes()
        cases.append((data, user_pre_key(case["sid"], password=case["password"])))
        cases.append((data, user_pre_key(case["sid"], password="badpassword")))
    return cases


def test_master_keys_agree(dpapi, vectors):
    opened = 0
    for data, pre_key in _master_key_cases(dpapi, vectors):
        ours = _ours_or_none(data, pre_key)
        assert ours == _impacket_master_key(data, pre_key)
        opened += ours is not None
    assert opened == 6


def test_blobs_agree(dpapi, vectors):
    cases = []
    for case in vectors("dpapick")["blobs"].values():
        if case["session_key_and_sign_variant"] == "xp" and case["entropy_ascii"]:
            continue  # impacket has no XP-style entropy session key (dpapi.md §5)
        entropy = case["entropy_ascii"]
        entropy = None if entropy is None else entropy.replace("\\x00", "\x00").encode()
        blob = (dpapi / "dpapick" / case["file"]).read_bytes()
        cases.append((blob, bytes.fromhex(case["masterkey_plaintext"]), entropy))
    unprotect = vectors("impacket")["unprotect"]
    key = bytes.fromhex(unprotect["masterkey_plaintext"])
    cases.append(((dpapi / "impacket" / "blob_no_entropy.bin").read_bytes(), key, None))
    cases.append(
        ((dpapi / "impacket" / "blob_with_entropy.bin").read_bytes(), key, b"Some entropy")
    )
    credential = (dpapi / "impacket" / "credential_file.bin").read_bytes()
    size = struct.unpack_from("<I", credential, 4)[0]
    cred_key = bytes.fromhex(vectors("impacket")["credential_file"]["masterkey_plaintext"])
    cases.append((credential[12 : 12 + size], cred_key, None))
    synthetic = vectors("synthetic_timebomb")["chain"]["masterkey_plaintext"]
    blob = (dpapi / "synthetic_timebomb" / "timebomb_blob.bin").read_bytes()
    cases.append((blob, bytes.fromhex(synthetic), None))
    for blob, master_key, entropy in cases:
        peer = impacket_dpapi.DPAPI_BLOB(blob).decrypt(master_key, entropy)
        assert peer is not None
        assert decrypt_blob(blob, master_key, entropy=entropy).plaintext == peer
