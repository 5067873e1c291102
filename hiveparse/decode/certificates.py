"""X.509 certificates as RDS licensing writes them, and the Microsoft extensions they carry.

Shared by the client licenses (:mod:`hiveparse.rds.client_license`, reference §7) and the
RD Session Host's certificate values (:mod:`hiveparse.rds.server_certificate`, §6A). Layouts
are in :mod:`hiveparse.schemas.rdpele`. The rules this module applies:

* **Container.** A blob that is one DER element (or no definite-length DER at all) is
  read as a PKCS#7 certs-only blob, as the 2003-era license server saves it (BER is
  accepted and reported). Otherwise, or when that fails, it is read as DER elements one
  after another, each an X.509 certificate or a PKCS#7 blob; bytes that are neither are
  reported, never guessed. Extension values are taken from the certificate's DER as they
  are, so that a malformed standard extension cannot hide the Microsoft ones.
* **Index strings.** [MS-RDPELE] §2.2.2.6.1 gives the scope as NUL-terminated ANSI and the
  company name and product id as NUL-terminated UTF-16LE; what the client writes to the
  registry is not documented. Each value is tried both ways: a reading is clean when the
  bytes end in that encoding's NUL (extra trailing NULs allowed), hold no NUL before it
  and decode to printable text. One clean reading wins; two (a rare even-length ANSI string
  ending in two NULs) go to the pure-ASCII one, else to the encoding the spec gives for that
  field, with a problem; none gives a lenient decoding in the expected encoding, with a
  problem. The raw bytes are always kept.

Nothing here raises on bad bytes: every anomaly is a coded :class:`~hiveparse.errors.Diagnostic`
(``cert.*``, catalogued in :data:`hiveparse.errors.DIAGNOSTIC_CODES`) in a ``problems`` list.
Only the exceptions the libraries document for bad input are caught (:func:`library_errors`,
and pyo3's PanicException from cryptography's Rust layer): anything else is a bug here and
is not hidden.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from construct import ConstructError

from hiveparse.errors import Diagnostic, coded, within
from hiveparse.filetime import iso_z
from hiveparse.schemas import rdpele

Encoding = Literal["ansi", "utf-16le"]
Container = Literal["pkcs7", "der", "mixed"]

_PROBLEM_TEXT_LIMIT = 240

T = TypeVar("T")


if TYPE_CHECKING:
    from cryptography import x509


class NumberedCertificate(Protocol):
    """A certificate of a container, by its index, with its problems."""

    @property
    def index(self) -> int: ...

    @property
    def all_problems(self) -> list[Diagnostic]: ...


def with_certificates(
    problems: list[Diagnostic], certificates: Iterable[NumberedCertificate]
) -> list[Diagnostic]:
    """``problems`` and those of every certificate (and its extensions), each certificate's
    named by its index: what a container of certificates (a chain, a license) reports."""
    found = list(problems)
    for certificate in certificates:
        found.extend(within(f"certificate {certificate.index}", certificate.all_problems))
    return found


def describe_error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    message = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return message[:_PROBLEM_TEXT_LIMIT]


def _warning(what: str, message: Warning | str, offset: int | None) -> Diagnostic:
    text = str(message)
    if "as BER" in text:  # cryptography's notice when it falls back from DER to BER
        detail = text.split("Error details:", 1)[-1].strip() if "Error details:" in text else ""
        shown = f"{what}: not strict DER, read as BER ({detail})"
        return coded("cert.ber_encoding", shown[:_PROBLEM_TEXT_LIMIT], offset=offset)
    lines = text.strip().splitlines()
    shown = f"{what}: warning: {lines[0] if lines else type(message).__name__}"
    return coded("cert.library_warning", shown[:_PROBLEM_TEXT_LIMIT], offset=offset)


def library_errors() -> tuple[type[Exception], ...]:
    """What cryptography, asn1crypto and construct document for input they cannot read:
    ValueError (cryptography's loaders and lazy fields, asn1crypto's parser),
    UnsupportedAlgorithm (a key or signature algorithm cryptography does not know),
    x509.InvalidVersion (a certificate version other than v1-v3, which cryptography's
    loader raises, not a ValueError) and construct's ConstructError."""
    from cryptography.exceptions import UnsupportedAlgorithm  # noqa: PLC0415
    from cryptography.x509 import InvalidVersion  # noqa: PLC0415

    return (ValueError, UnsupportedAlgorithm, InvalidVersion, ConstructError)


