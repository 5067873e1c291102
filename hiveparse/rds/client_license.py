"""Client licenses: the hardware id and the CALs a Remote Desktop client keeps in MSLicensing.

Reference §7 (``rds-licensing.md``): ``Microsoft\\MSLicensing\\HardwareID\\ClientHWID`` is
a 20-byte CLIENT_HARDWARE_ID; ``Microsoft\\MSLicensing\\Store\\LICENSEnnn`` holds one
license each, as four REG_BINARY values (``LicenseScope``, ``CompanyName``, ``ProductID``,
``ClientLicense``, the last split into ``ClientLicense001``, ... on Windows CE). Layouts are
in :mod:`hiveparse.schemas.rdpele`. How the license's container, certificates, extensions
and index strings are read is in :mod:`hiveparse.decode.certificates`; the rule this module
adds:

* **Which certificate is the CAL.** The certificate carrying LICENSED_PRODUCT_INFO
  (``1.3.6.1.4.1.311.18.5``): only CALs carry it ([MS-RDPELE] §2.2.2.9; a license server's
  own certificate does not). When several carry it, the last of them in blob order, with a
  problem naming the others. When none does, the last certificate, since X.509 chains in
  RDP are sent root first and leaf last ([MS-RDPBCGR] 5.3.3.2), again with a problem.

Nothing here raises on bad bytes: every anomaly is a string in a ``problems`` list, and no
exception from ``cryptography`` or ``construct`` leaves this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from hiveparse.decode.certificates import (
    CertificateInfo,
    Container,
    Encoding,
    IndexString,
    LicenseServerInfo,
    ProductInfo,
    certificate_info,
    decode_index_string,
    decode_license_server_info,
    decode_licensed_product_info,
    enum_value,
    index_text,
    load_certificates,
    version_text,
)
from hiveparse.filetime import filetime_iso, iso_z
from hiveparse.model import Key, Value, ValueType, fold_name
from hiveparse.rds.facts import Fact, FactSet
from hiveparse.schemas import rdpele

# The decoders of the license's parts live in hiveparse.decode.certificates; they are
# re-exported here, where callers have always found them.
__all__ = [
    "CertificateInfo",
    "ClientLicense",
    "DecodedLicense",
    "Hwid",
    "IndexString",
    "LicenseServerInfo",
    "ProductInfo",
    "client_state",
    "decode_client_license",
    "decode_hwid",
    "decode_index_string",
    "decode_license_server_info",
    "decode_licensed_product_info",
    "decode_store",
]

View = Literal["native", "wow64"]

_LICENSE_KEY = re.compile(r"LICENSE(\d+)", re.IGNORECASE)
_LICENSE_VALUE = re.compile(r"ClientLicense(\d{3})?", re.IGNORECASE)
_OID_COMMON_NAME = "2.5.4.3"
_OID_LOCALITY = "2.5.4.7"
_OID_SERIAL_NUMBER = "2.5.4.5"


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


def decode_hwid(raw: bytes, problems: list[str] | None = None) -> Hwid | None:
    """The HWID in ``raw``, or None (with a problem) when it is not exactly 20 bytes."""
    sink = problems if problems is not None else []
    if len(raw) != rdpele.HWID_SIZE:
        sink.append(
            f"ClientHWID is {len(raw)} bytes, not {rdpele.HWID_SIZE}; kept raw "
            "(the client regenerates an HWID of the wrong size [NT5])"
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
    problems: list[str]

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
        name = None if cal is None else cal.issuer_value(_OID_COMMON_NAME)
        return (name, "certificate_issuer_cn") if name else (None, None)

    @property
    def issuer(self) -> str | None:
        return self.issuer_and_source[0]

    @property
    def client_machine(self) -> str | None:
        """The CAL subject's CN: the client computer name in [NT5] (UNCERTAIN later)."""
        cal = self.cal
        return None if cal is None else cal.subject_value(_OID_COMMON_NAME)

    @property
    def client_user(self) -> str | None:
        """The CAL subject's L: the client user name in [NT5] (UNCERTAIN later)."""
        cal = self.cal
        return None if cal is None else cal.subject_value(_OID_LOCALITY)

    @property
    def all_problems(self) -> list[str]:
        """The license's problems and those of every certificate and extension in it."""
        found = list(self.problems)
        for certificate in self.certificates:
            prefix = f"certificate {certificate.index}"
            found.extend(f"{prefix}: {problem}" for problem in certificate.problems)
            for part, label in (
                (certificate.product_info, "LICENSED_PRODUCT_INFO"),
                (certificate.license_server_info, "MS_LICENSE_SERVER_INFO"),
            ):
                if part is not None:
                    found.extend(f"{prefix}: {label}: {problem}" for problem in part.problems)
            if certificate.manufacturer is not None:
                found.extend(
                    f"{prefix}: manufacturer: {problem}"
                    for problem in certificate.manufacturer.problems
                )
        return found

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
            "client_hwid_text": None if cal is None else cal.subject_value(_OID_SERIAL_NUMBER),
            "manufacturer": self.manufacturer,
            "cert_version": self.cert_version,
            "product_info": None if self.product_info is None else self.product_info.to_dict(),
            "license_server_info": (
                None if self.license_server_info is None else self.license_server_info.to_dict()
            ),
            "problems": self.all_problems,
        }


