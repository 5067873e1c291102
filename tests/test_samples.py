"""The bundled samples (samples/<case>/): reproducible, the same in both forms, and saying
what their stories in samples/README.md say.

* regenerating them gives the committed bytes;
* a hive and the .reg exported from it give the same facts and the same licensing state,
  the .reg without last-write times or security descriptors (rds.reg_only_limits);
* each case raises exactly the findings its story expects, as of 2026-03-06T12:00:00Z;
* the hives open without anomalies, and the change script parses as operations.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hiveparse.decode.security import parse_security_descriptor
from hiveparse.errors import Severity
from hiveparse.evidence.open import Evidence, open_evidence
from hiveparse.filetime import filetime_to_datetime, iso_z
from hiveparse.model import EvidenceFormat, HiveType, ValueType
from hiveparse.rds.analyze import analyze
from hiveparse.rds.client_license import decode_store
from hiveparse.rds.facts import FactSet, collect_facts
from hiveparse.rds.findings import Finding
from hiveparse.rds.locations import TIMEBOMB_RTM
from hiveparse.rds.rulebook import evaluate
from hiveparse.rds.rules import acl_indicators
from hiveparse.rds.state import LicensingState, build_state
from hiveparse.sources.regtext import iter_operations
from hiveparse.sources.regtext.operations import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    Operation,
    SetValue,
)
from samples import make_samples

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)

HIVE_CASES = (
    "rds-session-host",
    "friday-afternoon-rdsh",
    "per-user-farm-gpo",
    "gpo-overrides-local",
    "per-device-workgroup",
    "grace-reset",
    "rdp-client-temporary-cal",
)
SCRIPT = SAMPLES / "customer-fix-script" / "fix-rds-licensing.reg"

EXPECTED_FINDINGS: dict[str, set[str]] = {
    # A SYSTEM hive alone: what Group Policy (SOFTWARE) could set is not judged (mode,
    # license servers, fDenyTSConnections); what SYSTEM alone settles is.
    "rds-session-host": {
        "rds.cert.never_licensed",
        "rds.grace.reset_suspected",  # no GracePeriod key at all (grace_key_missing)
    },
    "friday-afternoon-rdsh": {
        "rds.mode.not_configured",
        "rds.servers.none",
        "rds.grace.expired",
        "rds.cert.never_licensed",
        "rdp.enabled",
    },
    "per-user-farm-gpo": {"rdp.enabled"},
    "gpo-overrides-local": {"rds.mode.policy_overrides_local", "rdp.enabled"},
    "per-device-workgroup": {"rds.license_server.present", "rdp.enabled"},
    "grace-reset": {
        "rds.grace.reset_suspected",
        "rds.mode.not_configured",
        "rds.servers.none",
        "rds.cert.never_licensed",
        "rds.controlset.differs",
        "rds.policy.tooltip_hidden",
        "rdp.enabled",
    },
    "rdp-client-temporary-cal": {"rds.client.temporary_license"},
}


def _hive_files(case: str) -> list[Path]:
    return sorted(
        p
        for p in (SAMPLES / case).iterdir()
        if p.is_file() and p.suffix not in (".reg", ".evtx")  # the hives, not the event logs
    )


def _reg_files(case: str) -> list[Path]:
    return sorted((SAMPLES / case).glob("*.reg"))


def _open(paths: Sequence[Path]) -> list[Evidence]:
    return [open_evidence(path) for path in paths]


def _state(paths: Sequence[Path]) -> LicensingState:
    return build_state(collect_facts(_open(paths)), AS_OF)


def _findings(case: str) -> dict[str, Finding]:
    findings = evaluate(_state(_hive_files(case)))
    by_id = {finding.id: finding for finding in findings}
    assert len(by_id) == len(findings), "a finding id is reported twice"
    return by_id


def _indicator_names(finding: Finding) -> list[str]:
    return [record["indicator"] for record in finding.evidence if "indicator" in record]


# --- (a) reproducible ------------------------------------------------------------------------


def test_regenerating_gives_the_committed_bytes(tmp_path: Path):
    written = make_samples.main(tmp_path)
    assert written, "the generator wrote nothing"
    for case in [*make_samples.CASES, *make_samples.VOLUME_CASES]:
        generated = sorted(p.relative_to(tmp_path / case) for p in (tmp_path / case).rglob("*"))
        committed = sorted(p.relative_to(SAMPLES / case) for p in (SAMPLES / case).rglob("*"))
        assert generated == committed, case
        for name in generated:
            if (tmp_path / case / name).is_file():
                assert (tmp_path / case / name).read_bytes() == (
                    SAMPLES / case / name
                ).read_bytes(), f"{case}/{name} differs: run python samples/make_samples.py"


def test_every_case_folder_is_generated():
    folders = {p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(make_samples.CASES) | set(make_samples.VOLUME_CASES)
    assert set(HIVE_CASES) | {SCRIPT.parent.name} == set(make_samples.CASES)


# --- (b) hive and .reg agree ---------------------------------------------------------------


def _fact_rows(facts: FactSet) -> list[tuple[Any, ...]]:
    rows = []
    for fact in facts.facts:
        value = fact.value
        rows.append(
            (
                fact.location.fact,
                fact.control_set,
                fact.current,
                None if value is None else value.name,
                None if value is None else value.type_id,
                None if value is None else value.raw,
            )
        )
    return sorted(rows, key=repr)


@pytest.mark.parametrize("case", HIVE_CASES)
def test_hive_and_reg_give_the_same_facts(case: str):
    hives, regs = _hive_files(case), _reg_files(case)
    assert [p.name for p in regs] == [f"{p.name}.reg" for p in hives]
    from_hive, from_reg = collect_facts(_open(hives)), collect_facts(_open(regs))
    assert from_hive.facts, case
    assert _fact_rows(from_hive) == _fact_rows(from_reg)
    assert from_hive.hive_types == from_reg.hive_types
    assert not from_hive.reg_only
    assert from_reg.reg_only
    for fact in from_hive.facts:
        assert fact.evidence.format == EvidenceFormat.REGF
        assert fact.key.last_written is not None
        assert fact.key.security_descriptor is not None
    for fact in from_reg.facts:  # §8.2: no last-write times, no owners or ACLs
        assert fact.evidence.format == EvidenceFormat.REG
        assert fact.key.last_written is None
        assert fact.key.security_descriptor is None


@pytest.mark.parametrize("case", HIVE_CASES)
def test_hive_and_reg_give_the_same_licensing_state(case: str):
    hive, reg = _state(_hive_files(case)), _state(_reg_files(case))
    for state in (hive, reg):
        assert state.as_of == AS_OF
    assert (hive.mode.effective, hive.mode.code, hive.mode.layer) == (
        reg.mode.effective,
        reg.mode.code,
        reg.mode.layer,
    )
    assert (hive.mode.policy_code, hive.mode.local_code) == (
        reg.mode.policy_code,
        reg.mode.local_code,
    )
    assert hive.servers.effective == reg.servers.effective
    assert hive.servers.layer == reg.servers.layer
    assert hive.servers.policy == reg.servers.policy
    assert hive.servers.local == reg.servers.local
    assert hive.role.session_host == reg.role.session_host
    assert hive.grace.present == reg.grace.present
    assert hive.grace.ended == reg.grace.ended
    assert hive.grace.value_name == reg.grace.value_name
    assert (hive.rdp.enabled, hive.rdp.port, hive.rdp.nla) == (
        reg.rdp.enabled,
        reg.rdp.port,
        reg.rdp.nla,
    )
    # Only the hive has the GracePeriod last write behind the expiry estimate.
    assert reg.grace.key_last_write is None
    assert reg.grace.expires is None
    hive_licenses = [(c.store_key, c.temporary, c.not_after) for c in decode_store(hive.facts)]
    reg_licenses = [(c.store_key, c.temporary, c.not_after) for c in decode_store(reg.facts)]
    assert hive_licenses == reg_licenses


@pytest.mark.parametrize("case", HIVE_CASES)
def test_reg_forms_add_only_the_reg_limits_finding(case: str):
    from_hive = {f.id for f in evaluate(_state(_hive_files(case)))}
    from_reg = {f.id for f in evaluate(_state(_reg_files(case)))}
    assert "rds.reg_only_limits" in from_reg
    assert "rds.reg_only_limits" not in from_hive
    # What a .reg cannot show (last writes) can only remove findings, never add any.
    assert from_reg - {"rds.reg_only_limits"} <= from_hive


# --- (c) each story's findings ---------------------------------------------------------------


@pytest.mark.parametrize("case", HIVE_CASES)
def test_expected_findings(case: str):
    assert set(_findings(case)) == EXPECTED_FINDINGS[case]


def test_friday_afternoon_grace_ran_out_this_morning():
    findings = _findings("friday-afternoon-rdsh")
    assert findings["rds.mode.not_configured"].severity == "critical"
    assert findings["rds.grace.expired"].severity == "critical"
    assert findings["rds.servers.none"].severity == "high"
    assert findings["rds.cert.never_licensed"].severity == "high"
    state = _state(_hive_files("friday-afternoon-rdsh"))
    assert state.mode.code == 5
    assert state.mode.policy_code is None
    assert state.servers.effective == []
    assert state.facts.get("cert.x509") is None
    assert state.grace.expires == datetime(2026, 3, 6, 7, 58, 41, tzinfo=UTC)
    assert state.grace.expires_source == "estimated"
    assert state.grace.days_left == 0
    assert "no Remote Desktop License Servers available" in findings["rds.grace.expired"].detail


@pytest.mark.parametrize("case", ["friday-afternoon-rdsh", "per-user-farm-gpo"])
def test_timebomb_is_a_dpapi_shaped_blob(case: str):
    state = _state(_hive_files(case))
    timebomb = state.grace.timebomb
    assert timebomb is not None
    assert timebomb.value is not None
    assert timebomb.value.name == TIMEBOMB_RTM
    assert timebomb.value.type_id == ValueType.REG_BINARY
    raw = timebomb.value.raw
    # §5.2: version 1, provider df9d8cd0-1501-11d1-8c7a-00c04fc297eb (little-endian GUID).
    assert raw[:20] == bytes.fromhex("01000000d08c9ddf0115d1118c7a00c04fc297eb")
    # The rest of a DPAPI blob, field by field; the blob must end exactly after pbSign.
    master_key_version, flags, description_size = struct.unpack_from("<I16xII", raw, 20)
    assert (master_key_version, flags, description_size) == (1, 0x4, 2)  # machine scope
    pos = 48 + description_size
    algorithm, key_bits, salt_size = struct.unpack_from("<III", raw, pos)
    assert (algorithm, key_bits, salt_size) == (0x6610, 256, 32)  # CALG_AES_256
    pos += 12 + salt_size
    (hmac_key_size,) = struct.unpack_from("<I", raw, pos)
    pos += 4 + hmac_key_size
    hash_algorithm, hash_bits, hmac2_size = struct.unpack_from("<III", raw, pos)
    assert (hash_algorithm, hash_bits, hmac2_size) == (0x800E, 512, 32)  # CALG_SHA_512
    pos += 12 + hmac2_size
    (data_size,) = struct.unpack_from("<I", raw, pos)
    assert data_size == 16  # one AES block: an 8-byte FILETIME, padded
    pos += 4 + data_size
    (sign_size,) = struct.unpack_from("<I", raw, pos)
    assert sign_size == 64  # HMAC-SHA-512
    assert len(raw) == pos + 4 + sign_size


def test_per_user_farm_has_no_licensing_problem():
    findings = _findings("per-user-farm-gpo")
    assert not [finding for finding in findings if finding.startswith("rds.")]
    state = _state(_hive_files("per-user-farm-gpo"))
    assert (state.mode.policy_code, state.mode.local_code, state.mode.layer) == (4, 4, "policy")
    assert state.servers.effective == ["ls01.contoso.com", "ls02.contoso.com"]
    assert state.servers.local == state.servers.policy
    assert state.servers.anomalies == []
    assert state.grace.ended
    x509 = state.facts.get("cert.x509")
    assert x509 is not None
    assert x509.value is not None
    assert x509.value.raw[:2] == b"\x30\x82"  # a DER SEQUENCE


def test_gpo_overrides_local():
    finding = _findings("gpo-overrides-local")["rds.mode.policy_overrides_local"]
    assert finding.severity == "low"
    state = _state(_hive_files("gpo-overrides-local"))
    assert (state.mode.effective, state.mode.policy_code, state.mode.local_code) == (
        "per_device",
        2,
        4,
    )
    assert state.servers.layer == "policy"
    assert state.servers.local is None


def test_per_device_workgroup_names_itself():
    state = _state(_hive_files("per-device-workgroup"))
    assert state.mode.effective == "per_device"
    assert state.servers.effective == ["WG-RDS01"]
    assert state.servers.anomalies == []
    assert state.facts.get("license_server.db_path") is not None
    hive = open_evidence(SAMPLES / "per-device-workgroup" / "SYSTEM").hives[0].hive
    tcpip = hive.find(r"ControlSet001\Services\Tcpip\Parameters")
    assert tcpip is not None
    domain = tcpip.value("Domain")
    assert domain is not None
    assert domain.raw == b"\x00\x00"  # workgroup: an empty domain


def test_rdsh_image_timebomb_decrypts_to_its_exact_end():
    # The volume holds the machine's keys: the blob opens to the FILETIME the case wrote
    # (2026-09-30T03:12:44Z), 222 days after the key's last write: a forged timebomb.
    analysis = analyze([SAMPLES / "rdsh-image"], as_of=AS_OF)
    (host,) = analysis.hosts
    grace = host.state.grace
    assert (iso_z(grace.expires), grace.expires_source) == ("2026-09-30T03:12:44Z", "decrypted")
    assert grace.decryption is not None
    assert grace.decryption["master_key_file"].endswith(grace.decryption["master_key_guid"])
    reset = {f.id: f for f in host.findings}["rds.grace.reset_suspected"]
    assert "expiry_beyond_grace" in _indicator_names(reset)
    # The estimate the key's last write gives is four months off.
    assert iso_z(grace.key_last_write and filetime_to_datetime(grace.key_last_write)) == (
        "2026-02-20T03:12:44Z"
    )


def test_grace_reset_names_each_registry_indicator():
    findings = _findings("grace-reset")
    reset = findings["rds.grace.reset_suspected"]
    assert reset.severity == "high"
    assert _indicator_names(reset) == [
        "timebomb_missing",
        "grace_key_rewritten",
        "deleted_timebomb_recovered",
        "grace_key_owner_changed",
        "grace_key_full_control_ace",
    ]
    # The deleted value's record is still in a free cell, holding the blob ControlSet002 keeps.
    (deleted,) = [r for r in reset.evidence if r.get("indicator") == "deleted_timebomb_recovered"]
    assert deleted["data_state"] == "intact"
    hive = open_evidence(SAMPLES / "grace-reset" / "SYSTEM").hives[0].hive
    kept = hive.find(r"ControlSet002\Control\Terminal Server\RCM\GracePeriod")
    assert kept is not None
    (old,) = list(kept.values())
    (record,) = [r for r in reset.evidence if r.get("fact") == "grace.timebomb" and r["deleted"]]
    assert record["raw"] == old.raw.hex()
    assert findings["rds.policy.tooltip_hidden"].severity == "medium"  # with reset indicators
    assert findings["rds.controlset.differs"].severity == "medium"  # a grace fact differs
    differs = findings["rds.controlset.differs"]
    about = [r["about_fact"] for r in differs.evidence if r.get("indicator")]
    assert about == ["grace.timebomb"]


@dataclass
class _GraceKeySecurity:
    """hiveparse.rds.rules.GraceKeySecurity from the key's own descriptor."""

    owner_sid: str | None
    full_control_sids: Sequence[str]
    record: dict[str, Any]


