"""RDS client licensing structures: the client hardware id and the license (CAL) extensions.

Declarations only, following [MS-RDPELE] "Remote Desktop Protocol: Licensing Extension"
(v20240423):

* §2.2.2.3.1 CLIENT_HARDWARE_ID (the 20-byte ``MSLicensing\\HardwareID\\ClientHWID`` value);
* §2.2.2.2 PlatformId, with the product-behaviour notes <9> (OS byte), <10> (ISV byte) and
  <11> (low bytes);
* §2.2.2.6.1 NEW_LICENSE_INFO (the client indexes ``Store\\LICENSEnnn`` by its scope,
  company and product id; the license itself is ``pbLicenseInfo``);
* §2.2.2.9 X.509 certificate extensions under ``1.3.6.1.4.1.311.18``;
* §2.2.2.9.1 LICENSED_PRODUCT_INFO and §2.2.2.9.1.1 LICENSED_VERSION_INFO (``.18.5``);
* §2.2.2.9.2.1 / §2.2.2.9.2.2 MS_LICENSE_SERVER_INFO_V1 / _V2 (``.18.6``).

The extension values are the raw little-endian structures themselves (the OCTET STRING of
the X.509 extension holds them directly, without an inner ASN.1 encoding). Where the
specification is silent, the notes cite the Windows Server 2003-era licensing sources that
are public as leaked copies ([NT5]: ``license.h``, ``ext.c``, ``gencert.cpp``, ``store.c``,
``cryptkey.c``): they show how 2003-era code wrote the data and are UNCERTAIN for later
versions. Interpretation lives in :mod:`hiveparse.rds.client_license`.
"""

from __future__ import annotations

from construct import (
    Array,
    Bytes,
    Const,
    Enum,
    FlagsEnum,
    GreedyBytes,
    Int8ul,
    Int16ul,
    Int32ul,
    NullTerminated,
    Pointer,
    Struct,
    this,
)

# -- object identifiers (§2.2.2.9; names as in [NT5] license.h) ------------------------------
OID_HYDRA_CERT_ROOT = "1.3.6.1.4.1.311.18"
OID_LICENSE_INFO = "1.3.6.1.4.1.311.18.1"  # reserved
OID_MANUFACTURER = "1.3.6.1.4.1.311.18.2"  # UTF-16LE company name, NUL-terminated
OID_MANUFACTURER_MS_SPECIFIC = "1.3.6.1.4.1.311.18.3"  # reserved
OID_HYDRA_CERT_VERSION = "1.3.6.1.4.1.311.18.4"  # DWORD
OID_LICENSED_PRODUCT_INFO = "1.3.6.1.4.1.311.18.5"  # licensed_product_info
OID_MS_LICENSE_SERVER_INFO = "1.3.6.1.4.1.311.18.6"  # ms_license_server_info_v1 / _v2
OID_PRODUCT_SPECIFIC = "1.3.6.1.4.1.311.18.7"  # policy-module data, opaque
OID_TLSERVER_SPK = "1.3.6.1.4.1.311.18.8"  # [NT5] license server's SPK, self-signed certs
OID_SHA1_RSA_OIW = "1.3.14.3.2.29"  # §2.2.2.9: the signature algorithm license servers use

# -- sizes and constants -----------------------------------------------------------------------
HWID_SIZE = 20
LICENSED_PRODUCT_INFO_HEADER_SIZE = 28  # offsetof(LICENSED_PRODUCT_INFO, bVariableDataStart)
LICENSED_VERSION_INFO_SIZE = 8
LICENSED_PRODUCT_INFO_VERSION = 0x0003000  # [NT5]: the only version the decoder accepts
MS_LICENSE_SERVER_INFO_VERSION1 = 0x0001000  # §2.2.2.9.2.1 (seven hex digits, as written)
MS_LICENSE_SERVER_INFO_VERSION2 = 0x0003000  # §2.2.2.9.2.2
MS_LICENSE_SERVER_INFO_V1_HEADER_SIZE = 8
MS_LICENSE_SERVER_INFO_V2_HEADER_SIZE = 10
_V1_DATA = MS_LICENSE_SERVER_INFO_V1_HEADER_SIZE  # where the V1 variable data starts
_V2_DATA = MS_LICENSE_SERVER_INFO_V2_HEADER_SIZE  # where the V2 variable data starts

