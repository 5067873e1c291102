"""The RD Session Host's certificate values: proprietary certificate, X.509 chain, ID.

Certificates are made here with ``cryptography`` (a self-signed license server, and the
session host's certificate it signs; a Clearinghouse-style root above a license server) and
packed in every container the decoder must recognise: PKCS#7, DER one after another, and
the [MS-RDPBCGR] / [MS-RDPELE] containers built with the project's own construct
declarations. Every decoded field is compared with what went in. Proprietary certificates are
laid out by hand with :mod:`struct`. Real values come from the shared corpus (Windows XP, 7
and 10 hives hold proprietary certificates; none holds an X.509 chain); their expected
values were worked out with ``dd | xxd | openssl sha1`` on the bytes, not with this code.
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from hiveparse.errors import DIAGNOSTIC_CODES, Diagnostic
from hiveparse.evidence.open import Evidence, MountedHive, open_evidence
from hiveparse.model import EvidenceFormat, HiveType, ValueType
from hiveparse.rds.facts import FactSet, collect_facts
from hiveparse.rds.server_certificate import (
    DecodedServerCertificate,
    decode_server_certificate,
    session_host_certificates,
)
from hiveparse.rds.state import build_state
from hiveparse.report.models import Role
from hiveparse.report.schema import SCHEMA, schema_of
from hiveparse.schemas import rdpbcgr
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf.open import open_hive
from hiveparse.sources.regf.writer import write_hive
from samples.cal_factory import CalSpec, build_license, derive_rsa_key, license_server_info_bytes

AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)
SYSTEM = "HKEY_LOCAL_MACHINE\\SYSTEM"
RCM = r"ControlSet001\Control\Terminal Server\RCM"
PARAMETERS = r"ControlSet001\Services\TermService\Parameters"
REG_BINARY = int(ValueType.REG_BINARY)
REG_DWORD = int(ValueType.REG_DWORD)

OID_HYDRA_CERT_VERSION = "1.3.6.1.4.1.311.18.4"
OID_MANUFACTURER = "1.3.6.1.4.1.311.18.2"
OID_MS_LICENSE_SERVER_INFO = "1.3.6.1.4.1.311.18.6"

LS_NAME, LS_SCOPE, LS_PRODUCT_ID = "LS-CONTOSO-01", "CONTOSO", "00490-92005-99454-AT527"
LS_NOT_BEFORE = datetime(2020, 1, 1, 8, 0, 0, tzinfo=UTC)
LS_NOT_AFTER = datetime(2038, 1, 19, 3, 14, 7, tzinfo=UTC)
SERVER_NOT_BEFORE = datetime(2025, 1, 2, 10, 30, 0, tzinfo=UTC)
SERVER_NOT_AFTER = datetime(2026, 1, 2, 10, 30, 0, tzinfo=UTC)  # before AS_OF: expired
LS_SERIAL, SERVER_SERIAL, ROOT_SERIAL = 0x01D5_C0DE_0000_0001, 0x1234_5678, 0x77


def _key(label: str, bits: int = 1024) -> rsa.RSAPrivateKey:
    return derive_rsa_key("test-server-certificate", label, bits)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(
    subject: str,
    issuer: str,
    subject_key: rsa.RSAPrivateKey,
    issuer_key: rsa.RSAPrivateKey,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    extensions: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for oid, value in extensions:
        extension = x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), value)
        builder = builder.add_extension(extension, critical=False)
    certificate = builder.sign(issuer_key, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.DER)


def _utf16z(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


LS_KEY, SERVER_KEY, ROOT_KEY, ROGUE_KEY = (_key(n) for n in ("ls", "server", "root", "rogue"))
SERVER_EXTENSIONS = (
    (OID_HYDRA_CERT_VERSION, struct.pack("<I", 0x00050001)),
    (OID_MANUFACTURER, _utf16z("Microsoft Corporation")),
    (OID_MS_LICENSE_SERVER_INFO, license_server_info_bytes(LS_NAME, LS_SCOPE, LS_PRODUCT_ID)),
)
# An opaque PRODUCT_SPECIFIC extension makes the license server's certificate the longer one,
# so that a PKCS#7 SET (sorted by encoding) holds the server's certificate first.
LS_EXTENSIONS = (("1.3.6.1.4.1.311.18.7", bytes(range(256)) * 2),)
LS_DER = _issue(
    LS_NAME, LS_NAME, LS_KEY, LS_KEY, LS_SERIAL, LS_NOT_BEFORE, LS_NOT_AFTER, LS_EXTENSIONS
)
SERVER_DER = _issue(
    "RDSH-01",
    LS_NAME,
    SERVER_KEY,
    LS_KEY,
    SERVER_SERIAL,
    SERVER_NOT_BEFORE,
    SERVER_NOT_AFTER,
    SERVER_EXTENSIONS,
)
# The same names and serial, signed by a key that is not the license server's.
FORGED_DER = _issue(
    "RDSH-01", LS_NAME, SERVER_KEY, ROGUE_KEY, SERVER_SERIAL, SERVER_NOT_BEFORE, SERVER_NOT_AFTER
)
# A license server activated under a Clearinghouse-style root.
ROOT_DER = _issue(
    "Test Clearinghouse Root", "Test Clearinghouse Root", ROOT_KEY, ROOT_KEY, ROOT_SERIAL,
    LS_NOT_BEFORE, LS_NOT_AFTER,
)  # fmt: skip
ACTIVATED_LS_DER = _issue(
    LS_NAME, "Test Clearinghouse Root", LS_KEY, ROOT_KEY, LS_SERIAL, LS_NOT_BEFORE, LS_NOT_AFTER
)


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _certificates(*ders: bytes) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(der) for der in ders]


def pkcs7_blob(*ders: bytes) -> bytes:
    return pkcs7.serialize_certificates(_certificates(*ders), serialization.Encoding.DER)


def x509_chain(*ders: bytes, padding: bool = True) -> bytes:
    """An X509_CERTIFICATE_CHAIN built with the project's declaration."""
    blobs = [{"cert_byte_count": len(der), "cert": der} for der in ders]
    if not padding:
        return rdpbcgr.x509_certificate_chain_blobs.build(
            {"num_cert_blobs": len(ders), "cert_blob_array": blobs}
        )
    return rdpbcgr.x509_certificate_chain.build(
        {
            "num_cert_blobs": len(ders),
            "cert_blob_array": blobs,
            "padding": bytes(rdpbcgr.x509_padding_size(len(ders))),
        }
    )