def _grace_security(case: str, control_set: str = "ControlSet001") -> _GraceKeySecurity:
    hive = open_evidence(SAMPLES / case / "SYSTEM").hives[0].hive
    key = hive.find(rf"{control_set}\Control\Terminal Server\RCM\GracePeriod")
    assert key is not None
    assert key.security_descriptor is not None
    descriptor = parse_security_descriptor(key.security_descriptor)
    full_control = [
        ace.sid
        for ace in descriptor.dacl or []
        if ace.type_id == 0 and ace.mask == 0x000F003F and not ace.flags & 0x10 and ace.sid
    ]
    return _GraceKeySecurity(
        descriptor.owner, full_control, {"sddl": descriptor.to_sddl(), "key_path": key.path}
    )


def test_grace_reset_key_carries_the_reset_owner_and_ace():
    security = _grace_security("grace-reset")
    assert security.record["sddl"] == (
        "O:BAG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;NS)(A;CI;KR;;;BA)(A;;KA;;;BA)"
    )
    names = [indicator.name for indicator in acl_indicators(security)]
    assert names == ["grace_key_owner_changed", "grace_key_full_control_ace"]
    # The pre-reset copy in ControlSet002 and the untouched hosts keep the default ACL.
    for case, control_set in (
        ("grace-reset", "ControlSet002"),
        ("friday-afternoon-rdsh", "ControlSet001"),
        ("per-user-farm-gpo", "ControlSet001"),
        ("gpo-overrides-local", "ControlSet001"),
        ("per-device-workgroup", "ControlSet001"),
    ):
        untouched = _grace_security(case, control_set)
        assert untouched.record["sddl"] == "O:NSG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;NS)(A;CI;KR;;;BA)"
        assert acl_indicators(untouched) == []