def attempt(
    code: str,
    what: str,
    action: Callable[[], T],
    problems: list[Diagnostic],
    *,
    offset: int | None = None,
    expected: tuple[type[Exception], ...] | None = None,
) -> T | None:
    """``action()``, or None with a ``code`` diagnostic when it fails with one of the
    ``expected`` errors (by default :func:`library_errors`).

    Warnings the libraries raise on odd input become diagnostics too (library code must not
    print them, nor let a ``-W error`` caller turn them into exceptions).
    """
    catch = library_errors() if expected is None else expected
    value: T | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = action()
        except catch as error:
            problems.append(coded(code, f"{what}: {describe_error(error)}", offset=offset))
        except BaseException as error:
            # cryptography's Rust layer reports internal panics as pyo3's PanicException, a
            # BaseException subclass; bad input must not take the caller down with it.
            if type(error).__name__ != "PanicException":
                raise
            problems.append(coded(code, f"{what}: {describe_error(error)}", offset=offset))
    problems.extend(_warning(what, item.message, offset) for item in caught)
    return value


def attempt_quietly(
    code: str,
    what: str,
    action: Callable[[], T],
    problems: list[Diagnostic],
    *,
    offset: int | None = None,
) -> T | None:
    """Like :func:`attempt`, but a failure is silent: only a success's warnings are kept."""
    notes: list[Diagnostic] = []
    value = attempt(code, what, action, notes, offset=offset)
    if value is not None:
        problems.extend(notes)
    return value


def enum_value(value: Any) -> tuple[int, str | None]:
    """A construct Enum result as (number, name or None when the value has no name)."""
    number = int(value)  # construct's EnumIntegerString (a str) defines __int__
    return number, (str(value) if isinstance(value, str) else None)


# -- index strings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexString:
    """A string value kept raw beside its reading (see the module's encoding rule)."""

    raw: bytes
    text: str | None
    encoding: Encoding | None
    problems: tuple[Diagnostic, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "encoding": self.encoding,
            "raw": self.raw.hex(),
            "problems": [problem.to_dict() for problem in self.problems],
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
        return IndexString(raw, None, None, (coded("cert.string_empty", "empty value"),))
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
        problem = coded(
            "cert.string_ambiguous",
            f"reads both as UTF-16LE {clean['utf-16le']!r} and as ANSI {clean['ansi']!r}; "
            f"{chosen} taken",
        )
        return IndexString(raw, clean[chosen], chosen, (problem,))
    problem = coded(
        "cert.string_not_clean",
        f"not a clean NUL-terminated ANSI or UTF-16LE string; read leniently as {expected}",
    )
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
    problems: list[Diagnostic] = field(default_factory=list)

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
            "requested_product_id": index_text(self.requested_product_id),
            "adjusted_product_id": index_text(self.adjusted_product_id),
            "licensed_version": version_text(
                self.licensed_version_major, self.licensed_version_minor
            ),
            "flags": self.flags,
            "flag_names": self.flag_names,
            "temporary": self.temporary,
            "rtm": self.rtm,
            "enforced": self.enforced,
            "undocumented_flag_bits": self.undocumented_flag_bits,
            "license_server_version": self.license_server_version,
            "problems": [problem.to_dict() for problem in self.problems],
        }


def index_text(value: IndexString | None) -> str | None:
    return None if value is None else value.text


def version_text(major: int | None, minor: int | None) -> str | None:
    return None if major is None or minor is None else f"{major}.{minor}"


