"""Client licences: the hardware id and the CALs a Remote Desktop client keeps in MSLicensing.

Reference §7 (``rds-licensing.md``): ``Microsoft\\MSLicensing\\HardwareID\\ClientHWID`` is
a 20-byte CLIENT_HARDWARE_ID; ``Microsoft\\MSLicensing\\Store\\LICENSEnnn`` holds one
licence each, as four REG_BINARY values (``LicenseScope``, ``CompanyName``, ``ProductID``,
``ClientLicense``, the last split into ``ClientLicense001``, ... on Windows CE). Layouts are
in :mod:`hiveparse.schemas.rdpele`. The rules this module applies:

* **Container.** A blob that is one DER element (or no definite-length DER at all) is
  read as a PKCS#7 certs-only blob, as the 2003-era license server saves it (BER is
  accepted and reported). Otherwise, or when that fails, it is read as DER elements one
  after another, each an X.509 certificate or a PKCS#7 blob; bytes that are neither are
  reported, never guessed. Extension values are taken from the certificate's DER as they
  are, so that a malformed standard extension cannot hide the Microsoft ones.
* **Which certificate is the CAL.** The certificate carrying LICENSED_PRODUCT_INFO
  (``1.3.6.1.4.1.311.18.5``): only CALs carry it ([MS-RDPELE] §2.2.2.9; a license server's
  own certificate does not). When several carry it, the last of them in blob order, with a
  problem naming the others. When none does, the last certificate, since X.509 chains in
  RDP are sent root first and leaf last ([MS-RDPBCGR] 5.3.3.2), again with a problem.
* **Index strings.** [MS-RDPELE] §2.2.2.6.1 gives the scope as NUL-terminated ANSI and the
  company name and product id as NUL-terminated UTF-16LE; what the client writes to the
  registry is not documented. Each value is tried both ways: a reading is clean when the
  bytes end in that encoding's NUL (extra trailing NULs allowed), hold no NUL before it
  and decode to printable text. One clean reading wins; two (a rare even-length ANSI string
  ending in two NULs) go to the pure-ASCII one, else to the encoding the spec gives for that
  field, with a problem; none gives a lenient decoding in the expected encoding, with a
  problem. The raw bytes are always kept.

Nothing here raises on bad bytes: every anomaly is a string in a ``problems`` list, and no
exception from ``cryptography`` or ``construct`` leaves this module.
"""

from __future__ import annotations

import re
import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from hiveparse.filetime import filetime_iso, iso_z
from hiveparse.model import Key, Value, ValueType, fold_name
from hiveparse.rds.facts import Fact, FactSet
from hiveparse.schemas import rdpele

Encoding = Literal["ansi", "utf-16le"]
View = Literal["native", "wow64"]

_LICENSE_KEY = re.compile(r"LICENSE(\d+)", re.IGNORECASE)
_LICENSE_VALUE = re.compile(r"ClientLicense(\d{3})?", re.IGNORECASE)
_OID_COMMON_NAME = "2.5.4.3"
_OID_LOCALITY = "2.5.4.7"
_OID_SERIAL_NUMBER = "2.5.4.5"
_PROBLEM_TEXT_LIMIT = 240

T = TypeVar("T")


if TYPE_CHECKING:
    from cryptography import x509


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    message = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return message[:_PROBLEM_TEXT_LIMIT]


def _warning_text(message: Warning | str) -> str:
    text = str(message)
    if "as BER" in text:  # cryptography's notice when it falls back from DER to BER
        detail = text.split("Error details:", 1)[-1].strip() if "Error details:" in text else ""
        return f"not strict DER, read as BER ({detail})"[:_PROBLEM_TEXT_LIMIT]
    lines = text.strip().splitlines()
    return f"warning: {lines[0] if lines else type(message).__name__}"[:_PROBLEM_TEXT_LIMIT]


def _attempt(what: str, action: Callable[[], T], problems: list[str]) -> T | None:
    """``action()``, or None with a problem when it fails in any way bad bytes can cause.

    Warnings the libraries raise on odd input become problems too (library code must not
    print them, nor let a ``-W error`` caller turn them into exceptions).
    """
    value: T | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = action()
        except Exception as error:  # the libraries' own exceptions, whatever their type
            problems.append(f"{what}: {_describe(error)}")
        except BaseException as error:
            # cryptography's Rust layer reports internal panics as pyo3's PanicException, a
            # BaseException subclass; bad input must not take the caller down with it.
            if type(error).__name__ != "PanicException":
                raise
            problems.append(f"{what}: {_describe(error)}")
    problems.extend(f"{what}: {_warning_text(item.message)}" for item in caught)
    return value