def test_grace_reset_names_the_owner_and_acl_indicators():
    names = _indicator_names(_findings("grace-reset")["rds.grace.reset_suspected"])
    assert "grace_key_owner_changed" in names
    assert "grace_key_full_control_ace" in names


def test_grace_reset_state():
    state = _state(_hive_files("grace-reset"))
    assert state.role.session_host is True
    assert state.grace.key_fact is not None
    assert state.grace.timebomb is None
    assert not state.grace.ended
    others = state.facts.others("grace.timebomb")
    assert [fact.control_set for fact in others] == ["ControlSet002"]


def test_rdp_client_holds_an_expired_temporary_cal():
    finding = _findings("rdp-client-temporary-cal")["rds.client.temporary_license"]
    assert finding.severity == "medium"  # expired as of the analysis date
    state = _state(_hive_files("rdp-client-temporary-cal"))
    assert state.role.session_host is False
    assert state.rdp.enabled is False
    (license,) = decode_store(state.facts)
    assert license.temporary is True
    assert license.issuer == "LS01"
    assert license.not_before == datetime(2025, 11, 27, 8, 3, 11, tzinfo=UTC)
    assert license.not_after == datetime(2026, 2, 25, 8, 3, 11, tzinfo=UTC)
    assert license.not_after < AS_OF
    assert license.license is not None
    info = license.license.product_info
    assert info is not None
    assert info.licensed_product_id == "A02-6.00-S"
    hwid = state.facts.get("client.hwid")
    assert hwid is not None
    assert hwid.value is not None
    assert len(hwid.value.raw) == 20
    assert hwid.key.class_name == "Client HWID"