def server_certificate(*ders: bytes, temporary: bool = False, padding: bool = True) -> bytes:
    """A SERVER_CERTIFICATE (certChainVersion 2) around the chain, built with the declaration."""
    return rdpbcgr.server_certificate.build(
        {
            "version": {"t": temporary, "cert_chain_version": "CERT_CHAIN_VERSION_2"},
            "cert_data": x509_chain(*ders, padding=padding),
        }
    )


def _subjects(decoded: DecodedServerCertificate) -> list[str | None]:
    return [certificate.info.subject for certificate in decoded.certificates]


# -- containers ----------------------------------------------------------------------------------

CONTAINERS = {
    # (bytes, expected format, expected certificate order, role rule, chain version, t bit)
    "pkcs7_leaf_first": (pkcs7_blob(SERVER_DER, LS_DER), "pkcs7", "issuer_links", None, None),
    "der_root_first": (LS_DER + SERVER_DER, "der", "position", None, None),
    "rdp_server_certificate": (server_certificate(LS_DER, SERVER_DER), "rdp_server_certificate",
                               "position", 2, False),
    "rdp_server_certificate_temporary": (server_certificate(LS_DER, SERVER_DER, temporary=True),
                                         "rdp_server_certificate", "position", 2, True),
    "rdp_server_certificate_no_padding": (server_certificate(LS_DER, SERVER_DER, padding=False),
                                          "rdp_server_certificate", "position", 2, False),
    "rdp_x509_chain": (x509_chain(LS_DER, SERVER_DER), "rdp_x509_chain", "position", None, None),
    "rdp_x509_chain_no_padding": (x509_chain(LS_DER, SERVER_DER, padding=False),
                                  "rdp_x509_chain", "position", None, None),
}  # fmt: skip


@pytest.mark.parametrize("name", CONTAINERS)
def test_each_container_is_detected_and_gives_server_and_license_server(name):
    raw, fmt, rule, chain_version, temporary = CONTAINERS[name]
    decoded = decode_server_certificate(raw)
    assert decoded.format == fmt
    assert decoded.size == len(raw)
    assert decoded.cert_chain_version == chain_version
    assert decoded.temporary is temporary
    assert decoded.role_rule == rule
    assert decoded.all_problems == []
    assert decoded.server is not None and decoded.license_server is not None
    assert decoded.server.info.thumbprint_sha1 == _sha1(SERVER_DER)
    assert decoded.license_server.info.thumbprint_sha1 == _sha1(LS_DER)
    record = decoded.to_dict()
    assert record["roles"]["status"] == "UNCERTAIN"
    assert record["roles"]["rule"] == rule
    assert record["server"]["subject"] == "CN=RDSH-01"
    assert record["license_server"]["subject"] == f"CN={LS_NAME}"
    assert record["issuance"]["kind"] == "self_signed_license_server"
    assert record["issuance"]["status"] == "UNCERTAIN"


def test_rdp_padding_is_counted_when_present_and_zero_when_missing():
    assert decode_server_certificate(server_certificate(LS_DER, SERVER_DER)).padding == 16
    assert decode_server_certificate(x509_chain(LS_DER, SERVER_DER, LS_DER)).padding == 20
    bare = decode_server_certificate(server_certificate(LS_DER, SERVER_DER, padding=False))
    assert bare.padding == 0


def test_pkcs7_order_does_not_decide_the_roles():
    for order in ((SERVER_DER, LS_DER), (LS_DER, SERVER_DER)):
        blob = pkcs7_blob(*order)
        held = [c.subject.rfc4514_string() for c in pkcs7.load_der_pkcs7_certificates(blob)]
        assert held == ["CN=RDSH-01", f"CN={LS_NAME}"]  # leaf first: position would be wrong
        decoded = decode_server_certificate(blob)
        assert decoded.role_rule == "issuer_links"
        assert decoded.server is not None and decoded.license_server is not None
        assert decoded.server.info.subject == "CN=RDSH-01"
        assert decoded.license_server.info.subject == f"CN={LS_NAME}"