def _try(action: Callable[[], T], problems: list[str], what: str) -> T | None:
    """Like :func:`_attempt`, but a failure is silent: only a success's warnings are kept."""
    notes: list[str] = []
    value = _attempt(what, action, notes)
    if value is not None:
        problems.extend(notes)
    return value


def _enum(value: Any) -> tuple[int, str | None]:
    """A construct Enum result as (number, name or None when the value has no name)."""
    number = int(value)  # construct's EnumIntegerString (a str) defines __int__
    return number, (str(value) if isinstance(value, str) else None)


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
    platform_id, platform_name = _enum(parsed.platform_id)
    data = (int(parsed.data1), int(parsed.data2), int(parsed.data3), int(parsed.data4))
    return Hwid(raw, platform_id, platform_name, data)


# -- index strings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexString:
    """A string value kept raw beside its reading (see the module's encoding rule)."""

    raw: bytes
    text: str | None
    encoding: Encoding | None
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "encoding": self.encoding,
            "raw": self.raw.hex(),
            "problems": list(self.problems),
        }


def _clean_utf16(raw: bytes) -> str | None:
    if len(raw) < 2 or len(raw) % 2 or raw[-2:] != b"\x00\x00":
        return None
    body = raw[:-2]
    while body[-2:] == b"\x00\x00":
        body = body[:-2]
    if any(body[i : i + 2] == b"\x00\x00" for i in range(0, len(body), 2)):
        return None
    try:
        text = body.decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def _clean_ansi(raw: bytes) -> str | None:
    if not raw or raw[-1] != 0:
        return None
    body = raw.rstrip(b"\x00")
    if b"\x00" in body:
        return None
    text = body.decode("latin-1")  # [MS-RDPELE] §2.2.2.1.2.1 names ISO/IEC 8859-1
    return text if text.isprintable() else None


def _lenient(raw: bytes, encoding: Encoding) -> str:
    if encoding == "ansi":
        return raw.split(b"\x00", 1)[0].decode("latin-1")
    text = raw[: len(raw) - len(raw) % 2].decode("utf-16-le", errors="replace")
    return text.split("\x00", 1)[0]


def decode_index_string(raw: bytes, expected: Encoding) -> IndexString:
    """Read ``raw`` as NUL-terminated ANSI or UTF-16LE (``expected`` breaks ties)."""
    if not raw:
        return IndexString(raw, None, None, ("empty value",))
    readers: tuple[tuple[Encoding, Callable[[bytes], str | None]], ...] = (
        ("utf-16le", _clean_utf16),
        ("ansi", _clean_ansi),
    )
    clean: dict[Encoding, str] = {}
    for encoding, reader in readers:
        text = reader(raw)
        if text is not None:
            clean[encoding] = text
    if len(clean) == 1:
        ((only, text),) = clean.items()
        return IndexString(raw, text, only)
    if len(clean) == 2:
        ascii_only = [encoding for encoding, text in clean.items() if text.isascii()]
        chosen: Encoding = ascii_only[0] if len(ascii_only) == 1 else expected
        problem = (
            f"reads both as UTF-16LE {clean['utf-16le']!r} and as ANSI {clean['ansi']!r}; "
            f"{chosen} taken"
        )
        return IndexString(raw, clean[chosen], chosen, (problem,))
    problem = f"not a clean NUL-terminated ANSI or UTF-16LE string; read leniently as {expected}"
    return IndexString(raw, _lenient(raw, expected), expected, (problem,))


# -- LICENSED_PRODUCT_INFO ----------------------------------------------------------------------


