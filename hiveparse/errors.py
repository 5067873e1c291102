"""One exception tree and diagnostics as data.

Every failure the library reports is a :class:`HiveparseError`. Evidence problems carry the
file and the place (byte offset, or line and column for text) so that the command line can
print exactly one clear line. What is not fatal is a :class:`Diagnostic` on the result.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum


def printable(text: str) -> str:
    """``text`` for a terminal or a one-line message: control characters (ESC, newlines and
    the rest) shown escaped, so that names read from hostile evidence cannot move the
    cursor, retitle the window or start a line of their own."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def quoted(text: str) -> str:
    """``text`` in double quotes for a message, as it is (a key path keeps single
    backslashes, unlike ``repr``), control characters escaped so it stays one line."""
    return f'"{printable(text)}"'


def shown_bytes(data: bytes) -> str:
    """Bytes for a message: hex, with the ASCII letters beside them when there are any."""
    letters = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
    return f"{data.hex()} ({letters!s})" if any(32 < b < 127 for b in data) else data.hex()


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a piece of evidence something was seen."""

    source: str | None = None
    offset: int | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.source is not None:
            # One line, always: control characters in a path are shown escaped.
            parts.append(
                self.source.encode("unicode_escape", "backslashreplace").decode("ascii")
                if not self.source.isprintable()
                else self.source
            )
        if self.line is not None:
            parts.append(
                f"{self.line}:{self.column}" if self.column is not None else str(self.line)
            )
        if self.offset is not None:
            parts.append(f"offset 0x{self.offset:x}")
        return ": ".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A non-fatal observation about the evidence (an anomaly, a repaired value, ...).

    ``code`` is a stable dotted identifier (``regf.checksum_mismatch``) that tests and
    scripts can match; ``message`` is for people.
    """

    code: str
    message: str
    location: Location = Location()
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        where = str(self.location)
        return (
            f"{where}: {self.message} [{self.code}]" if where else f"{self.message} [{self.code}]"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "source": self.location.source,
            "offset": self.location.offset,
            "line": self.location.line,
            "column": self.location.column,
        }