def test_a_single_der_certificate_is_the_servers_with_a_problem():
    decoded = decode_server_certificate(SERVER_DER)
    assert decoded.format == "der"
    assert decoded.server_index == 0
    assert decoded.license_server is None
    assert decoded.issuance is None
    assert coded(decoded.problems) == [
        (
            "cert.chain_single",
            "only one certificate: taken as the server's; no license-server certificate",
        )
    ]


def coded(problems: Iterable[Diagnostic | dict[str, Any]]) -> list[tuple[str, str]]:
    """(code, message) of each problem, from Diagnostic objects or the report's dicts."""
    return [
        (p["code"], p["message"]) if isinstance(p, dict) else (p.code, p.message) for p in problems
    ]


def at(problems: list[Diagnostic], code: str) -> list[int | None]:
    """The offsets of the problems of ``code``."""
    return [p.location.offset for p in problems if p.code == code]


# -- certificate fields --------------------------------------------------------------------------


def test_certificate_fields_are_what_was_built():
    decoded = decode_server_certificate(server_certificate(LS_DER, SERVER_DER))
    ls, server = (certificate.to_dict() for certificate in decoded.certificates)
    assert ls["index"] == 0
    assert ls["subject"] == ls["issuer"] == f"CN={LS_NAME}"
    assert ls["serial"] == f"{LS_SERIAL:x}"
    assert ls["not_before"] == "2020-01-01T08:00:00Z"
    assert ls["not_after"] == "2038-01-19T03:14:07Z"
    assert ls["thumbprint_sha1"] == _sha1(LS_DER)
    assert ls["size"] == len(LS_DER)
    assert ls["public_key_bits"] == 1024
    assert ls["self_issued"] is True
    assert ls["self_signed"] is True
    assert server["subject"] == "CN=RDSH-01"
    assert server["issuer"] == f"CN={LS_NAME}"
    assert server["serial"] == "12345678"
    assert server["not_before"] == "2025-01-02T10:30:00Z"
    assert server["not_after"] == "2026-01-02T10:30:00Z"
    assert server["thumbprint_sha1"] == _sha1(SERVER_DER)
    assert server["signature_algorithm"] == "1.2.840.113549.1.1.11"  # sha256WithRSAEncryption
    assert server["self_issued"] is False
    assert server["self_signed"] is False
    # The dates are aware UTC datetimes before they become strings.
    assert decoded.certificates[1].info.not_after == SERVER_NOT_AFTER
    assert decoded.certificates[1].info.not_after.tzinfo is not None
    assert [link.to_dict() for link in decoded.links] == [
        {"index": 1, "issuer_index": 0, "names_match": True, "signature_valid": True}
    ]


# basicConstraints (RFC 5280 4.2.1.9) whose SEQUENCE announces 3 bytes and holds 2.
MALFORMED_BASIC_CONSTRAINTS = ("2.5.29.19", bytes.fromhex("30030101"))


def test_a_malformed_standard_extension_does_not_hide_the_microsoft_ones():
    der = _issue(
        "RDSH-01",
        LS_NAME,
        SERVER_KEY,
        LS_KEY,
        SERVER_SERIAL,
        SERVER_NOT_BEFORE,
        SERVER_NOT_AFTER,
        (MALFORMED_BASIC_CONSTRAINTS, *SERVER_EXTENSIONS),
    )
    # cryptography refuses the whole extension list: the reason asn1crypto reads it.
    with pytest.raises(ValueError):
        _ = x509.load_der_x509_certificate(der).extensions
    decoded = decode_server_certificate(server_certificate(LS_DER, der))
    assert decoded.server is not None
    oids = [item["oid"] for item in decoded.server.to_dict()["extensions"]]
    assert oids == ["2.5.29.19", *(oid for oid, _value in SERVER_EXTENSIONS)]
    extensions = decoded.server.to_dict()["microsoft_extensions"]
    assert extensions["cert_version"] == 0x00050001
    assert extensions["manufacturer"] == "Microsoft Corporation"
    assert extensions["license_server_info"]["issuer_name"] == LS_NAME


def test_a_repeated_microsoft_extension_keeps_the_first():
    # Two certificate-version extensions: the builder refuses duplicates, so the second is
    # written under .18.9 and renamed in the DER (same length, the signature is not checked).
    placeholder = "1.3.6.1.4.1.311.18.9"
    der = _issue(
        "RDSH-01",
        LS_NAME,
        SERVER_KEY,
        LS_KEY,
        SERVER_SERIAL,
        SERVER_NOT_BEFORE,
        SERVER_NOT_AFTER,
        (
            (OID_HYDRA_CERT_VERSION, struct.pack("<I", 0x00050001)),
            (placeholder, struct.pack("<I", 0x00020002)),
        ),
    )
    # OBJECT IDENTIFIER 1.3.6.1.4.1.311.18.n in DER (X.690 8.19): 06 09 2b 06 01 04 01 82 37 12 n
    renamed = der.replace(
        bytes.fromhex("06092b0601040182371209"), bytes.fromhex("06092b0601040182371204")
    )
    assert renamed != der
    with pytest.raises(x509.DuplicateExtension):
        _ = x509.load_der_x509_certificate(renamed).extensions
    decoded = decode_server_certificate(renamed)
    (certificate,) = decoded.certificates
    assert [e.oid for e in certificate.info.extensions] == [OID_HYDRA_CERT_VERSION] * 2
    assert certificate.info.cert_version == 0x00050001
    assert (
        "cert.extension_repeated",
        f"extension {OID_HYDRA_CERT_VERSION} appears more than once; first kept",
    ) in coded(certificate.info.problems)