def _operation_row(op: Operation) -> tuple[str, int, str, str | None]:
    if isinstance(op, DeleteValue | SetValue):
        return type(op).__name__, op.line, op.key_path, op.name
    return type(op).__name__, op.line, op.path, None


def test_customer_fix_script_parses_as_operations():
    data = SCRIPT.read_bytes()
    assert data.startswith(b"\xff\xfe")
    text = data[2:].decode("utf-16-le")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    assert [p.name for p in SCRIPT.parent.iterdir()] == [SCRIPT.name]  # no hive: a script
    hklm = "HKEY_LOCAL_MACHINE"
    rcm = rf"{hklm}\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM"
    operations = [_operation_row(op) for op in iter_operations(SCRIPT)]
    assert operations == [
        (DeleteKey.__name__, 3, rf"{hklm}\SOFTWARE\Microsoft\MSLicensing\Store\LICENSE000", None),
        (DeleteKey.__name__, 5, rf"{hklm}\SOFTWARE\Microsoft\MSLicensing\HardwareID", None),
        (CreateKey.__name__, 7, rf"{rcm}\GracePeriod", None),
        (DeleteValue.__name__, 8, rf"{rcm}\GracePeriod", TIMEBOMB_RTM),
        (CreateKey.__name__, 10, rf"{rcm}\Licensing Core", None),
        (SetValue.__name__, 11, rf"{rcm}\Licensing Core", "LicensingMode"),
    ]
    (set_mode,) = [op for op in iter_operations(SCRIPT) if isinstance(op, SetValue)]
    assert (set_mode.type_id, set_mode.raw) == (ValueType.REG_DWORD, struct.pack("<I", 4))


