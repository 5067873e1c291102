"""Build realistic RDS client licenses (CALs) as a Windows license server issues them.

A license is a small X.509 chain: the license server's self-signed certificate and, issued
by it, the client's CAL carrying the Microsoft "Hydra" extensions of [MS-RDPELE] §2.2.2.9.
This module writes them the way the Windows Server 2003-era license server code does
([NT5] gencert.cpp ``TLSGenerateSingleCertificate`` / ``TLSGenerateClientCertificate``,
ext.c, license.h), packed by hand with :mod:`struct` so that the project's declarations in
``hiveparse.schemas.rdpele`` are tested against an independent writer:

* issuer = one multi-valued RDN ``CN=<license server> + L=<scope>``; subject = one RDN
  ``CN=<client machine> + L=<client user> + serialNumber=<base64 HWID>``; every value a
  BMPString (``CERT_RDN_UNICODE_STRING``). Real servers encrypt the HWID before the
  base64; this factory encodes it in the clear (it cannot know the server's key).
* extensions, all critical, in this order: ``.18.4`` certificate version (raw DWORD),
  ``.18.2`` manufacturer (UTF-16LE with NUL), ``.18.5`` LICENSED_PRODUCT_INFO (with the
  4 bytes of ``sizeof`` padding the server leaves), ``.18.6`` MS_LICENSE_SERVER_INFO V2
  (or V1, or none), then an authority key identifier naming the issuer and its serial.
* signature ``1.3.14.3.2.29`` (OIW sha1RSA, PKCS#1 v1.5 over SHA-1) as [MS-RDPELE]
  §2.2.2.9 requires: ``cryptography`` refuses SHA-1 in its certificate builder, so the
  certificate is built with SHA-256 and then re-signed here (the TBS gets the OIW algorithm
  identifier, with NULL parameters, and a fresh SHA-1 signature).
* container: PKCS#7 certs-only (``CertSaveStore(CERT_STORE_SAVE_AS_PKCS7)`` in [NT5]; CAL
  first, server certificate second) or the certificates' DER concatenated.

Everything is deterministic for a given :class:`CalSpec`: the RSA keys are derived from
``seed`` (primes drawn from a SHA-256 counter-mode stream and tested with Miller-Rabin,
since ``cryptography`` cannot seed its key generator), and PKCS#1 v1.5 signatures have no
randomness. The same spec always gives the same bytes.

    from samples.cal_factory import CalSpec, build_license
    built = build_license(CalSpec(not_before=..., not_after=..., temporary=True))
    built.blob            # what Store\\LICENSEnnn\\ClientLicense holds
    built.store_values()  # LicenseScope, CompanyName, ProductID, ClientLicense(, 001, ...)
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import ValueType
from hiveparse.sources.memory import MemoryKey

OID_HYDRA_CERT_VERSION = "1.3.6.1.4.1.311.18.4"
OID_MANUFACTURER = "1.3.6.1.4.1.311.18.2"
OID_LICENSED_PRODUCT_INFO = "1.3.6.1.4.1.311.18.5"
OID_MS_LICENSE_SERVER_INFO = "1.3.6.1.4.1.311.18.6"
OID_SHA1_RSA_OIW = "1.3.14.3.2.29"

LICENSE_ENFORCED = 0x00008000
RTM_LICENSE = 0x00800000
TEMPORARY_LICENSE = 0x80000000

LICENSED_PRODUCT_INFO_VERSION = 0x0003000
MS_LICENSE_SERVER_INFO_VERSION1 = 0x0001000
MS_LICENSE_SERVER_INFO_VERSION2 = 0x0003000
STORE_CHUNK_SIZE = 2048  # Windows CE splits ClientLicense into values of this size

# The server's own certificate runs from 1970 to 2038 in [NT5] (year fixed, rest = now).
SERVER_NOT_BEFORE = datetime(1970, 6, 1, 12, 0, 0, tzinfo=UTC)
SERVER_NOT_AFTER = datetime(2038, 1, 1, 0, 0, 0, tzinfo=UTC)

Container = Literal["pkcs7", "der"]
DerOrder = Literal["root_first", "leaf_first"]
ServerInfo = Literal["v1", "v2"]
Signature = Literal["sha1RSA", "sha256RSA"]


@dataclass(frozen=True)
class CalSpec:
    """Everything that goes into one license; the defaults describe a WS2008-era CAL."""

    not_before: datetime
    not_after: datetime
    temporary: bool = False
    container: Container = "pkcs7"
    der_order: DerOrder = "root_first"  # for "der": [MS-RDPBCGR] 5.3.3.2 chains are root first
    server_info: ServerInfo | None = "v2"
    license_server: str = "LS-CONTOSO-01"
    ls_scope: str = "CONTOSO"
    ls_product_id: str = "00490-92005-99454-AT527"
    client_machine: str = "WKS-0042"
    client_user: str = "alice"
    client_hwid: bytes = bytes.fromhex("0200000011223344556677889900aabbccddeeff")
    manufacturer: str = "Microsoft Corporation"
    cert_version: int = 0x00050001
    product_major: int = 6
    product_minor: int = 0
    requested_product_id: str = "A02"
    adjusted_product_id: str = "A02-6.00-S"
    platform_id: int = 0x04010001  # WINNT_POST_52, Microsoft image, minor version 1
    language_id: int = 0x0409
    license_count: int = 1
    rtm: bool = True
    enforced: bool = True
    license_server_version: tuple[int, int] = (5, 4)  # [NT5]: bits 20-22 and 16-19
    extra_flags: int = 0
    serial: int = 0x0000_0001_0203_0405
    signature: Signature = "sha1RSA"
    key_bits: int = 1024
    seed: str = "hiveparse-cal-factory"
    nt5_padding: bool = True
    store_scope: str = "microsoft.com"  # <7>: the scope Microsoft servers send
    store_company: str = "Microsoft Corporation"
    store_product_id: str = "A02"
    store_version: int = 0x00060000


@dataclass(frozen=True)
class BuiltLicense:
    spec: CalSpec
    blob: bytes
    leaf_der: bytes
    server_der: bytes
    server_serial: int
    flags: int
    licensed_product_info: bytes
    license_server_info: bytes | None

    def store_values(self, *, chunk_size: int | None = None) -> dict[str, bytes]:
        """The four REG_BINARY values of ``Store\\LICENSEnnn`` (ClientLicense split when asked)."""
        values = {
            "LicenseScope": ansi_z(self.spec.store_scope),
            "CompanyName": utf16_z(self.spec.store_company),
            "ProductID": utf16_z(self.spec.store_product_id),
        }
        values.update(split_license(self.blob, chunk_size))
        return values


def ansi_z(text: str) -> bytes:
    return text.encode("latin-1") + b"\x00"


def utf16_z(text: str) -> bytes:
    return (text + "\x00").encode("utf-16-le")


def split_license(blob: bytes, chunk_size: int | None) -> dict[str, bytes]:
    """``ClientLicense``, ``ClientLicense001``, ... as Windows CE writes them ([NT5] store.c)."""
    if chunk_size is None:
        return {"ClientLicense": blob}
    chunks = [blob[i : i + chunk_size] for i in range(0, len(blob), chunk_size)] or [b""]
    return {
        ("ClientLicense" if index == 0 else f"ClientLicense{index:03d}"): chunk
        for index, chunk in enumerate(chunks)
    }


def license_flags(spec: CalSpec) -> int:
    """LICENSED_VERSION_INFO.dwFlags as [NT5] gencert.cpp composes it."""
    major, minor = spec.license_server_version
    flags = ((major & 0x7) << 4 | (minor & 0xF)) << 16
    if spec.temporary:
        flags |= TEMPORARY_LICENSE
    if spec.rtm:
        flags |= RTM_LICENSE
    if spec.enforced:
        flags |= LICENSE_ENFORCED
    return flags | spec.extra_flags


def licensed_product_info_bytes(spec: CalSpec) -> bytes:
    """[MS-RDPELE] §2.2.2.9.1, laid out as [NT5] ext.c LSLicensedProductInfoToExtension does."""
    requested = utf16_z(spec.requested_product_id)
    adjusted = utf16_z(spec.adjusted_product_id)
    version_info = struct.pack("<HHI", spec.product_major, spec.product_minor, license_flags(spec))
    header_size = 28
    requested_offset = header_size
    adjusted_offset = requested_offset + len(requested)
    version_offset = adjusted_offset + len(adjusted)
    header = struct.pack(
        "<IIIIHHHHHH",
        LICENSED_PRODUCT_INFO_VERSION,
        spec.license_count,
        spec.platform_id,
        spec.language_id,
        requested_offset,
        len(requested),
        adjusted_offset,
        len(adjusted),
        version_offset,
        1,
    )
    padding_bytes = b"\x00" * 4 if spec.nt5_padding else b""  # sizeof() rounds 29 up to 32
    return header + requested + adjusted + version_info + padding_bytes


def license_server_info_bytes(
    issuer: str, scope: str, product_id: str | None, *, nt5_padding: bool = True
) -> bytes:
    """[MS-RDPELE] §2.2.2.9.2: V2 when a product id is given (as [NT5] writes it), else V1."""
    name = utf16_z(issuer)
    scope_bytes = utf16_z(scope)
    if product_id is None:
        header = struct.pack("<IHH", MS_LICENSE_SERVER_INFO_VERSION1, 0, len(name))
        return header + name + scope_bytes
    issuer_id = utf16_z(product_id)
    header = struct.pack(
        "<IHHH", MS_LICENSE_SERVER_INFO_VERSION2, 0, len(name), len(name) + len(issuer_id)
    )
    padding_bytes = b"\x00" * 2 if nt5_padding else b""  # sizeof() rounds 11 up to 12
    return header + name + issuer_id + scope_bytes + padding_bytes


def build_license(spec: CalSpec) -> BuiltLicense:
    """The license blob for ``spec`` and the pieces it was made of."""
    server_key = derive_rsa_key(spec.seed, f"server:{spec.license_server}", spec.key_bits)
    client_key = derive_rsa_key(spec.seed, f"client:{spec.client_machine}", spec.key_bits)
    server_name = _name(
        (NameOID.COMMON_NAME, spec.license_server), (NameOID.LOCALITY_NAME, spec.ls_scope)
    )
    # [NT5]: the self-signed certificate's serial is its notBefore as a FILETIME.
    server_serial = datetime_to_filetime(SERVER_NOT_BEFORE)
    server_builder = (
        x509.CertificateBuilder()
        .subject_name(server_name)
        .issuer_name(server_name)
        .public_key(server_key.public_key())
        .serial_number(server_serial)
        .not_valid_before(SERVER_NOT_BEFORE)
        .not_valid_after(SERVER_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=False)
    )
    server_der = _sign(server_builder, server_key, spec.signature)

    lpi = licensed_product_info_bytes(spec)
    lsi: bytes | None = None
    if spec.server_info is not None:
        lsi = license_server_info_bytes(
            spec.license_server,
            spec.ls_scope,
            spec.ls_product_id if spec.server_info == "v2" else None,
            nt5_padding=spec.nt5_padding,
        )
    hwid_text = base64.b64encode(spec.client_hwid).decode("ascii")
    client_name = _name(
        (NameOID.COMMON_NAME, spec.client_machine),
        (NameOID.LOCALITY_NAME, spec.client_user),
        (NameOID.SERIAL_NUMBER, hwid_text),
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(client_name)
        .issuer_name(server_name)
        .public_key(client_key.public_key())
        .serial_number(spec.serial)
        .not_valid_before(spec.not_before)
        .not_valid_after(spec.not_after)
        .add_extension(_raw(OID_HYDRA_CERT_VERSION, struct.pack("<I", spec.cert_version)), True)
        .add_extension(_raw(OID_MANUFACTURER, utf16_z(spec.manufacturer)), critical=True)
        .add_extension(_raw(OID_LICENSED_PRODUCT_INFO, lpi), critical=True)
    )
    if lsi is not None:
        builder = builder.add_extension(_raw(OID_MS_LICENSE_SERVER_INFO, lsi), critical=True)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier(
            key_identifier=None,
            authority_cert_issuer=[x509.DirectoryName(server_name)],
            authority_cert_serial_number=server_serial,
        ),
        critical=False,
    )
    leaf_der = _sign(builder, server_key, spec.signature)

    if spec.container == "pkcs7":
        certificates = [x509.load_der_x509_certificate(d) for d in (leaf_der, server_der)]
        blob = pkcs7.serialize_certificates(certificates, serialization.Encoding.DER)
    elif spec.der_order == "root_first":
        blob = server_der + leaf_der
    else:
        blob = leaf_der + server_der
    return BuiltLicense(
        spec=spec,
        blob=blob,
        leaf_der=leaf_der,
        server_der=server_der,
        server_serial=server_serial,
        flags=license_flags(spec),
        licensed_product_info=lpi,
        license_server_info=lsi,
    )


def install_store(
    root: MemoryKey,
    licenses: list[BuiltLicense],
    *,
    wow64: bool = False,
    hwid: bytes | None = None,
    chunk_size: int | None = None,
) -> list[MemoryKey]:
    """Write ``Microsoft\\MSLicensing`` (HardwareID and Store\\LICENSEnnn) under a SOFTWARE root."""
    base = root.ensure(r"Wow6432Node\Microsoft\MSLicensing" if wow64 else r"Microsoft\MSLicensing")
    if hwid is not None:
        base.ensure("HardwareID").set_value("ClientHWID", int(ValueType.REG_BINARY), hwid)
    store = base.ensure("Store")
    keys: list[MemoryKey] = []
    for index, built in enumerate(licenses):
        key = store.ensure(f"LICENSE{index:03d}")
        for name, raw in built.store_values(chunk_size=chunk_size).items():
            key.set_value(name, int(ValueType.REG_BINARY), raw)
        keys.append(key)
    return keys


# -- certificates ------------------------------------------------------------------------------


def _name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    """One multi-valued RDN of BMPStrings, as CryptEncodeObject(X509_NAME) writes it in [NT5]."""
    bmp = [x509.NameAttribute(oid, value, _type=_ASN1Type.BMPString) for oid, value in attributes]
    return x509.Name([x509.RelativeDistinguishedName(bmp)])


def _raw(oid: str, value: bytes) -> x509.UnrecognizedExtension:
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), value)


def _sign(builder: x509.CertificateBuilder, key: rsa.RSAPrivateKey, signature: Signature) -> bytes:
    certificate = builder.sign(key, hashes.SHA256())
    der = certificate.public_bytes(serialization.Encoding.DER)
    return _resign_sha1_rsa_oiw(der, key) if signature == "sha1RSA" else der


def _resign_sha1_rsa_oiw(certificate_der: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """The same certificate, signed with OIW sha1RSA (1.3.14.3.2.29) instead."""
    tbs, _algorithm, _signature = _children(_content(certificate_der))
    fields = _children(_content(tbs))
    algorithm = _tlv(0x30, _tlv(0x06, _oid_bytes(OID_SHA1_RSA_OIW)) + b"\x05\x00")
    fields[2 if fields[0][0] == 0xA0 else 1] = algorithm  # after the [0] version, the serial
    new_tbs = _tlv(0x30, b"".join(fields))
    signature = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA1())
    return _tlv(0x30, new_tbs + algorithm + _tlv(0x03, b"\x00" + signature))


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _header(data: bytes, pos: int) -> tuple[int, int]:
    """(start of content, end of element) of the definite-length DER element at ``pos``."""
    first = data[pos + 1]
    if first < 0x80:
        return pos + 2, pos + 2 + first
    count = first & 0x7F
    size = int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
    return pos + 2 + count, pos + 2 + count + size


def _content(element: bytes) -> bytes:
    start, end = _header(element, 0)
    return element[start:end]


def _children(content: bytes) -> list[bytes]:
    items: list[bytes] = []
    pos = 0
    while pos < len(content):
        _start, end = _header(content, pos)
        items.append(content[pos:end])
        pos = end
    return items


def _oid_bytes(dotted: str) -> bytes:
    arcs = [int(part) for part in dotted.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


# -- deterministic RSA keys --------------------------------------------------------------------


class _Stream:
    """SHA-256 in counter mode: a reproducible stream of bytes for a label."""

    def __init__(self, label: bytes) -> None:
        self._label = label
        self._counter = 0
        self._buffer = b""

    def bits(self, count: int) -> int:
        need = (count + 7) // 8
        while len(self._buffer) < need:
            block = self._label + self._counter.to_bytes(8, "big")
            self._buffer += hashlib.sha256(block).digest()
            self._counter += 1
        chunk, self._buffer = self._buffer[:need], self._buffer[need:]
        return int.from_bytes(chunk, "big") >> (need * 8 - count)


_SMALL_PRIMES = [n for n in range(3, 2000, 2) if all(n % d for d in range(3, math.isqrt(n) + 1, 2))]


def _probably_prime(candidate: int, stream: _Stream, rounds: int = 40) -> bool:
    if any(candidate % p == 0 for p in _SMALL_PRIMES):
        return candidate in _SMALL_PRIMES
    d, r = candidate - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        a = 2 + stream.bits(candidate.bit_length()) % (candidate - 3)
        x = pow(a, d, candidate)
        if x in (1, candidate - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, candidate)
            if x == candidate - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, stream: _Stream, exponent: int) -> int:
    while True:
        candidate = stream.bits(bits) | (0b11 << (bits - 2)) | 1
        if math.gcd(candidate - 1, exponent) == 1 and _probably_prime(candidate, stream):
            return candidate


@lru_cache(maxsize=64)
def derive_rsa_key(seed: str, label: str, bits: int = 1024) -> rsa.RSAPrivateKey:
    """An RSA key that depends only on (seed, label, bits)."""
    stream = _Stream(f"{seed}\x00{label}\x00{bits}".encode())
    exponent = 65537
    p = _prime(bits // 2, stream, exponent)
    q = _prime(bits - bits // 2, stream, exponent)
    while q == p:
        q = _prime(bits - bits // 2, stream, exponent)
    d = pow(exponent, -1, math.lcm(p - 1, q - 1))
    public = rsa.RSAPublicNumbers(exponent, p * q)
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=public,
    )
    return numbers.private_key()
