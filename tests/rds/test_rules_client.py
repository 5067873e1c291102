"""rds.client.temporary_license (§7) on client stores holding real X.509 CALs.

The CAL certificates are built here with ``cryptography``: a LICENSED_PRODUCT_INFO extension
(``1.3.6.1.4.1.311.18.5``) laid out by hand from [MS-RDPELE] §2.2.2.9.1, so the temporary flag
(0x80000000) is set or not on purpose, and validity dates chosen around AS_OF.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID

from tests.rds.conftest import REG_BINARY, HostBuilder, by_id, summary

AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
STORE = r"Microsoft\MSLicensing\Store"
TEMPORARY, RTM, ENFORCED = 0x80000000, 0x00800000, 0x00008000
PRODUCT_INFO_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.18.5")
_KEY = ec.generate_private_key(ec.SECP256R1())


def product_info(flags: int, product: str = "A02-6.00-S", version: int = 0x3000) -> bytes:
    """LICENSED_PRODUCT_INFO: 28-byte header, both product ids, then the version info."""
    pid = (product + "\0").encode("utf-16-le")
    header = struct.pack(
        "<IIIIHHHHHH",
        version,  # the only version [NT5] accepts
        1,  # LicenseCount
        0x01000201,  # PlatformId (client OS / image ids; not checked by the rule)
        0x0409,  # LicensedLanguageId
        28, len(pid),  # RequestedProductId
        28 + len(pid), len(pid),  # AdjustedProductId
        28 + 2 * len(pid), 1,  # LicensedVersionInfo, count 1
    )  # fmt: skip
    return header + pid + pid + struct.pack("<HHI", 6, 0, flags)


def cal(flags: int, not_before: datetime, not_after: datetime, **kwargs: object) -> bytes:
    """A CAL certificate as the license server issues it, wrapped as PKCS#7 certs-only."""
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "CLIENT-PC"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "alice"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, "1234567890"),
    ])  # fmt: skip
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LS01")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(_KEY.public_key())
        .serial_number(0x1001)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.UnrecognizedExtension(PRODUCT_INFO_OID, product_info(flags, **kwargs)),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(_KEY, hashes.SHA256())
    )
    return pkcs7.serialize_certificates([certificate], Encoding.DER)


def client() -> HostBuilder:
    """A client machine: only its SOFTWARE hive matters here."""
    return HostBuilder(system=False)


def add_license(host: HostBuilder, name: str, blob: bytes, store: str = STORE) -> None:
    path = rf"{store}\{name}"
    host.sw_value(path, "LicenseScope", REG_BINARY, b"Microsoft\0")
    host.sw_value(path, "CompanyName", REG_BINARY, "Microsoft Corporation\0".encode("utf-16-le"))
    host.sw_value(path, "ProductID", REG_BINARY, "A02\0".encode("utf-16-le"))
    host.sw_value(path, "ClientLicense", REG_BINARY, blob)


FROM = datetime(2025, 12, 1, tzinfo=UTC)


def test_valid_temporary_cal_is_low():
    host = client()
    add_license(host, "LICENSE000", cal(TEMPORARY | RTM | ENFORCED | 0x00540000, FROM,
                                        datetime(2026, 3, 1, tzinfo=UTC)))  # fmt: skip
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.client.temporary_license", "low", "high")}
    finding = findings["rds.client.temporary_license"]
    (indicator,) = [r for r in finding.evidence if r.get("indicator") == "temporary_cal"]
    assert indicator["store_key"] == (
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSLicensing\Store\LICENSE000"
    )
    assert indicator["not_after"] == "2026-03-01T00:00:00Z"
    assert indicator["issuer"] == "LS01"
    assert indicator["product_id"] == "A02-6.00-S"
    assert indicator["expired"] is False
    assert "valid until 2026-03-01T00:00:00Z" in finding.detail
    values = [r["value_name"] for r in finding.evidence if "indicator" not in r]
    assert values == ["LicenseScope", "CompanyName", "ProductID", "ClientLicense"]
    scope = next(r for r in finding.evidence if r.get("value_name") == "LicenseScope")
    assert (scope["fact"], scope["raw"], scope["control_set"]) == (
        "client.store",
        b"Microsoft\0".hex(),
        None,
    )


def test_expired_temporary_cal_is_medium():
    host = client()
    add_license(host, "LICENSE000", cal(TEMPORARY | RTM, FROM, datetime(2026, 1, 10, tzinfo=UTC)))
    finding = by_id(host.findings(AS_OF))["rds.client.temporary_license"]
    assert (finding.severity, finding.confidence) == ("medium", "high")
    assert "has expired as of 2026-01-15T12:00:00Z" in finding.detail


def test_permanent_cal_is_not_reported():
    host = client()
    add_license(host, "LICENSE000", cal(RTM | ENFORCED, FROM, datetime(2026, 3, 1, tzinfo=UTC)))
    assert host.findings(AS_OF) == []


def test_one_finding_per_temporary_cal():
    host = client()
    add_license(host, "LICENSE000", cal(TEMPORARY, FROM, datetime(2026, 3, 1, tzinfo=UTC)))
    add_license(host, "LICENSE001", cal(RTM, FROM, datetime(2026, 3, 1, tzinfo=UTC)))
    add_license(host, "LICENSE002", cal(TEMPORARY, FROM, datetime(2026, 1, 1, tzinfo=UTC)))
    findings = host.findings(AS_OF)
    assert [(f.id, str(f.severity)) for f in findings] == [
        ("rds.client.temporary_license", "medium"),  # LICENSE002, expired
        ("rds.client.temporary_license", "low"),  # LICENSE000
    ]
    assert "LICENSE002" in findings[0].detail


def test_wow64_store_lowers_confidence():
    host = client()
    add_license(host, "LICENSE000", cal(TEMPORARY, FROM, datetime(2026, 3, 1, tzinfo=UTC)),
                store=r"Wow6432Node\Microsoft\MSLicensing\Store")  # fmt: skip
    finding = by_id(host.findings(AS_OF))["rds.client.temporary_license"]
    assert finding.confidence == "medium"
    assert "UNCERTAIN (§7.2)" in finding.detail


def test_decoding_problems_lower_confidence_and_are_named():
    host = client()
    blob = cal(TEMPORARY, FROM, datetime(2026, 3, 1, tzinfo=UTC), version=0x2000)
    add_license(host, "LICENSE000", blob)
    finding = by_id(host.findings(AS_OF))["rds.client.temporary_license"]
    assert finding.confidence == "medium"
    assert "decoded with problems" in finding.detail
    assert "0x00002000" in finding.detail
