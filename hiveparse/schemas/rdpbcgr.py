"""RDP server certificates: the proprietary certificate and the X.509 chain container.

Declarations only, following [MS-RDPBCGR] "Remote Desktop Protocol: Basic Connectivity and
Graphics Remoting" and the licensing extension [MS-RDPELE] it points to:

* [MS-RDPBCGR] §2.2.1.4.3.1 SERVER_CERTIFICATE: ``dwVersion`` (``certChainVersion`` in the
  low 31 bits, ``t`` = issued temporarily in the top bit), then ``certData``;
* [MS-RDPBCGR] §2.2.1.4.3.1.1 PROPRIETARYSERVERCERTIFICATE (``certChainVersion`` 1; its own
  first field is that same ``dwVersion``) and §2.2.1.4.3.1.1.1 RSA_PUBLIC_KEY;
* [MS-RDPELE] §2.2.1.4.2 X509_CERTIFICATE_CHAIN and §2.2.1.4.2.1 CERT_BLOB
  (``certChainVersion`` 2, the container [MS-RDPBCGR] §5.3.3.2 refers to). The chain is in
  root-first order: the last certificate is the server's, the one before it the license
  server's, and a self-signed license server gives a chain of exactly two.

Every integer is little-endian. Which registry value holds which structure, and what to do
with bytes that do not fit, is decided in :mod:`hiveparse.rds.server_certificate`.
"""

from __future__ import annotations

from construct import (
    Array,
    BitsInteger,
    BitStruct,
    Bytes,
    ByteSwapped,
    Const,
    Enum,
    Flag,
    GreedyBytes,
    Int16ul,
    Int32ul,
    Struct,
    this,
)

# -- constants (§2.2.1.4.3.1, §2.2.1.4.3.1.1, §2.2.1.4.3.1.1.1; [MS-RDPELE] §2.2.1.4.2) --------
CERT_CHAIN_VERSION_1 = 0x00000001  # certData is a proprietary certificate
CERT_CHAIN_VERSION_2 = 0x00000002  # certData is an X.509 certificate chain
CERT_CHAIN_VERSION_MASK = 0x7FFFFFFF  # the low 31 bits of dwVersion
CERT_TEMPORARY = 0x80000000  # the t bit: the certificate was issued temporarily

SIGNATURE_ALG_RSA = 0x00000001
KEY_EXCHANGE_ALG_RSA = 0x00000001
BB_RSA_KEY_BLOB = 0x0006
BB_RSA_SIGNATURE_BLOB = 0x0008

RSA1_MAGIC = b"RSA1"  # 0x31415352 read little-endian
RSA_PUBLIC_KEY_HEADER_SIZE = 20  # magic, keylen, bitlen, datalen, pubExp
RSA_MODULUS_PADDING = 8  # zero bytes after the modulus: keylen = bitlen / 8 + 8

PROPRIETARY_HEADER_SIZE = 16  # dwVersion .. wPublicKeyBlobLen

X509_MIN_CERT_BLOBS = 2  # a self-signed license server's certificate and the server's
X509_MAX_CERT_BLOBS = 200  # a Clearinghouse-issued license server chain and the server's


def x509_padding_size(num_cert_blobs: int) -> int:
    """The padding [MS-RDPELE] §2.2.1.4.2 appends after the CertBlobArray: 8 + 4 * n bytes."""
    return 8 + 4 * num_cert_blobs


# -- SERVER_CERTIFICATE (§2.2.1.4.3.1) ------------------------------------------------------------

cert_chain_version = Enum(
    BitsInteger(31),
    CERT_CHAIN_VERSION_1=CERT_CHAIN_VERSION_1,
    CERT_CHAIN_VERSION_2=CERT_CHAIN_VERSION_2,
)

# dwVersion read as a little-endian DWORD: the t bit is its most significant bit.
server_certificate_version = ByteSwapped(
    BitStruct(
        "t" / Flag * "1: the certificate was issued to the server temporarily",
        "cert_chain_version" / cert_chain_version,
    )
)

server_certificate = Struct(
    "version" / server_certificate_version,
    "cert_data"
    / GreedyBytes
    * "proprietary_server_certificate after its dwVersion (1), x509_certificate_chain (2)",
)

# -- RSA_PUBLIC_KEY (§2.2.1.4.3.1.1.1) ------------------------------------------------------------

rsa_public_key = Struct(
    "magic" / Const(RSA1_MAGIC) * "0x31415352",
    "keylen" / Int32ul * "bytes in modulus; MUST be bitlen / 8 + 8",
    "bitlen" / Int32ul * "bits in the modulus",
    "datalen" / Int32ul * "most bytes the key can encrypt; MUST be bitlen / 8 - 1",
    "pub_exp" / Int32ul,
    "modulus"
    / Bytes(this.keylen)
    * "little-endian: bitlen / 8 bytes of modulus, then 8 zero bytes of padding",
)

# -- PROPRIETARYSERVERCERTIFICATE (§2.2.1.4.3.1.1) -----------------------------------------------

proprietary_server_certificate = Struct(
    "version" / server_certificate_version * "MUST be CERT_CHAIN_VERSION_1",
    "sig_alg_id" / Enum(Int32ul, SIGNATURE_ALG_RSA=SIGNATURE_ALG_RSA),
    "key_alg_id" / Enum(Int32ul, KEY_EXCHANGE_ALG_RSA=KEY_EXCHANGE_ALG_RSA),
    "public_key_blob_type" / Enum(Int16ul, BB_RSA_KEY_BLOB=BB_RSA_KEY_BLOB),
    "public_key_blob_len" / Int16ul,
    "public_key_blob"
    / Bytes(this.public_key_blob_len)
    * "an rsa_public_key (kept as bytes so that a bad key cannot hide the signature)",
    "signature_blob_type" / Enum(Int16ul, BB_RSA_SIGNATURE_BLOB=BB_RSA_SIGNATURE_BLOB),
    "signature_blob_len" / Int16ul,
    "signature_blob"
    / Bytes(this.signature_blob_len)
    * "made with the Terminal Services Signing Key (§5.3.3.1.1, §5.3.3.1.2)",
)

# -- X509_CERTIFICATE_CHAIN ([MS-RDPELE] §2.2.1.4.2, §2.2.1.4.2.1) --------------------------------

cert_blob = Struct(
    "cert_byte_count" / Int32ul * "cbCert",
    "cert" / Bytes(this.cert_byte_count) * "abCert: one X.509 certificate ([RFC3280] §4), DER",
)

# The chain without its trailing padding, for reading a value whose padding is missing.
x509_certificate_chain_blobs = Struct(
    "num_cert_blobs" / Int32ul * "MUST be 2 to 200",
    "cert_blob_array"
    / Array(this.num_cert_blobs, cert_blob)
    * "root first; the license server's certificate second to last, the server's last",
)

x509_certificate_chain = Struct(
    *x509_certificate_chain_blobs.subcons,
    "padding" / Bytes(8 + 4 * this.num_cert_blobs) * "8 + 4 * NumCertBlobs bytes",
)