@dataclass
class ProductInfo:
    """LICENSED_PRODUCT_INFO ([MS-RDPELE] §2.2.2.9.1) as read from extension ``.18.5``."""

    raw: bytes
    version: int | None = None
    license_count: int | None = None
    platform_id: int | None = None
    platform_os: str | None = None
    platform_isv: str | None = None
    platform_build: int | None = None
    language_id: int | None = None
    requested_product_id: IndexString | None = None
    adjusted_product_id: IndexString | None = None
    licensed_version_major: int | None = None
    licensed_version_minor: int | None = None
    flags: int | None = None
    problems: list[str] = field(default_factory=list)

    def _flag(self, bit: int) -> bool | None:
        return None if self.flags is None else bool(self.flags & bit)

    @property
    def temporary(self) -> bool | None:
        return self._flag(rdpele.TEMPORARY_LICENSE)

    @property
    def rtm(self) -> bool | None:
        return self._flag(rdpele.RTM_LICENSE)

    @property
    def enforced(self) -> bool | None:
        return self._flag(rdpele.LICENSE_ENFORCED)

    @property
    def flag_names(self) -> list[str]:
        if self.flags is None:
            return []
        parsed = rdpele.product_license_flags.parse(struct.pack("<I", self.flags))
        return [name for name in rdpele.product_license_flags.flags if parsed[name]]

    @property
    def undocumented_flag_bits(self) -> int | None:
        """Bits [MS-RDPELE] gives no meaning to (the server version of [NT5] among them)."""
        return None if self.flags is None else self.flags & ~rdpele.DOCUMENTED_LICENSE_FLAGS

    @property
    def license_server_version(self) -> str | None:
        """The issuing server's version from bits 16-22 of the flags ([NT5]; UNCERTAIN)."""
        if self.flags is None:
            return None
        packed = (
            self.flags & rdpele.LICENSE_SERVER_VERSION_MASK
        ) >> rdpele.LICENSE_SERVER_VERSION_SHIFT
        if packed == 0:
            return None
        return f"{packed >> 4}.{packed & 0xF}"

    @property
    def licensed_product_id(self) -> str | None:
        """The product id the server settled on (adjusted), else the requested one."""
        for candidate in (self.adjusted_product_id, self.requested_product_id):
            if candidate is not None and candidate.text:
                return candidate.text
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "license_count": self.license_count,
            "platform_id": self.platform_id,
            "platform_os": self.platform_os,
            "platform_isv": self.platform_isv,
            "platform_build": self.platform_build,
            "language_id": self.language_id,
            "requested_product_id": _text(self.requested_product_id),
            "adjusted_product_id": _text(self.adjusted_product_id),
            "licensed_version": _version(self.licensed_version_major, self.licensed_version_minor),
            "flags": self.flags,
            "flag_names": self.flag_names,
            "temporary": self.temporary,
            "rtm": self.rtm,
            "enforced": self.enforced,
            "undocumented_flag_bits": self.undocumented_flag_bits,
            "license_server_version": self.license_server_version,
            "problems": list(self.problems),
        }


def _text(value: IndexString | None) -> str | None:
    return None if value is None else value.text


def _version(major: int | None, minor: int | None) -> str | None:
    return None if major is None or minor is None else f"{major}.{minor}"


def decode_licensed_product_info(raw: bytes) -> ProductInfo:
    """The ``.18.5`` extension value; what cannot be read is a problem, the rest is kept."""
    info = ProductInfo(raw)
    failed: list[str] = []
    parsed = _attempt(
        "LICENSED_PRODUCT_INFO", lambda: rdpele.licensed_product_info.parse(raw), failed
    )
    if parsed is not None:
        _product_header(info, parsed)
        info.requested_product_id = _product_id(parsed.requested_product_id, "requested", info)
        info.adjusted_product_id = _product_id(parsed.adjusted_product_id, "adjusted", info)
        if parsed.licensed_version_info:
            _version_info(info, parsed.licensed_version_info[0])
        return info
    info.problems.extend(failed)
    # Salvage what the bytes still hold, field by field, as Windows would read it.
    header = _attempt(
        "LICENSED_PRODUCT_INFO header",
        lambda: rdpele.licensed_product_info_header.parse(raw),
        info.problems,
    )
    if header is None:
        return info
    _product_header(info, header)
    for which, offset, count in (
        ("requested", header.requested_product_id_offset, header.requested_product_id_byte_count),
        ("adjusted", header.adjusted_product_id_offset, header.adjusted_product_id_byte_count),
    ):
        if offset + count > len(raw):
            info.problems.append(
                f"{which} product id (offset {offset}, {count} bytes) ends past the "
                f"{len(raw)}-byte value"
            )
            continue
        value = _product_id(raw[offset : offset + count], which, info)
        if which == "requested":
            info.requested_product_id = value
        else:
            info.adjusted_product_id = value
    offset = header.licensed_version_info_offset
    end = offset + rdpele.LICENSED_VERSION_INFO_SIZE
    if header.licensed_version_info_count and end <= len(raw):
        chunk = raw[offset:end]
        _version_info(info, rdpele.licensed_version_info.parse(chunk))
    elif header.licensed_version_info_count:
        info.problems.append(
            f"licensed version info (offset {offset}) ends past the {len(raw)}-byte value"
        )
    return info