def decode_licensed_product_info(raw: bytes) -> ProductInfo:
    """The ``.18.5`` extension value; what cannot be read is a problem, the rest is kept."""
    info = ProductInfo(raw)
    failed: list[Diagnostic] = []
    parsed = attempt(
        "cert.product_info_malformed",
        "LICENSED_PRODUCT_INFO",
        lambda: rdpele.licensed_product_info.parse(raw),
        failed,
        expected=(ConstructError,),
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
    header = attempt(
        "cert.product_info_unreadable",
        "LICENSED_PRODUCT_INFO header",
        lambda: rdpele.licensed_product_info_header.parse(raw),
        info.problems,
        expected=(ConstructError,),
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
                coded(
                    "cert.product_info_overrun",
                    f"{which} product id (offset {offset}, {count} bytes) ends past the "
                    f"{len(raw)}-byte value",
                    offset=offset,
                )
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
            coded(
                "cert.product_info_overrun",
                f"licensed version info (offset {offset}) ends past the {len(raw)}-byte value",
                offset=offset,
            )
        )
    return info


def _product_header(info: ProductInfo, parsed: Any) -> None:
    info.version = int(parsed.version)
    info.license_count = int(parsed.license_count)
    info.platform_id = int(parsed.platform_id)
    info.language_id = int(parsed.licensed_language_id)
    platform = rdpele.client_platform_id.parse(struct.pack("<I", info.platform_id))
    info.platform_os = enum_value(platform.os_id)[1]
    info.platform_isv = enum_value(platform.image_id)[1]
    info.platform_build = int(platform.build)
    if info.version != rdpele.LICENSED_PRODUCT_INFO_VERSION:
        info.problems.append(
            coded(
                "cert.product_info_version",
                f"version 0x{info.version:08x} is not "
                f"0x{rdpele.LICENSED_PRODUCT_INFO_VERSION:08x}, the only one 2003-era Windows "
                "accepts [NT5]",
                offset=0,
            )
        )
    count = int(parsed.licensed_version_info_count)
    if count != 1:
        info.problems.append(
            coded(
                "cert.product_info_count",
                f"LicensedVersionInfoCount is {count}; the spec says it MUST be 1",
            )
        )
    for name in ("requested_product_id", "adjusted_product_id", "licensed_version_info"):
        offset = int(parsed[f"{name}_offset"])
        if offset < rdpele.LICENSED_PRODUCT_INFO_HEADER_SIZE:
            info.problems.append(
                coded(
                    "cert.product_info_offset",
                    f"{name} offset {offset} points into the 28-byte header",
                )
            )


def _product_id(raw: bytes, which: str, info: ProductInfo) -> IndexString:
    value = decode_index_string(bytes(raw), "utf-16le")
    info.problems.extend(within(f"{which} product id", value.problems))
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
    problems: list[Diagnostic] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "layout": self.layout,
            "issuer_name": self.issuer_name,
            "scope": self.scope,
            "product_id": self.product_id,
            "problems": [problem.to_dict() for problem in self.problems],
        }


def decode_license_server_info(raw: bytes) -> LicenseServerInfo:
    """The ``.18.6`` extension value: V1 when its version says so, else V2 (as [NT5] reads)."""
    info = LicenseServerInfo(raw)
    if len(raw) < 4:
        info.problems.append(
            coded(
                "cert.server_info_short",
                f"MS_LICENSE_SERVER_INFO is {len(raw)} bytes, too short for a version",
            )
        )
        return info
    info.version = int.from_bytes(raw[:4], "little")
    v1 = info.version == rdpele.MS_LICENSE_SERVER_INFO_VERSION1
    info.layout = "V1" if v1 else "V2"
    if not v1 and info.version != rdpele.MS_LICENSE_SERVER_INFO_VERSION2:
        info.problems.append(
            coded(
                "cert.server_info_version",
                f"version 0x{info.version:08x} is neither V1 (0x0001000) nor V2 (0x0003000); "
                "read as V2, as Windows does [NT5]",
                offset=0,
            )
        )
        patched = struct.pack("<I", rdpele.MS_LICENSE_SERVER_INFO_VERSION2) + raw[4:]
    else:
        patched = raw
    schema = rdpele.ms_license_server_info_v1 if v1 else rdpele.ms_license_server_info_v2
    failed: list[Diagnostic] = []
    what = f"MS_LICENSE_SERVER_INFO {info.layout}"
    parsed = attempt(
        "cert.server_info_malformed",
        what,
        lambda: schema.parse(patched),
        failed,
        expected=(ConstructError,),
    )
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
                coded(
                    "cert.server_info_issuer_offset",
                    f"IssuerNameOffset is {parsed.issuer_name_offset}; the spec says it MUST be 0",
                    offset=4,
                )
            )
        for name in names:
            strings[name] = _utf16_text(bytes(parsed[name]), name, info.problems)
    else:
        info.problems.extend(failed)
        if len(raw) < header_size:
            info.problems.append(
                coded(
                    "cert.server_info_short",
                    f"{len(raw)} bytes: shorter than the {header_size}-byte header",
                )
            )
        else:
            offsets = struct.unpack_from("<" + "H" * len(names), raw, 4)
            for name, offset in zip(names, offsets, strict=True):
                strings[name] = _utf16_at(raw, header_size + offset, name, info.problems)
    info.issuer_name = strings.get("issuer_name")
    info.scope = strings.get("ls_scope")
    info.product_id = strings.get("issuer_id")
    return info


