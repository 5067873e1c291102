"""Client licenses: the HWID, the CAL blob and the MSLicensing store.

Licenses come from samples/cal_factory.py, an independent writer that lays the certificates
out as a 2003-era license server does; every decoded field is compared with what went in.
The only real evidence is the hackfortress XP SOFTWARE hive (real HWID, empty store).
"""

from __future__ import annotations

import base64
import hashlib
import random
import struct
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hiveparse.errors import Diagnostic
from hiveparse.evidence.open import Evidence, MountedHive, open_evidence
from hiveparse.model import EvidenceFormat, HiveType, ValueType
from hiveparse.rds.client_license import (
    ClientLicense,
    DecodedLicense,
    IndexString,
    LicenseServerInfo,
    ProductInfo,
    client_state,
    decode_client_license,
    decode_hwid,
    decode_index_string,
    decode_license_server_info,
    decode_licensed_product_info,
    decode_store,
)
from hiveparse.rds.facts import FactSet, collect_facts
from hiveparse.report.models import ClientStore
from hiveparse.report.schema import schema_of
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf.writer import write_hive
from samples.cal_factory import (
    SERVER_NOT_BEFORE,
    BuiltLicense,
    CalSpec,
    ansi_z,
    build_license,
    derive_rsa_key,
    install_store,
    license_server_info_bytes,
    licensed_product_info_bytes,
    utf16_z,
)

NOT_BEFORE = datetime(2017, 8, 7, 9, 30, 0, tzinfo=UTC)
NOT_AFTER = datetime(2017, 11, 5, 9, 30, 0, tzinfo=UTC)  # 90 days, as the reference's sample
SOFTWARE = "HKEY_LOCAL_MACHINE\\SOFTWARE"
CN, L, SERIAL_NUMBER = "2.5.4.3", "2.5.4.7", "2.5.4.5"


def make(**overrides) -> BuiltLicense:
    return build_license(CalSpec(not_before=NOT_BEFORE, not_after=NOT_AFTER, **overrides))


def facts_of(build: Callable[[MemoryKey], object]) -> FactSet:
    hive = MemoryHive(HiveType.SOFTWARE, source="<test SOFTWARE>")
    build(hive.root())
    evidence = Evidence(
        path="<test SOFTWARE>",
        size=0,
        sha256="0" * 64,
        format=EvidenceFormat.MEMORY,
        hives=[MountedHive(SOFTWARE, hive)],
    )
    return collect_facts([evidence])


def coded(problems: Iterable[Diagnostic | dict[str, Any]]) -> list[tuple[str, str]]:
    """(code, message) of each problem, from Diagnostic objects or the report's dicts."""
    return [
        (p["code"], p["message"]) if isinstance(p, dict) else (p.code, p.message) for p in problems
    ]


def has(problems: Iterable[Diagnostic | dict[str, Any]], code: str, text: str) -> bool:
    """Whether a problem of ``code`` has ``text`` in its message."""
    return any(c == code and text in message for c, message in coded(problems))


# -- HWID ----------------------------------------------------------------------------------------


def test_decode_hwid_reads_five_little_endian_dwords():
    raw = bytes.fromhex("0200000078563412f0debc9a01000000ffffffff")
    problems: list[Diagnostic] = []
    hwid = decode_hwid(raw, problems)
    assert hwid is not None
    assert problems == []
    assert hwid.platform_id == 2
    assert hwid.platform_name == "VER_PLATFORM_WIN32_NT"
    assert hwid.data == (0x12345678, 0x9ABCDEF0, 0x00000001, 0xFFFFFFFF)
    assert hwid.dwords == [2, 0x12345678, 0x9ABCDEF0, 1, 0xFFFFFFFF]
    assert hwid.hex == raw.hex()
    assert hwid.to_dict()["dwords_hex"][1] == "0x12345678"


def test_decode_hwid_keeps_an_unnamed_platform_id():
    hwid = decode_hwid(struct.pack("<5I", 0x04010001, 1, 2, 3, 4))
    assert hwid is not None
    assert hwid.platform_id == 0x04010001
    assert hwid.platform_name is None


@pytest.mark.parametrize("size", [0, 1, 16, 19, 21, 40])
def test_decode_hwid_of_the_wrong_size_is_none_with_a_problem(size):
    problems: list[Diagnostic] = []
    assert decode_hwid(b"\x02" * size, problems) is None
    assert len(problems) == 1
    assert has(problems, "license.hwid_size", f"{size} bytes, not 20")
    assert decode_hwid(b"\x02" * size) is None  # without a sink it still does not raise