def _product_header(info: ProductInfo, parsed: Any) -> None:
    info.version = int(parsed.version)
    info.license_count = int(parsed.license_count)
    info.platform_id = int(parsed.platform_id)
    info.language_id = int(parsed.licensed_language_id)
    platform = rdpele.client_platform_id.parse(struct.pack("<I", info.platform_id))
    info.platform_os = _enum(platform.os_id)[1]
    info.platform_isv = _enum(platform.image_id)[1]
    info.platform_build = int(platform.build)
    if info.version != rdpele.LICENSED_PRODUCT_INFO_VERSION:
        info.problems.append(
            f"version 0x{info.version:08x} is not 0x{rdpele.LICENSED_PRODUCT_INFO_VERSION:08x}, "
            "the only one 2003-era Windows accepts [NT5]"
        )
    count = int(parsed.licensed_version_info_count)
    if count != 1:
        info.problems.append(f"LicensedVersionInfoCount is {count}; the spec says it MUST be 1")
    for name in ("requested_product_id", "adjusted_product_id", "licensed_version_info"):
        offset = int(parsed[f"{name}_offset"])
        if offset < rdpele.LICENSED_PRODUCT_INFO_HEADER_SIZE:
            info.problems.append(f"{name} offset {offset} points into the 28-byte header")


def _product_id(raw: bytes, which: str, info: ProductInfo) -> IndexString:
    value = decode_index_string(bytes(raw), "utf-16le")
    info.problems.extend(f"{which} product id: {problem}" for problem in value.problems)
    return value


def _version_info(info: ProductInfo, parsed: Any) -> None:
    info.licensed_version_major = int(parsed.product_license_major_version)
    info.licensed_version_minor = int(parsed.product_license_minor_version)
    info.flags = int(parsed.product_license_flags)


# -- MS_LICENSE_SERVER_INFO ----------------------------------------------------------------------


@dataclass
class LicenseServerInfo:
    """MS_LICENSE_SERVER_INFO ([MS-RDPELE] §2.2.2.9.2) as read from extension ``.18.6``."""

    raw: bytes
    version: int | None = None
    layout: Literal["V1", "V2"] | None = None
    issuer_name: str | None = None
    scope: str | None = None
    product_id: str | None = None  # V2 IssuerId: the license server's product id
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "layout": self.layout,
            "issuer_name": self.issuer_name,
            "scope": self.scope,
            "product_id": self.product_id,
            "problems": list(self.problems),
        }