# --- (d) the hives open cleanly -----------------------------------------------------------------


@pytest.mark.parametrize("case", HIVE_CASES)
def test_hives_open_without_anomalies(case: str):
    for path in _hive_files(case):
        evidence = open_evidence(path)
        assert evidence.format == EvidenceFormat.REGF
        (mounted,) = evidence.hives
        assert mounted.hive.hive_type == HiveType[path.name]
        problems = [d for d in evidence.all_diagnostics if d.severity != Severity.INFO]
        assert problems == [], f"{path.name}: {problems}"
    for path in _reg_files(case):
        evidence = open_evidence(path)
        problems = [d for d in evidence.all_diagnostics if d.severity != Severity.INFO]
        assert problems == [], f"{path.name}: {problems}"


# --- (d) the README tells what analyze says ------------------------------------------------


def _readme_findings() -> dict[str, set[str]]:
    """Per case section of samples/README.md, the ids of its "- `id`" bullet lines."""
    sections: dict[str, set[str]] = {}
    case = None
    for line in (SAMPLES / "README.md").read_text().splitlines():
        heading = re.match(r"^\*\*([a-z0-9-]+)\*\* — ", line)
        if heading:
            case = heading.group(1)
            sections[case] = set()
        bullet = re.match(r"^- `((?:rds|rdp|evidence)\.[a-z0-9_.]+)`", line)
        if bullet and case is not None:
            sections[case].add(bullet.group(1))
    return sections


def test_readme_lists_exactly_what_analyze_reports_for_each_case():
    told = _readme_findings()
    assert set(told) == set(make_samples.CASES) | set(make_samples.VOLUME_CASES)
    for case, expected in told.items():
        (host,) = analyze([SAMPLES / case], as_of=AS_OF).hosts
        assert {finding.id for finding in host.findings} == expected, case