@pytest.mark.corpus
def test_real_xp_hwid_and_empty_store(corpus: Path):
    """hackfortress-xp: ClientHWID = 020000007c6ff1f1ffb1bcccb04bda0f618e0a42, Store empty."""
    facts = collect_facts([open_evidence(corpus / "hives/hackfortress-xp/software")])
    state = client_state(facts)
    assert state["hwid"] == "020000007c6ff1f1ffb1bcccb04bda0f618e0a42"
    # Each DWORD is its four bytes reversed: 02000000 -> 0x00000002, 7c6ff1f1 -> 0xf1f16f7c,
    # ffb1bccc -> 0xccbcb1ff, b04bda0f -> 0x0fda4bb0, 618e0a42 -> 0x420a8e61.
    assert state["hwid_dwords"] == [0x00000002, 0xF1F16F7C, 0xCCBCB1FF, 0x0FDA4BB0, 0x420A8E61]
    assert state["hwid_platform"] == "VER_PLATFORM_WIN32_NT"
    assert state["hwid_view"] == "native"
    assert state["licenses"] == []
    assert state["problems"] == []
    (record,) = state["hwid_evidence"]
    assert record["key_path"] == SOFTWARE + r"\Microsoft\MSLicensing\HardwareID"
    assert record["value_name"] == "ClientHWID"
    assert record["type"] == "REG_BINARY"
    assert isinstance(record["cell_offset"], int)
    assert decode_store(facts) == []
    _validate_client_section(state)


# -- licenses built by the factory: every field as put in ----------------------------------------

CASES = {
    "temporary-pkcs7-v2": {"temporary": True},
    "permanent-pkcs7-v2": {},
    "temporary-der-root-first-v2": {"temporary": True, "container": "der"},
    "permanent-der-leaf-first-v1": {
        "container": "der",
        "der_order": "leaf_first",
        "server_info": "v1",
    },
    "permanent-pkcs7-without-server-info": {"server_info": None},
    "temporary-der-beta-unenforced-without-server-info": {
        "temporary": True,
        "container": "der",
        "server_info": None,
        "rtm": False,
        "enforced": False,
    },
    "permanent-pkcs7-v2-sha256-other-names": {
        "signature": "sha256RSA",
        "license_server": "LS-ÜBER-02",
        "ls_scope": "WORKGROUP",
        "client_machine": "KIOSK-7",
        "client_user": "Zoë",
        "requested_product_id": "A02",
        "adjusted_product_id": "A02-10.00-S",
        "product_major": 10,
        "product_minor": 0,
        "platform_id": 0x08010000,
        "language_id": 0x0407,
        "serial": 0x7FFF_FFFF_FFFF_FFFF,
        "license_server_version": (6, 3),
    },
}