def _utf16_text(raw: bytes, name: str, problems: list[Diagnostic]) -> str:
    try:
        return raw.decode("utf-16-le")
    except UnicodeDecodeError as error:
        problems.append(
            coded(
                "cert.string_invalid_utf16",
                f"{name}: not valid UTF-16LE ({error.reason}); undecodable units replaced",
            )
        )
        return raw.decode("utf-16-le", errors="replace")


def _utf16_at(raw: bytes, start: int, name: str, problems: list[Diagnostic]) -> str | None:
    if start >= len(raw):
        problems.append(
            coded(
                "cert.server_info_overrun",
                f"{name}: offset {start} is past the {len(raw)}-byte value",
                offset=start,
            )
        )
        return None
    for end in range(start, len(raw) - 1, 2):
        if raw[end : end + 2] == b"\x00\x00":
            return _utf16_text(raw[start:end], name, problems)
    problems.append(
        coded(
            "cert.string_unterminated",
            f"{name}: no UTF-16 NUL before the end of the value; read to the end",
            offset=start,
        )
    )
    stop = start + (len(raw) - start) // 2 * 2
    return _utf16_text(raw[start:stop], name, problems)


# -- certificates --------------------------------------------------------------------------------


class DerError(ValueError):
    """A DER element that cannot be delimited (internal: always turned into a problem)."""


def der_element_end(data: bytes, pos: int) -> int:
    """The end of the definite-length DER element at ``pos`` (X.690 8.1.2-8.1.3).

    Kept by hand, for one job only: splitting a value into the elements that lie one after
    another. asn1crypto's public parser (``parser.peek``) takes no start offset, so walking
    n elements copies the rest of the value n times: 1 MB of 2-byte elements took 12.1 s
    that way against 0.28 s here. Reading what an element holds is left to cryptography and
    asn1crypto.
    """
    if pos + 2 > len(data):
        raise DerError(f"{len(data) - pos} byte(s) left, too few for a DER header")
    if data[pos] & 0x1F == 0x1F:
        raise DerError(f"high-tag-number form at offset {pos}")
    first = data[pos + 1]
    if first < 0x80:
        start, size = pos + 2, first
    elif first == 0x80:
        raise DerError(f"indefinite length at offset {pos}")
    else:
        count = first & 0x7F
        if count > 4 or pos + 2 + count > len(data):
            raise DerError(f"length of {count} bytes at offset {pos}")
        start = pos + 2 + count
        size = int.from_bytes(data[pos + 2 : start], "big")
    if start + size > len(data):
        raise DerError(f"element at offset {pos} claims {size} bytes, {len(data) - start} left")
    return start + size


def is_one_der_element(data: bytes) -> bool:
    """Whether ``data`` is exactly one BER/DER element (asn1crypto delimits it)."""
    from asn1crypto import parser  # noqa: PLC0415 - loaded only for certificates

    try:
        return bool(data) and parser.peek(data) == len(data)
    except ValueError:  # asn1crypto reports every malformed header and length as ValueError
        return False


@dataclass(frozen=True)
class Extension:
    oid: str
    critical: bool
    value: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"oid": self.oid, "critical": self.critical, "size": len(self.value)}


