"""What each kind of input lets the rules conclude (issue cases, outcomes worked by hand).

* a SOFTWARE.reg alone covers SOFTWARE only: the local layer (SYSTEM) is unknown, so "mode
  not configured" and "no license server" cannot be judged;
* a 4-line SYSTEM.reg that sets LicensingMode covers RCM\\Licensing Core only: nothing about
  the GracePeriod key or the X509 Certificate under RCM may be concluded;
* a full export of the SYSTEM hive covers it like the hive does;
* a change script covers nothing by absence;
* a hive that could not be read entirely (here: dirty, its logs missing) covers nothing by
  absence, and what it shows still counts.
"""

from __future__ import annotations

import shutil
import struct
from datetime import UTC, datetime
from pathlib import Path

from hiveparse.rds.analyze import HostReport, analyze

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)
SNIPPET = (
    "Windows Registry Editor Version 5.00\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\RCM\\"
    "Licensing Core]\r\n"
    '"LicensingMode"=dword:00000005\r\n\r\n'
)


def _host(*files: Path, folder: Path) -> HostReport:
    folder.mkdir()
    for file in files:
        shutil.copy(file, folder / file.name)
    (host,) = analyze([folder], as_of=AS_OF).hosts
    return host


def _ids(host: HostReport) -> set[str]:
    return {finding.id for finding in host.findings}


def _unjudged(host: HostReport) -> set[tuple[str, str]]:
    return {(item.rule, item.fact) for item in host.judgement.not_judged}


def test_software_reg_alone_leaves_the_local_layer_unjudged(tmp_path: Path) -> None:
    host = _host(SAMPLES / "friday-afternoon-rdsh" / "SOFTWARE.reg", folder=tmp_path / "t")
    assert _ids(host) == {"rds.reg_only_limits"}
    unjudged = _unjudged(host)
    # The policy layer is covered and empty; the local layer (SYSTEM) is not in the evidence.
    assert ("mode_not_configured", "mode.local") in unjudged
    assert ("servers_none", "servers.local") in unjudged
    assert host.state.mode.effective == "unknown"
    (software,) = [c for c in host.state.facts.coverage.sources if c.hive_type == "SOFTWARE"]
    assert software.kind == "reg_export"
    missing = host.state.facts.coverage.missing(("SYSTEM", "SOFTWARE"))  # type: ignore[arg-type]
    assert missing == ["SYSTEM"]


def test_a_snippet_that_does_not_export_rcm_says_nothing_of_its_absences(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "SYSTEM.reg").write_bytes(b"\xff\xfe" + SNIPPET.encode("utf-16-le"))
    (host,) = analyze([folder], as_of=AS_OF).hosts
    assert _ids(host) == {"rds.reg_only_limits"}
    unjudged = _unjudged(host)
    assert ("grace_reset_suspected", "grace.ended") in unjudged
    assert ("cert_never_licensed", "cert.x509") in unjudged
    assert ("mode_not_configured", "mode.policy") in unjudged
    # Each input that would settle a conclusion is named, not only the first one asked:
    # the license servers live in SOFTWARE (policy) and in SYSTEM outside Licensing Core.
    assert {
        ("servers_none", "servers.policy"),
        ("servers_none", "servers.local"),
        ("servers_none", "servers.legacy_key"),
        ("rdp_enabled", "rdp.deny.policy"),
        ("rdp_enabled", "rdp.deny.local"),
    } <= unjudged
    # The file's one root (Licensing Core) covers its own subtree, nothing beside it.
    (source,) = host.state.facts.coverage.sources
    roots = source.tree.root_records(source.mounted.mount)
    assert roots is not None
    assert [(r["path"], r["covers"]) for r in roots] == [
        ("CurrentControlSet\\Control\\Terminal Server\\RCM\\Licensing Core", True)
    ]


def test_a_full_system_export_covers_like_the_hive(tmp_path: Path) -> None:
    from_hive = _host(SAMPLES / "rds-session-host" / "SYSTEM", folder=tmp_path / "hive")
    from_reg = _host(SAMPLES / "rds-session-host" / "SYSTEM.reg", folder=tmp_path / "reg")
    expected = {"rds.cert.never_licensed", "rds.grace.reset_suspected"}
    assert _ids(from_hive) == expected
    assert _ids(from_reg) == expected | {"rds.reg_only_limits"}
    assert _unjudged(from_reg) == _unjudged(from_hive)