@pytest.mark.parametrize("case", list(CASES))
def test_factory_license_decodes_to_what_was_put_in(case):
    built = make(**CASES[case])
    spec = built.spec
    decoded = decode_client_license(built.blob)

    assert isinstance(decoded, DecodedLicense)
    assert decoded.all_problems == []
    assert decoded.size == len(built.blob)
    assert decoded.container == spec.container
    assert len(decoded.certificates) == 2

    cal = decoded.cal
    assert cal is not None
    assert decoded.cal_rule is not None and "1.3.6.1.4.1.311.18.5" in decoded.cal_rule
    expected_position = {"pkcs7": None, "der": 1 if spec.der_order == "root_first" else 0}
    if expected_position[spec.container] is not None:
        assert decoded.cal_index == expected_position[spec.container]
    (server,) = [c for c in decoded.certificates if c is not cal]

    # the CAL certificate
    assert cal.serial == spec.serial
    assert cal.not_before == spec.not_before
    assert cal.not_after == spec.not_after
    assert cal.not_before is not None and cal.not_before.utcoffset() == timedelta(0)
    assert sorted(cal.subject_attributes) == sorted(
        [
            (CN, spec.client_machine),
            (L, spec.client_user),
            (SERIAL_NUMBER, base64.b64encode(spec.client_hwid).decode()),
        ]
    )
    assert sorted(cal.issuer_attributes) == sorted([(CN, spec.license_server), (L, spec.ls_scope)])
    assert cal.subject is not None and f"CN={spec.client_machine}" in cal.subject
    assert cal.issuer is not None and f"CN={spec.license_server}" in cal.issuer
    expected_algorithm = "1.3.14.3.2.29" if spec.signature == "sha1RSA" else "1.2.840.113549.1.1.11"
    assert cal.signature_algorithm == expected_algorithm
    assert cal.thumbprint_sha1 == hashlib.sha1(built.leaf_der).hexdigest()
    hydra = [e.oid for e in cal.extensions if e.oid.startswith("1.3.6.1.4.1.311.18.")]
    expected_hydra = ["1.3.6.1.4.1.311.18.4", "1.3.6.1.4.1.311.18.2", "1.3.6.1.4.1.311.18.5"]
    if spec.server_info is not None:
        expected_hydra.append("1.3.6.1.4.1.311.18.6")
    assert hydra == expected_hydra
    assert all(e.critical for e in cal.extensions if e.oid in expected_hydra)
    assert decoded.client_machine == spec.client_machine
    assert decoded.client_user == spec.client_user
    assert decoded.manufacturer == "Microsoft Corporation"
    assert decoded.cert_version == 0x00050001

    # the license server's own certificate
    assert server.serial == built.server_serial
    assert server.not_before == SERVER_NOT_BEFORE
    assert server.product_info is None
    assert server.thumbprint_sha1 == hashlib.sha1(built.server_der).hexdigest()

    # LICENSED_PRODUCT_INFO
    info = decoded.product_info
    assert isinstance(info, ProductInfo)
    assert info.raw == built.licensed_product_info
    assert info.problems == []
    assert info.version == 0x0003000
    assert info.license_count == spec.license_count
    assert info.platform_id == spec.platform_id
    assert (
        info.platform_os
        == {
            0x04: "CLIENT_OS_ID_WINNT_POST_52",
            0x08: "CLIENT_OS_ID_WINNT_POST_100",
        }[spec.platform_id >> 24]
    )
    assert info.platform_isv == "CLIENT_IMAGE_ID_MICROSOFT"
    assert info.platform_build == spec.platform_id & 0xFFFF
    assert info.language_id == spec.language_id
    assert info.requested_product_id == IndexString(
        utf16_z(spec.requested_product_id), spec.requested_product_id, "utf-16le"
    )
    assert info.adjusted_product_id == IndexString(
        utf16_z(spec.adjusted_product_id), spec.adjusted_product_id, "utf-16le"
    )
    assert info.licensed_product_id == spec.adjusted_product_id
    assert info.licensed_version_major == spec.product_major
    assert info.licensed_version_minor == spec.product_minor
    assert info.flags == built.flags
    assert decoded.temporary is info.temporary is spec.temporary
    assert decoded.rtm is info.rtm is spec.rtm
    assert decoded.enforced is info.enforced is spec.enforced
    expected_names = [
        name
        for name, wanted in (
            ("LICENSE_ENFORCED", spec.enforced),
            ("RTM_LICENSE", spec.rtm),
            ("TEMPORARY_LICENSE", spec.temporary),
        )
        if wanted
    ]
    assert info.flag_names == expected_names
    major, minor = spec.license_server_version
    assert info.license_server_version == f"{major}.{minor}"
    assert info.undocumented_flag_bits == (major << 4 | minor) << 16

    # MS_LICENSE_SERVER_INFO
    server_info = decoded.license_server_info
    if spec.server_info is None:
        assert server_info is None
        assert decoded.issuer_and_source == (spec.license_server, "certificate_issuer_cn")
    else:
        assert isinstance(server_info, LicenseServerInfo)
        assert server_info.raw == built.license_server_info
        assert server_info.problems == []
        assert server_info.issuer_name == spec.license_server
        assert server_info.scope == spec.ls_scope
        if spec.server_info == "v2":
            assert server_info.version == 0x0003000
            assert server_info.layout == "V2"
            assert server_info.product_id == spec.ls_product_id
        else:
            assert server_info.version == 0x0001000
            assert server_info.layout == "V1"
            assert server_info.product_id is None
        assert decoded.issuer_and_source == (spec.license_server, "ms_license_server_info")
    assert decoded.issuer == spec.license_server
    assert decoded.not_before == spec.not_before
    assert decoded.not_after == spec.not_after


def test_flags_match_the_reference_sample_computed_by_hand():
    # TEMPORARY 0x80000000 | RTM 0x00800000 | server 5.4 -> (5 << 4 | 4) << 16 = 0x00540000
    # | ENFORCED 0x00008000 = 0x80d48000, the value the reference quotes from a real CAL.
    built = make(temporary=True)
    assert built.flags == 0x80D48000
    info = decode_client_license(built.blob).product_info
    assert info is not None
    assert info.flags == 0x80D48000
    assert info.undocumented_flag_bits == 0x00540000
    assert info.license_server_version == "5.4"


