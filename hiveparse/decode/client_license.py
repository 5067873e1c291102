"""Client licenses as bytes: the hardware id and the ``ClientLicense`` blob of a Remote Desktop
client's MSLicensing store, decoded into typed records.

Reference §7 (``rds-licensing.md``): ``ClientHWID`` is a 20-byte CLIENT_HARDWARE_ID;
``ClientLicense`` (split into ``ClientLicense001``, ... on Windows CE) holds the license.
Layouts are in :mod:`hiveparse.schemas.rdpele`. How the license's container, certificates,
extensions and index strings are read is in :mod:`hiveparse.decode.certificates`; the rule
this module adds:

* **Which certificate is the CAL.** The certificate carrying LICENSED_PRODUCT_INFO
  (``1.3.6.1.4.1.311.18.5``): only CALs carry it ([MS-RDPELE] §2.2.2.9; a license server's
  own certificate does not). When several carry it, the last of them in blob order, with a
  problem naming the others. When none does, the last certificate, since X.509 chains in
  RDP are sent root first and leaf last ([MS-RDPBCGR] 5.3.3.2), again with a problem.

Where the store's keys are found and how they become the report's ``licensing.client`` is
:mod:`hiveparse.rds.client_license`. Nothing here raises on bad bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hiveparse.decode.certificates import (
    CertificateInfo,
    Container,
    LicenseServerInfo,
    ProductInfo,
    certificate_info,
    enum_value,
    load_certificates,
    with_certificates,
)
from hiveparse.errors import Diagnostic, Severity, coded
from hiveparse.schemas import rdpele

OID_COMMON_NAME = "2.5.4.3"
OID_LOCALITY = "2.5.4.7"
OID_SERIAL_NUMBER = "2.5.4.5"


# -- hardware id -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hwid:
    """CLIENT_HARDWARE_ID ([MS-RDPELE] §2.2.2.3.1): five little-endian DWORDs."""

    raw: bytes
    platform_id: int
    platform_name: str | None  # VER_PLATFORM_* as [NT5] writes it (2 = Windows NT)
    data: tuple[int, int, int, int]

    @property
    def hex(self) -> str:
        return self.raw.hex()

    @property
    def dwords(self) -> list[int]:
        return [self.platform_id, *self.data]

    def to_dict(self) -> dict[str, Any]:
        return {
            "hex": self.hex,
            "platform_id": self.platform_id,
            "platform_name": self.platform_name,
            "dwords": self.dwords,
            "dwords_hex": [f"0x{dword:08x}" for dword in self.dwords],
        }


def decode_hwid(raw: bytes, problems: list[Diagnostic] | None = None) -> Hwid | None:
    """The HWID in ``raw``, or None (with a problem) when it is not exactly 20 bytes."""
    sink = problems if problems is not None else []
    if len(raw) != rdpele.HWID_SIZE:
        sink.append(
            coded(
                "license.hwid_size",
                f"ClientHWID is {len(raw)} bytes, not {rdpele.HWID_SIZE}; kept raw "
                "(the client regenerates an HWID of the wrong size [NT5])",
            )
        )
        return None
    parsed = rdpele.client_hwid.parse(raw)
    platform_id, platform_name = enum_value(parsed.platform_id)
    data = (int(parsed.data1), int(parsed.data2), int(parsed.data3), int(parsed.data4))
    return Hwid(raw, platform_id, platform_name, data)


# -- the license -------------------------------------------------------------------------------


@dataclass
class DecodedLicense:
    """A ``ClientLicense`` blob: its certificates, the CAL among them, and what was wrong."""

    size: int
    container: Container | None
    certificates: list[CertificateInfo]
    cal_index: int | None
    cal_rule: str | None
    problems: list[Diagnostic]

    @property
    def cal(self) -> CertificateInfo | None:
        return None if self.cal_index is None else self.certificates[self.cal_index]

    @property
    def product_info(self) -> ProductInfo | None:
        cal = self.cal
        return None if cal is None else cal.product_info

    @property
    def license_server_info(self) -> LicenseServerInfo | None:
        cal = self.cal
        return None if cal is None else cal.license_server_info

    @property
    def manufacturer(self) -> str | None:
        cal = self.cal
        return None if cal is None or cal.manufacturer is None else cal.manufacturer.text

    @property
    def cert_version(self) -> int | None:
        cal = self.cal
        return None if cal is None else cal.cert_version

    @property
    def temporary(self) -> bool | None:
        info = self.product_info
        return None if info is None else info.temporary

    @property
    def rtm(self) -> bool | None:
        info = self.product_info
        return None if info is None else info.rtm

    @property
    def enforced(self) -> bool | None:
        info = self.product_info
        return None if info is None else info.enforced

    @property
    def not_before(self) -> datetime | None:
        cal = self.cal
        return None if cal is None else cal.not_before

    @property
    def not_after(self) -> datetime | None:
        cal = self.cal
        return None if cal is None else cal.not_after

    @property
    def issuer_and_source(self) -> tuple[str | None, str | None]:
        """The license server's name: from ``.18.6``, else the CAL issuer's CN ([NT5])."""
        server = self.license_server_info
        if server is not None and server.issuer_name:
            return server.issuer_name, "ms_license_server_info"
        cal = self.cal
        name = None if cal is None else cal.issuer_value(OID_COMMON_NAME)
        return (name, "certificate_issuer_cn") if name else (None, None)

    @property
    def issuer(self) -> str | None:
        return self.issuer_and_source[0]

    @property
    def client_machine(self) -> str | None:
        """The CAL subject's CN: the client computer name in [NT5] (UNCERTAIN later)."""
        cal = self.cal
        return None if cal is None else cal.subject_value(OID_COMMON_NAME)

    @property
    def client_user(self) -> str | None:
        """The CAL subject's L: the client user name in [NT5] (UNCERTAIN later)."""
        cal = self.cal
        return None if cal is None else cal.subject_value(OID_LOCALITY)

    @property
    def all_problems(self) -> list[Diagnostic]:
        """The license's problems and those of every certificate and extension in it."""
        return with_certificates(self.problems, self.certificates)

    def to_dict(self) -> dict[str, Any]:
        issuer, source = self.issuer_and_source
        cal = self.cal
        return {
            "size": self.size,
            "container": self.container,
            "certificates": [certificate.to_dict() for certificate in self.certificates],
            "cal_index": self.cal_index,
            "cal_rule": self.cal_rule,
            "issuer": issuer,
            "issuer_source": source,
            "client_machine": self.client_machine,
            "client_user": self.client_user,
            "client_hwid_text": None if cal is None else cal.subject_value(OID_SERIAL_NUMBER),
            "manufacturer": self.manufacturer,
            "cert_version": self.cert_version,
            "product_info": None if self.product_info is None else self.product_info.to_dict(),
            "license_server_info": (
                None if self.license_server_info is None else self.license_server_info.to_dict()
            ),
            "problems": [problem.to_dict() for problem in self.all_problems],
        }


