"""The RD Session Host's certificate values under RCM, decoded.

Reference §6A (``rds-licensing.md``): ``SYSTEM\\<ControlSet>\\Control\\Terminal Server\\RCM``
can hold ``Certificate``, ``X509 Certificate``, ``X509 Certificate ID`` and ``X509
Certificate2`` (Server 2003 kept the first two under ``Services\\TermService\\Parameters``).
That ``Certificate`` is the RDP proprietary server certificate and ``X509 Certificate`` the
X.509 chain a license server issued to the host is UNCERTAIN (one source), and what ``ID``
and ``2`` hold is an open question (§12 q13), so nothing is taken from a value's name. Layouts
are in :mod:`hiveparse.schemas.rdpbcgr`; certificates are read by
:mod:`hiveparse.decode.certificates`, as for client licenses. The rules:

* **Format, by structure.** A value is read as the first of these its bytes fit:

  1. PROPRIETARYSERVERCERTIFICATE ([MS-RDPBCGR] §2.2.1.4.3.1.1): dwVersion's low 31 bits
     are 1 and an RSA public-key blob (type BB_RSA_KEY_BLOB, or the magic ``RSA1``) follows;
  2. SERVER_CERTIFICATE whose certChainVersion is 2, holding an X509_CERTIFICATE_CHAIN
     ([MS-RDPBCGR] §2.2.1.4.3.1, [MS-RDPELE] §2.2.1.4.2);
  3. an X509_CERTIFICATE_CHAIN on its own (NumCertBlobs first);
  4. DER: one PKCS#7 certs-only blob, one certificate, or certificates one after another.

  An RDP chain is recognised only when its first CertBlob fits the value and holds exactly
  one DER element of cbCert bytes. The 8 + 4·NumCertBlobs bytes of padding after the array
  may be there or not; other bytes after the structure are a problem.
* **Roles in a chain.** [MS-RDPBCGR] §5.3.3.2 (CONFIRMED for the protocol): root first, the
  server's certificate last, the license server's second to last. That these registry values
  hold that chain is UNCERTAIN, and every report of a role says so. In an RDP chain or in
  certificates one after another the positions decide; a PKCS#7 SET has no order, so there
  the server's certificate is the one that issued no other and the license server's the one
  whose subject is its issuer. Each link (the issuer name equals the next certificate's
  subject, the signature verifies under its key) is checked and reported.
* **Issuance hint** (an UNCERTAIN inference, §6.3): a license-server certificate that signed
  itself points to a license server never activated with the Microsoft Clearinghouse;
  certificates above it in the chain point to one that was.
* **X509 Certificate ID** has no documented layout: it is kept opaque (size and bytes) and
  only compared with the SHA-1 thumbprints the other values give.

Nothing here raises on bad bytes: every anomaly is a coded
:class:`~hiveparse.errors.Diagnostic` (``cert.*``, catalogued in
:data:`hiveparse.errors.DIAGNOSTIC_CODES`) in a ``problems`` list; only the errors the
libraries document for bad input are caught, so a bug here is not hidden.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from construct import ConstructError

from hiveparse.decode.certificates import (
    CertificateInfo,
    attempt,
    attempt_quietly,
    certificate_info,
    is_one_der_element,
    library_errors,
    load_certificates,
    with_certificates,
)
from hiveparse.errors import Diagnostic, Severity, coded
from hiveparse.filetime import iso_z
from hiveparse.model import ValueType
from hiveparse.schemas import rdpbcgr, rdpele

if TYPE_CHECKING:
    from cryptography import x509

    from hiveparse.rds.facts import Fact, FactSet

Format = Literal[
    "rdp_proprietary",  # PROPRIETARYSERVERCERTIFICATE
    "rdp_server_certificate",  # SERVER_CERTIFICATE, certChainVersion 2, with the chain
    "rdp_x509_chain",  # X509_CERTIFICATE_CHAIN without the dwVersion in front
    "pkcs7",
    "der",
    "mixed",  # DER certificates and PKCS#7 blobs one after another
    "opaque",  # not decoded (X509 Certificate ID)
]
RoleRule = Literal["position", "issuer_links"]

UNCERTAIN = "UNCERTAIN"
ROLE_SOURCE = "[MS-RDPBCGR] 5.3.3.2; [MS-RDPELE] 2.2.1.4.2"
ISSUANCE_SOURCE = "reference §6.3"

_UNORDERED: tuple[Format, ...] = ("pkcs7", "mixed")


# -- the proprietary certificate ----------------------------------------------------------------


_KEY_FIELDS = (
    "key_bits",
    "public_exponent",
    "modulus_sha1",
    "modulus_bit_length",
    "modulus_bytes",
    "keylen",
    "datalen",
)


@dataclass
class RsaPublicKey:
    """RSA_PUBLIC_KEY ([MS-RDPBCGR] §2.2.1.4.3.1.1.1)."""

    keylen: int
    bitlen: int
    datalen: int
    pub_exp: int
    modulus: int | None
    modulus_bytes: int  # how many modulus bytes were read (bitlen / 8 when all is well)

    @property
    def modulus_sha1(self) -> str | None:
        """SHA-1 of the modulus as a big-endian number of ``modulus_bytes`` bytes."""
        if self.modulus is None:
            return None
        return hashlib.sha1(self.modulus.to_bytes(self.modulus_bytes, "big")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_bits": self.bitlen,
            "public_exponent": self.pub_exp,
            "modulus_sha1": self.modulus_sha1,
            "modulus_bit_length": None if self.modulus is None else self.modulus.bit_length(),
            "modulus_bytes": self.modulus_bytes,
            "keylen": self.keylen,
            "datalen": self.datalen,
        }


@dataclass
class ProprietaryCertificate:
    """PROPRIETARYSERVERCERTIFICATE ([MS-RDPBCGR] §2.2.1.4.3.1.1)."""

    sig_alg_id: int
    key_alg_id: int
    public_key_blob_type: int
    public_key_blob_len: int
    public_key: RsaPublicKey | None
    signature_blob_type: int | None
    signature_blob_len: int | None
    signature: bytes | None

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "sig_alg_id": self.sig_alg_id,
            "key_alg_id": self.key_alg_id,
            "public_key_blob_type": self.public_key_blob_type,
            "public_key_blob_len": self.public_key_blob_len,
        }
        key = self.public_key
        record.update(dict.fromkeys(_KEY_FIELDS) if key is None else key.to_dict())
        record.update(
            {
                "signature_blob_type": self.signature_blob_type,
                "signature_blob_len": self.signature_blob_len,
                "signature": None if self.signature is None else self.signature.hex(),
            }
        )
        return record


def decode_rsa_public_key(blob: bytes, problems: list[Diagnostic]) -> RsaPublicKey | None:
    """An RSA_PUBLIC_KEY, its fields checked against the spec's MUSTs."""
    size = rdpbcgr.RSA_PUBLIC_KEY_HEADER_SIZE
    if len(blob) < size:
        problems.append(
            coded(
                "cert.rsa_key_short",
                f"public key blob is {len(blob)} bytes, shorter than its {size}-byte header",
            )
        )
        return None
    magic = blob[:4]
    if magic != rdpbcgr.RSA1_MAGIC:
        problems.append(
            coded("cert.rsa_key_magic", f"public key magic is {magic.hex()}, not 'RSA1'")
        )
    keylen, bitlen, datalen, pub_exp = struct.unpack_from("<4I", blob, 4)
    expected_keylen = bitlen // 8 + rdpbcgr.RSA_MODULUS_PADDING
    if bitlen % 8 or keylen != expected_keylen:
        problems.append(
            coded(
                "cert.rsa_key_length",
                f"keylen {keylen} is not bitlen / 8 + 8 ({expected_keylen}) for {bitlen} bits",
            )
        )
    if datalen != bitlen // 8 - 1:
        problems.append(
            coded(
                "cert.rsa_key_length",
                f"datalen {datalen} is not bitlen / 8 - 1 ({bitlen // 8 - 1})",
            )
        )
    field_bytes = blob[size : size + keylen]
    if len(field_bytes) < keylen:
        problems.append(
            coded(
                "cert.rsa_key_truncated",
                f"modulus field claims {keylen} bytes, {len(field_bytes)} left in the key blob",
            )
        )
    if len(blob) > size + keylen:
        problems.append(
            coded(
                "cert.rsa_key_trailing",
                f"{len(blob) - size - keylen} byte(s) after the modulus in the key blob",
            )
        )
    wanted = (bitlen + 7) // 8
    modulus_le = field_bytes[:wanted]
    padding = field_bytes[wanted:]
    if padding.strip(b"\x00"):
        problems.append(
            coded(
                "cert.rsa_key_padding",
                f"the {len(padding)} byte(s) after the modulus are not all zero",
            )
        )
    modulus: int | None = None
    if modulus_le:
        modulus = int.from_bytes(modulus_le, "little")  # RDP keeps RSA numbers little-endian
        if len(modulus_le) < wanted:
            problems.append(
                coded(
                    "cert.rsa_key_truncated", f"modulus has {len(modulus_le)} of its {wanted} bytes"
                )
            )
        elif modulus.bit_length() != bitlen:
            problems.append(
                coded(
                    "cert.rsa_key_bitlen",
                    f"the modulus has {modulus.bit_length()} bits, bitlen says {bitlen}",
                )
            )
    else:
        problems.append(coded("cert.rsa_key_truncated", "no modulus bytes"))
    return RsaPublicKey(keylen, bitlen, datalen, pub_exp, modulus, len(modulus_le))