def test_undocumented_flag_bits_are_kept():
    built = make(extra_flags=0x0100000F, license_server_version=(0, 0))
    info = decode_client_license(built.blob).product_info
    assert info is not None
    assert info.flags == 0x0100000F | 0x00808000
    assert info.undocumented_flag_bits == 0x0100000F
    assert info.license_server_version is None  # bits 16-22 are zero


def test_the_factory_is_deterministic():
    first, second = make(temporary=True), make(temporary=True)
    assert first.blob == second.blob
    assert first.leaf_der == second.leaf_der
    other = make(temporary=True, seed="another seed")
    assert other.blob != first.blob
    key = derive_rsa_key("s", "label", 1024)
    assert key.key_size == 1024
    assert key.private_numbers() == derive_rsa_key("s", "label", 1024).private_numbers()


# -- which certificate is the CAL ----------------------------------------------------------------


def test_without_licensed_product_info_the_last_certificate_is_taken():
    built = make(container="der")
    decoded = decode_client_license(built.server_der + built.server_der)
    assert decoded.cal_index == 1
    assert decoded.cal_rule is not None and decoded.cal_rule.startswith("last certificate")
    assert decoded.temporary is None
    assert decoded.product_info is None
    assert has(
        decoded.problems, "license.no_cal_marker", "no certificate carries LICENSED_PRODUCT_INFO"
    )


def test_with_several_cals_the_last_carrier_is_taken():
    older = make(container="der", serial=1, temporary=True)
    newer = make(container="der", serial=2, temporary=False)
    blob = older.server_der + older.leaf_der + newer.leaf_der
    decoded = decode_client_license(blob)
    assert decoded.cal_index == 2
    assert decoded.cal is not None and decoded.cal.serial == 2
    assert decoded.temporary is False
    assert has(decoded.problems, "license.several_cals", "2 certificates carry")
    assert has(decoded.problems, "license.several_cals", "1, 2")


def test_the_carrier_wins_over_the_last_position():
    built = make(container="der", der_order="leaf_first")
    decoded = decode_client_license(built.blob)
    assert decoded.cal_index == 0
    assert decoded.problems == []


# -- containers ----------------------------------------------------------------------------------


def test_pkcs7_with_trailing_bytes_is_read_and_the_rest_reported():
    built = make()
    decoded = decode_client_license(built.blob + b"\x00\x01\x02")
    assert decoded.container == "pkcs7"  # the PKCS#7 element, read on its own
    assert decoded.temporary is False
    assert decoded.cal is not None and decoded.cal.serial == built.spec.serial
    # 00 01 02 is itself a DER element (tag 0, one byte of content): reported as such
    where = f"offset {len(built.blob)} (3 bytes) is neither"
    assert has(decoded.problems, "cert.der_not_certificate", where)
    # the diagnostic points at the element: right after the PKCS#7 blob
    assert {p.location.offset for p in decoded.problems} == {len(built.blob)}
    decoded = decode_client_license(built.blob + b"\x30\x05\x02")
    assert decoded.cal is not None and decoded.cal.serial == built.spec.serial
    assert has(decoded.problems, "cert.der_undelimited", f"3 byte(s) from offset {len(built.blob)}")
    (undelimited,) = decoded.problems
    assert undelimited.location.offset == len(built.blob)


def test_pkcs7_followed_by_a_der_certificate_is_mixed():
    built = make()
    decoded = decode_client_license(built.blob + built.server_der)
    assert decoded.container == "mixed"
    assert len(decoded.certificates) == 3
    assert decoded.problems == []


def test_a_der_element_that_is_not_a_certificate_is_reported():
    built = make(container="der")
    decoded = decode_client_license(b"\x04\x03abc" + built.blob)
    assert decoded.container == "der"
    assert decoded.cal is not None and decoded.cal.serial == built.spec.serial
    assert has(
        decoded.problems, "cert.der_not_certificate", "neither an X.509 certificate nor PKCS#7"
    )
    assert {p.location.offset for p in decoded.problems} == {0}


