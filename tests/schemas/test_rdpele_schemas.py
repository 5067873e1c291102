"""Round trips of every [MS-RDPELE] declaration: bytes laid out by hand from the spec, and
the extension values of the independent license writer (samples/cal_factory.py), parse and
rebuild byte for byte."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest
from construct import ConstructError

from hiveparse.schemas import rdpele
from samples.cal_factory import (
    CalSpec,
    license_flags,
    license_server_info_bytes,
    licensed_product_info_bytes,
)
from tests.schemas.roundtrip import all_flags, assert_roundtrip, plain


def utf16z(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


# -- CLIENT_HARDWARE_ID --------------------------------------------------------------------------


def test_client_hwid_round_trip():
    data = struct.pack("<5I", 2, 0x11223344, 0x55667788, 0x99AABBCC, 0xDDEEFF00)
    assert len(data) == rdpele.HWID_SIZE
    assert_roundtrip(
        rdpele.client_hwid,
        data,
        {
            "platform_id": "VER_PLATFORM_WIN32_NT",
            "data1": 0x11223344,
            "data2": 0x55667788,
            "data3": 0x99AABBCC,
            "data4": 0xDDEEFF00,
        },
    )


def test_client_hwid_keeps_a_platform_id_without_a_name():
    # The §2.2.2.2 form (OS byte 0x04, Microsoft image) has no VER_PLATFORM_* name.
    data = struct.pack("<5I", 0x04010001, 1, 2, 3, 4)
    parsed = rdpele.client_hwid.parse(data)
    assert int(parsed.platform_id) == 0x04010001
    assert not isinstance(parsed.platform_id, str)
    assert rdpele.client_hwid.build(parsed) == data


# -- PlatformId ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "os_id", "image_id", "build"),
    [
        (0x04010001, "CLIENT_OS_ID_WINNT_POST_52", "CLIENT_IMAGE_ID_MICROSOFT", 0x0001),
        (0x08020A28, "CLIENT_OS_ID_WINNT_POST_100", "CLIENT_IMAGE_ID_CITRIX", 0x0A28),
        (0x01010000, "CLIENT_OS_ID_WINNT_351", "CLIENT_IMAGE_ID_MICROSOFT", 0),
        (0x02010000, "CLIENT_OS_ID_WINNT_40", "CLIENT_IMAGE_ID_MICROSOFT", 0),
        (0x03010000, "CLIENT_OS_ID_WINNT_50", "CLIENT_IMAGE_ID_MICROSOFT", 0),
    ],
)
def test_client_platform_id_round_trip(value, os_id, image_id, build):
    assert_roundtrip(
        rdpele.client_platform_id,
        struct.pack("<I", value),
        {"build": build, "image_id": image_id, "os_id": os_id},
    )


# -- NEW_LICENSE_INFO ----------------------------------------------------------------------------


def test_new_license_info_round_trip():
    scope = b"microsoft.com\0"
    company = utf16z("Microsoft Corporation")
    product = utf16z("A02")
    license = b"\x30\x03\x02\x01\x00"
    data = (
        struct.pack("<II", 0x00060000, len(scope))
        + scope
        + struct.pack("<I", len(company))
        + company
        + struct.pack("<I", len(product))
        + product
        + struct.pack("<I", len(license))
        + license
    )
    assert_roundtrip(
        rdpele.new_license_info,
        data,
        {
            "version": 0x00060000,
            "scope_byte_count": 14,
            "scope": scope,
            "company_name_byte_count": 44,
            "company_name": company,
            "product_id_byte_count": 8,
            "product_id": product,
            "license_info_byte_count": 5,
            "license_info": license,
        },
    )


# -- LICENSED_PRODUCT_INFO -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (0x00000000, ()),
        (0x00008000, ("LICENSE_ENFORCED",)),
        (0x00808000, ("LICENSE_ENFORCED", "RTM_LICENSE")),
        (0x80808000, ("LICENSE_ENFORCED", "RTM_LICENSE", "TEMPORARY_LICENSE")),
        (0x80000000, ("TEMPORARY_LICENSE",)),
    ],
)
def test_product_license_flags_round_trip(value, names):
    flags = rdpele.product_license_flags
    assert_roundtrip(flags, struct.pack("<I", value), all_flags(flags, *names))


def test_licensed_version_info_round_trip_keeps_undocumented_bits():
    # 0x80d48000: the real sample in the reference (temporary, RTM, enforced, 0x00540000).
    data = struct.pack("<HHI", 5, 2, 0x80D48000)
    assert_roundtrip(
        rdpele.licensed_version_info,
        data,
        {
            "product_license_major_version": 5,
            "product_license_minor_version": 2,
            "product_license_flags": 0x80D48000,
        },
    )


def _lpi_header(**fields: int) -> dict[str, int]:
    header = {
        "version": 0x3000,
        "license_count": 1,
        "platform_id": 0x04010001,
        "licensed_language_id": 0x0409,
        "requested_product_id_offset": 28,
        "requested_product_id_byte_count": 8,
        "adjusted_product_id_offset": 36,
        "adjusted_product_id_byte_count": 22,
        "licensed_version_info_offset": 58,
        "licensed_version_info_count": 1,
    }
    header.update(fields)
    return header


def _pack_lpi_header(header: dict[str, int]) -> bytes:
    return struct.pack(
        "<IIIIHHHHHH",
        header["version"],
        header["license_count"],
        header["platform_id"],
        header["licensed_language_id"],
        header["requested_product_id_offset"],
        header["requested_product_id_byte_count"],
        header["adjusted_product_id_offset"],
        header["adjusted_product_id_byte_count"],
        header["licensed_version_info_offset"],
        header["licensed_version_info_count"],
    )


def test_licensed_product_info_header_round_trip():
    header = _lpi_header()
    data = _pack_lpi_header(header)
    assert len(data) == rdpele.LICENSED_PRODUCT_INFO_HEADER_SIZE
    assert_roundtrip(rdpele.licensed_product_info_header, data, header)


def test_licensed_product_info_round_trip_as_a_2003_server_lays_it_out():
    requested, adjusted = utf16z("A02"), utf16z("A02-6.00-S")
    version_info = struct.pack("<HHI", 6, 0, 0x80D48000)
    padding = b"\0" * 4  # sizeof(LICENSED_PRODUCT_INFO) is 32, the header 28
    header = _lpi_header()
    data = _pack_lpi_header(header) + requested + adjusted + version_info + padding
    assert_roundtrip(
        rdpele.licensed_product_info,
        data,
        {
            **header,
            "variable_data": requested + adjusted + version_info + padding,
            "requested_product_id": requested,
            "adjusted_product_id": adjusted,
            "licensed_version_info": [
                {
                    "product_license_major_version": 6,
                    "product_license_minor_version": 0,
                    "product_license_flags": 0x80D48000,
                }
            ],
        },
    )


def test_licensed_product_info_reads_fields_at_their_offsets_in_any_order():
    # Version info first, then the adjusted id, then the requested id: offsets rule.
    requested, adjusted = utf16z("A02"), utf16z("A02-5.02-S")
    version_info = struct.pack("<HHI", 5, 2, 0x00808000)
    header = _lpi_header(
        licensed_version_info_offset=28,
        adjusted_product_id_offset=36,
        adjusted_product_id_byte_count=len(adjusted),
        requested_product_id_offset=36 + len(adjusted),
        requested_product_id_byte_count=len(requested),
    )
    variable = version_info + adjusted + requested
    data = _pack_lpi_header(header) + variable
    assert_roundtrip(
        rdpele.licensed_product_info,
        data,
        {
            **header,
            "variable_data": variable,
            "requested_product_id": requested,
            "adjusted_product_id": adjusted,
            "licensed_version_info": [
                {
                    "product_license_major_version": 5,
                    "product_license_minor_version": 2,
                    "product_license_flags": 0x00808000,
                }
            ],
        },
    )


@pytest.mark.parametrize("temporary", [False, True])
def test_licensed_product_info_from_the_independent_writer(temporary):
    spec = CalSpec(
        not_before=datetime(2024, 1, 1, tzinfo=UTC),
        not_after=datetime(2024, 4, 1, tzinfo=UTC),
        temporary=temporary,
        requested_product_id="A02",
        adjusted_product_id="A02-10.00-S",
        product_major=10,
        product_minor=0,
    )
    data = licensed_product_info_bytes(spec)
    parsed = rdpele.licensed_product_info.parse(data)
    assert rdpele.licensed_product_info.build(parsed) == data
    assert rdpele.licensed_product_info.build(plain(parsed)) == data
    assert parsed.version == rdpele.LICENSED_PRODUCT_INFO_VERSION
    assert parsed.requested_product_id == utf16z("A02")
    assert parsed.adjusted_product_id == utf16z("A02-10.00-S")
    (version_info,) = parsed.licensed_version_info
    assert version_info.product_license_flags == license_flags(spec)
    assert bool(version_info.product_license_flags & rdpele.TEMPORARY_LICENSE) is temporary


def test_licensed_product_info_offset_past_the_end_is_a_construct_error():
    header = _lpi_header(adjusted_product_id_offset=200)
    data = _pack_lpi_header(header) + b"\0" * 40
    with pytest.raises(ConstructError):
        rdpele.licensed_product_info.parse(data)


# -- MS_LICENSE_SERVER_INFO ----------------------------------------------------------------------


def test_ms_license_server_info_v1_round_trip():
    name, scope = utf16z("LS01"), utf16z("WORKGROUP")
    data = struct.pack("<IHH", 0x0001000, 0, len(name)) + name + scope
    assert_roundtrip(
        rdpele.ms_license_server_info_v1,
        data,
        {
            "version": 0x0001000,
            "issuer_name_offset": 0,
            "ls_scope_offset": len(name),
            "variable_data": name + scope,
            "issuer_name": "LS01".encode("utf-16-le"),
            "ls_scope": "WORKGROUP".encode("utf-16-le"),
        },
    )


def test_ms_license_server_info_v2_round_trip_with_nt5_padding():
    name, issuer_id, scope = utf16z("LS01"), utf16z("00490-92005-99454-AT527"), utf16z("CONTOSO")
    variable = name + issuer_id + scope + b"\0\0"
    data = struct.pack("<IHHH", 0x0003000, 0, len(name), len(name) + len(issuer_id)) + variable
    assert_roundtrip(
        rdpele.ms_license_server_info_v2,
        data,
        {
            "version": 0x0003000,
            "issuer_name_offset": 0,
            "issuer_id_offset": len(name),
            "ls_scope_offset": len(name) + len(issuer_id),
            "variable_data": variable,
            "issuer_name": "LS01".encode("utf-16-le"),
            "issuer_id": "00490-92005-99454-AT527".encode("utf-16-le"),
            "ls_scope": "CONTOSO".encode("utf-16-le"),
        },
    )


@pytest.mark.parametrize("product_id", [None, "00490-92005-99454-AT527"])
def test_ms_license_server_info_from_the_independent_writer(product_id):
    data = license_server_info_bytes("LS-ÄÖÜ-01", "CONTOSO", product_id)
    v1 = product_id is None
    schema = rdpele.ms_license_server_info_v1 if v1 else rdpele.ms_license_server_info_v2
    parsed = schema.parse(data)
    assert schema.build(parsed) == data
    assert parsed.issuer_name.decode("utf-16-le") == "LS-ÄÖÜ-01"
    assert parsed.ls_scope.decode("utf-16-le") == "CONTOSO"
    if product_id is not None:
        assert parsed.issuer_id.decode("utf-16-le") == product_id


def test_ms_license_server_info_versions_are_constants():
    v2 = license_server_info_bytes("LS01", "CONTOSO", "PID")
    with pytest.raises(ConstructError):
        rdpele.ms_license_server_info_v1.parse(v2)
    v1 = license_server_info_bytes("LS01", "CONTOSO", None)
    with pytest.raises(ConstructError):
        rdpele.ms_license_server_info_v2.parse(v1)


def test_ms_license_server_info_string_without_nul_is_a_construct_error():
    name = "LS01".encode("utf-16-le")  # no terminator, and nothing after it
    data = struct.pack("<IHH", 0x0001000, 0, 0) + name
    with pytest.raises(ConstructError):
        rdpele.ms_license_server_info_v1.parse(data)


# -- smaller extensions --------------------------------------------------------------------------


def test_manufacturer_round_trip():
    data = utf16z("Microsoft Corporation")
    assert_roundtrip(
        rdpele.manufacturer, data, {"company_name": "Microsoft Corporation".encode("utf-16-le")}
    )


def test_hydra_cert_version_round_trip():
    data = struct.pack("<I", rdpele.TERMSERV_CERT_VERSION_CURRENT)
    assert data == b"\x01\x00\x05\x00"
    assert_roundtrip(rdpele.hydra_cert_version, data, {"minor_version": 1, "major_version": 5})