def decode_client_license(raw: bytes) -> DecodedLicense:
    """Decode a ``ClientLicense`` blob; never raises, every anomaly is in ``problems``."""
    problems: list[str] = []
    if not raw:
        return DecodedLicense(0, None, [], None, None, ["empty license"])
    container, loaded = load_certificates(bytes(raw), problems)
    certificates = [certificate_info(index, cert) for index, cert in enumerate(loaded)]
    if not certificates:
        problems.append("no X.509 certificate could be read from the license")
        return DecodedLicense(len(raw), container, certificates, None, None, problems)
    carriers = [info.index for info in certificates if info.product_info is not None]
    if carriers:
        cal_index = carriers[-1]
        rule = f"carries LICENSED_PRODUCT_INFO ({rdpele.OID_LICENSED_PRODUCT_INFO})"
        if len(carriers) > 1:
            problems.append(
                f"{len(carriers)} certificates carry LICENSED_PRODUCT_INFO (indexes "
                f"{', '.join(map(str, carriers))}); the last is taken as the CAL"
            )
    else:
        cal_index = len(certificates) - 1
        rule = "last certificate (none carries LICENSED_PRODUCT_INFO)"
        problems.append(
            "no certificate carries LICENSED_PRODUCT_INFO; the last certificate is taken as "
            "the CAL and its type (temporary, RTM) is unknown"
        )
    return DecodedLicense(len(raw), container, certificates, cal_index, rule, problems)


# -- the store -----------------------------------------------------------------------------------