def _looks_proprietary(raw: bytes) -> bool:
    if len(raw) < rdpbcgr.PROPRIETARY_HEADER_SIZE:
        return False
    (version,) = struct.unpack_from("<I", raw, 0)
    if version & rdpbcgr.CERT_CHAIN_VERSION_MASK != rdpbcgr.CERT_CHAIN_VERSION_1:
        return False
    (blob_type,) = struct.unpack_from("<H", raw, 12)
    start = rdpbcgr.PROPRIETARY_HEADER_SIZE
    return blob_type == rdpbcgr.BB_RSA_KEY_BLOB or raw[start : start + 4] == rdpbcgr.RSA1_MAGIC


def decode_proprietary(raw: bytes, problems: list[Diagnostic]) -> ProprietaryCertificate:
    """A PROPRIETARYSERVERCERTIFICATE read field by field, so a short value keeps its head."""
    sig_alg_id, key_alg_id, blob_type, blob_len = struct.unpack_from("<IIHH", raw, 4)
    for name, value, expected in (
        ("dwSigAlgId", sig_alg_id, rdpbcgr.SIGNATURE_ALG_RSA),
        ("dwKeyAlgId", key_alg_id, rdpbcgr.KEY_EXCHANGE_ALG_RSA),
        ("wPublicKeyBlobType", blob_type, rdpbcgr.BB_RSA_KEY_BLOB),
    ):
        if value != expected:
            problems.append(
                coded(
                    "cert.proprietary_field",
                    f"{name} is {value}; the spec says it MUST be {expected}",
                )
            )
    pos = rdpbcgr.PROPRIETARY_HEADER_SIZE
    key_blob = raw[pos : pos + blob_len]
    if len(key_blob) < blob_len:
        problems.append(
            coded(
                "cert.proprietary_truncated",
                f"wPublicKeyBlobLen is {blob_len}, {len(key_blob)} byte(s) left",
                offset=pos,  # where the key blob starts
            )
        )
    key = decode_rsa_public_key(key_blob, problems)
    pos += blob_len
    cert = ProprietaryCertificate(
        sig_alg_id, key_alg_id, blob_type, blob_len, key, None, None, None
    )
    if pos + 4 > len(raw):
        problems.append(
            coded(
                "cert.proprietary_truncated",
                "the value ends before wSignatureBlobType and wSignatureBlobLen",
                offset=pos,
            )
        )
        return cert
    cert.signature_blob_type, cert.signature_blob_len = struct.unpack_from("<HH", raw, pos)
    if cert.signature_blob_type != rdpbcgr.BB_RSA_SIGNATURE_BLOB:
        problems.append(
            coded(
                "cert.proprietary_field",
                f"wSignatureBlobType is {cert.signature_blob_type}, not "
                f"BB_RSA_SIGNATURE_BLOB ({rdpbcgr.BB_RSA_SIGNATURE_BLOB})",
            )
        )
    pos += 4
    cert.signature = raw[pos : pos + cert.signature_blob_len]
    if len(cert.signature) < cert.signature_blob_len:
        problems.append(
            coded(
                "cert.proprietary_truncated",
                f"wSignatureBlobLen is {cert.signature_blob_len}, {len(cert.signature)} "
                "byte(s) left",
                offset=pos,  # where the signature starts
            )
        )
    pos += cert.signature_blob_len
    if pos < len(raw):
        problems.append(
            coded(
                "cert.proprietary_trailing",
                f"{len(raw) - pos} byte(s) after the proprietary certificate",
                offset=pos,
            )
        )
    # The construct declaration is the reference; a value the field reader took whole must
    # also parse with it (a disagreement would be a bug here, so it is reported, not hidden).
    if pos == len(raw) and not problems:
        attempt(
            "cert.schema_disagreement",
            "PROPRIETARYSERVERCERTIFICATE",
            lambda: _check_schema(raw),
            problems,
            expected=(ConstructError,),
        )
    return cert


