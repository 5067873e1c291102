"""Client licenses in the evidence: the MSLicensing store's keys read into records with
their provenance, and the report's ``licensing.client`` section.

Reference §7 (``rds-licensing.md``): ``Microsoft\\MSLicensing\\HardwareID\\ClientHWID`` is
a 20-byte CLIENT_HARDWARE_ID; ``Microsoft\\MSLicensing\\Store\\LICENSEnnn`` holds one
license each, as four REG_BINARY values (``LicenseScope``, ``CompanyName``, ``ProductID``,
``ClientLicense``, the last split into ``ClientLicense001``, ... on Windows CE). The bytes are
decoded by :mod:`hiveparse.decode.client_license` (which certificate is the CAL) and
:mod:`hiveparse.decode.certificates` (containers, extensions, index strings); this module
finds the keys, joins the split values and keeps where each byte came from.

The store is read once per host, while the state is built (:class:`ClientState` on
:class:`hiveparse.rds.state.LicensingState`); the rules and the report read that record.
Nothing here raises on bad bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from hiveparse.decode.certificates import (
    CertificateInfo,
    Encoding,
    IndexString,
    LicenseServerInfo,
    ProductInfo,
    decode_index_string,
    decode_license_server_info,
    decode_licensed_product_info,
    index_text,
    version_text,
)
from hiveparse.decode.client_license import DecodedLicense, Hwid, decode_client_license, decode_hwid
from hiveparse.errors import Diagnostic, coded, within
from hiveparse.filetime import filetime_iso, iso_z
from hiveparse.model import Key, Value, ValueType, fold_name
from hiveparse.rds.facts import Fact, FactSet

# The decoders live in hiveparse.decode; they are re-exported here, where callers have always
# found them.
__all__ = [
    "CertificateInfo",
    "ClientLicense",
    "ClientState",
    "DecodedLicense",
    "Hwid",
    "IndexString",
    "LicenseServerInfo",
    "ProductInfo",
    "build_client_state",
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
    problems: list[Diagnostic]

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
    def all_problems(self) -> list[Diagnostic]:
        found = list(self.problems)
        for label, value in (
            ("LicenseScope", self.scope),
            ("CompanyName", self.company),
            ("ProductID", self.product_id),
        ):
            if value is not None:
                found.extend(within(label, value.problems))
        if self.license is not None:
            found.extend(within("ClientLicense", self.license.all_problems))
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
            "problems": [problem.to_dict() for problem in self.all_problems],
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


def _binary(value: Value, problems: list[Diagnostic]) -> bytes:
    if value.type_id != int(ValueType.REG_BINARY):
        problems.append(
            coded(
                "license.value_type",
                f"{value.name} is {value.type_name}, not REG_BINARY; raw bytes used",
            )
        )
    return value.raw


def _read_license_key(fact: Fact, key: Key, view: View) -> ClientLicense:
    problems: list[Diagnostic] = []
    evidence: list[dict[str, Any]] = []
    values: dict[str, Value] = {}
    for value in key.values():
        values.setdefault(fold_name(value.name), value)

    def index_value(name: str, expected: Encoding) -> IndexString | None:
        value = values.get(fold_name(name))
        if value is None:
            problems.append(coded("license.value_missing", f"no {name} value"))
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
            coded(
                "license.parts_gap",
                "ClientLicense parts are not numbered 0, 1, 2, ... without gaps "
                f"(found {', '.join(map(str, numbers))}); concatenated in numeric order",
            )
        )
    license_blob = b""
    for _number, value in chunks:
        evidence.append(_value_record(fact, key, value))
        license_blob += _binary(value, problems)
    decoded: DecodedLicense | None = None
    if chunks:
        decoded = decode_client_license(license_blob)
    else:
        problems.append(coded("license.value_missing", "no ClientLicense value"))

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


def _read_stores(facts: FactSet) -> tuple[list[ClientLicense], list[Diagnostic]]:
    licenses: list[ClientLicense] = []
    problems: list[Diagnostic] = []
    for fact_id, view in _STORES:
        fact = facts.get(fact_id)
        if fact is None:
            continue
        keyed: list[tuple[int, str, Key]] = []
        for subkey in fact.key.subkeys():
            match = _LICENSE_KEY.fullmatch(subkey.name)
            if match is None:
                where = f"{fact.full_key_path}\\{subkey.name}"
                problems.append(
                    coded("license.store_foreign_key", f"{where}: not a LICENSEnnn key, not read")
                )
                continue
            keyed.append((int(match.group(1)), subkey.name, subkey))
        keyed.sort(key=lambda item: (item[0], item[1].upper()))
        licenses.extend(_read_license_key(fact, subkey, view) for _n, _name, subkey in keyed)
    return licenses, problems


@dataclass
class ClientState:
    """The client side of one host: its hardware id and every license of its store."""

    hwid: Hwid | None
    hwid_raw: bytes | None
    hwid_view: View | None
    hwid_other_views: dict[str, str]
    hwid_evidence: list[dict[str, Any]]
    licenses: list[ClientLicense]
    problems: list[Diagnostic]

    def to_dict(self) -> dict[str, Any]:
        """The report's ``licensing.client`` section."""
        hwid = self.hwid
        return {
            "hwid": None if hwid is None else hwid.hex,
            "hwid_dwords": [] if hwid is None else hwid.dwords,
            "hwid_platform": None if hwid is None else hwid.platform_name,
            "hwid_raw": None if self.hwid_raw is None else self.hwid_raw.hex(),
            "hwid_view": self.hwid_view,
            "hwid_other_views": dict(self.hwid_other_views),
            "hwid_evidence": list(self.hwid_evidence),
            "licenses": [license.to_dict() for license in self.licenses],
            "problems": [problem.to_dict() for problem in self.problems],
        }


def build_client_state(facts: FactSet) -> ClientState:
    """Read the client's hardware id and license store (native view, then WOW64), once."""
    problems: list[Diagnostic] = []
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
                problems.append(
                    coded(
                        "license.hwid_views_differ",
                        f"the {view} ClientHWID differs from the {hwid_view} one",
                    )
                )
    licenses, store_problems = _read_stores(facts)
    problems.extend(store_problems)
    return ClientState(hwid, hwid_raw, hwid_view, other_views, hwid_evidence, licenses, problems)


def decode_store(facts: FactSet) -> list[ClientLicense]:
    """Every ``LICENSEnnn`` under the current client store key (native view, then WOW64)."""
    return _read_stores(facts)[0]


def client_state(facts: FactSet) -> dict[str, Any]:
    """The report's ``licensing.client`` section for ``facts`` (see :class:`ClientState`)."""
    return build_client_state(facts).to_dict()