@cache
def _raw_tbs_type() -> Any:
    """An asn1crypto declaration of TBSCertificate (RFC 5280 4.1) whose extension values stay
    OCTET STRINGs: asn1crypto's own ``x509.Extension`` parses the value of every extension
    it knows, so one malformed basicConstraints would fail the whole list. Every field but
    the extensions is ``Any``, kept unparsed. Built on first use: asn1crypto is loaded only
    when a certificate is read."""
    from asn1crypto import core  # noqa: PLC0415

    # asn1crypto has no type hints: its classes are Any to mypy.
    class RawExtension(core.Sequence):  # type: ignore[misc]
        _fields = [  # noqa: RUF012 - asn1crypto's declaration form
            ("extn_id", core.ObjectIdentifier),
            ("critical", core.Boolean, {"default": False}),
            ("extn_value", core.OctetString),
        ]

    class RawExtensions(core.SequenceOf):  # type: ignore[misc]
        _child_spec = RawExtension

    class RawTbsCertificate(core.Sequence):  # type: ignore[misc]
        _fields = [  # noqa: RUF012
            ("version", core.Any, {"explicit": 0, "optional": True}),
            ("serial_number", core.Any),
            ("signature", core.Any),
            ("issuer", core.Any),
            ("validity", core.Any),
            ("subject", core.Any),
            ("subject_public_key_info", core.Any),
            ("issuer_unique_id", core.OctetBitString, {"implicit": 1, "optional": True}),
            ("subject_unique_id", core.OctetBitString, {"implicit": 2, "optional": True}),
            ("extensions", RawExtensions, {"explicit": 3, "optional": True}),
        ]

    return RawTbsCertificate


def read_extensions(tbs: bytes) -> list[Extension]:
    """The extensions of a TBSCertificate (RFC 5280 4.1, ``extensions [3] EXPLICIT``), values
    kept raw, read with asn1crypto (ValueError for what it cannot read).

    Not ``cryptography``'s ``Certificate.extensions``: it refuses the whole list when one
    standard extension is malformed (a basicConstraints of ``30 03 01 01``) or an OID comes
    twice (``DuplicateExtension``), and a Microsoft extension must not be lost to either.
    """
    extensions = _raw_tbs_type().load(tbs, strict=True)["extensions"]
    return [
        Extension(
            str(extension["extn_id"].dotted),
            bool(extension["critical"].native),
            bytes(extension["extn_value"].native),
        )
        for extension in extensions
    ]


@dataclass
class CertificateInfo:
    """One X.509 certificate (of a license or a server chain), Microsoft extensions decoded."""

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
    problems: list[Diagnostic] = field(default_factory=list)

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
            "problems": [problem.to_dict() for problem in self.problems],
        }

    @property
    def all_problems(self) -> list[Diagnostic]:
        """The certificate's problems and those of its decoded Microsoft extensions."""
        found = list(self.problems)
        if self.product_info is not None:
            found.extend(within("LICENSED_PRODUCT_INFO", self.product_info.problems))
        if self.license_server_info is not None:
            found.extend(within("MS_LICENSE_SERVER_INFO", self.license_server_info.problems))
        if self.manufacturer is not None:
            found.extend(within("manufacturer", self.manufacturer.problems))
        return found


def _attributes(name: x509.Name) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for attribute in name:
        value = attribute.value
        pairs.append(
            (attribute.oid.dotted_string, value if isinstance(value, str) else value.hex())
        )
    return pairs