_CHAIN_BLOBS = rdpbcgr.x509_certificate_chain_blobs


def _check_schema(raw: bytes) -> None:
    parsed = rdpbcgr.proprietary_server_certificate.parse(raw)
    rdpbcgr.rsa_public_key.parse(parsed.public_key_blob)


# -- the X.509 chain container ------------------------------------------------------------------


@dataclass
class RdpChain:
    """What an X509_CERTIFICATE_CHAIN held: the CertBlobs and the bytes after them."""

    blobs: list[bytes]
    padding: int  # bytes after the CertBlobArray that are the spec's padding (0 when missing)
    trailing: int  # other bytes after the structure


def _is_one_der_element(data: bytes) -> bool:
    # A certificate is a SEQUENCE (RFC 5280 4.1), tag 0x30 in DER.
    return data[:1] == b"\x30" and is_one_der_element(data)


def _read_rdp_chain(raw: bytes, start: int) -> RdpChain | None:
    """The chain at ``start``, or None when its first CertBlob is not a whole DER element."""
    if start + 8 > len(raw):
        return None
    (count,) = struct.unpack_from("<I", raw, start)
    if not 1 <= count <= rdpbcgr.X509_MAX_CERT_BLOBS:
        return None
    blobs: list[bytes] = []
    pos = start + 4
    for _index in range(count):
        if pos + 4 > len(raw):
            break
        (size,) = struct.unpack_from("<I", raw, pos)
        blob = raw[pos + 4 : pos + 4 + size]
        if not blobs and (len(blob) != size or not _is_one_der_element(blob)):
            return None
        blobs.append(blob)
        pos += 4 + len(blob)
        if len(blob) < size:
            break
    rest = len(raw) - pos
    padding_size = rdpbcgr.x509_padding_size(count)
    padding = padding_size if len(blobs) == count and rest >= padding_size else 0
    return RdpChain(blobs, padding, rest - padding)