def test_ber_pkcs7_is_read_and_reported():
    """An indefinite-length outer SEQUENCE: cryptography falls back to BER, with a warning
    that must become a problem rather than escape (the suite also runs with -W error)."""
    built = make()
    header_end = 4 if built.blob[1] == 0x82 else 2 + (built.blob[1] & 0x7F)
    ber = b"\x30\x80" + built.blob[header_end:] + b"\x00\x00"
    decoded = decode_client_license(ber)
    assert decoded.container == "pkcs7"
    assert decoded.temporary is False
    assert has(decoded.problems, "cert.ber_encoding", "not strict DER, read as BER")


@pytest.mark.parametrize(
    "blob", [b"", b"\x00", b"\x30", b"\x30\x80\x00\x00", b"\x30\x84\xff\xff\xff\xff", b"hello"]
)
def test_unreadable_blobs_give_problems_and_no_certificates(blob):
    decoded = decode_client_license(blob)
    assert decoded.certificates == []
    assert decoded.cal is None
    assert decoded.temporary is None
    assert decoded.not_after is None
    assert decoded.issuer is None
    assert decoded.problems


# -- hostile bytes: truncations, flips, noise -----------------------------------------------------

HOSTILE_CASES = {
    "pkcs7": make(temporary=True).blob,
    "der": make(temporary=True, container="der").blob,
}


@pytest.mark.parametrize("container", list(HOSTILE_CASES))
def test_every_truncation_is_reported_and_never_raises(container):
    blob = HOSTILE_CASES[container]
    for size in range(len(blob)):
        decoded = decode_client_license(blob[:size])
        assert isinstance(decoded, DecodedLicense)
        assert decoded.all_problems, f"truncation to {size} bytes went unnoticed"
        decoded.to_dict()


@pytest.mark.parametrize("container", list(HOSTILE_CASES))
@pytest.mark.parametrize(("mask", "stride"), [(0xFF, 1), (0x01, 5), (0x80, 7)])
def test_byte_flips_never_raise(container, mask, stride):
    """Every byte inverted; single low and high bits flipped on a sample of positions."""
    blob = bytearray(HOSTILE_CASES[container])
    for position in range(0, len(blob), stride):
        blob[position] ^= mask
        decoded = decode_client_license(bytes(blob))
        blob[position] ^= mask
        assert isinstance(decoded, DecodedLicense)
        decoded.to_dict()


def test_random_noise_never_raises():
    generator = random.Random(20240423)
    seed_blob = HOSTILE_CASES["der"]
    for _ in range(300):
        size = generator.randrange(0, 3000)
        noise = bytes(generator.getrandbits(8) for _ in range(size))
        assert isinstance(decode_client_license(noise), DecodedLicense)
        # noise spliced into a valid license reaches deeper parsers
        start = generator.randrange(0, len(seed_blob))
        spliced = seed_blob[:start] + noise[:64] + seed_blob[start + 64 :]
        assert isinstance(decode_client_license(spliced), DecodedLicense)


EXTENSION_CASES = {
    "lpi": (
        licensed_product_info_bytes(CalSpec(not_before=NOT_BEFORE, not_after=NOT_AFTER)),
        decode_licensed_product_info,
    ),
    "lsi-v2": (license_server_info_bytes("LS01", "CONTOSO", "PID-1"), decode_license_server_info),
    "lsi-v1": (license_server_info_bytes("LS01", "CONTOSO", None), decode_license_server_info),
}


@pytest.mark.parametrize("case", list(EXTENSION_CASES))
def test_extension_decoders_survive_truncations_and_flips(case):
    raw, decoder = EXTENSION_CASES[case]
    for size in range(len(raw)):
        result = decoder(raw[:size])
        result.to_dict()
    data = bytearray(raw)
    for position in range(len(data)):
        for mask in (0xFF, 0x01, 0x80, 0x40):
            data[position] ^= mask
            decoder(bytes(data)).to_dict()
            data[position] ^= mask


def test_truncated_product_info_keeps_what_it_can():
    raw = licensed_product_info_bytes(CalSpec(not_before=NOT_BEFORE, not_after=NOT_AFTER))
    cut = raw[:40]  # header + part of the requested id: no version info, no adjusted id
    info = decode_licensed_product_info(cut)
    assert info.version == 0x3000
    assert info.platform_id == 0x04010001
    assert info.flags is None
    assert info.temporary is None
    assert info.adjusted_product_id is None
    assert has(info.problems, "cert.product_info_overrun", "ends past")
    short = decode_licensed_product_info(raw[:27])
    assert short.version is None
    assert short.problems