def decode_license_server_info(raw: bytes) -> LicenseServerInfo:
    """The ``.18.6`` extension value: V1 when its version says so, else V2 (as [NT5] reads)."""
    info = LicenseServerInfo(raw)
    if len(raw) < 4:
        info.problems.append(f"MS_LICENSE_SERVER_INFO is {len(raw)} bytes, too short for a version")
        return info
    info.version = int.from_bytes(raw[:4], "little")
    v1 = info.version == rdpele.MS_LICENSE_SERVER_INFO_VERSION1
    info.layout = "V1" if v1 else "V2"
    if not v1 and info.version != rdpele.MS_LICENSE_SERVER_INFO_VERSION2:
        info.problems.append(
            f"version 0x{info.version:08x} is neither V1 (0x0001000) nor V2 (0x0003000); "
            "read as V2, as Windows does [NT5]"
        )
        patched = struct.pack("<I", rdpele.MS_LICENSE_SERVER_INFO_VERSION2) + raw[4:]
    else:
        patched = raw
    schema = rdpele.ms_license_server_info_v1 if v1 else rdpele.ms_license_server_info_v2
    failed: list[str] = []
    what = f"MS_LICENSE_SERVER_INFO {info.layout}"
    parsed = _attempt(what, lambda: schema.parse(patched), failed)
    names = ("issuer_name", "ls_scope") if v1 else ("issuer_name", "issuer_id", "ls_scope")
    header_size = (
        rdpele.MS_LICENSE_SERVER_INFO_V1_HEADER_SIZE
        if v1
        else rdpele.MS_LICENSE_SERVER_INFO_V2_HEADER_SIZE
    )
    strings: dict[str, str | None] = {}
    if parsed is not None:
        if parsed.issuer_name_offset != 0:
            info.problems.append(
                f"IssuerNameOffset is {parsed.issuer_name_offset}; the spec says it MUST be 0"
            )
        for name in names:
            strings[name] = _utf16_text(bytes(parsed[name]), name, info.problems)
    else:
        info.problems.extend(failed)
        if len(raw) < header_size:
            info.problems.append(f"{len(raw)} bytes: shorter than the {header_size}-byte header")
        else:
            offsets = struct.unpack_from("<" + "H" * len(names), raw, 4)
            for name, offset in zip(names, offsets, strict=True):
                strings[name] = _utf16_at(raw, header_size + offset, name, info.problems)
    info.issuer_name = strings.get("issuer_name")
    info.scope = strings.get("ls_scope")
    info.product_id = strings.get("issuer_id")
    return info


def _utf16_text(raw: bytes, name: str, problems: list[str]) -> str:
    try:
        return raw.decode("utf-16-le")
    except UnicodeDecodeError as error:
        problems.append(f"{name}: not valid UTF-16LE ({error.reason}); undecodable units replaced")
        return raw.decode("utf-16-le", errors="replace")


def _utf16_at(raw: bytes, start: int, name: str, problems: list[str]) -> str | None:
    if start >= len(raw):
        problems.append(f"{name}: offset {start} is past the {len(raw)}-byte value")
        return None
    for end in range(start, len(raw) - 1, 2):
        if raw[end : end + 2] == b"\x00\x00":
            return _utf16_text(raw[start:end], name, problems)
    problems.append(f"{name}: no UTF-16 NUL before the end of the value; read to the end")
    stop = start + (len(raw) - start) // 2 * 2
    return _utf16_text(raw[start:stop], name, problems)


# -- certificates --------------------------------------------------------------------------------


class _DerError(ValueError):
    """A DER element that cannot be delimited (internal: always turned into a problem)."""


def _element(data: bytes, pos: int, limit: int | None = None) -> tuple[int, int, int]:
    """(tag, start of content, end) of the definite-length DER element at ``pos``.

    The element must end by ``limit`` (the end of ``data`` when None).
    """
    stop = len(data) if limit is None else limit
    if pos + 2 > stop:
        raise _DerError(f"{stop - pos} byte(s) left, too few for a DER header")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise _DerError(f"high-tag-number form at offset {pos}")
    first = data[pos + 1]
    if first < 0x80:
        start, size = pos + 2, first
    elif first == 0x80:
        raise _DerError(f"indefinite length at offset {pos}")
    else:
        count = first & 0x7F
        if count > 4 or pos + 2 + count > stop:
            raise _DerError(f"length of {count} bytes at offset {pos}")
        start = pos + 2 + count
        size = int.from_bytes(data[pos + 2 : start], "big")
    end = start + size
    if end > stop:
        raise _DerError(f"element at offset {pos} claims {size} bytes, {stop - start} left")
    return tag, start, end


def _children(data: bytes, start: int, end: int) -> Iterable[tuple[int, int, int]]:
    pos = start
    while pos < end:
        tag, content, stop = _element(data, pos, end)
        yield tag, content, stop
        pos = stop


def _oid_text(content: bytes) -> str:
    if not content or content[-1] & 0x80:
        raise _DerError("malformed OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(arc) for arc in head + arcs[1:])


@dataclass(frozen=True)
class Extension:
    oid: str
    critical: bool
    value: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"oid": self.oid, "critical": self.critical, "size": len(self.value)}