def _chain_problems(chain: RdpChain, count: int, raw: bytes, start: int) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    if count < rdpbcgr.X509_MIN_CERT_BLOBS:
        problems.append(
            coded("cert.chain_count", f"NumCertBlobs is {count}; the spec says at least 2")
        )
    if len(chain.blobs) < count:
        problems.append(
            coded(
                "cert.chain_truncated",
                f"NumCertBlobs is {count}, the value ends after {len(chain.blobs)}",
            )
        )
    # Re-read the CertBlobs to name the one that was cut short.
    pos = start + 4
    for index, blob in enumerate(chain.blobs):
        (size,) = struct.unpack_from("<I", raw, pos)
        if len(blob) < size:
            problems.append(
                coded(
                    "cert.chain_truncated",
                    f"CertBlob {index}: cbCert is {size}, {len(blob)} byte(s) left",
                    offset=pos,
                )
            )
        pos += 4 + len(blob)
    padding_start = len(raw) - chain.trailing - chain.padding
    if raw[padding_start : padding_start + chain.padding].strip(b"\x00"):
        problems.append(
            coded(
                "cert.chain_padding",
                f"the {chain.padding} bytes of padding are not all zero",
                offset=padding_start,
            )
        )
    if chain.trailing:
        expected = rdpbcgr.x509_padding_size(count)
        problems.append(
            coded(
                "cert.chain_trailing",
                f"{chain.trailing} byte(s) after the chain that are not its {expected} bytes "
                "of padding",
                offset=len(raw) - chain.trailing,
            )
        )
    return problems


# -- certificates of a chain --------------------------------------------------------------------


@dataclass
class ChainCertificate:
    """One certificate of a server value: what it says, and how it relates to itself."""

    info: CertificateInfo
    size: int | None
    certificate: x509.Certificate | None = field(default=None, repr=False)
    subject_der: bytes | None = field(default=None, repr=False)
    issuer_der: bytes | None = field(default=None, repr=False)
    public_key_bits: int | None = None
    self_signed: bool | None = None  # subject = issuer and its own key verifies it

    @property
    def index(self) -> int:
        return self.info.index

    @property
    def self_issued(self) -> bool | None:
        if self.subject_der is None or self.issuer_der is None:
            return None
        return self.subject_der == self.issuer_der

    def microsoft_extensions(self) -> dict[str, Any]:
        info = self.info
        return {
            "cert_version": info.cert_version,
            "manufacturer": None if info.manufacturer is None else info.manufacturer.text,
            "licensed_product_info": (
                None if info.product_info is None else info.product_info.to_dict()
            ),
            "license_server_info": (
                None if info.license_server_info is None else info.license_server_info.to_dict()
            ),
        }

    @property
    def all_problems(self) -> list[Diagnostic]:
        return self.info.all_problems

    def summary(self) -> dict[str, Any]:
        info = self.info
        return {
            "index": info.index,
            "subject": info.subject,
            "issuer": info.issuer,
            "serial": None if info.serial is None else f"{info.serial:x}",
            "not_before": iso_z(info.not_before),
            "not_after": iso_z(info.not_after),
            "thumbprint_sha1": info.thumbprint_sha1,
            "self_signed": self.self_signed,
        }

    def to_dict(self) -> dict[str, Any]:
        record = self.info.to_dict()
        record.update(
            {
                "size": self.size,
                "public_key_bits": self.public_key_bits,
                "self_issued": self.self_issued,
                "self_signed": self.self_signed,
                "microsoft_extensions": self.microsoft_extensions(),
                "problems": [problem.to_dict() for problem in self.all_problems],
            }
        )
        return record


def _name_der(
    certificate: x509.Certificate, which: str, problems: list[Diagnostic]
) -> bytes | None:
    def read() -> bytes:
        name = certificate.subject if which == "subject" else certificate.issuer
        return name.public_bytes()

    return attempt("cert.library_error", f"{which} name", read, problems)


def _chain_certificate(index: int, certificate: x509.Certificate) -> ChainCertificate:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    info = certificate_info(index, certificate)
    problems = info.problems
    der = attempt(
        "cert.library_error",
        "DER",
        lambda: certificate.public_bytes(serialization.Encoding.DER),
        problems,
    )
    chained = ChainCertificate(
        info,
        None if der is None else len(der),
        certificate,
        _name_der(certificate, "subject", problems),
        _name_der(certificate, "issuer", problems),
    )
    chained.public_key_bits = attempt_quietly(
        "cert.library_error", "public key", lambda: _key_bits(certificate), problems
    )
    if chained.self_issued:
        chained.self_signed = signature_valid(certificate, certificate, problems)
        if chained.self_signed is False:
            problems.append(
                coded(
                    "cert.self_signature_invalid",
                    "names itself as issuer, but its own key does not verify it",
                )
            )
    elif chained.self_issued is False:
        chained.self_signed = False
    return chained