def test_odd_product_info_values_are_reported():
    raw = bytearray(
        licensed_product_info_bytes(CalSpec(not_before=NOT_BEFORE, not_after=NOT_AFTER))
    )
    struct.pack_into("<I", raw, 0, 0x2000)  # version
    struct.pack_into("<H", raw, 26, 2)  # LicensedVersionInfoCount
    info = decode_licensed_product_info(bytes(raw))
    assert has(info.problems, "cert.product_info_version", "0x00002000")
    assert has(info.problems, "cert.product_info_count", "MUST be 1")


def test_license_server_info_of_an_unknown_version_is_read_as_v2():
    raw = bytearray(license_server_info_bytes("LS01", "CONTOSO", "PID-1"))
    struct.pack_into("<I", raw, 0, 0x0005000)
    info = decode_license_server_info(bytes(raw))
    assert info.version == 0x0005000
    assert info.layout == "V2"
    assert (info.issuer_name, info.product_id, info.scope) == ("LS01", "PID-1", "CONTOSO")
    assert has(info.problems, "cert.server_info_version", "read as V2")


def test_license_server_info_without_terminators_is_salvaged():
    raw = license_server_info_bytes("LS01", "CONTOSO", None)[:-2]  # scope loses its NUL
    info = decode_license_server_info(raw)
    assert info.issuer_name == "LS01"
    assert info.scope == "CONTOSO"
    assert has(info.problems, "cert.string_unterminated", "no UTF-16 NUL")


def test_license_server_info_issuer_offset_must_be_zero():
    name, scope = utf16_z("LS01"), utf16_z("CONTOSO")
    raw = struct.pack("<IHH", 0x0001000, 2, len(name)) + name + scope
    info = decode_license_server_info(raw)
    assert info.issuer_name == "S01"
    assert has(info.problems, "cert.server_info_issuer_offset", "MUST be 0")


def test_string_and_hwid_decoders_survive_noise():
    generator = random.Random(7)
    for _ in range(2000):
        raw = bytes(generator.getrandbits(8) for _ in range(generator.randrange(0, 40)))
        for expected in ("ansi", "utf-16le"):
            value = decode_index_string(raw, expected)
            assert value.raw == raw
            assert value.text is not None or raw == b""
        assert (decode_hwid(raw) is None) is (len(raw) != 20)


# -- index strings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "text", "encoding", "clean"),
    [
        (utf16_z("Microsoft Corporation"), "utf-16le", "Microsoft Corporation", "utf-16le", True),
        (utf16_z("A02"), "utf-16le", "A02", "utf-16le", True),
        (utf16_z("A02"), "ansi", "A02", "utf-16le", True),  # the bytes decide, not the field
        (ansi_z("microsoft.com"), "ansi", "microsoft.com", "ansi", True),
        (ansi_z("microsoft.com"), "utf-16le", "microsoft.com", "ansi", True),
        (b"microsoft.com\0\0\0", "ansi", "microsoft.com", "ansi", True),  # extra NULs
        (utf16_z("Zoë") + b"\0\0", "utf-16le", "Zoë", "utf-16le", True),
        (ansi_z("Zoë"), "ansi", "Zoë", "ansi", True),
        # ANSI "ab" + two NULs also reads as UTF-16 '\u6261': the ASCII reading wins
        (b"ab\0\0", "utf-16le", "ab", "ansi", False),
        (b"microsoft.com", "ansi", "microsoft.com", "ansi", False),  # no terminator
        ("A02".encode("utf-16-le"), "utf-16le", "A02", "utf-16le", False),
        (b"a\0b\0c", "ansi", "a", "ansi", False),  # embedded NUL, odd size
        (b"\0", "ansi", "", "ansi", True),
    ],
)
def test_index_string_rule(raw, expected, text, encoding, clean):
    value = decode_index_string(raw, expected)
    assert value.raw == raw
    assert value.text == text
    assert value.encoding == encoding
    assert (value.problems == ()) is clean


def test_empty_index_string():
    value = decode_index_string(b"", "ansi")
    assert value == IndexString(b"", None, None, (Diagnostic("cert.string_empty", "empty value"),))


# -- the store -------------------------------------------------------------------------------------


def _two_stores(root: MemoryKey) -> None:
    temporary = make(temporary=True, serial=10)
    permanent = make(container="der", serial=11, server_info="v1")
    install_store(root, [temporary, permanent], hwid=bytes(range(20)))
    install_store(root, [make(serial=12, client_machine="WOW-PC")], wow64=True, chunk_size=500)