def test_a_change_script_covers_nothing_by_absence(tmp_path: Path) -> None:
    script = SAMPLES / "customer-fix-script" / "fix-rds-licensing.reg"
    host = _host(script, folder=tmp_path / "t")
    assert _ids(host) == {
        "rds.grace.reset_script",
        "rds.client.store_reset",
        "rds.reg.change_script",
        "rds.reg_only_limits",
    }
    # Nothing the script lacks counts as absent: whether the host has license servers, a
    # timebomb, a certificate, RDP allowed. The role is not taken from the LicensingMode
    # the script would write, so the missing timebomb cannot be weighed as a reset either:
    # that too is listed, with the premise it lacks. No event log was given either.
    assert {rule for rule, _fact in _unjudged(host)} == {
        "servers_none",
        "grace_expiry",
        "grace_reset_suspected",
        "cert_never_licensed",
        "rdp_enabled",
        "events",
    }
    assert host.state.role.session_host is None
    assert "change script would write" in host.state.role.reason
    (reset,) = [i for i in host.judgement.not_judged if i.rule == "grace_reset_suspected"]
    assert reset.premise.startswith("that this host is an RD Session Host")
    assert "SOFTWARE" in reset.settle_with
    (source,) = [c for c in host.state.facts.coverage.sources if c.hive_type == "SYSTEM"]
    assert source.kind == "change_script"


def _dirty_copy(hive: Path, target: Path) -> None:
    """The hive with its primary sequence number one ahead of the secondary (a write that
    never completed, REGF base block offsets 4 and 8) and its checksum recomputed."""
    image = bytearray(hive.read_bytes())
    (primary,) = struct.unpack_from("<I", image, 4)
    struct.pack_into("<I", image, 4, primary + 1)
    checksum = 0
    for (word,) in struct.iter_unpack("<I", bytes(image[:508])):
        checksum ^= word
    struct.pack_into("<I", image, 508, checksum)
    target.write_bytes(image)


def test_a_dirty_hive_without_its_logs_covers_nothing_by_absence(tmp_path: Path) -> None:
    case = SAMPLES / "friday-afternoon-rdsh"
    whole = _host(case / "SYSTEM", case / "SOFTWARE", folder=tmp_path / "whole")
    assert {"rds.servers.none", "rds.grace.expired", "rds.cert.never_licensed"} <= _ids(whole)
    folder = tmp_path / "dirty"
    folder.mkdir()
    shutil.copy(case / "SOFTWARE", folder / "SOFTWARE")
    _dirty_copy(case / "SYSTEM", folder / "SYSTEM")
    (host,) = analyze([folder], as_of=AS_OF).hosts
    # The log that is missing may have written the license server, the permanent license
    # (LicensingGracePeriodEnded) or the certificate: none of their absences counts.
    ids = _ids(host)
    assert not ids & {"rds.servers.none", "rds.grace.expired", "rds.cert.never_licensed"}
    unjudged = _unjudged(host)
    assert ("servers_none", "servers.local") in unjudged
    assert ("grace_expiry", "grace.ended") in unjudged
    assert ("cert_never_licensed", "cert.x509") in unjudged
    # What the hive shows still counts: LicensingMode 5 is there.
    assert "rds.mode.not_configured" in ids
    (system,) = [c for c in host.state.facts.coverage.sources if c.hive_type == "SYSTEM"]
    assert system.to_dict()["kind"] == "damaged_hive"
    assert "regf.log.none" in system.to_dict()["reason"]
    assert host.partial


def test_a_full_export_pair_leaves_the_grace_end_unjudged(tmp_path: Path) -> None:
    """SYSTEM.reg + SOFTWARE.reg of the Friday host: the timebomb is there, but a .reg file
    has no key times and no keys to decrypt it, so whether the grace period is over (and so
    whether the host was never licensed) is not judged; the hive pair says both."""
    case = SAMPLES / "friday-afternoon-rdsh"
    host = _host(case / "SYSTEM.reg", case / "SOFTWARE.reg", folder=tmp_path / "t")
    ids = _ids(host)
    assert "rds.grace.expired" not in ids
    assert "rds.cert.never_licensed" not in ids
    assert {("grace_expiry", "grace.timebomb"), ("cert_never_licensed", "grace.timebomb")} <= (
        _unjudged(host)
    )
    whole = _host(case / "SYSTEM", case / "SOFTWARE", folder=tmp_path / "hives")
    assert {"rds.grace.expired", "rds.cert.never_licensed"} <= _ids(whole)