def _key_bits(certificate: x509.Certificate) -> int | None:
    key = certificate.public_key()
    size = getattr(key, "key_size", None)
    return size if isinstance(size, int) else None


def _unreadable(
    index: int, blob: bytes, problems: list[Diagnostic], offset: int
) -> ChainCertificate:
    info = CertificateInfo(index)
    info.problems.extend(problems)
    info.problems.append(
        coded(
            "cert.chain_blob_unreadable",
            f"CertBlob {index} ({len(blob)} bytes) is not an X.509 certificate",
            offset=offset,
        )
    )
    return ChainCertificate(info, len(blob))


def signature_valid(
    certificate: x509.Certificate, issuer: x509.Certificate, problems: list[Diagnostic]
) -> bool | None:
    """Whether ``issuer``'s key verifies ``certificate`` (None when it cannot be checked)."""
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    def verify() -> bool:
        try:
            if certificate.signature_algorithm_oid.dotted_string == rdpele.OID_SHA1_RSA_OIW:
                # [MS-RDPELE] §2.2.2.9: license servers sign with OIW sha1RSA, PKCS#1 v1.5
                # over SHA-1, which verify_directly_issued_by does not know.
                key = issuer.public_key()
                if not isinstance(key, rsa.RSAPublicKey):
                    return False
                key.verify(
                    certificate.signature,
                    certificate.tbs_certificate_bytes,
                    padding.PKCS1v15(),
                    hashes.SHA1(),
                )
            else:
                certificate.verify_directly_issued_by(issuer)
        except InvalidSignature:
            return False
        return True

    # verify_directly_issued_by raises ValueError for an unsupported signature algorithm and
    # TypeError for an issuer key type it does not support (cryptography's documentation).
    return attempt(
        "cert.signature_unchecked",
        "signature check",
        verify,
        problems,
        expected=(*library_errors(), TypeError),
    )


# -- the decoded value ------------------------------------------------------------------------


@dataclass
class ChainLink:
    """Certificate ``index`` as issued by certificate ``issuer_index``."""

    index: int
    issuer_index: int
    names_match: bool | None
    signature_valid: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "issuer_index": self.issuer_index,
            "names_match": self.names_match,
            "signature_valid": self.signature_valid,
        }


@dataclass
class DecodedServerCertificate:
    """One certificate value: its format, what it holds, and what was wrong."""

    size: int
    format: Format | None
    cert_chain_version: int | None = None
    temporary: bool | None = None
    padding: int | None = None
    proprietary: ProprietaryCertificate | None = None
    certificates: list[ChainCertificate] = field(default_factory=list)
    server_index: int | None = None
    license_server_index: int | None = None
    role_rule: RoleRule | None = None
    links: list[ChainLink] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    def _at(self, index: int | None) -> ChainCertificate | None:
        return None if index is None else self.certificates[index]

    @property
    def server(self) -> ChainCertificate | None:
        """The session host's own certificate (UNCERTAIN, see the module's rules)."""
        return self._at(self.server_index)

    @property
    def license_server(self) -> ChainCertificate | None:
        """The certificate of the license server that issued it (UNCERTAIN)."""
        return self._at(self.license_server_index)

    @property
    def thumbprints(self) -> list[str]:
        return [c.info.thumbprint_sha1 for c in self.certificates if c.info.thumbprint_sha1]

    @property
    def issuance(self) -> dict[str, Any] | None:
        """Self-signed license server or a chain above it: an UNCERTAIN inference (§6.3)."""
        license_server = self.license_server
        if license_server is None or self.license_server_index is None:
            return None
        above = [link for link in self.links if link.index == self.license_server_index]
        if license_server.self_signed or (
            license_server.self_signed is None and license_server.self_issued
        ):
            how = "signed" if license_server.self_signed else "names (signature not checked)"
            kind = "self_signed_license_server"
            basis = (
                f"the license server's certificate (index {license_server.index}) {how} "
                "itself: its license server was probably never activated with the Microsoft "
                "Clearinghouse"
            )
        elif above and above[0].names_match:
            root = self.certificates[self.links[-1].issuer_index] if self.links else None
            kind = "clearinghouse_chain"
            basis = (
                f"the license server's certificate was issued by certificate "
                f"{above[0].issuer_index} of the chain (root subject "
                f"{None if root is None else root.info.subject!r}), as for a license server "
                "activated with the Microsoft Clearinghouse"
            )
        else:
            kind = "unknown"
            basis = "the license server's certificate is neither self-signed nor issued in-chain"
        return {"kind": kind, "basis": basis, "status": UNCERTAIN, "source": ISSUANCE_SOURCE}

    @property
    def all_problems(self) -> list[Diagnostic]:
        return with_certificates(self.problems, self.certificates)

    def to_dict(self) -> dict[str, Any]:
        server, license_server = self.server, self.license_server
        roles = None
        if self.role_rule is not None:
            roles = {
                "server_index": self.server_index,
                "license_server_index": self.license_server_index,
                "rule": self.role_rule,
                "status": UNCERTAIN,
                "source": ROLE_SOURCE,
            }
        return {
            "size": self.size,
            "format": self.format,
            "cert_chain_version": self.cert_chain_version,
            "temporary": self.temporary,
            "padding": self.padding,
            "proprietary": None if self.proprietary is None else self.proprietary.to_dict(),
            "certificates": [certificate.to_dict() for certificate in self.certificates],
            "roles": roles,
            "server": None if server is None else server.summary(),
            "license_server": None if license_server is None else license_server.summary(),
            "links": [link.to_dict() for link in self.links],
            "issuance": self.issuance,
            "problems": [problem.to_dict() for problem in self.all_problems],
        }