def certificate_info(index: int, certificate: x509.Certificate) -> CertificateInfo:
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - only for certificates

    info = CertificateInfo(index)
    problems = info.problems
    subject = attempt("cert.library_error", "subject", lambda: certificate.subject, problems)
    if subject is not None:
        info.subject = attempt("cert.library_error", "subject", subject.rfc4514_string, problems)
        info.subject_attributes = (
            attempt("cert.library_error", "subject", lambda: _attributes(subject), problems) or []
        )
    issuer = attempt("cert.library_error", "issuer", lambda: certificate.issuer, problems)
    if issuer is not None:
        info.issuer = attempt("cert.library_error", "issuer", issuer.rfc4514_string, problems)
        info.issuer_attributes = (
            attempt("cert.library_error", "issuer", lambda: _attributes(issuer), problems) or []
        )
    info.serial = attempt(
        "cert.library_error", "serial number", lambda: certificate.serial_number, problems
    )
    info.not_before = attempt(
        "cert.library_error", "notBefore", lambda: certificate.not_valid_before_utc, problems
    )
    info.not_after = attempt(
        "cert.library_error", "notAfter", lambda: certificate.not_valid_after_utc, problems
    )
    info.signature_algorithm = attempt(
        "cert.library_error",
        "signature algorithm",
        lambda: certificate.signature_algorithm_oid.dotted_string,
        problems,
    )
    fingerprint = attempt(
        "cert.library_error", "thumbprint", lambda: certificate.fingerprint(hashes.SHA1()), problems
    )
    info.thumbprint_sha1 = None if fingerprint is None else fingerprint.hex()
    tbs = attempt(
        "cert.library_error", "TBSCertificate", lambda: certificate.tbs_certificate_bytes, problems
    )
    if tbs is not None:
        info.extensions = (
            attempt("cert.library_error", "extensions", lambda: read_extensions(tbs), problems)
            or []
        )
    _decode_extensions(info)
    return info


def _decode_extensions(info: CertificateInfo) -> None:
    seen: set[str] = set()
    for extension in info.extensions:
        if extension.oid in seen and extension.oid.startswith(rdpele.OID_HYDRA_CERT_ROOT + "."):
            info.problems.append(
                coded(
                    "cert.extension_repeated",
                    f"extension {extension.oid} appears more than once; first kept",
                )
            )
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
                    coded(
                        "cert.version_extension_size",
                        f"certificate version extension is {len(extension.value)} bytes, not 4",
                    )
                )


def load_certificates(
    raw: bytes, problems: list[Diagnostic]
) -> tuple[Container | None, list[x509.Certificate]]:
    from cryptography import x509  # noqa: PLC0415 - loaded only for certificates
    from cryptography.hazmat.primitives.serialization import pkcs7  # noqa: PLC0415

    try:
        single = der_element_end(raw, 0) == len(raw)
    except DerError:
        single = True  # not definite-length DER: only cryptography's BER fallback may read it
    if single:
        whole = attempt_quietly(
            "cert.der_not_certificate",
            "PKCS#7",
            lambda: pkcs7.load_der_pkcs7_certificates(raw),
            problems,
            offset=0,
        )
        if whole is not None:
            if not whole:
                problems.append(
                    coded("cert.pkcs7_empty", "PKCS#7 blob holds no certificates", offset=0)
                )
            return "pkcs7", list(whole)
    certificates: list[x509.Certificate] = []
    kinds: set[str] = set()
    pos = 0
    while pos < len(raw):
        try:
            end = der_element_end(raw, pos)
        except DerError as error:
            problems.append(
                coded(
                    "cert.der_undelimited",
                    f"{len(raw) - pos} byte(s) from offset {pos} not read: {error}",
                    offset=pos,
                )
            )
            break
        piece = raw[pos:end]
        what = f"DER element at offset {pos}"
        certificate = attempt_quietly(
            "cert.der_not_certificate",
            what,
            partial(x509.load_der_x509_certificate, piece),
            problems,
            offset=pos,
        )
        if certificate is not None:
            certificates.append(certificate)
            kinds.add("der")
        else:
            bundle = attempt_quietly(
                "cert.der_not_certificate",
                what,
                partial(pkcs7.load_der_pkcs7_certificates, piece),
                problems,
                offset=pos,
            )
            if bundle is not None:
                certificates.extend(bundle)
                kinds.add("pkcs7")
            else:
                problems.append(
                    coded(
                        "cert.der_not_certificate",
                        f"{what} ({end - pos} bytes) is neither an X.509 certificate nor PKCS#7",
                        offset=pos,
                    )
                )
        pos = end
    container: Container | None
    if not kinds:
        container = None
    elif len(kinds) == 2:
        container = "mixed"
    else:
        container = "pkcs7" if "pkcs7" in kinds else "der"
    return container, certificates