def test_microsoft_extensions_are_decoded():
    decoded = decode_server_certificate(server_certificate(LS_DER, SERVER_DER))
    assert decoded.server is not None
    extensions = decoded.server.to_dict()["microsoft_extensions"]
    assert extensions["cert_version"] == 0x00050001
    assert extensions["manufacturer"] == "Microsoft Corporation"
    assert extensions["licensed_product_info"] is None
    server_info = extensions["license_server_info"]
    assert server_info["layout"] == "V2"
    assert server_info["issuer_name"] == LS_NAME
    assert server_info["scope"] == LS_SCOPE
    assert server_info["product_id"] == LS_PRODUCT_ID
    oids = [item["oid"] for item in decoded.server.to_dict()["extensions"]]
    assert oids == [oid for oid, _value in SERVER_EXTENSIONS]
    assert decoded.license_server is not None
    assert decoded.license_server.to_dict()["microsoft_extensions"] == {
        "cert_version": None,
        "manufacturer": None,
        "licensed_product_info": None,
        "license_server_info": None,
    }


def test_license_server_signed_with_oiw_sha1rsa_is_recognised_as_self_signed():
    # samples/cal_factory.py signs as 2003-era license servers do: OIW sha1RSA (1.3.14.3.2.29).
    built = build_license(
        CalSpec(not_before=SERVER_NOT_BEFORE, not_after=SERVER_NOT_AFTER, seed="oiw")
    )
    decoded = decode_server_certificate(server_certificate(built.server_der, built.leaf_der))
    assert decoded.all_problems == []
    ls, leaf = decoded.certificates
    assert ls.info.signature_algorithm == "1.3.14.3.2.29"
    assert ls.self_signed is True
    assert leaf.self_signed is False
    assert decoded.links[0].signature_valid is True
    assert leaf.info.product_info is not None  # a CAL's LICENSED_PRODUCT_INFO, decoded too


# -- chain checks and the issuance hint ----------------------------------------------------------


def test_a_clearinghouse_chain_gives_that_hint():
    decoded = decode_server_certificate(server_certificate(ROOT_DER, ACTIVATED_LS_DER, SERVER_DER))
    assert decoded.all_problems == []
    assert (decoded.server_index, decoded.license_server_index) == (2, 1)
    assert decoded.license_server is not None
    assert decoded.license_server.self_signed is False
    assert decoded.certificates[0].self_signed is True
    assert [(link.index, link.issuer_index, link.signature_valid) for link in decoded.links] == [
        (2, 1, True),
        (1, 0, True),
    ]
    issuance = decoded.issuance
    assert issuance is not None
    assert issuance["kind"] == "clearinghouse_chain"
    assert "Test Clearinghouse Root" in issuance["basis"]
    assert issuance["status"] == "UNCERTAIN"


def test_a_clearinghouse_chain_in_pkcs7_is_ordered_by_issuer_links():
    decoded = decode_server_certificate(pkcs7_blob(SERVER_DER, ROOT_DER, ACTIVATED_LS_DER))
    assert decoded.all_problems == []
    assert decoded.server is not None and decoded.license_server is not None
    assert decoded.server.info.subject == "CN=RDSH-01"
    assert decoded.license_server.info.thumbprint_sha1 == _sha1(ACTIVATED_LS_DER)
    assert decoded.issuance is not None
    assert decoded.issuance["kind"] == "clearinghouse_chain"


def test_a_forged_server_certificate_fails_its_signature_check():
    decoded = decode_server_certificate(server_certificate(LS_DER, FORGED_DER))
    assert decoded.links[0].names_match is True
    assert decoded.links[0].signature_valid is False
    assert coded(decoded.problems) == [
        (
            "cert.chain_signature_invalid",
            "certificate 1's signature does not verify under certificate 0's key",
        )
    ]


def test_a_license_server_certificate_its_own_key_does_not_verify():
    fake_root = _issue(LS_NAME, LS_NAME, LS_KEY, ROGUE_KEY, LS_SERIAL, LS_NOT_BEFORE, LS_NOT_AFTER)
    decoded = decode_server_certificate(server_certificate(fake_root, SERVER_DER))
    ls = decoded.certificates[0]
    assert (ls.self_issued, ls.self_signed) == (True, False)
    assert (
        "cert.self_signature_invalid",
        "names itself as issuer, but its own key does not verify it",
    ) in coded(ls.info.problems)
    assert decoded.links[0].signature_valid is True  # the server's was made with LS_KEY
    assert decoded.issuance is not None and decoded.issuance["kind"] == "unknown"