@dataclass
class ClientLicense:
    """One ``Store\\LICENSEnnn`` key: its index strings, its license, and their provenance."""

    store_key: str
    key_name: str
    index: int | None
    view: View
    key_last_write: str | None
    scope: IndexString | None
    company: IndexString | None
    product_id: IndexString | None
    license_values: list[str]
    license: DecodedLicense | None
    evidence: list[dict[str, Any]]
    problems: list[str]

    @property
    def temporary(self) -> bool | None:
        return None if self.license is None else self.license.temporary

    @property
    def not_before(self) -> datetime | None:
        return None if self.license is None else self.license.not_before

    @property
    def not_after(self) -> datetime | None:
        return None if self.license is None else self.license.not_after

    @property
    def issuer(self) -> str | None:
        """The issuing license server's name."""
        return None if self.license is None else self.license.issuer

    @property
    def all_problems(self) -> list[str]:
        found = list(self.problems)
        for label, value in (
            ("LicenseScope", self.scope),
            ("CompanyName", self.company),
            ("ProductID", self.product_id),
        ):
            if value is not None:
                found.extend(f"{label}: {problem}" for problem in value.problems)
        if self.license is not None:
            found.extend(f"ClientLicense: {problem}" for problem in self.license.all_problems)
        return found

    def to_dict(self) -> dict[str, Any]:
        decoded = self.license
        info = None if decoded is None else decoded.product_info
        server = None if decoded is None else decoded.license_server_info
        issuer, issuer_source = (None, None) if decoded is None else decoded.issuer_and_source
        return {
            "store_key": self.store_key,
            "key_name": self.key_name,
            "index": self.index,
            "view": self.view,
            "key_last_write": self.key_last_write,
            "temporary": self.temporary,
            "not_before": iso_z(self.not_before),
            "not_after": iso_z(self.not_after),
            "issuer": issuer,
            "issuer_source": issuer_source,
            "scope": index_text(self.scope),
            "company": index_text(self.company),
            "product_id": index_text(self.product_id),
            "licensed_product_id": None if info is None else info.licensed_product_id,
            "licensed_version": (
                None
                if info is None
                else version_text(info.licensed_version_major, info.licensed_version_minor)
            ),
            "rtm": None if info is None else info.rtm,
            "enforced": None if info is None else info.enforced,
            "flags": None if info is None else info.flags,
            "flag_names": [] if info is None else info.flag_names,
            "license_server_version": None if info is None else info.license_server_version,
            "license_server_scope": None if server is None else server.scope,
            "license_server_product_id": None if server is None else server.product_id,
            "client_machine": None if decoded is None else decoded.client_machine,
            "client_user": None if decoded is None else decoded.client_user,
            "strings": {
                "LicenseScope": None if self.scope is None else self.scope.to_dict(),
                "CompanyName": None if self.company is None else self.company.to_dict(),
                "ProductID": None if self.product_id is None else self.product_id.to_dict(),
            },
            "license_values": list(self.license_values),
            "license": None if decoded is None else decoded.to_dict(),
            "problems": self.all_problems,
            "evidence": list(self.evidence),
        }


_BASE_FIELDS = (
    "fact",
    "source",
    "sha256",
    "format",
    "hive",
    "control_set",
    "current_control_set",
    "status",
    "reference",
)


def _key_time(fact: Fact, key: Key) -> int | None:
    """A key's last write where it is evidence (not for .reg input or a converted hive)."""
    return None if fact.mounted.hive.written_by_converter else key.last_written


def _value_record(fact: Fact, key: Key, value: Value) -> dict[str, Any]:
    """Provenance of one value read below a fact's key (the fact's source, this key/value)."""
    base = fact.evidence_record()
    record = {name: base[name] for name in _BASE_FIELDS}
    provenance = value.provenance
    record.update(
        {
            "key_path": f"{fact.mounted.mount}\\{key.path}",
            "value_name": value.name,
            "type": value.type_name,
            "raw": value.raw.hex(),
            "key_last_write": filetime_iso(_key_time(fact, key)),
            "key_last_write_raw": _key_time(fact, key),
            "cell_offset": provenance.offset,
            "line": provenance.line,
            "deleted": provenance.deleted,
        }
    )
    return record


def _binary(value: Value, problems: list[str]) -> bytes:
    if value.type_id != int(ValueType.REG_BINARY):
        problems.append(f"{value.name} is {value.type_name}, not REG_BINARY; raw bytes used")
    return value.raw