def _version_fields(raw: bytes) -> tuple[int, bool]:
    (version,) = struct.unpack_from("<I", raw, 0)
    return version & rdpbcgr.CERT_CHAIN_VERSION_MASK, bool(version & rdpbcgr.CERT_TEMPORARY)


def _from_rdp_chain(
    decoded: DecodedServerCertificate, raw: bytes, start: int, chain: RdpChain
) -> None:
    from cryptography import x509  # noqa: PLC0415 - loaded only for certificates

    (count,) = struct.unpack_from("<I", raw, start)
    decoded.padding = chain.padding
    problems = _chain_problems(chain, count, raw, start)
    decoded.problems.extend(problems)
    if not problems:
        # The construct declaration is the reference: a chain read whole must read the same.
        schema = rdpbcgr.x509_certificate_chain if chain.padding else _CHAIN_BLOBS
        parsed = attempt(
            "cert.schema_disagreement",
            "X509_CERTIFICATE_CHAIN",
            lambda: schema.parse(raw[start:]),
            problems,
            expected=(ConstructError,),
        )
        if parsed is not None and [bytes(b.cert) for b in parsed.cert_blob_array] != chain.blobs:
            problems.append(
                coded(
                    "cert.schema_disagreement",
                    "X509_CERTIFICATE_CHAIN: the declaration reads other CertBlobs",
                )
            )
        decoded.problems.extend(problems)
    blob_offset = start + 4 + 4  # NumCertBlobs, then each CertBlob's cbCert before its bytes
    for index, blob in enumerate(chain.blobs):
        notes: list[Diagnostic] = []
        load = partial(x509.load_der_x509_certificate, blob)
        code = "cert.der_not_certificate"
        loaded = attempt_quietly(code, "X.509", load, notes, offset=blob_offset)
        if loaded is None:
            failure: list[Diagnostic] = []
            attempt(code, "X.509", load, failure, offset=blob_offset)
            decoded.certificates.append(_unreadable(index, blob, failure, blob_offset))
        else:
            chained = _chain_certificate(index, loaded)
            chained.info.problems[:0] = notes
            chained.size = len(blob)
            decoded.certificates.append(chained)
        blob_offset += len(blob) + 4


def _names_match(certificate: ChainCertificate, issuer: ChainCertificate) -> bool | None:
    if certificate.issuer_der is None or issuer.subject_der is None:
        return None
    return certificate.issuer_der == issuer.subject_der


def _link(certificate: ChainCertificate, issuer: ChainCertificate) -> ChainLink:
    names = _names_match(certificate, issuer)
    valid: bool | None = None
    if names and certificate.certificate is not None and issuer.certificate is not None:
        valid = signature_valid(
            certificate.certificate, issuer.certificate, certificate.info.problems
        )
    return ChainLink(certificate.index, issuer.index, names, valid)


def _assign_roles(decoded: DecodedServerCertificate) -> None:
    certificates = decoded.certificates
    if not certificates:
        return
    if decoded.format in _UNORDERED:
        _roles_by_links(decoded)
    else:
        decoded.role_rule = "position"
        decoded.server_index = len(certificates) - 1
        if len(certificates) >= 2:
            decoded.license_server_index = len(certificates) - 2
        for index in range(len(certificates) - 1, 0, -1):
            link = _link(certificates[index], certificates[index - 1])
            decoded.links.append(link)
            if link.names_match is False:
                decoded.problems.append(
                    coded(
                        "cert.chain_order",
                        f"certificate {index}'s issuer is not certificate {index - 1}'s subject: "
                        "the chain is not in root-first order or is incomplete",
                    )
                )
            elif link.signature_valid is False:
                decoded.problems.append(
                    coded(
                        "cert.chain_signature_invalid",
                        f"certificate {index}'s signature does not verify under certificate "
                        f"{index - 1}'s key",
                    )
                )
    if decoded.license_server_index is None:
        decoded.problems.append(
            coded(
                "cert.chain_single",
                "only one certificate: taken as the server's; no license-server certificate",
                severity=Severity.INFO,
            )
        )


