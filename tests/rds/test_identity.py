"""The host's identity and era, read from real hives (values checked by hand below)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hiveparse.evidence.open import Evidence, MountedHive, open_evidence
from hiveparse.model import EvidenceFormat, HiveType
from hiveparse.rds.facts import collect_facts
from hiveparse.rds.identity import Era, build_identity
from hiveparse.rds.locations import Status
from hiveparse.sources.memory import MemoryHive
from tests.rds.conftest import REG_SZ, HostBuilder, sz


def _identity(*paths: Path):
    return build_identity(collect_facts([open_evidence(path) for path in paths]))


@pytest.mark.corpus
def test_xp_workstation_in_a_workgroup(corpus: Path) -> None:
    folder = corpus / "hives" / "hackfortress-xp"
    identity = _identity(folder / "system", folder / "software", folder / "SECURITY")
    assert identity.computer_name == "RAWR"
    assert (identity.product_name, identity.version, identity.build) == (
        "Microsoft Windows XP",
        "5.1",
        2600,
    )
    assert identity.service_pack == "Service Pack 3"
    assert (identity.product_type, identity.kind) == ("WinNT", "workstation")
    # InstallDate 0x4C070AF2 = 1275530226 s after 1970-01-01 UTC.
    assert identity.install_date_raw == 1275530226
    assert identity.to_dict()["install_date"] == "2010-06-03T01:57:06Z"
    # Policy\PolPrDmN: UNICODE_STRING length 0x12 (9 UTF-16 units) "WORKGROUP", and an empty
    # Policy\PolPrDmS: a machine outside any domain.
    assert (identity.primary_domain, identity.domain_joined) == ("WORKGROUP", False)
    assert identity.domain_sid is None
    assert (identity.era.era, identity.era.status) == (Era.NT5, Status.CONFIRMED)
    assert identity.era.basis == "build 2600"


@pytest.mark.corpus
def test_domain_controller_security_hive_names_its_domain(corpus: Path) -> None:
    identity = _identity(corpus / "hives" / "mstxq17-zerologon-dc" / "security.save")
    # PolPrDmN holds "TEST"; PolPrDmS the SID 01 04 000000000005 15000000 10c62579 19daf23a
    # cbf5e541: S-1-5-21 and the sub-authorities 0x7925c610, 0x3af2da19, 0x41e5f5cb.
    assert identity.primary_domain == "TEST"
    assert identity.domain_sid == "S-1-5-21-2032518672-988994073-1105589707"
    assert identity.domain_joined is True
    assert identity.era.era is None  # no SOFTWARE, no SYSTEM: the version is not known


@pytest.mark.corpus
def test_windows_10_system_alone_is_a_workstation_of_the_nt6_era(corpus: Path) -> None:
    identity = _identity(corpus / "hives" / "dissect-regf" / "SYSTEM")
    assert (identity.product_type, identity.kind) == ("WinNT", "workstation")
    # No SOFTWARE: the era comes from the RCM layout (UNCERTAIN).
    assert (identity.era.era, identity.era.status) == (Era.NT6, Status.UNCERTAIN)
    assert "RCM" in identity.era.basis


def test_installation_type_tells_a_client_when_product_type_is_missing() -> None:
    host = HostBuilder(system=False)
    host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "InstallationType", REG_SZ, sz("Client"))
    identity = build_identity(host.state_facts())
    assert (identity.kind, identity.kind_basis) == ("workstation", "InstallationType Client")


def test_product_name_of_server_2003_gives_the_nt5_era() -> None:
    host = HostBuilder(system=False)
    host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "ProductName", REG_SZ,
                  sz("Microsoft Windows Server 2003"))  # fmt: skip
    identity = build_identity(host.state_facts())
    assert (identity.era.era, identity.era.status) == (Era.NT5, Status.CONFIRMED)


def test_multi_session_edition_is_flagged() -> None:
    host = HostBuilder()
    host.sys_value(r"{ccs}\Control\ProductOptions", "ProductType", REG_SZ, sz("WinNT"))
    host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "EditionID", REG_SZ, sz("ServerRdsh"))
    state = host.state_facts()
    identity = build_identity(state)
    assert identity.kind == "workstation"
    assert identity.multi_session


def _security(**values: bytes) -> list[Evidence]:
    """A SECURITY hive whose Policy\\<name> keys hold ``values`` as their default value."""
    hive = MemoryHive(HiveType.SECURITY, source="/evidence/SECURITY")
    for name, raw in values.items():
        hive.root().ensure(f"Policy\\{name}").set_value("", 0, raw)
    return [
        Evidence(
            path="/evidence/SECURITY", size=0, sha256="0" * 64, format=EvidenceFormat.REGF,
            hives=[MountedHive(r"HKEY_LOCAL_MACHINE\SECURITY", hive)],
        )
    ]  # fmt: skip


def test_unreadable_domain_name_and_sid_are_coded_problems() -> None:
    # PolPrDmN: 6 bytes, too short for the 8-byte UNICODE_STRING header; PolPrDmS: revision 1
    # and 4 sub-authorities announced, but no identifier authority or sub-authority follows.
    identity = build_identity(
        collect_facts(_security(PolPrDmN=b"\x02\x00\x02\x00\x08\x00", PolPrDmS=b"\x01\x04"))
    )
    assert identity.primary_domain is None
    assert (identity.domain_sid, identity.domain_joined) == (None, None)
    assert identity.to_dict()["problems"] == [
        {
            "code": "identity.domain_name_unreadable",
            "severity": "warning",
            "message": "Policy\\PolPrDmN holds 6 byte(s) that are not a UNICODE_STRING",
            "source": "/evidence/SECURITY",
            "offset": None,
            "line": None,
            "column": None,
        },
        {
            "code": "identity.domain_sid_invalid",
            "severity": "warning",
            "message": "Policy\\PolPrDmS is not a SID: SID: SID at offset 0x0 runs past the end",
            "source": "/evidence/SECURITY",
            "offset": None,
            "line": None,
            "column": None,
        },
    ]


def test_a_readable_domain_has_no_problems() -> None:
    name = "TEST".encode("utf-16-le")
    header = struct.pack("<HHI", len(name), len(name), 8)
    sid = bytes.fromhex("01040000000000051500000010c6257919daf23acbf5e541")
    identity = build_identity(collect_facts(_security(PolPrDmN=header + name, PolPrDmS=sid)))
    assert (identity.primary_domain, identity.domain_joined) == ("TEST", True)
    assert identity.domain_sid == "S-1-5-21-2032518672-988994073-1105589707"
    assert identity.problems == []
    assert identity.to_dict()["problems"] == []