LICENSE_ENFORCED = 0x00008000
RTM_LICENSE = 0x00800000
TEMPORARY_LICENSE = 0x80000000
DOCUMENTED_LICENSE_FLAGS = LICENSE_ENFORCED | RTM_LICENSE | TEMPORARY_LICENSE
# [NT5] license.h: bits 16-22 carry the issuing license server's version, major in bits
# 20-22 and minor in bits 16-19 (a sample with flags 0x80d48000 decodes to server 5.4).
LICENSE_SERVER_VERSION_MASK = 0x007F0000
LICENSE_SERVER_VERSION_SHIFT = 16

TERMSERV_CERT_VERSION_CURRENT = 0x00050001  # [NT5]: HIWORD major, LOWORD minor

STORE_CHUNK_SIZE = 2048  # [NT5] store.c: Windows CE splits ClientLicense, ClientLicense001, ...
STORE_MAX_CHUNKS = 20  # [NT5] MAX_NUM_LICENSESTORE

# -- CLIENT_HARDWARE_ID (§2.2.2.3.1) -----------------------------------------------------------

# [NT5] cryptkey.c GenerateClientHWID stores GetVersionEx().dwPlatformId here, not the
# §2.2.2.2 PlatformId the specification names; a real Windows XP value is 2.
hwid_platform_id = Enum(
    Int32ul,
    VER_PLATFORM_WIN32s=0,
    VER_PLATFORM_WIN32_WINDOWS=1,
    VER_PLATFORM_WIN32_NT=2,
    VER_PLATFORM_WIN32_CE=3,
)

client_hwid = Struct(
    "platform_id"
    / hwid_platform_id
    * "spec: as §2.2.2.2 PlatformId; Windows writes OSVERSIONINFO.dwPlatformId [NT5]",
    "data1" / Int32ul * "random bits, created once by the client [NT5]",
    "data2" / Int32ul,
    "data3" / Int32ul,
    "data4" / Int32ul,
)

# -- PlatformId (§2.2.2.2 and notes <9>, <10>, <11>) --------------------------------------------

client_os_id = Enum(
    Int8ul,
    CLIENT_OS_ID_WINNT_351=0x01,
    CLIENT_OS_ID_WINNT_40=0x02,
    CLIENT_OS_ID_WINNT_50=0x03,
    CLIENT_OS_ID_WINNT_POST_52=0x04,
    CLIENT_OS_ID_WINNT_POST_100=0x08,
)

client_image_id = Enum(
    Int8ul,
    CLIENT_IMAGE_ID_MICROSOFT=0x01,
    CLIENT_IMAGE_ID_CITRIX=0x02,
)

# The 32-bit PlatformId read as its bytes, least significant first.
client_platform_id = Struct(
    "build" / Int16ul * "ISV-defined; on Windows the low byte is the OS minor version (<11>)",
    "image_id" / client_image_id * "second most significant byte: who built the client image",
    "os_id" / client_os_id * "most significant byte: the client OS generation",
)

# -- NEW_LICENSE_INFO (§2.2.2.6.1) ---------------------------------------------------------------

new_license_info = Struct(
    "version" / Int32ul * "as PRODUCT_INFO.dwVersion: HIWORD major, LOWORD minor OS version",
    "scope_byte_count" / Int32ul,
    "scope" / Bytes(this.scope_byte_count) * "NUL-terminated ANSI; stored as LicenseScope [NT5]",
    "company_name_byte_count" / Int32ul,
    "company_name"
    / Bytes(this.company_name_byte_count)
    * "NUL-terminated UTF-16LE; stored as CompanyName [NT5]",
    "product_id_byte_count" / Int32ul,
    "product_id"
    / Bytes(this.product_id_byte_count)
    * "NUL-terminated UTF-16LE; stored as ProductID [NT5]",
    "license_info_byte_count" / Int32ul,
    "license_info"
    / Bytes(this.license_info_byte_count)
    * "the CAL, opaque to the client; stored as ClientLicense [NT5]",
)

# -- LICENSED_PRODUCT_INFO (§2.2.2.9.1, extension .18.5) ---------------------------------------

product_license_flags = FlagsEnum(
    Int32ul,
    LICENSE_ENFORCED=LICENSE_ENFORCED,
    RTM_LICENSE=RTM_LICENSE,
    TEMPORARY_LICENSE=TEMPORARY_LICENSE,
)