def _roles_by_links(decoded: DecodedServerCertificate) -> None:
    certificates = decoded.certificates
    decoded.role_rule = "issuer_links"
    issued_another = {
        issuer.index
        for issuer in certificates
        for other in certificates
        if other is not issuer and _names_match(other, issuer)
    }
    leaves = [c.index for c in certificates if c.index not in issued_another]
    if len(leaves) == 1:
        server = leaves[0]
    else:
        server = certificates[-1].index
        decoded.problems.append(
            coded(
                "cert.chain_ambiguous",
                f"{len(leaves)} certificates issued no other; the last one is taken as the "
                "server's",
            )
        )
    decoded.server_index = server
    # Walk up from the server by issuer names (each certificate once, so loops end).
    current, seen = certificates[server], {server}
    while True:
        issuers = [c for c in certificates if c.index not in seen and _names_match(current, c)]
        if not issuers:
            break
        if len(issuers) > 1:
            decoded.problems.append(
                coded(
                    "cert.chain_ambiguous",
                    f"{len(issuers)} certificates could have issued certificate {current.index}; "
                    f"the last ({issuers[-1].index}) is taken",
                )
            )
        issuer = issuers[-1]
        link = _link(current, issuer)
        decoded.links.append(link)
        if link.signature_valid is False:
            decoded.problems.append(
                coded(
                    "cert.chain_signature_invalid",
                    f"certificate {current.index}'s signature does not verify under certificate "
                    f"{issuer.index}'s key",
                )
            )
        if current.index == server:
            decoded.license_server_index = issuer.index
        seen.add(issuer.index)
        current = issuer
    if decoded.license_server_index is None and len(certificates) > 1:
        decoded.problems.append(
            coded(
                "cert.chain_no_issuer",
                "no other certificate's subject is the server certificate's issuer",
            )
        )


def decode_server_certificate(raw: bytes) -> DecodedServerCertificate:
    """Decode a ``Certificate`` / ``X509 Certificate`` value; never raises."""
    raw = bytes(raw)
    decoded = DecodedServerCertificate(len(raw), None)
    if not raw:
        decoded.problems.append(coded("cert.empty", "empty value"))
        return decoded
    _decode_into(decoded, raw)
    return decoded


def _decode_into(decoded: DecodedServerCertificate, raw: bytes) -> None:
    if _looks_proprietary(raw):
        decoded.format = "rdp_proprietary"
        decoded.cert_chain_version, decoded.temporary = _version_fields(raw)
        decoded.proprietary = decode_proprietary(raw, decoded.problems)
        return
    if len(raw) >= 4:
        version, temporary = _version_fields(raw)
        if version == rdpbcgr.CERT_CHAIN_VERSION_2:
            chain = _read_rdp_chain(raw, 4)
            if chain is not None:
                decoded.format = "rdp_server_certificate"
                decoded.cert_chain_version, decoded.temporary = version, temporary
                _from_rdp_chain(decoded, raw, 4, chain)
                _assign_roles(decoded)
                return
        chain = _read_rdp_chain(raw, 0)
        if chain is not None:
            decoded.format = "rdp_x509_chain"
            _from_rdp_chain(decoded, raw, 0, chain)
            _assign_roles(decoded)
            return
    container, loaded = load_certificates(raw, decoded.problems)
    decoded.format = container
    decoded.certificates = [_chain_certificate(i, cert) for i, cert in enumerate(loaded)]
    if not decoded.certificates:
        decoded.problems.append(
            coded(
                "cert.unrecognised",
                "not a proprietary certificate, an RDP X.509 chain, PKCS#7 or DER certificates",
            )
        )
        return
    _assign_roles(decoded)


# -- the registry values ------------------------------------------------------------------------

# The facts read, in report order: the four RCM values, then Server 2003's two places under
# Services\TermService\Parameters (UNCERTAIN locations, §6A).
CERTIFICATE_FACTS: tuple[str, ...] = (
    "cert.certificate",
    "cert.x509",
    "cert.x509_2",
    "cert.x509_id",
    "cert.legacy_certificate",
    "cert.legacy_x509",
)
_OPAQUE_FACTS = frozenset({"cert.x509_id"})
_X509_FACTS = ("cert.x509", "cert.legacy_x509")
_PROPRIETARY_FACTS = ("cert.certificate", "cert.legacy_certificate")


@dataclass
class CertificateValue:
    """One certificate value found in the current ControlSet, decoded or kept opaque."""

    fact: Fact
    raw: bytes
    decoded: DecodedServerCertificate | None
    matches: list[str] = field(default_factory=list)  # for the opaque ID
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def value_name(self) -> str:
        return "" if self.fact.value is None else self.fact.value.name

    def to_dict(self) -> dict[str, Any]:
        fact = self.fact
        record: dict[str, Any] = {
            "fact": fact.location.fact,
            "value_name": self.value_name,
            "key_path": fact.full_key_path,
            "location_status": str(fact.location.status),
            "type": fact.value_type,
            "size": len(self.raw),
        }
        if self.decoded is None:
            record.update(
                {"format": "opaque", "hex": self.raw.hex(), "matches": list(self.matches)}
            )
            record["problems"] = [problem.to_dict() for problem in self.problems]
        else:
            record.update(self.decoded.to_dict())
            own = [problem.to_dict() for problem in self.problems]
            record["problems"] = own + record["problems"]
        record["evidence"] = [fact.evidence_record()]
        return record