def decode_client_license(raw: bytes) -> DecodedLicense:
    """Decode a ``ClientLicense`` blob; never raises, every anomaly is in ``problems``."""
    problems: list[Diagnostic] = []
    if not raw:
        empty = coded("license.empty", "empty license")
        return DecodedLicense(0, None, [], None, None, [empty])
    container, loaded = load_certificates(bytes(raw), problems)
    certificates = [certificate_info(index, cert) for index, cert in enumerate(loaded)]
    if not certificates:
        problems.append(
            coded(
                "license.no_certificate",
                "no X.509 certificate could be read from the license",
                severity=Severity.ERROR,
            )
        )
        return DecodedLicense(len(raw), container, certificates, None, None, problems)
    carriers = [info.index for info in certificates if info.product_info is not None]
    if carriers:
        cal_index = carriers[-1]
        rule = f"carries LICENSED_PRODUCT_INFO ({rdpele.OID_LICENSED_PRODUCT_INFO})"
        if len(carriers) > 1:
            problems.append(
                coded(
                    "license.several_cals",
                    f"{len(carriers)} certificates carry LICENSED_PRODUCT_INFO (indexes "
                    f"{', '.join(map(str, carriers))}); the last is taken as the CAL",
                )
            )
    else:
        cal_index = len(certificates) - 1
        rule = "last certificate (none carries LICENSED_PRODUCT_INFO)"
        problems.append(
            coded(
                "license.no_cal_marker",
                "no certificate carries LICENSED_PRODUCT_INFO; the last certificate is taken as "
                "the CAL and its type (temporary, RTM) is unknown",
            )
        )
    return DecodedLicense(len(raw), container, certificates, cal_index, rule, problems)