licensed_version_info = Struct(
    "product_license_major_version" / Int16ul,
    "product_license_minor_version" / Int16ul,
    "product_license_flags"
    / Int32ul
    * "product_license_flags names three bits; [NT5] puts the server version in 0x007F0000",
)

# The fixed part (28 bytes). Offsets count from the first byte of the structure.
licensed_product_info_header = Struct(
    "version" / Int32ul * "no value in the spec; 0x00003000 in [NT5], which rejects others",
    "license_count" / Int32ul,
    "platform_id" / Int32ul * "the client's §2.2.2.2 PlatformId (client_platform_id)",
    "licensed_language_id" / Int32ul * "LANGID of the issuing license server",
    "requested_product_id_offset" / Int16ul,
    "requested_product_id_byte_count" / Int16ul,
    "adjusted_product_id_offset" / Int16ul,
    "adjusted_product_id_byte_count" / Int16ul,
    "licensed_version_info_offset" / Int16ul,
    "licensed_version_info_count" / Int16ul * "MUST be 1",
)

# Windows reads each field at base + offset without checking that the fields follow one
# another ([NT5] ext.c), and so do these Pointers.
licensed_product_info = Struct(
    *licensed_product_info_header.subcons,
    "variable_data"
    / GreedyBytes
    * "every byte after the header; [NT5] leaves 4 bytes of sizeof() padding at the end",
    "requested_product_id"
    / Pointer(this.requested_product_id_offset, Bytes(this.requested_product_id_byte_count))
    * "bytes; UTF-16LE with its NUL in [NT5]",
    "adjusted_product_id"
    / Pointer(this.adjusted_product_id_offset, Bytes(this.adjusted_product_id_byte_count))
    * "the product id the license server's policy settled on",
    "licensed_version_info"
    / Pointer(
        this.licensed_version_info_offset,
        Array(this.licensed_version_info_count, licensed_version_info),
    ),
)

# -- MS_LICENSE_SERVER_INFO (§2.2.2.9.2, extension .18.6) --------------------------------------

# A NUL-terminated UTF-16LE string as raw bytes (terminator dropped on parse, added on build).
_utf16z = NullTerminated(GreedyBytes, term=b"\x00\x00")

# Offsets count from the start of the variable data, i.e. after the fixed header.
ms_license_server_info_v1 = Struct(
    "version" / Const(MS_LICENSE_SERVER_INFO_VERSION1, Int32ul),
    "issuer_name_offset" / Int16ul * "MUST be 0",
    "ls_scope_offset" / Int16ul,
    "variable_data" / GreedyBytes,
    "issuer_name"
    / Pointer(this.issuer_name_offset + _V1_DATA, _utf16z)
    * "UTF-16LE: the license server's name",
    "ls_scope"
    / Pointer(this.ls_scope_offset + _V1_DATA, _utf16z)
    * "UTF-16LE: the server's domain, or its workgroup when not domain joined",
)

ms_license_server_info_v2 = Struct(
    "version" / Const(MS_LICENSE_SERVER_INFO_VERSION2, Int32ul),
    "issuer_name_offset" / Int16ul * "MUST be 0",
    "issuer_id_offset" / Int16ul,
    "ls_scope_offset" / Int16ul,
    "variable_data" / GreedyBytes * "[NT5] leaves 2 bytes of sizeof() padding at the end",
    "issuer_name"
    / Pointer(this.issuer_name_offset + _V2_DATA, _utf16z)
    * "UTF-16LE: the license server's name",
    "issuer_id"
    / Pointer(this.issuer_id_offset + _V2_DATA, _utf16z)
    * "UTF-16LE: the license server's product id (its setup id in [NT5])",
    "ls_scope"
    / Pointer(this.ls_scope_offset + _V2_DATA, _utf16z)
    * "UTF-16LE: the server's domain, or its workgroup when not domain joined",
)

# -- the smaller extensions (§2.2.2.9; layouts from [NT5] gencert.cpp) -------------------------

manufacturer = Struct(
    "company_name" / _utf16z * "UTF-16LE, e.g. 'Microsoft Corporation' (<6>)",
)

hydra_cert_version = Struct(
    "minor_version" / Int16ul,
    "major_version" / Int16ul * "0x00050001 (5.1) is TERMSERV_CERT_VERSION_CURRENT in [NT5]",
)
