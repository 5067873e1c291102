"""The RDP persistence and exposure findings (hiveparse.rds.rdp_rules) on hand-made hosts:
each finding's severity, what it names and the evidence it rests on, and the quiet cases
(what Windows writes by default raises nothing)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from hiveparse.rds.findings import Finding
from hiveparse.report.schema import schema_for
from tests.cli.running import hiveparse
from tests.rds.conftest import (
    RDP_TCP,
    REG_BINARY,
    REG_DWORD,
    REG_SZ,
    TS,
    TS_POLICY,
    HostBuilder,
    dword,
    sz,
)

AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
RDPWD = rf"{TS}\Wds\rdpwd"
WINLOGON = r"Microsoft\Windows NT\CurrentVersion\Winlogon"
INSTALL_RUN = (
    r"Microsoft\Windows NT\CurrentVersion\Terminal Server\Install\Software\Microsoft\Windows"
    r"\CurrentVersion\Run"
)
PORTPROXY = r"{ccs}\Services\PortProxy\v4tov4\tcp"
CLIENT = r"Software\Microsoft\Terminal Server Client"


def windows_defaults() -> HostBuilder:
    """What a clean host holds at these places."""
    host = HostBuilder()
    host.sys_value(RDPWD, "StartupPrograms", REG_SZ, sz("rdpclip"))
    host.sys_value(RDP_TCP, "InitialProgram", REG_SZ, sz(""))
    host.sys_value(RDP_TCP, "fInheritInitialProgram", REG_DWORD, dword(1))
    host.sys_value(RDP_TCP, "Shadow", REG_DWORD, dword(1))
    host.sw_value(WINLOGON, "AppSetup", REG_SZ, sz("UsrLogon.Cmd"))
    return host


def persistent_host() -> HostBuilder:
    """A host carrying every RDP persistence and exposure trace at once."""
    host = windows_defaults()
    host.sys_value(RDPWD, "StartupPrograms", REG_SZ, sz(r"rdpclip,C:\ProgramData\svc\upd.exe"))
    host.sys_value(RDP_TCP, "InitialProgram", REG_SZ, sz(r"C:\kiosk\app.exe"))
    host.sys_value(RDP_TCP, "fInheritInitialProgram", REG_DWORD, dword(0))
    host.sw_value(WINLOGON, "AppSetup", REG_SZ, sz("UsrLogon.Cmd, C:\\x\\logon.bat"))
    host.sw_value(INSTALL_RUN, "Updater", REG_SZ, sz(r"C:\x\u.exe"))
    host.sys_value(PORTPROXY, "0.0.0.0/443", REG_SZ, sz("10.0.0.5/3389"))
    host.sys_value(PORTPROXY, "0.0.0.0/8080", REG_SZ, sz("10.0.0.6/80"))
    host.sw_value(TS_POLICY, "Shadow", REG_DWORD, dword(2))
    host.sw_value(TS_POLICY, "fAllowUnsolicited", REG_DWORD, dword(1))
    host.sw_value(TS_POLICY, "fAllowUnsolicitedFullControl", REG_DWORD, dword(1))
    host.user_value("alice", rf"{CLIENT}\Default", "MRU0", REG_SZ, sz("dc01.contoso.com"))
    host.user_value("alice", rf"{CLIENT}\Default", "MRU1", REG_SZ, sz("10.0.0.9"))
    host.user_value("alice", rf"{CLIENT}\Servers\dc01.contoso.com", "UsernameHint", REG_SZ,
                    sz(r"CONTOSO\alice"))  # fmt: skip
    host.user_value("alice", rf"{CLIENT}\Servers\dc01.contoso.com", "CertHash", REG_BINARY,
                    bytes(range(20)))  # fmt: skip
    return host


def _by_id(findings: list[Finding]) -> dict[str, Finding]:
    return {finding.id: finding for finding in findings if finding.id.startswith("rdp.")}


def test_windows_defaults_raise_nothing() -> None:
    found = _by_id(windows_defaults().findings(AS_OF))
    assert set(found) <= {"rdp.enabled", "rdp.nla.disabled", "rdp.port.nondefault"}


def test_every_trace_raises_its_finding_with_its_evidence() -> None:
    found = _by_id(persistent_host().findings(AS_OF))
    expected = {
        "rdp.persistence.startup_programs": "high",
        "rdp.persistence.initial_program": "medium",  # forced: fInheritInitialProgram 0
        "rdp.persistence.appsetup": "medium",
        "rdp.persistence.install_run": "medium",
        "rdp.portproxy": "high",  # one relay leads to 3389
        "rdp.shadow.without_consent": "medium",  # policy 2 over the listener's 1
        "rdp.assistance.unsolicited": "medium",  # with full control
        "rdp.client.history": "info",
    }
    assert {i: str(found[i].severity) for i in expected} == expected
    startup = found["rdp.persistence.startup_programs"]
    assert r"C:\ProgramData\svc\upd.exe also starts in every" in startup.detail
    assert [e["value_name"] for e in startup.evidence] == ["StartupPrograms"]
    relays = found["rdp.portproxy"]
    assert {e["value_name"] for e in relays.evidence if e["fact"].startswith("persistence")} == {
        "0.0.0.0/443", "0.0.0.0/8080",
    }  # fmt: skip
    assert "these lead to RDP (v4tov4 0.0.0.0/443 -> 10.0.0.5/3389)" in relays.detail
    shadow = found["rdp.shadow.without_consent"]
    assert "Shadow is 2 in the policy layer" in shadow.detail
    history = found["rdp.client.history"]
    assert (
        "user alice, /evidence/Users/alice/NTUSER.DAT: dc01.contoso.com (as CONTOSO\\alice), "
        "10.0.0.9" in history.detail
    )
    run = found["rdp.persistence.install_run"]
    assert run.evidence[0]["value_name"] == "Updater"


def test_an_initial_program_the_listener_does_not_force_is_low() -> None:
    host = windows_defaults()
    host.sys_value(RDP_TCP, "InitialProgram", REG_SZ, sz(r"C:\kiosk\app.exe"))
    found = _by_id(host.findings(AS_OF))
    assert str(found["rdp.persistence.initial_program"].severity) == "low"


def test_a_relay_to_another_port_is_medium_and_a_moved_listener_counts_here_only() -> None:
    host = windows_defaults()
    host.sys_value(PORTPROXY, "0.0.0.0/8080", REG_SZ, sz("10.0.0.6/80"))
    host.sys_value(RDP_TCP, "PortNumber", REG_DWORD, dword(80))  # this host's RDP is on 80
    # Port 80 of another machine is not this host's listener.
    assert str(_by_id(host.findings(AS_OF))["rdp.portproxy"].severity) == "medium"
    host.sys_value(PORTPROXY, "0.0.0.0/8081", REG_SZ, sz("127.0.0.1/80"))
    relay = _by_id(host.findings(AS_OF))["rdp.portproxy"]
    assert str(relay.severity) == "high"
    assert "these lead to RDP (v4tov4 0.0.0.0/8081 -> 127.0.0.1/80)" in relay.detail


def test_rdpclip_counts_as_windows_own_only_from_system32() -> None:
    for entry, default in (
        ("rdpclip", True), ("RDPCLIP.EXE", True), (r"C:\Windows\System32\rdpclip.exe", True),
        (r"%SystemRoot%\system32\rdpclip", True), (r'"C:\Windows\System32\rdpclip.exe" /x', True),
        (r"C:\Users\Public\rdpclip.exe", False), (r"\\evil\share\rdpclip.exe", False),
        ("rdpclip.exe.bat", False), ("rdpclip2", False),
        (r"C:\Program Files\x\rdpclip.exe -q", False),
    ):  # fmt: skip
        host = windows_defaults()
        host.sys_value(RDPWD, "StartupPrograms", REG_SZ, sz(entry))
        raised = "rdp.persistence.startup_programs" in _by_id(host.findings(AS_OF))
        assert raised is not default, entry


def test_empty_run_defaults_raise_nothing_and_runonceex_is_read_in_its_sections() -> None:
    host = windows_defaults()
    host.sw_value(INSTALL_RUN, "", REG_SZ, sz(""))  # what XP leaves there
    host.sw_value(INSTALL_RUN + "Once", "", REG_SZ, sz(""))
    runonceex = INSTALL_RUN + "OnceEx"
    host.sw_value(runonceex, "Title", REG_SZ, sz("setup"))  # a setting, not a program
    assert "rdp.persistence.install_run" not in _by_id(host.findings(AS_OF))
    host.sw_value(rf"{runonceex}\0001", "", REG_SZ, sz("section title"))
    host.sw_value(rf"{runonceex}\0001", "payload", REG_SZ, sz(r"C:\ProgramData\stage2.exe"))
    run = _by_id(host.findings(AS_OF))["rdp.persistence.install_run"]
    assert r'RunOnceEx\0001\payload = "C:\ProgramData\stage2.exe"' in run.detail
    assert "Title" not in run.detail and "section title" not in run.detail


def test_an_initial_program_set_by_policy_is_forced() -> None:
    host = windows_defaults()
    host.sw_value(TS_POLICY, "InitialProgram", REG_SZ, sz(r"C:\kiosk\evil.exe"))
    finding = _by_id(host.findings(AS_OF))["rdp.persistence.initial_program"]
    assert str(finding.severity) == "medium"
    assert 'The policy InitialProgram is "C:\\kiosk\\evil.exe"' in finding.detail


def test_users_hives_are_never_rival_sources_of_one_fact() -> None:
    host = persistent_host()
    host.user_value("bob", r"Software\Microsoft\Windows", "x", REG_SZ, sz("y"))  # no history
    found = host.findings(AS_OF)
    assert not [f for f in found if f.id == "evidence.conflict"]
    assert str(_by_id(found)["rdp.client.history"].confidence) == "high"


def test_shadowing_by_the_listener_alone_says_a_policy_could_override_it() -> None:
    host = HostBuilder(software=False)
    host.sys_value(RDP_TCP, "Shadow", REG_DWORD, dword(2))
    finding = _by_id(host.findings(AS_OF))["rdp.shadow.without_consent"]
    assert "Shadow is 2 in the local layer" in finding.detail
    # one step for the listener's UNCERTAIN place, one for the policy that could override it
    assert str(finding.confidence) == "low" and "policy layer" in finding.detail


def test_the_state_reports_the_outbound_history_per_user() -> None:
    host = persistent_host()
    host.user_value("bob", rf"{CLIENT}\Default", "MRU0", REG_SZ, sz("jump01"))
    outbound = host.state(AS_OF).rdp.to_dict()["outbound"]
    assert [(h["source"], [r["server"] for r in h["recent"]]) for h in outbound] == [
        ("/evidence/Users/alice/NTUSER.DAT", ["dc01.contoso.com", "10.0.0.9"]),
        ("/evidence/Users/bob/NTUSER.DAT", ["jump01"]),
    ]
    (server,) = outbound[0]["servers"]
    assert server["username_hint"] == "CONTOSO\\alice"
    assert server["cert_hash"] == bytes(range(20)).hex()


def _export(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "Windows Registry Editor Version 5.00\r\n\r\n" + text.replace("\n", "\r\n")
    path.write_bytes(b"\xff\xfe" + body.encode("utf-16-le"))


def test_analyze_reports_them_in_its_document_and_a_lone_user_hive_gets_its_history(
    tmp_path: Path,
) -> None:
    system = "HKEY_LOCAL_MACHINE\\SYSTEM"
    ccs = f"{system}\\ControlSet001"
    keys = [system, f"{system}\\Select", ccs, f"{ccs}\\Control", f"{ccs}\\Control\\Terminal Server",
            f"{ccs}\\Control\\Terminal Server\\Wds", f"{ccs}\\Services",
            f"{ccs}\\Services\\PortProxy", f"{ccs}\\Services\\PortProxy\\v4tov4"]  # fmt: skip
    text = "".join(f"[{key}]\n\n" for key in keys).replace(
        f"[{system}\\Select]\n", f'[{system}\\Select]\n"Current"=dword:00000001\n'
    )
    text += f'[{ccs}\\Control\\Terminal Server\\Wds\\rdpwd]\n"StartupPrograms"="rdpclip,u.exe"\n\n'
    text += f'[{ccs}\\Services\\PortProxy\\v4tov4\\tcp]\n"0.0.0.0/443"="10.0.0.5/3389"\n\n'
    _export(tmp_path / "ticket" / "SYSTEM.reg", text)
    client = "HKEY_CURRENT_USER\\Software\\Microsoft\\Terminal Server Client"
    _export(tmp_path / "alice" / "NTUSER.reg",
            f'[{client}]\n\n[{client}\\Default]\n"MRU0"="dc01.contoso.com"\n\n')  # fmt: skip
    result = hiveparse("analyze", tmp_path, "-f", "json")
    documents = json.loads(result.stdout)
    schema = schema_for("analyze")
    by_case = {}
    for document in documents:
        jsonschema.validate(document, schema)
        by_case[document["host"]["case"]] = document
    host = by_case["ticket"]
    assert {f["id"] for f in host["findings"]} >= {
        "rdp.persistence.startup_programs",
        "rdp.portproxy",
    }
    (relay,) = host["rdp"]["persistence"]["port_proxies"]
    assert (relay["listen"], relay["connect"]) == ("0.0.0.0/443", "10.0.0.5/3389")
    assert relay["evidence"]["line"] is not None
    user = by_case["alice"]
    assert [f["id"] for f in user["findings"]] == ["rdp.client.history"]
    assert user["rdp"]["outbound"][0]["recent"][0]["server"] == "dc01.contoso.com"
    table = hiveparse("analyze", tmp_path / "alice", "-f", "table").stdout
    # the history in the host's summary (an info finding's detail is not printed there)
    assert table.count("RDP client") == 1 and "dc01.contoso.com" in table


def test_a_startup_program_in_an_older_control_set_is_reported() -> None:
    host = windows_defaults()
    host.sys_value(
        RDPWD, "StartupPrograms", REG_SZ, sz("rdpclip,evil.exe"), control_set="ControlSet002"
    )
    differs = [f for f in host.findings(AS_OF) if f.id == "rds.controlset.differs"]
    assert differs and "persistence.startup_programs" in differs[0].detail