def _certificate_value(fact: Fact) -> CertificateValue | None:
    value = fact.value
    if value is None:
        return None
    problems: list[Diagnostic] = []
    if value.type_id != int(ValueType.REG_BINARY):
        problems.append(
            coded(
                "cert.value_type",
                f"{value.name} is {value.type_name}, not REG_BINARY; raw bytes used",
            )
        )
    raw = bytes(value.raw)
    if fact.location.fact in _OPAQUE_FACTS:
        return CertificateValue(fact, raw, None, problems=problems)
    return CertificateValue(fact, raw, decode_server_certificate(raw), problems=problems)


def _match_ids(values: list[CertificateValue]) -> None:
    """Compare each opaque ID with the thumbprints the other values give (as is or reversed)."""
    known: list[tuple[str, str]] = []
    for item in values:
        if item.decoded is None:
            continue
        known.extend(
            (certificate.info.thumbprint_sha1, f"{item.value_name} certificate {certificate.index}")
            for certificate in item.decoded.certificates
            if certificate.info.thumbprint_sha1
        )
        proprietary = item.decoded.proprietary
        if proprietary is not None and proprietary.public_key is not None:
            digest = proprietary.public_key.modulus_sha1
            if digest:
                known.append((digest, f"{item.value_name} modulus SHA-1"))
    for item in values:
        if item.decoded is not None:
            continue
        text = item.raw.hex()
        backwards = item.raw[::-1].hex()
        for digest, label in known:
            if text == digest:
                item.matches.append(label)
            elif backwards == digest:
                item.matches.append(f"{label}, byte-reversed")


@dataclass
class SessionHostCertificates:
    """The report's ``licensing.role.session_host_certificates``."""

    values: list[CertificateValue]
    as_of: datetime

    def value(self, fact_ids: tuple[str, ...]) -> CertificateValue | None:
        for fact_id in fact_ids:
            for item in self.values:
                if item.fact.location.fact == fact_id:
                    return item
        return None

    @property
    def x509(self) -> DecodedServerCertificate | None:
        """The decoded ``X509 Certificate`` (RCM, else the Server 2003 place)."""
        item = self.value(_X509_FACTS)
        return None if item is None else item.decoded

    @property
    def server_not_after(self) -> datetime | None:
        x509 = self.x509
        server = None if x509 is None else x509.server
        return None if server is None else server.info.not_after

    @property
    def server_expired(self) -> bool | None:
        """Whether the host's X.509 certificate had expired at ``as_of``."""
        not_after = self.server_not_after
        if not_after is None:
            return None
        as_of = self.as_of if self.as_of.tzinfo else self.as_of.replace(tzinfo=UTC)
        return not_after <= as_of

    def _x509_summary(self) -> dict[str, Any] | None:
        item = self.value(_X509_FACTS)
        decoded = None if item is None else item.decoded
        if item is None or decoded is None:
            return None
        server, license_server = decoded.server, decoded.license_server
        return {
            "value_name": item.value_name,
            "key_path": item.fact.full_key_path,
            "format": decoded.format,
            "certificates": len(decoded.certificates),
            "server": None if server is None else server.summary(),
            "server_expired": self.server_expired,
            "license_server": None if license_server is None else license_server.summary(),
            "roles_status": UNCERTAIN,
            "issuance": decoded.issuance,
        }

    def _proprietary_summary(self) -> dict[str, Any] | None:
        item = self.value(_PROPRIETARY_FACTS)
        decoded = None if item is None else item.decoded
        if item is None or decoded is None or decoded.proprietary is None:
            return None
        key = decoded.proprietary.public_key
        return {
            "value_name": item.value_name,
            "key_path": item.fact.full_key_path,
            "key_bits": None if key is None else key.bitlen,
            "public_exponent": None if key is None else key.pub_exp,
            "modulus_sha1": None if key is None else key.modulus_sha1,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": [item.value_name for item in self.values],
            "x509": self._x509_summary(),
            "proprietary": self._proprietary_summary(),
            "values": [item.to_dict() for item in self.values],
        }


def session_host_certificates(facts: FactSet, as_of: datetime) -> SessionHostCertificates:
    """Every certificate value of the current ControlSet, decoded."""
    values: list[CertificateValue] = []
    for fact_id in CERTIFICATE_FACTS:
        fact = facts.get(fact_id)
        if fact is None:
            continue
        item = _certificate_value(fact)
        if item is not None:
            values.append(item)
    _match_ids(values)
    return SessionHostCertificates(values, as_of)


__all__ = [
    "CERTIFICATE_FACTS",
    "CertificateValue",
    "ChainCertificate",
    "ChainLink",
    "DecodedServerCertificate",
    "Format",
    "ProprietaryCertificate",
    "RsaPublicKey",
    "SessionHostCertificates",
    "decode_proprietary",
    "decode_rsa_public_key",
    "decode_server_certificate",
    "session_host_certificates",
    "signature_valid",
]