def test_decode_store_reads_every_license_with_its_provenance():
    licenses = decode_store(facts_of(_two_stores))
    assert [item.store_key for item in licenses] == [
        SOFTWARE + r"\Microsoft\MSLicensing\Store\LICENSE000",
        SOFTWARE + r"\Microsoft\MSLicensing\Store\LICENSE001",
        SOFTWARE + r"\Wow6432Node\Microsoft\MSLicensing\Store\LICENSE000",
    ]
    assert [item.view for item in licenses] == ["native", "native", "wow64"]
    assert [item.index for item in licenses] == [0, 0 + 1, 0]
    first, second, third = licenses
    assert all(isinstance(item, ClientLicense) for item in licenses)
    for item in licenses:
        assert item.all_problems == []
        assert item.scope == IndexString(b"microsoft.com\0", "microsoft.com", "ansi")
        assert item.company == IndexString(
            utf16_z("Microsoft Corporation"), "Microsoft Corporation", "utf-16le"
        )
        assert item.product_id == IndexString(utf16_z("A02"), "A02", "utf-16le")
        assert item.not_before == NOT_BEFORE
        assert item.not_after == NOT_AFTER
        assert item.issuer == "LS-CONTOSO-01"

    assert first.temporary is True
    assert second.temporary is False
    assert third.temporary is False
    assert first.license is not None and first.license.container == "pkcs7"
    assert second.license is not None and second.license.container == "der"
    assert second.license.license_server_info is not None
    assert second.license.license_server_info.layout == "V1"
    assert third.license is not None and third.license.client_machine == "WOW-PC"

    # continuation values, concatenated in numeric order
    blob = make(serial=12, client_machine="WOW-PC").blob
    expected_parts = ["ClientLicense"] + [
        f"ClientLicense{i:03d}" for i in range(1, -(-len(blob) // 500))
    ]
    assert third.license_values == expected_parts
    assert third.license.size == len(blob)

    # provenance: one record per value read, with the full raw bytes
    names = [record["value_name"] for record in first.evidence]
    assert names == ["LicenseScope", "CompanyName", "ProductID", "ClientLicense"]
    record = first.evidence[-1]
    assert record["fact"] == "client.store"
    assert record["key_path"] == first.store_key
    assert record["raw"] == make(temporary=True, serial=10).blob.hex()
    assert record["type"] == "REG_BINARY"
    assert record["source"] == "<test SOFTWARE>"
    assert record["format"] == "memory"
    assert record["status"] == "CONFIRMED"
    assert [r["value_name"] for r in third.evidence][3:] == expected_parts
    assert third.evidence[0]["fact"] == "client.store_wow64"
    assert third.evidence[0]["status"] == "UNCERTAIN"


def test_client_state_is_the_report_section():
    state = client_state(facts_of(_two_stores))
    assert state["hwid"] == bytes(range(20)).hex()
    assert state["hwid_dwords"] == list(struct.unpack("<5I", bytes(range(20))))
    assert state["hwid_view"] == "native"
    assert state["problems"] == []
    first, second, third = state["licenses"]
    assert first["store_key"].endswith(r"Store\LICENSE000")
    assert first["temporary"] is True
    assert first["not_before"] == "2017-08-07T09:30:00Z"
    assert first["not_after"] == "2017-11-05T09:30:00Z"
    assert first["issuer"] == "LS-CONTOSO-01"
    assert first["issuer_source"] == "ms_license_server_info"
    assert first["scope"] == "microsoft.com"
    assert first["company"] == "Microsoft Corporation"
    assert first["product_id"] == "A02"
    assert first["licensed_product_id"] == "A02-6.00-S"
    assert first["licensed_version"] == "6.0"
    assert first["rtm"] is True
    assert first["enforced"] is True
    assert first["flags"] == 0x80D48000
    assert first["flag_names"] == ["LICENSE_ENFORCED", "RTM_LICENSE", "TEMPORARY_LICENSE"]
    assert first["license_server_version"] == "5.4"
    assert first["license_server_scope"] == "CONTOSO"
    assert first["license_server_product_id"] == "00490-92005-99454-AT527"
    assert first["client_machine"] == "WKS-0042"
    assert first["client_user"] == "alice"
    assert first["strings"]["LicenseScope"]["raw"] == b"microsoft.com\0".hex()
    assert first["problems"] == []
    assert len(first["evidence"]) == 4
    assert second["temporary"] is False
    assert second["license_server_product_id"] is None
    assert third["view"] == "wow64"
    _validate_client_section(state)


def test_client_state_without_mslicensing():
    state = client_state(facts_of(lambda root: root.ensure(r"Microsoft\Windows")))
    assert state["hwid"] is None
    assert state["hwid_dwords"] == []
    assert state["licenses"] == []
    _validate_client_section(state)


def test_store_anomalies_are_problems_not_errors():
    def build(root: MemoryKey) -> None:
        built = make(temporary=True)
        base = root.ensure(r"Microsoft\MSLicensing")
        base.ensure("HardwareID").set_value("ClientHWID", int(ValueType.REG_BINARY), b"\x02" * 19)
        store = base.ensure("Store")
        store.ensure("Backup")  # not LICENSEnnn
        odd = store.ensure("LICENSE007")
        odd.set_value("LicenseScope", int(ValueType.REG_SZ), utf16_z("microsoft.com"))
        odd.set_value("CompanyName", int(ValueType.REG_BINARY), ansi_z("Microsoft Corporation"))
        # ProductID missing; ClientLicense001 missing between the first and second part
        odd.set_value("ClientLicense", int(ValueType.REG_BINARY), built.blob[:1000])
        odd.set_value("ClientLicense002", int(ValueType.REG_BINARY), built.blob[1000:])
        empty = store.ensure("LICENSE002")
        empty.set_value("LicenseScope", int(ValueType.REG_BINARY), b"")
        # the WOW64 view holds another HWID
        wow = root.ensure(r"Wow6432Node\Microsoft\MSLicensing\HardwareID")
        wow.set_value("ClientHWID", int(ValueType.REG_BINARY), b"\x03" * 20)

    state = client_state(facts_of(build))
    assert state["hwid"] is None
    assert state["hwid_raw"] == ("02" * 19)
    assert state["hwid_other_views"] == {"wow64": "03" * 20}
    assert has(state["problems"], "license.hwid_size", "19 bytes, not 20")
    assert has(state["problems"], "license.hwid_views_differ", "differs")
    assert any(
        code == "license.store_foreign_key"
        and message.endswith(r"Store\Backup: not a LICENSEnnn key, not read")
        for code, message in coded(state["problems"])
    )

    empty, odd = state["licenses"]  # numeric order: LICENSE002 before LICENSE007
    assert empty["index"] == 2
    assert empty["temporary"] is None
    assert empty["strings"]["LicenseScope"]["text"] is None
    assert ("cert.string_empty", "LicenseScope: empty value") in coded(empty["problems"])
    assert ("license.value_missing", "no ClientLicense value") in coded(empty["problems"])
    assert ("license.value_missing", "no CompanyName value") in coded(empty["problems"])

    assert odd["index"] == 7
    assert odd["temporary"] is True  # the two parts still make the whole license
    assert odd["license_values"] == ["ClientLicense", "ClientLicense002"]
    assert odd["scope"] == "microsoft.com"
    assert odd["strings"]["LicenseScope"]["encoding"] == "utf-16le"
    assert odd["company"] == "Microsoft Corporation"
    assert odd["strings"]["CompanyName"]["encoding"] == "ansi"
    assert odd["product_id"] is None
    assert has(odd["problems"], "license.value_type", "LicenseScope is REG_SZ, not REG_BINARY")
    assert ("license.value_missing", "no ProductID value") in coded(odd["problems"])
    assert has(odd["problems"], "license.parts_gap", "found 0, 2")
    _validate_client_section(state)


def test_store_read_back_from_a_real_regf_file_carries_cell_offsets(tmp_path: Path):
    hive = MemoryHive(HiveType.SOFTWARE)
    hive.root().ensure("Classes")
    _two_stores(hive.root())
    path = tmp_path / "SOFTWARE"
    path.write_bytes(
        write_hive(hive, hive_file_name="SOFTWARE", last_written=0x01D3_0F2A_0000_0000)
    )
    evidence = open_evidence(path)
    assert evidence.hives[0].hive.hive_type == HiveType.SOFTWARE
    licenses = decode_store(collect_facts([evidence]))
    assert [item.temporary for item in licenses] == [True, False, False]
    for item in licenses:
        assert item.all_problems == []
        assert item.key_last_write is not None and item.key_last_write.endswith("Z")
        for record in item.evidence:
            assert isinstance(record["cell_offset"], int)
            assert record["source"] == str(path)
            assert record["format"] == "regf"
    assert licenses[0].evidence[-1]["raw"] == make(temporary=True, serial=10).blob.hex()


def _validate_client_section(state: dict[str, object]) -> None:
    schema = schema_of(ClientStore)
    jsonschema.validate(state, schema)