def _extensions(tbs: bytes) -> list[Extension]:
    """The extensions of a TBSCertificate, read straight from its DER (values kept raw)."""
    _tag, start, end = _element(tbs, 0)
    found: list[Extension] = []
    for tag, content, stop in _children(tbs, start, end):
        if tag != 0xA3:  # [3] EXPLICIT Extensions
            continue
        _seq_tag, seq_start, seq_end = _element(tbs, content, stop)
        for _ext_tag, ext_start, ext_end in _children(tbs, seq_start, seq_end):
            parts = list(_children(tbs, ext_start, ext_end))
            if len(parts) not in (2, 3) or parts[0][0] != 0x06 or parts[-1][0] != 0x04:
                raise _DerError("an Extension is not (OID, [BOOLEAN], OCTET STRING)")
            oid = _oid_text(tbs[parts[0][1] : parts[0][2]])
            critical = len(parts) == 3 and tbs[parts[1][1] : parts[1][2]] != b"\x00"
            found.append(Extension(oid, critical, tbs[parts[-1][1] : parts[-1][2]]))
    return found


@dataclass
class CertificateInfo:
    """One certificate of a licence, with its Microsoft extensions decoded."""

    index: int
    subject: str | None = None
    issuer: str | None = None
    subject_attributes: list[tuple[str, str]] = field(default_factory=list)
    issuer_attributes: list[tuple[str, str]] = field(default_factory=list)
    serial: int | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    signature_algorithm: str | None = None
    thumbprint_sha1: str | None = None
    extensions: list[Extension] = field(default_factory=list)
    product_info: ProductInfo | None = None
    license_server_info: LicenseServerInfo | None = None
    manufacturer: IndexString | None = None
    cert_version: int | None = None
    problems: list[str] = field(default_factory=list)

    def subject_value(self, oid: str) -> str | None:
        return next((value for key, value in self.subject_attributes if key == oid), None)

    def issuer_value(self, oid: str) -> str | None:
        return next((value for key, value in self.issuer_attributes if key == oid), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": None if self.serial is None else f"{self.serial:x}",
            "not_before": iso_z(self.not_before),
            "not_after": iso_z(self.not_after),
            "signature_algorithm": self.signature_algorithm,
            "thumbprint_sha1": self.thumbprint_sha1,
            "extensions": [extension.to_dict() for extension in self.extensions],
            "problems": list(self.problems),
        }


def _attributes(name: x509.Name) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for attribute in name:
        value = attribute.value
        pairs.append(
            (attribute.oid.dotted_string, value if isinstance(value, str) else value.hex())
        )
    return pairs


def _certificate_info(index: int, certificate: x509.Certificate) -> CertificateInfo:
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - only when a CAL exists

    info = CertificateInfo(index)
    problems = info.problems
    subject = _attempt("subject", lambda: certificate.subject, problems)
    if subject is not None:
        info.subject = _attempt("subject", subject.rfc4514_string, problems)
        info.subject_attributes = _attempt("subject", lambda: _attributes(subject), problems) or []
    issuer = _attempt("issuer", lambda: certificate.issuer, problems)
    if issuer is not None:
        info.issuer = _attempt("issuer", issuer.rfc4514_string, problems)
        info.issuer_attributes = _attempt("issuer", lambda: _attributes(issuer), problems) or []
    info.serial = _attempt("serial number", lambda: certificate.serial_number, problems)
    info.not_before = _attempt("notBefore", lambda: certificate.not_valid_before_utc, problems)
    info.not_after = _attempt("notAfter", lambda: certificate.not_valid_after_utc, problems)
    info.signature_algorithm = _attempt(
        "signature algorithm", lambda: certificate.signature_algorithm_oid.dotted_string, problems
    )
    fingerprint = _attempt("thumbprint", lambda: certificate.fingerprint(hashes.SHA1()), problems)
    info.thumbprint_sha1 = None if fingerprint is None else fingerprint.hex()
    tbs = _attempt("TBSCertificate", lambda: certificate.tbs_certificate_bytes, problems)
    if tbs is not None:
        info.extensions = _attempt("extensions", lambda: _extensions(tbs), problems) or []
    _decode_extensions(info)
    return info


