"""Round trips of every [MS-RDPBCGR] / [MS-RDPELE] server-certificate declaration.

The bytes are laid out by hand with :mod:`struct` from the specification's field tables
(SERVER_CERTIFICATE §2.2.1.4.3.1, PROPRIETARYSERVERCERTIFICATE §2.2.1.4.3.1.1, RSA_PUBLIC_KEY
§2.2.1.4.3.1.1.1, X509_CERTIFICATE_CHAIN [MS-RDPELE] §2.2.1.4.2), never with the
declarations under test; certificates are real DER made with ``cryptography``.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest
from construct import ConstructError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from hiveparse.schemas import rdpbcgr
from samples.cal_factory import derive_rsa_key
from tests.schemas.roundtrip import assert_roundtrip, plain


def _certificate_der(common_name: str) -> bytes:
    key = derive_rsa_key("test-rdpbcgr", common_name, 1024)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


LS_DER = _certificate_der("LS-01")
SERVER_DER = _certificate_der("RDSH-01")


def _version(chain_version: str, *, temporary: bool = False) -> dict[str, object]:
    return {"t": temporary, "cert_chain_version": chain_version}


# -- SERVER_CERTIFICATE dwVersion ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (0x00000001, _version("CERT_CHAIN_VERSION_1")),
        (0x00000002, _version("CERT_CHAIN_VERSION_2")),
        (0x80000001, _version("CERT_CHAIN_VERSION_1", temporary=True)),
        (0x80000002, _version("CERT_CHAIN_VERSION_2", temporary=True)),
    ],
)
def test_server_certificate_version_round_trip(number, expected):
    assert_roundtrip(rdpbcgr.server_certificate_version, struct.pack("<I", number), expected)


def test_server_certificate_version_keeps_an_unnamed_chain_version():
    data = struct.pack("<I", 0x80000003)
    parsed = rdpbcgr.server_certificate_version.parse(data)
    assert parsed.t is True
    assert int(parsed.cert_chain_version) == 3
    assert not isinstance(parsed.cert_chain_version, str)
    assert rdpbcgr.server_certificate_version.build(parsed) == data


def test_server_certificate_round_trip():
    cert_data = b"\x01\x02\x03\x04\x05"
    data = struct.pack("<I", 0x00000002) + cert_data
    assert_roundtrip(
        rdpbcgr.server_certificate,
        data,
        {"version": _version("CERT_CHAIN_VERSION_2"), "cert_data": cert_data},
    )


def test_constants_match_the_spec_values():
    assert struct.pack("<I", 0x31415352) == rdpbcgr.RSA1_MAGIC
    assert rdpbcgr.CERT_TEMPORARY | rdpbcgr.CERT_CHAIN_VERSION_MASK == 0xFFFFFFFF
    assert [rdpbcgr.x509_padding_size(n) for n in (2, 3, 200)] == [16, 20, 808]


# -- RSA_PUBLIC_KEY and PROPRIETARYSERVERCERTIFICATE ---------------------------------------------

MODULUS_LE = bytes(range(1, 65))  # 512 bits, least significant byte first
RSA_KEY = (
    b"RSA1"
    + struct.pack("<IIII", 64 + 8, 512, 63, 65537)  # keylen, bitlen, datalen, pubExp
    + MODULUS_LE
    + bytes(8)
)
SIGNATURE = bytes(range(100, 164)) + bytes(8)


def test_rsa_public_key_round_trip():
    assert_roundtrip(
        rdpbcgr.rsa_public_key,
        RSA_KEY,
        {
            "magic": b"RSA1",
            "keylen": 72,
            "bitlen": 512,
            "datalen": 63,
            "pub_exp": 65537,
            "modulus": MODULUS_LE + bytes(8),
        },
    )


def test_rsa_public_key_rejects_an_rsa2_private_key_blob():
    with pytest.raises(ConstructError):
        rdpbcgr.rsa_public_key.parse(b"RSA2" + RSA_KEY[4:])


def _proprietary(version: int = 1) -> bytes:
    head = struct.pack("<IIIHH", version, 1, 1, 6, len(RSA_KEY))
    return head + RSA_KEY + struct.pack("<HH", 8, len(SIGNATURE)) + SIGNATURE


def test_proprietary_server_certificate_round_trip():
    data = _proprietary()
    assert len(data) == 16 + 92 + 4 + 72  # the size of the real Windows XP values
    assert_roundtrip(
        rdpbcgr.proprietary_server_certificate,
        data,
        {
            "version": _version("CERT_CHAIN_VERSION_1"),
            "sig_alg_id": "SIGNATURE_ALG_RSA",
            "key_alg_id": "KEY_EXCHANGE_ALG_RSA",
            "public_key_blob_type": "BB_RSA_KEY_BLOB",
            "public_key_blob_len": 92,
            "public_key_blob": RSA_KEY,
            "signature_blob_type": "BB_RSA_SIGNATURE_BLOB",
            "signature_blob_len": 72,
            "signature_blob": SIGNATURE,
        },
    )


def test_proprietary_certificate_keeps_unexpected_algorithm_ids():
    data = struct.pack("<IIIHH", 1, 2, 3, 7, len(RSA_KEY)) + RSA_KEY + struct.pack("<HH", 9, 0)
    parsed = rdpbcgr.proprietary_server_certificate.parse(data)
    assert [int(parsed[name]) for name in ("sig_alg_id", "key_alg_id")] == [2, 3]
    assert int(parsed.public_key_blob_type) == 7
    assert int(parsed.signature_blob_type) == 9
    assert rdpbcgr.proprietary_server_certificate.build(parsed) == data


def test_truncated_proprietary_certificate_does_not_parse():
    data = _proprietary()
    for size in (0, 4, 15, 16, 100, len(data) - 1):
        with pytest.raises(ConstructError):
            rdpbcgr.proprietary_server_certificate.parse(data[:size])


# -- X509_CERTIFICATE_CHAIN and CERT_BLOB --------------------------------------------------------


def _blob(der: bytes) -> bytes:
    return struct.pack("<I", len(der)) + der


def _blob_obj(der: bytes) -> dict[str, object]:
    return {"cert_byte_count": len(der), "cert": der}


def test_cert_blob_round_trip():
    assert_roundtrip(rdpbcgr.cert_blob, _blob(LS_DER), _blob_obj(LS_DER))


def test_x509_certificate_chain_round_trip_with_its_padding():
    padding = bytes(8 + 4 * 2)
    data = struct.pack("<I", 2) + _blob(LS_DER) + _blob(SERVER_DER) + padding
    assert_roundtrip(
        rdpbcgr.x509_certificate_chain,
        data,
        {
            "num_cert_blobs": 2,
            "cert_blob_array": [_blob_obj(LS_DER), _blob_obj(SERVER_DER)],
            "padding": padding,
        },
    )


def test_x509_certificate_chain_blobs_round_trip_without_padding():
    data = struct.pack("<I", 3) + _blob(LS_DER) + _blob(LS_DER) + _blob(SERVER_DER)
    assert_roundtrip(
        rdpbcgr.x509_certificate_chain_blobs,
        data,
        {
            "num_cert_blobs": 3,
            "cert_blob_array": [_blob_obj(LS_DER), _blob_obj(LS_DER), _blob_obj(SERVER_DER)],
        },
    )


def test_x509_chain_without_its_padding_is_short_for_the_full_declaration():
    data = struct.pack("<I", 2) + _blob(LS_DER) + _blob(SERVER_DER)
    with pytest.raises(ConstructError):
        rdpbcgr.x509_certificate_chain.parse(data)
    assert plain(rdpbcgr.x509_certificate_chain_blobs.parse(data))["num_cert_blobs"] == 2


def test_server_certificate_version_2_carries_the_chain():
    chain = struct.pack("<I", 2) + _blob(LS_DER) + _blob(SERVER_DER) + bytes(16)
    data = struct.pack("<I", 0x80000002) + chain
    parsed = rdpbcgr.server_certificate.parse(data)
    assert plain(parsed.version) == _version("CERT_CHAIN_VERSION_2", temporary=True)
    inner = rdpbcgr.x509_certificate_chain.parse(parsed.cert_data)
    assert [blob.cert for blob in inner.cert_blob_array] == [LS_DER, SERVER_DER]
    assert rdpbcgr.server_certificate.build(parsed) == data
