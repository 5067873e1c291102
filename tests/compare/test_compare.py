"""compare against hand-made pairs whose every setting's status is known (settings_pair)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hiveparse.compare.compare import Comparison, RowStatus, compare_hosts, read_host
from hiveparse.compare.settings import SETTINGS, duration
from hiveparse.compare.sides import open_machine
from hiveparse.errors import UsageError
from hiveparse.report.compare_report import compare_document
from tests.compare import settings_pair

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def _compare(a: Path, b: Path) -> Comparison:
    return compare_hosts(
        read_host(open_machine("a", [a]), AS_OF), read_host(open_machine("b", [b]), AS_OF)
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    a, b = settings_pair.write_pair(tmp_path_factory.mktemp("pair"))
    return _compare(a, b)


def _rows(comparison: Comparison) -> dict[str, object]:
    return {row.setting.id: row for row in comparison.rows}


def test_every_status_is_the_hand_made_one(pair: Comparison) -> None:
    statuses = {row.setting.id: str(row.status) for row in pair.rows}
    expected = {s.id: settings_pair.EXPECTED.get(s.id, "same") for s in SETTINGS}
    assert statuses == expected


def test_values_are_read_from_the_current_control_set_with_their_layer(
    pair: Comparison,
) -> None:
    rows = {row.setting.id: row for row in pair.rows}
    port = rows["rdp.port"]
    assert (port.a.raw, port.b.raw) == (3389, 3390)  # not B's older set's 3391
    assert port.b.facts[0].control_set == "ControlSet002"
    mode = rows["licensing.mode"]
    assert (mode.a.shown, mode.a.layer) == ("not_configured (5)", "local")
    assert (mode.b.shown, mode.b.raw, mode.b.layer) == ("per_user (4)", 4, "policy")
    # B's local 5 is overridden by its policy, and shown: it returns without the GPO.
    assert [f.location.fact for f in mode.b.overridden] == ["mode.local"]
    assert "B: policy overrides the local value not_configured (5)" in (mode.note or "")
    servers = rows["licensing.servers"]
    assert servers.a.shown is None and servers.b.shown == ["ls01.contoso.com", "ls02"]
    idle = rows["session.idle_limit"]
    assert (idle.a.shown, idle.a.layer, idle.b.shown, idle.b.layer) == (
        "15 min", "policy", "15 min", "local",
    )  # fmt: skip
    assert "set by policy on A and by local on B" in (idle.note or "")
    disconnected = rows["session.disconnected_limit"]
    assert disconnected.a.raw == "inherit" and disconnected.b.shown == "1 h"
    assert rows["rdp.enabled"].a.shown == "allowed" == rows["rdp.enabled"].b.shown
    certificate = rows["rdp.listener_certificate"]
    assert certificate.a.raw == "aa" * 20 and certificate.b.raw == "cc" * 20
    assert "machine-specific" in (certificate.note or "")


def test_a_side_without_software_makes_policy_settings_unknown_never_same(
    tmp_path: Path,
) -> None:
    a, b = settings_pair.write_pair(tmp_path, software=False)
    rows = {row.setting.id: row for row in _compare(a, b).rows}
    # The listener's port has no policy layer: still compared.
    assert rows["rdp.port"].status == RowStatus.DIFFERS
    # fDenyTSConnections 0 on both, but a policy could override either: not "same".
    enabled = rows["rdp.enabled"]
    assert enabled.status == RowStatus.UNKNOWN
    assert "give A's SOFTWARE hive" in (enabled.note or "")
    assert [location.fact for location in enabled.a.unknown] == ["rdp.deny.policy"]
    assert rows["host.product"].status == RowStatus.UNKNOWN


def test_an_export_of_part_of_software_says_which_place_it_lacks(tmp_path: Path) -> None:
    a, b = settings_pair.write_pair(tmp_path)
    # B's SOFTWARE now an export of the policy key alone: the policies are covered, the
    # RemoteApp list and Server Manager's components are not.
    policy = settings_pair.POLICY
    (b / "SOFTWARE.reg").write_bytes(
        b"\xff\xfe" + (
            "Windows Registry Editor Version 5.00\r\n\r\n"
            f"[{policy}]\r\n\"SecurityLayer\"=dword:00000002\r\n\r\n"
        ).encode("utf-16-le")
    )  # fmt: skip
    rows = {row.setting.id: row for row in _compare(a, b).rows}
    assert rows["rdp.security_layer"].status == RowStatus.SAME
    # A one-key export does not show that the key holds no other value: a NLA policy could
    # still be there (diff applies the same rule).
    assert rows["rdp.nla"].status == RowStatus.UNKNOWN
    programs = rows["remoteapp.programs"]
    assert programs.status == RowStatus.UNKNOWN
    assert "does not export that part of the registry" in (programs.note or "")
    assert 'reg export "HKLM\\SOFTWARE\\Microsoft\\Windows NT' in (programs.note or "")


def test_a_hive_and_its_own_export_disagreeing_are_both_shown(tmp_path: Path) -> None:
    a, b = settings_pair.write_pair(tmp_path)
    # A second, older export of A's SYSTEM in A's folder, with another port.
    older = settings_pair.A_SYSTEM.decode("utf-16-le").replace(
        '"PortNumber"=dword:00000d3d', '"PortNumber"=dword:00000d40'
    )
    (a / "SYSTEM-older.reg").write_bytes(older.encode("utf-16-le"))
    rows = {row.setting.id: row for row in _compare(a, b).rows}
    note = rows["rdp.port"].note or ""
    assert "A's inputs disagree" in note
    assert "REG_DWORD 3389" in note and "REG_DWORD 3392" in note


def test_the_document_holds_every_row_with_provenance(pair: Comparison) -> None:
    document = compare_document(pair)
    assert [row["id"] for row in document["rows"]] == [s.id for s in SETTINGS]
    assert document["summary"]["rows"] == len(SETTINGS)
    assert document["summary"]["differs"] == sum(
        1 for status in settings_pair.EXPECTED.values() if status == "differs"
    )
    port = next(row for row in document["rows"] if row["id"] == "rdp.port")
    fact = port["b_provenance"]["facts"][0]
    assert fact["value_name"] == "PortNumber" and fact["raw"] == (3390).to_bytes(4, "little").hex()
    assert fact["source"].endswith("SYSTEM.reg") and fact["line"] is not None
    assert {e["side"] for e in document["evidence"]} == {"a", "b"}


def test_a_side_holding_two_machines_is_refused(tmp_path: Path) -> None:
    settings_pair.write_pair(tmp_path)
    with pytest.raises(UsageError, match="2 hosts"):
        open_machine("a", [tmp_path])


@pytest.mark.parametrize(
    ("milliseconds", "words"),
    [(0, "never"), (60_000, "1 min"), (5_400_000, "1 h 30 min"), (90_061_000, "1 d 1 h 1 min 1 s"),
     (1500, "1500 ms")],
)  # fmt: skip
def test_duration_words(milliseconds: int, words: str) -> None:
    assert duration(milliseconds) == words


def _snippet(path: Path, key: str, values: dict[str, str]) -> Path:
    body = "".join(f'"{name}"={data}\r\n' for name, data in values.items())
    text = f"Windows Registry Editor Version 5.00\r\n\r\n[{key}]\r\n{body}\r\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


def test_a_single_control_set_without_select_is_not_taken_as_current(tmp_path: Path) -> None:
    _a, b = settings_pair.write_pair(tmp_path / "pair")
    rdp = (
        "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control\\Terminal Server\\WinStations\\RDP-Tcp"
    )
    lone = _snippet(tmp_path / "lone" / "cs2.reg", rdp, {"PortNumber": "dword:00000fa0"})
    comparison = _compare(lone, b)
    port = next(row for row in comparison.rows if row.setting.id == "rdp.port")
    assert port.status == RowStatus.UNKNOWN  # ControlSet002 need not be the current set
    assert any(d.code == "rds.control_set_unknown" for d in comparison.diagnostics)
    assert any(d.code == "compare.settings_unknown" for d in comparison.diagnostics)


def test_a_snippet_does_not_say_the_keys_other_values_are_gone(tmp_path: Path) -> None:
    policy = settings_pair.POLICY
    one = _snippet(
        tmp_path / "a" / "p1.reg",
        policy,
        {"LicenseServers": '"ls01"', "fAllowUnsolicited": "dword:00000001"},
    )
    two = _snippet(tmp_path / "b" / "p2.reg", policy, {"LicenseServers": '"ls01"'})
    rows = {row.setting.id: row for row in _compare(one, two).rows}
    assert rows["assistance.unsolicited"].status == RowStatus.UNKNOWN  # not only_a
    assert rows["licensing.servers"].status == RowStatus.SAME


def test_a_value_of_the_wrong_type_is_shown_and_differs(tmp_path: Path) -> None:
    a, b = settings_pair.write_pair(tmp_path)
    text = (b / "SYSTEM.reg").read_bytes()[2:].decode("utf-16-le")
    text = text.replace('"PortNumber"=dword:00000d3e', '"PortNumber"="3390"')
    (b / "SYSTEM.reg").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    port = next(row for row in _compare(a, b).rows if row.setting.id == "rdp.port")
    assert port.status == RowStatus.DIFFERS
    assert port.b.shown == 'unusable: REG_SZ "3390"' and port.b.state == "unusable"
    assert "passed over" in (port.note or "")


def test_a_documented_default_compares_with_a_side_that_does_not_set_it(tmp_path: Path) -> None:
    a, b = settings_pair.write_pair(tmp_path)
    text = (a / "SYSTEM.reg").read_bytes()[2:].decode("utf-16-le")
    (a / "SYSTEM.reg").write_bytes(
        b"\xff\xfe" + text.replace('"PortNumber"=dword:00000d3d\r\n', "").encode("utf-16-le")
    )
    rows = {row.setting.id: row for row in _compare(a, a).rows}
    assert rows["rdp.port"].status == RowStatus.SAME
    text_b = (b / "SYSTEM.reg").read_bytes()[2:].decode("utf-16-le")
    (b / "SYSTEM.reg").write_bytes(
        b"\xff\xfe" + text_b.replace("dword:00000d3e", "dword:00000d3d").encode("utf-16-le")
    )
    port = next(row for row in _compare(a, b).rows if row.setting.id == "rdp.port")
    assert port.status == RowStatus.SAME  # B's explicit 3389 is A's default
    assert "A does not set it: Windows' default (3389) applies" in (port.note or "")


def test_the_same_servers_in_another_order_differ_and_say_so(tmp_path: Path) -> None:
    policy = settings_pair.POLICY
    one = _snippet(tmp_path / "a" / "p.reg", policy, {"LicenseServers": '"LS01,ls02"'})
    two = _snippet(tmp_path / "b" / "p.reg", policy, {"LicenseServers": '"ls02,ls01"'})
    servers = next(r for r in _compare(one, two).rows if r.setting.id == "licensing.servers")
    assert servers.status == RowStatus.DIFFERS
    assert "the same entries, in another order" in (servers.note or "")