def test_a_leaf_first_der_chain_is_reported():
    decoded = decode_server_certificate(SERVER_DER + LS_DER)
    assert decoded.format == "der"
    assert decoded.server_index == 1  # the positional rule, applied as the spec states it
    assert decoded.links[0].names_match is False
    assert any(
        code == "cert.chain_order" and "not in root-first order" in message
        for code, message in coded(decoded.problems)
    )


def test_a_chain_of_one_certblob_is_below_the_spec_minimum():
    decoded = decode_server_certificate(server_certificate(SERVER_DER))
    assert decoded.format == "rdp_server_certificate"
    assert ("cert.chain_count", "NumCertBlobs is 1; the spec says at least 2") in coded(
        decoded.problems
    )


def test_bytes_after_the_chain_that_are_not_its_padding_are_reported():
    chain = x509_chain(LS_DER, SERVER_DER)
    decoded = decode_server_certificate(chain + b"\x01\x02\x03")
    assert decoded.padding == 16
    assert coded(decoded.problems) == [
        ("cert.chain_trailing", "3 byte(s) after the chain that are not its 16 bytes of padding")
    ]
    assert at(decoded.problems, "cert.chain_trailing") == [len(chain)]
    dirty = decode_server_certificate(chain[:-1] + b"\x01")
    assert coded(dirty.problems) == [
        ("cert.chain_padding", "the 16 bytes of padding are not all zero")
    ]
    assert at(dirty.problems, "cert.chain_padding") == [len(chain) - 16]


def test_a_certblob_that_is_not_a_certificate_keeps_its_place():
    not_a_certificate = bytes.fromhex("3003020105")  # SEQUENCE { INTEGER 5 }
    decoded = decode_server_certificate(server_certificate(LS_DER, not_a_certificate))
    assert decoded.format == "rdp_server_certificate"
    assert decoded.server_index == 1
    assert decoded.server is not None and decoded.server.info.subject is None
    assert (
        "cert.chain_blob_unreadable",
        "certificate 1: CertBlob 1 (5 bytes) is not an X.509 certificate",
    ) in coded(decoded.all_problems)
    # dwVersion, NumCertBlobs, cbCert, certificate 0, cbCert: then CertBlob 1's bytes
    offset = 4 + 4 + 4 + len(LS_DER) + 4
    assert at(decoded.certificates[1].info.problems, "cert.chain_blob_unreadable") == [offset]


# -- the proprietary certificate -----------------------------------------------------------------


def proprietary(
    key: rsa.RSAPrivateKey,
    *,
    version: int = 1,
    keylen_delta: int = 0,
    datalen: int | None = None,
    magic: bytes = b"RSA1",
    padding: bytes = bytes(8),
    signature_type: int = 8,
    trailing: bytes = b"",
) -> bytes:
    """PROPRIETARYSERVERCERTIFICATE laid out by hand from [MS-RDPBCGR] §2.2.1.4.3.1.1 and
    [MS-RDPBCGR] §2.2.1.4.3.1.1.1 (RSA_PUBLIC_KEY)."""
    numbers = key.public_key().public_numbers()
    size = key.key_size // 8
    modulus = numbers.n.to_bytes(size, "little") + padding
    public_key = magic + struct.pack(
        "<IIII",
        size + 8 + keylen_delta,
        key.key_size,
        size - 1 if datalen is None else datalen,
        numbers.e,
    )
    public_key += modulus
    signature = bytes(range(64)) + bytes(8)  # 512-bit signature + 8 bytes of padding
    head = struct.pack("<IIIHH", version, 1, 1, 6, len(public_key))
    tail = struct.pack("<HH", signature_type, len(signature)) + signature
    return head + public_key + tail + trailing