class HiveparseError(Exception):
    """Root of every error hiveparse raises."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        offset: int | None = None,
        line: int | None = None,
        column: int | None = None,
        engine: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = Location(source, offset, line, column)
        self.engine = engine

    def __str__(self) -> str:
        where = str(self.location)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} (engine {self.engine})" if self.engine else text


class UsageError(HiveparseError):
    """The caller asked for something that cannot be done (bad path syntax, bad option)."""


class KeyNotFound(UsageError):
    """A key path that the evidence does not hold."""


class EvidenceError(HiveparseError):
    """The evidence could not be read as asked."""


class OutputError(HiveparseError):
    """The output could not be written: a full or read-only file system, a closed standard
    output. Nothing partial is left at an output path."""


# Writing failed because of where the caller asked to write (no such folder, no permission):
# the caller's to fix. Anything else (a full or read-only file system, an I/O error) is the
# output's failure.
_CALLERS_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR, errno.EISDIR})


def write_failure(output: str, error: OSError) -> HiveparseError:
    """The typed error for an OSError met creating or writing ``output``."""
    message = f"cannot write {output!r}: {error.strerror or error}"
    if error.errno in _CALLERS_ERRNOS:
        return UsageError(message)
    return OutputError(message)


class NotRegf(EvidenceError):
    """The input is not a REGF hive (nor any format we read)."""


class Truncated(EvidenceError):
    """The input ends before a structure it announces."""


class CorruptStructure(EvidenceError):
    """A structure is present but inconsistent beyond what can be read safely."""


class Unsupported(EvidenceError):
    """A well-formed structure of a kind or version this version does not read."""


class ResourceLimit(EvidenceError):
    """A budget (cells, depth, bytes, line length) was exceeded."""


class Timeout(EvidenceError):
    """Reading did not finish within the wall-clock budget."""


class RegSyntaxError(EvidenceError):
    """A .reg file line that is not valid .reg syntax (carries line and column)."""


class RegEncodingError(EvidenceError):
    """A .reg file whose bytes cannot be decoded with the chosen or detected encoding."""


class EngineError(EvidenceError):
    """A peer engine (regipy, python-registry) failed; its exception is chained."""


# -- the catalogue of diagnostic codes ------------------------------------------------------------
#
# Every code the certificate, client-license and DPAPI-header decoders emit, with what it
# means (docs/reference/diagnostics.md prints this table; tests/test_errors.py checks
# that each code used in the sources is here and each entry here is used). Their location's
# offset, when set, is a byte offset in the decoded value's data, not in a file.
CATALOGUED_AREAS = ("cert", "license", "dpapi")
DIAGNOSTIC_CODES: dict[str, str] = {
    # X.509 certificates and their containers (decode/certificates.py)
    "cert.library_error": "cryptography or asn1crypto could not read a field of a certificate",
    "cert.ber_encoding": "not strict DER: read with cryptography's BER fallback",
    "cert.library_warning": "a library warned while reading a certificate",
    "cert.pkcs7_empty": "a PKCS#7 blob that holds no certificate",
    "cert.der_undelimited": "bytes that are not a whole definite-length DER element: not read",
    "cert.der_not_certificate": "a DER element that is neither an X.509 certificate nor PKCS#7",
    "cert.extension_repeated": "a Microsoft extension that appears twice: the first is kept",
    "cert.version_extension_size": "the certificate-version extension (.18.4) is not 4 bytes",
    # index strings (scope, company, product ids, manufacturer; MS-RDPELE 2.2.2.6.1)
    "cert.string_empty": "an index string value with no bytes",
    "cert.string_ambiguous": "an index string that reads cleanly both as ANSI and as UTF-16LE",
    "cert.string_not_clean": "an index string that is neither clean ANSI nor clean UTF-16LE",
    "cert.string_invalid_utf16": "UTF-16LE text with undecodable units (replaced)",
    "cert.string_unterminated": "a UTF-16 string with no NUL before the end of its value",
    # LICENSED_PRODUCT_INFO, extension .18.5 (MS-RDPELE 2.2.2.9.1)
    "cert.product_info_malformed": "LICENSED_PRODUCT_INFO does not parse whole; salvaged by field",
    "cert.product_info_unreadable": "LICENSED_PRODUCT_INFO is too short even for its header",
    "cert.product_info_overrun": "a LICENSED_PRODUCT_INFO field ends past the extension value",
    "cert.product_info_version": "a LICENSED_PRODUCT_INFO version 2003-era Windows does not take",
    "cert.product_info_count": "LicensedVersionInfoCount is not 1, as the spec requires",
    "cert.product_info_offset": "a LICENSED_PRODUCT_INFO offset points into its own header",
    # MS_LICENSE_SERVER_INFO, extension .18.6 (MS-RDPELE 2.2.2.9.2)
    "cert.server_info_short": "MS_LICENSE_SERVER_INFO is shorter than its version or header",
    "cert.server_info_version": "MS_LICENSE_SERVER_INFO version is neither V1 nor V2",
    "cert.server_info_malformed": "MS_LICENSE_SERVER_INFO does not parse whole; read by offsets",
    "cert.server_info_issuer_offset": "IssuerNameOffset is not 0, as the spec requires",
    "cert.server_info_overrun": "an MS_LICENSE_SERVER_INFO string offset lies past the value",
    # the session host's certificate values (rds/server_certificate.py, MS-RDPBCGR 2.2.1.4.3)
    "cert.value_type": "a certificate value that is not REG_BINARY (its raw bytes are read)",
    "cert.empty": "an empty certificate value",
    "cert.unrecognised": "a value that is no certificate format hiveparse reads",
    "cert.schema_disagreement": "the construct declaration reads a value otherwise (a bug)",
    "cert.proprietary_field": "a PROPRIETARYSERVERCERTIFICATE field off the spec's MUST",
    "cert.proprietary_truncated": "a PROPRIETARYSERVERCERTIFICATE that ends inside a field",
    "cert.proprietary_trailing": "bytes after a PROPRIETARYSERVERCERTIFICATE",
    "cert.rsa_key_short": "an RSA public-key blob shorter than its 20-byte header",
    "cert.rsa_key_magic": "an RSA public-key blob whose magic is not RSA1",
    "cert.rsa_key_length": "keylen or datalen does not match bitlen",
    "cert.rsa_key_truncated": "an RSA modulus with fewer bytes than its header says",
    "cert.rsa_key_trailing": "bytes after the modulus in an RSA public-key blob",
    "cert.rsa_key_padding": "the padding after an RSA modulus is not zero",
    "cert.rsa_key_bitlen": "the modulus has another bit length than bitlen says",
    "cert.chain_count": "an X509_CERTIFICATE_CHAIN with fewer than 2 CertBlobs",
    "cert.chain_truncated": "an X509_CERTIFICATE_CHAIN that ends inside a CertBlob",
    "cert.chain_padding": "the padding after an X509_CERTIFICATE_CHAIN is not zero",
    "cert.chain_trailing": "bytes after an X509_CERTIFICATE_CHAIN that are not its padding",
    "cert.chain_blob_unreadable": "a CertBlob that is not an X.509 certificate",
    "cert.chain_order": "a chain not in root-first order, or incomplete",
    "cert.chain_signature_invalid": "a certificate its issuer's key does not verify",
    "cert.chain_ambiguous": "a chain whose server or issuer certificate is not unique",
    "cert.chain_no_issuer": "no certificate of the value issued the server's",
    "cert.chain_single": "one certificate only: the server's, with no license server's",
    "cert.self_signature_invalid": "a certificate naming itself as issuer its key does not verify",
    "cert.signature_unchecked": "a signature that could not be checked (algorithm or key)",
    # client licenses (decode/client_license.py, rds/client_license.py; MS-RDPELE 2.2.2)
    "license.empty": "an empty ClientLicense value",
    "license.no_certificate": "no X.509 certificate could be read from a ClientLicense",
    "license.several_cals": "several certificates carry LICENSED_PRODUCT_INFO: the last is the CAL",
    "license.no_cal_marker": "no certificate carries LICENSED_PRODUCT_INFO: the last is the CAL",
    "license.hwid_size": "a ClientHWID that is not 20 bytes (kept raw)",
    "license.hwid_views_differ": "the native and WOW64 ClientHWID differ",
    "license.value_type": "a license store value that is not REG_BINARY (raw bytes used)",
    "license.value_missing": "a LICENSEnnn key without one of its values",
    "license.parts_gap": "ClientLicense parts not numbered 0, 1, 2, ... without gaps",
    "license.store_foreign_key": "a key under Store that is not LICENSEnnn (not read)",
    # DPAPI blob headers (decode/dpapi_blob.py, reference dpapi.md)
    "dpapi.not_a_blob": "bytes that do not hold a DPAPI blob's header",
    "dpapi.master_key_version": "a master key version other than 1",
    "dpapi.trailing_bytes": "bytes after the blob's signature",
    "dpapi.unexpected_algorithm": "an encryption algorithm DPAPI blobs are not known to use",
    "dpapi.partial_block": "ciphertext that is not whole cipher blocks",
    "dpapi.signature_size": "a signature whose size does not match the hash",
    "dpapi.strong_password": "a filled strong-password (HMAC key) slot: not a machine blob",
}


def coded(
    code: str,
    message: str,
    *,
    offset: int | None = None,
    severity: Severity = Severity.WARNING,
) -> Diagnostic:
    """A diagnostic of a catalogued area; its code must be in :data:`DIAGNOSTIC_CODES`."""
    if code not in DIAGNOSTIC_CODES:
        raise KeyError(f"diagnostic code {code!r} is not in the catalogue (hiveparse.errors)")
    return Diagnostic(code, message, Location(offset=offset), severity)


def within(context: str, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` of a part, their messages prefixed with the part they are about
    ("certificate 1: LICENSED_PRODUCT_INFO: ...")."""
    return [replace(item, message=f"{context}: {item.message}") for item in diagnostics]