def _decode_extensions(info: CertificateInfo) -> None:
    seen: set[str] = set()
    for extension in info.extensions:
        if extension.oid in seen and extension.oid.startswith(rdpele.OID_HYDRA_CERT_ROOT + "."):
            info.problems.append(f"extension {extension.oid} appears more than once; first kept")
            continue
        seen.add(extension.oid)
        if extension.oid == rdpele.OID_LICENSED_PRODUCT_INFO:
            info.product_info = decode_licensed_product_info(extension.value)
        elif extension.oid == rdpele.OID_MS_LICENSE_SERVER_INFO:
            info.license_server_info = decode_license_server_info(extension.value)
        elif extension.oid == rdpele.OID_MANUFACTURER:
            info.manufacturer = decode_index_string(extension.value, "utf-16le")
        elif extension.oid == rdpele.OID_HYDRA_CERT_VERSION:
            if len(extension.value) == 4:
                info.cert_version = int.from_bytes(extension.value, "little")
            else:
                info.problems.append(
                    f"certificate version extension is {len(extension.value)} bytes, not 4"
                )


# -- the licence -------------------------------------------------------------------------------


@dataclass
class DecodedLicense:
    """A ``ClientLicense`` blob: its certificates, the CAL among them, and what was wrong."""

    size: int
    container: Literal["pkcs7", "der", "mixed"] | None
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
        """The licence's problems and those of every certificate and extension in it."""
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


def _load_certificates(
    raw: bytes, problems: list[str]
) -> tuple[Literal["pkcs7", "der", "mixed"] | None, list[x509.Certificate]]:
    from cryptography import x509  # noqa: PLC0415 - cryptography loads only for CALs
    from cryptography.hazmat.primitives.serialization import pkcs7  # noqa: PLC0415

    try:
        _tag, _start, end = _element(raw, 0)
        single = end == len(raw)
    except _DerError:
        single = True  # not definite-length DER: only cryptography's BER fallback may read it
    if single:
        whole = _try(lambda: pkcs7.load_der_pkcs7_certificates(raw), problems, "PKCS#7")
        if whole is not None:
            if not whole:
                problems.append("PKCS#7 blob holds no certificates")
            return "pkcs7", list(whole)
    certificates: list[x509.Certificate] = []
    kinds: set[str] = set()
    pos = 0
    while pos < len(raw):
        try:
            _tag, _start, end = _element(raw, pos)
        except _DerError as error:
            problems.append(f"{len(raw) - pos} byte(s) from offset {pos} not read: {error}")
            break
        piece = raw[pos:end]
        what = f"DER element at offset {pos}"
        certificate = _try(partial(x509.load_der_x509_certificate, piece), problems, what)
        if certificate is not None:
            certificates.append(certificate)
            kinds.add("der")
        else:
            bundle = _try(partial(pkcs7.load_der_pkcs7_certificates, piece), problems, what)
            if bundle is not None:
                certificates.extend(bundle)
                kinds.add("pkcs7")
            else:
                problems.append(
                    f"{what} ({end - pos} bytes) is neither an X.509 certificate nor PKCS#7"
                )
        pos = end
    container: Literal["pkcs7", "der", "mixed"] | None
    if not kinds:
        container = None
    elif len(kinds) == 2:
        container = "mixed"
    else:
        container = "pkcs7" if "pkcs7" in kinds else "der"
    return container, certificates


def decode_client_license(raw: bytes) -> DecodedLicense:
    """Decode a ``ClientLicense`` blob; never raises, every anomaly is in ``problems``."""
    problems: list[str] = []
    if not raw:
        return DecodedLicense(0, None, [], None, None, ["empty licence"])
    container, loaded = _load_certificates(bytes(raw), problems)
    certificates = [_certificate_info(index, cert) for index, cert in enumerate(loaded)]
    if not certificates:
        problems.append("no X.509 certificate could be read from the licence")
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
    """One ``Store\\LICENSEnnn`` key: its index strings, its licence, and their provenance."""

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
            "scope": _text(self.scope),
            "company": _text(self.company),
            "product_id": _text(self.product_id),
            "licensed_product_id": None if info is None else info.licensed_product_id,
            "licensed_version": (
                None
                if info is None
                else _version(info.licensed_version_major, info.licensed_version_minor)
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
            "key_last_write": filetime_iso(key.last_written),
            "key_last_write_raw": key.last_written,
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
        key_last_write=filetime_iso(key.last_written),
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