@pytest.mark.parametrize(("bits", "temporary"), [(512, False), (2048, False), (2048, True)])
def test_proprietary_certificate_gives_bits_exponent_and_modulus_fingerprint(bits, temporary):
    key = _key(f"proprietary-{bits}", bits)
    raw = proprietary(key, version=0x80000001 if temporary else 1)
    decoded = decode_server_certificate(raw)
    assert decoded.format == "rdp_proprietary"
    assert decoded.all_problems == []
    assert decoded.cert_chain_version == 1
    assert decoded.temporary is temporary
    assert decoded.certificates == []
    assert decoded.server is None and decoded.issuance is None
    record = decoded.to_dict()["proprietary"]
    modulus = key.public_key().public_numbers().n
    assert record["key_bits"] == bits
    assert record["public_exponent"] == 65537
    assert record["modulus_sha1"] == _sha1(modulus.to_bytes(bits // 8, "big"))
    assert record["modulus_bit_length"] == bits
    assert record["signature_blob_type"] == 8
    assert record["signature_blob_len"] == 72
    assert record["signature"] == (bytes(range(64)) + bytes(8)).hex()


PROPRIETARY_DEFECTS = {
    "keylen": (
        {"keylen_delta": 4},
        "cert.rsa_key_length",
        "keylen 140 is not bitlen / 8 + 8 (136) for 1024 bits",
    ),
    "datalen": ({"datalen": 7}, "cert.rsa_key_length", "datalen 7 is not bitlen / 8 - 1 (127)"),
    "magic": ({"magic": b"RSA2"}, "cert.rsa_key_magic", "public key magic is 52534132, not 'RSA1'"),
    "padding": (
        {"padding": b"\x00" * 7 + b"\x01"},
        "cert.rsa_key_padding",
        "the 8 byte(s) after the modulus are not",
    ),
    "signature_type": (
        {"signature_type": 9},
        "cert.proprietary_field",
        "wSignatureBlobType is 9, not BB_RSA_SIGNATURE",
    ),
    "trailing": (
        {"trailing": b"\xaa\xbb"},
        "cert.proprietary_trailing",
        "2 byte(s) after the proprietary certificate",
    ),
}


@pytest.mark.parametrize("name", PROPRIETARY_DEFECTS)
def test_proprietary_defects_become_problems(name):
    overrides, code, expected = PROPRIETARY_DEFECTS[name]
    decoded = decode_server_certificate(proprietary(LS_KEY, **overrides))
    assert decoded.format == "rdp_proprietary"
    found = coded(decoded.problems)
    assert any(c == code and message.startswith(expected) for c, message in found), found
    assert decoded.proprietary is not None


def test_truncated_proprietary_certificate_keeps_what_it_has():
    raw = proprietary(LS_KEY)
    decoded = decode_server_certificate(raw[:100])
    assert decoded.format == "rdp_proprietary"
    assert decoded.proprietary is not None and decoded.proprietary.public_key is not None
    assert decoded.proprietary.public_key.bitlen == 1024
    assert decoded.proprietary.public_key.modulus_sha1 is not None
    assert coded(decoded.problems) == [
        ("cert.proprietary_truncated", "wPublicKeyBlobLen is 156, 84 byte(s) left"),
        ("cert.rsa_key_truncated", "modulus field claims 136 bytes, 64 left in the key blob"),
        ("cert.rsa_key_truncated", "modulus has 64 of its 128 bytes"),
        (
            "cert.proprietary_truncated",
            "the value ends before wSignatureBlobType and wSignatureBlobLen",
        ),
    ]
    # [MS-RDPBCGR] 2.2.1.4.3.1.1: a 16-byte header, then the 156-byte key blob, then
    # wSignatureBlobType and wSignatureBlobLen, then the 72-byte signature.
    assert at(decoded.problems, "cert.proprietary_truncated") == [16, 16 + 156]
    short_signature = decode_server_certificate(raw[:-10])
    assert coded(short_signature.problems) == [
        ("cert.proprietary_truncated", "wSignatureBlobLen is 72, 62 byte(s) left")
    ]
    assert at(short_signature.problems, "cert.proprietary_truncated") == [16 + 156 + 4]


# -- bad input never raises ----------------------------------------------------------------------


def test_empty_value():
    decoded = decode_server_certificate(b"")
    assert decoded.format is None
    assert coded(decoded.problems) == [("cert.empty", "empty value")]
    assert decoded.to_dict()["certificates"] == []


def test_garbage_is_a_problem_not_an_exception():
    decoded = decode_server_certificate(b"\x05\x00\x00\x00garbage that is no certificate")
    assert decoded.format is None
    assert decoded.certificates == []
    assert decoded.all_problems  # the reason is given


SAMPLES = [
    proprietary(LS_KEY),
    server_certificate(LS_DER, SERVER_DER),
    x509_chain(ROOT_DER, ACTIVATED_LS_DER, SERVER_DER, padding=False),
    pkcs7_blob(SERVER_DER, LS_DER),
    LS_DER + SERVER_DER,
]


WITHOUT_PADDING = {server_certificate(LS_DER, SERVER_DER, padding=False)}


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_every_truncation_and_bit_flip_decodes_without_raising(index):
    raw = SAMPLES[index]
    rng = random.Random(index)
    inputs = [raw[:size] for size in range(0, len(raw), 7)]
    for _ in range(150):
        flipped = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        inputs.append(bytes(flipped))
    for data in inputs:
        decoded = decode_server_certificate(data)
        assert isinstance(decoded, DecodedServerCertificate)
        record = decoded.to_dict()
        # Every problem is a catalogued diagnostic (an unexpected exception would propagate).
        assert {problem["code"] for problem in record["problems"]} <= set(DIAGNOSTIC_CODES)
        # A cut value always says something is missing (the chain's padding may go).
        if len(data) < len(raw) and data not in WITHOUT_PADDING:
            assert record["problems"], data.hex()


def test_random_bytes_decode_without_raising():
    rng = random.Random(20260306)
    for size in [1, 3, 4, 8, 15, 16, 40, 200, 1000]:
        for _ in range(20):
            data = bytes(rng.randrange(256) for _ in range(size))
            for head in (b"", b"\x01\x00\x00\x00", b"\x02\x00\x00\x80", b"\x02\x00\x00\x00", b"0"):
                decoded = decode_server_certificate(head + data)
                assert isinstance(decoded, DecodedServerCertificate)
                assert {p.code for p in decoded.all_problems} <= set(DIAGNOSTIC_CODES)


# -- the registry values -------------------------------------------------------------------------


def _system_facts(build: Callable[[MemoryKey], object]) -> FactSet:
    hive = MemoryHive(HiveType.SYSTEM, source="<test SYSTEM>")
    root = hive.root()
    select = root.ensure("Select")
    select.set_value("Current", REG_DWORD, struct.pack("<I", 1))
    build(root)
    evidence = Evidence(
        path="<test SYSTEM>",
        size=0,
        sha256="0" * 64,
        format=EvidenceFormat.MEMORY,
        hives=[MountedHive(SYSTEM, hive)],
    )
    return collect_facts([evidence])


PROPRIETARY_RAW = proprietary(_key("rcm-proprietary", 2048))
X509_RAW = server_certificate(LS_DER, SERVER_DER)


def _rcm_values(root: MemoryKey) -> None:
    rcm = root.ensure(RCM)
    rcm.set_value("Certificate", REG_BINARY, PROPRIETARY_RAW)
    rcm.set_value("X509 Certificate", REG_BINARY, X509_RAW)
    rcm.set_value("X509 Certificate2", REG_BINARY, pkcs7_blob(SERVER_DER, LS_DER))
    rcm.set_value("X509 Certificate ID", REG_BINARY, hashlib.sha1(SERVER_DER).digest()[::-1])


def test_rcm_values_are_decoded_and_the_id_kept_opaque():
    section = session_host_certificates(_system_facts(_rcm_values), AS_OF)
    record = section.to_dict()
    assert record["present"] == [
        "Certificate",
        "X509 Certificate",
        "X509 Certificate2",
        "X509 Certificate ID",
    ]
    by_name = {item["value_name"]: item for item in record["values"]}
    assert by_name["Certificate"]["format"] == "rdp_proprietary"
    assert by_name["X509 Certificate"]["format"] == "rdp_server_certificate"
    assert by_name["X509 Certificate2"]["format"] == "pkcs7"
    identifier = by_name["X509 Certificate ID"]
    assert identifier["format"] == "opaque"
    assert identifier["size"] == 20
    assert identifier["hex"] == hashlib.sha1(SERVER_DER).digest()[::-1].hex()
    assert identifier["matches"] == [
        "X509 Certificate certificate 1, byte-reversed",
        "X509 Certificate2 certificate 0, byte-reversed",
    ]
    for item in record["values"]:
        assert item["key_path"] == f"{SYSTEM}\\{RCM}"
        assert item["location_status"] == "CONFIRMED"
        assert item["problems"] == []
        assert item["evidence"][0]["value_name"] == item["value_name"]
    x509_summary = record["x509"]
    assert x509_summary["value_name"] == "X509 Certificate"
    assert x509_summary["server"]["thumbprint_sha1"] == _sha1(SERVER_DER)
    assert x509_summary["server"]["not_after"] == "2026-01-02T10:30:00Z"
    assert x509_summary["server_expired"] is True  # 2026-01-02 is before AS_OF
    assert x509_summary["license_server"]["self_signed"] is True
    assert x509_summary["roles_status"] == "UNCERTAIN"
    assert x509_summary["issuance"]["kind"] == "self_signed_license_server"
    modulus = _key("rcm-proprietary", 2048).public_key().public_numbers().n
    assert record["proprietary"] == {
        "value_name": "Certificate",
        "key_path": f"{SYSTEM}\\{RCM}",
        "key_bits": 2048,
        "public_exponent": 65537,
        "modulus_sha1": _sha1(modulus.to_bytes(256, "big")),
    }


def test_server_expiry_is_relative_to_as_of():
    facts = _system_facts(_rcm_values)
    assert session_host_certificates(facts, AS_OF).server_expired is True
    before = datetime(2025, 12, 31, tzinfo=UTC)
    assert session_host_certificates(facts, before).server_expired is False
    naive = datetime(2025, 12, 31)  # read as UTC
    assert session_host_certificates(facts, naive).server_expired is False


def test_no_certificate_values_gives_an_empty_section():
    section = session_host_certificates(_system_facts(lambda root: root.ensure(RCM)), AS_OF)
    assert section.to_dict() == {"present": [], "x509": None, "proprietary": None, "values": []}
    assert section.server_expired is None


def test_a_value_of_the_wrong_type_is_read_with_a_problem():
    def build(root: MemoryKey) -> None:
        root.ensure(RCM).set_value("X509 Certificate", int(ValueType.REG_NONE), X509_RAW)

    record = session_host_certificates(_system_facts(build), AS_OF).to_dict()
    (item,) = record["values"]
    assert item["format"] == "rdp_server_certificate"
    assert coded(item["problems"])[0] == (
        "cert.value_type",
        "X509 Certificate is REG_NONE, not REG_BINARY; raw bytes used",
    )


def test_server_2003_places_are_read_and_marked_uncertain():
    def build(root: MemoryKey) -> None:
        root.ensure(PARAMETERS).set_value("X509 Certificate", REG_BINARY, X509_RAW)

    section = session_host_certificates(_system_facts(build), AS_OF)
    (item,) = section.to_dict()["values"]
    assert item["fact"] == "cert.legacy_x509"
    assert item["location_status"] == "UNCERTAIN"
    assert section.x509 is not None and section.x509.format == "rdp_server_certificate"


def _validate_role(role: dict[str, object]) -> None:
    schema = schema_of(Role)
    jsonschema.validate(role, schema)


def test_the_state_carries_the_section_and_it_follows_the_schema():
    state = build_state(_system_facts(_rcm_values), AS_OF)
    assert state.certificates is not None
    assert state.certificates.server_expired is True
    role = state.role.to_dict()
    assert role["session_host_certificates"]["present"][1] == "X509 Certificate"
    _validate_role(role)
    empty = build_state(_system_facts(lambda root: None), AS_OF).role.to_dict()
    _validate_role(empty)


def test_analyze_report_of_a_regf_hive_carries_the_certificates(tmp_path: Path):
    from hiveparse.rds.analyze import analyze, host_document  # noqa: PLC0415

    hive = MemoryHive(HiveType.SYSTEM)
    root = hive.root()
    root.ensure("Select").set_value("Current", REG_DWORD, struct.pack("<I", 1))
    _rcm_values(root)
    path = tmp_path / "SYSTEM"
    path.write_bytes(write_hive(hive, hive_file_name="SYSTEM", last_written=0x01DA_0000_0000_0000))
    analysis = analyze([path], as_of=AS_OF)
    (host,) = analysis.hosts
    document = host_document(host, analysis)
    jsonschema.validate(document, SCHEMA)
    section = document["licensing"]["role"]["session_host_certificates"]
    assert section["x509"]["server"]["subject"] == "CN=RDSH-01"
    evidence = section["values"][1]["evidence"][0]
    assert evidence["source"] == str(path)
    assert isinstance(evidence["cell_offset"], int)
    assert evidence["raw"] == X509_RAW.hex()


# -- real evidence -------------------------------------------------------------------------------

# Worked out from the bytes with shell tools, not with this code: bitlen and pubExp at
# offsets 24 and 32 (od), the bitlen / 8 modulus bytes from offset 36 reversed to big-endian
# and hashed (dd | xxd -p -c1 | tac | xxd -r -p | openssl sha1), the signature blob type and
# length after the modulus padding; every value ends exactly after its signature blob.
REAL_PROPRIETARY = [
    ("regipy/SYSTEM", RCM, "Certificate", 376, 2048,
     "6379cacdc15b91b3c7f5059cc73bfbfd1a308d61"),
    ("regipy/SYSTEM", RCM, "CertificateOld", 184, 512,
     "9c430648c35d6941d1b89f179f3f89609b13f0b9"),
    ("regipy/SYSTEM_WIN_10_1709", RCM, "Certificate", 376, 2048,
     "f270c6499b0862636bf23e773d53da4519cdb8b2"),
    ("hackfortress-xp/system", PARAMETERS, "Certificate", 184, 512,
     "13978c7eb31752c34aa8ffbe8430ba97360e3d73"),
    ("bitcurator-dfa/SYSTEM", PARAMETERS, "Certificate", 184, 512,
     "0988932052cf2fc989d3ea2b0edb0cedfb0aa6a2"),
]  # fmt: skip


@pytest.mark.parametrize(("hive", "key", "name", "size", "bits", "modulus_sha1"), REAL_PROPRIETARY)
def test_real_proprietary_certificates(corpus: Path, hive, key, name, size, bits, modulus_sha1):
    value = open_hive(corpus / "hives" / hive).root().find(key).value(name)
    decoded = decode_server_certificate(value.raw)
    assert decoded.size == size
    assert decoded.format == "rdp_proprietary"
    assert decoded.all_problems == []
    assert decoded.temporary is False
    record = decoded.to_dict()["proprietary"]
    assert record["key_bits"] == bits
    assert record["public_exponent"] == 65537
    assert record["modulus_sha1"] == modulus_sha1
    assert record["signature_blob_type"] == 8
    assert record["signature_blob_len"] == 72  # a 512-bit signature and 8 bytes of padding
    # The declaration reads the real bytes and writes them back unchanged.
    parsed = rdpbcgr.proprietary_server_certificate.parse(value.raw)
    assert rdpbcgr.proprietary_server_certificate.build(parsed) == value.raw


def test_real_hives_give_the_proprietary_summary(corpus: Path):
    facts = collect_facts([open_evidence(corpus / "hives/regipy/SYSTEM")])
    record = session_host_certificates(facts, AS_OF).to_dict()
    # CertificateOld is not a location the analysis reads; Certificate is.
    assert record["present"] == ["Certificate"]
    assert record["x509"] is None
    assert record["proprietary"]["key_bits"] == 2048
    assert record["proprietary"]["modulus_sha1"] == "6379cacdc15b91b3c7f5059cc73bfbfd1a308d61"
    xp = collect_facts([open_evidence(corpus / "hives/hackfortress-xp/system")])
    xp_record = session_host_certificates(xp, AS_OF).to_dict()
    (item,) = xp_record["values"]
    assert item["fact"] == "cert.legacy_certificate"
    assert xp_record["proprietary"]["modulus_sha1"] == "13978c7eb31752c34aa8ffbe8430ba97360e3d73"