def _read_license_key(fact: Fact, key: Key, view: View) -> ClientLicense:
    problems: list[str] = []
    evidence: list[dict[str, Any]] = []
    values: dict[str, Value] = {}
    for value in key.values():
        values.setdefault(fold_name(value.name), value)

    def index_value(name: str, expected: Encoding) -> IndexString | None:
        value = values.get(fold_name(name))
        if value is None:
            problems.append(f"no {name} value")
            return None
        evidence.append(_value_record(fact, key, value))
        return decode_index_string(_binary(value, problems), expected)

    scope = index_value("LicenseScope", "ansi")
    company = index_value("CompanyName", "utf-16le")
    product_id = index_value("ProductID", "utf-16le")

    chunks: list[tuple[int, Value]] = []
    for value in values.values():
        match = _LICENSE_VALUE.fullmatch(value.name)
        if match is not None:
            chunks.append((int(match.group(1) or 0), value))
    chunks.sort(key=lambda item: item[0])
    numbers = [number for number, _value in chunks]
    if numbers and numbers != list(range(len(numbers))):
        problems.append(
            "ClientLicense parts are not numbered 0, 1, 2, ... without gaps "
            f"(found {', '.join(map(str, numbers))}); concatenated in numeric order"
        )
    license_blob = b""
    for _number, value in chunks:
        evidence.append(_value_record(fact, key, value))
        license_blob += _binary(value, problems)
    decoded: DecodedLicense | None = None
    if chunks:
        decoded = decode_client_license(license_blob)
    else:
        problems.append("no ClientLicense value")

    match = _LICENSE_KEY.fullmatch(key.name)
    return ClientLicense(
        store_key=f"{fact.mounted.mount}\\{key.path}",
        key_name=key.name,
        index=None if match is None else int(match.group(1)),
        view=view,
        key_last_write=filetime_iso(_key_time(fact, key)),
        scope=scope,
        company=company,
        product_id=product_id,
        license_values=[value.name for _number, value in chunks],
        license=decoded,
        evidence=evidence,
        problems=problems,
    )


_STORES: tuple[tuple[str, View], ...] = (
    ("client.store", "native"),
    ("client.store_wow64", "wow64"),
)
_HWIDS: tuple[tuple[str, View], ...] = (
    ("client.hwid", "native"),
    ("client.hwid_wow64", "wow64"),
)


def _read_stores(facts: FactSet) -> tuple[list[ClientLicense], list[str]]:
    licenses: list[ClientLicense] = []
    problems: list[str] = []
    for fact_id, view in _STORES:
        fact = facts.get(fact_id)
        if fact is None:
            continue
        keyed: list[tuple[int, str, Key]] = []
        for subkey in fact.key.subkeys():
            match = _LICENSE_KEY.fullmatch(subkey.name)
            if match is None:
                where = f"{fact.full_key_path}\\{subkey.name}"
                problems.append(f"{where}: not a LICENSEnnn key, not read")
                continue
            keyed.append((int(match.group(1)), subkey.name, subkey))
        keyed.sort(key=lambda item: (item[0], item[1].upper()))
        licenses.extend(_read_license_key(fact, subkey, view) for _n, _name, subkey in keyed)
    return licenses, problems


def decode_store(facts: FactSet) -> list[ClientLicense]:
    """Every ``LICENSEnnn`` under the current client store key (native view, then WOW64)."""
    return _read_stores(facts)[0]


def client_state(facts: FactSet) -> dict[str, Any]:
    """The report's ``licensing.client`` section."""
    problems: list[str] = []
    hwid: Hwid | None = None
    hwid_raw: bytes | None = None
    hwid_view: View | None = None
    hwid_evidence: list[dict[str, Any]] = []
    other_views: dict[str, str] = {}
    for fact_id, view in _HWIDS:
        fact = facts.get(fact_id)
        if fact is None or fact.value is None:
            continue
        hwid_evidence.append(fact.evidence_record())
        raw = _binary(fact.value, problems)
        if hwid_view is None:
            hwid_view, hwid_raw = view, raw
            hwid = decode_hwid(raw, problems)
        else:
            other_views[view] = raw.hex()
            if raw != hwid_raw:
                problems.append(f"the {view} ClientHWID differs from the {hwid_view} one")
    licenses, store_problems = _read_stores(facts)
    problems.extend(store_problems)
    return {
        "hwid": None if hwid is None else hwid.hex,
        "hwid_dwords": [] if hwid is None else hwid.dwords,
        "hwid_platform": None if hwid is None else hwid.platform_name,
        "hwid_raw": None if hwid_raw is None else hwid_raw.hex(),
        "hwid_view": hwid_view,
        "hwid_other_views": other_views,
        "hwid_evidence": hwid_evidence,
        "licenses": [license.to_dict() for license in licenses],
        "problems": problems,
    }
