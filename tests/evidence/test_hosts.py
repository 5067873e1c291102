"""Grouping opened evidence into hosts: location, conflicts, ComputerName, .reg files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from hiveparse.evidence.discover import discover_evidence
from hiveparse.evidence.hosts import (
    Grouping,
    HostGroup,
    group_hosts,
    read_computer_name,
    read_software_hints,
)
from hiveparse.evidence.open import Evidence, open_evidence
from hiveparse.sources.regtext import loads
from tests.evidence.test_discover import (
    build_velociraptor,
    build_windows_volume,
    ntuser_hive,
    put,
    reg_file,
    sam_hive,
    security_hive,
    software_hive,
    system_hive,
    usrclass_hive,
)


def opened(*roots: Path) -> list[Evidence]:
    """Discover under ``roots`` and open everything found, as `analyze` does."""
    discovery = discover_evidence(list(roots))
    assert discovery.errors == []
    return [open_evidence(path) for path in discovery.paths]


def by_label(groups: list[HostGroup]) -> dict[str, HostGroup]:
    labels = [group.label for group in groups]
    assert len(set(labels)) == len(labels), labels
    return {group.label: group for group in groups}


def names(group: HostGroup) -> list[str]:
    return [Path(path).name for path in group.paths]


def has_reason(group: HostGroup, *fragments: str) -> bool:
    return any(all(f in reason for f in fragments) for reason in group.reasons)


# --- one Windows volume ----------------------------------------------------------------------


def test_config_users_and_regback(tmp_path: Path) -> None:
    files = build_windows_volume(tmp_path / "C", "RDSH-01")
    groups = by_label(group_hosts(opened(tmp_path)))
    assert set(groups) == {"RDSH-01", "RDSH-01 (RegBack copy)"}

    live = groups["RDSH-01"]
    assert live.computer_name == "RDSH-01"
    assert live.snapshot == "live"
    assert live.paths == sorted(
        str(files[name])
        for name in (
            "DEFAULT", "SAM", "SECURITY", "SOFTWARE", "SYSTEM",
            "alice/NTUSER.DAT", "alice/UsrClass.dat",
        )
    )  # fmt: skip
    config = files["SYSTEM"].parent
    assert has_reason(live, f"same config directory {config}")
    assert has_reason(live, "user profile alice on the same volume", str(tmp_path / "C"))
    assert has_reason(
        live,
        "ComputerName 'RDSH-01' in SYSTEM\\ControlSet001\\Control\\ComputerName\\ComputerName",
        "Select\\Current",
    )
    assert live.hints == {
        "ProductName": "Windows Server 2019 Standard",
        "CurrentBuildNumber": "17763",
        "InstallDate": "2020-09-13T12:26:40Z",
    }

    regback = groups["RDSH-01 (RegBack copy)"]
    assert regback.snapshot == "RegBack copy"
    assert regback.computer_name == "RDSH-01"
    assert names(regback) == ["SOFTWARE", "SYSTEM"]
    assert has_reason(regback, f"same RegBack copy directory {config / 'RegBack'}")
    assert has_reason(regback, "older state", "kept apart from its live config")


def test_regback_without_its_own_system_borrows_the_hosts_name(tmp_path: Path) -> None:
    files = build_windows_volume(tmp_path / "C", "RDSH-02")
    files["RegBack/SYSTEM"].unlink()
    groups = by_label(group_hosts(opened(tmp_path)))
    regback = groups["RDSH-02 (RegBack copy)"]
    assert names(regback) == ["SOFTWARE"]
    assert has_reason(regback, "whose SYSTEM hive names the host 'RDSH-02'")
    assert "RDSH-02" in groups


def test_select_current_chooses_the_control_set(tmp_path: Path) -> None:
    put(tmp_path / "SYSTEM", system_hive("NEW-NAME", current=2, other="STALE-NAME"))
    [group] = group_hosts(opened(tmp_path))
    assert group.label == "NEW-NAME"
    assert has_reason(group, "ControlSet002\\Control\\ComputerName\\ComputerName")
    assert group.reasons[0] == "single input: a hive file outside any Windows layout"


def test_system_without_computer_name(tmp_path: Path) -> None:
    put(tmp_path / "SYSTEM", system_hive(None, other="ELSEWHERE"))
    [group] = group_hosts(opened(tmp_path))
    assert group.computer_name is None
    assert group.label == f"unnamed host ({tmp_path / 'SYSTEM'})"
    assert has_reason(group, "states no ComputerName")


def test_velociraptor_accessors_are_one_volume(tmp_path: Path) -> None:
    files = build_velociraptor(tmp_path / "collection", "VELO-01")
    [group] = group_hosts(opened(tmp_path / "collection"))
    assert group.label == "VELO-01"
    assert group.paths == sorted(
        str(files[name]) for name in ("SYSTEM", "SOFTWARE", "bob/NTUSER.DAT")
    )
    assert has_reason(group, "user profile bob on the same volume")
    assert group.hints["ProductName"] == "Windows 10 Pro"


def test_two_volumes_of_one_collection_are_two_hosts(tmp_path: Path) -> None:
    build_windows_volume(tmp_path / "kape" / "C", "HOST-C")
    put(tmp_path / "kape" / "D" / "Users" / "dave" / "NTUSER.DAT", ntuser_hive())
    groups = by_label(group_hosts(opened(tmp_path / "kape")))
    dave = groups[f"unnamed host (volume {tmp_path / 'kape' / 'D'})"]
    assert names(dave) == ["NTUSER.DAT"]
    assert has_reason(dave, "single input: no config directory found on the volume")
    assert "dave" not in " ".join(groups["HOST-C"].paths)


def test_user_profiles_without_config_group_by_volume(tmp_path: Path) -> None:
    users = tmp_path / "image" / "Users"
    put(users / "alice" / "NTUSER.DAT", ntuser_hive())
    put(users / "bob" / "NTUSER.DAT", ntuser_hive())
    put(
        users / "bob" / "AppData" / "Local" / "Microsoft" / "Windows" / "UsrClass.dat",
        usrclass_hive(),
    )
    [group] = group_hosts(opened(tmp_path))
    assert len(group.evidence) == 3
    assert has_reason(group, "user profile alice under the same volume's Users folder")
    assert has_reason(group, "user profile bob under the same volume's Users folder")
    assert has_reason(group, "no config directory found on the volume")


def test_second_system_in_a_config_directory_is_split_out(tmp_path: Path) -> None:
    files = build_windows_volume(tmp_path / "C", "RDSH-01")
    config = files["SYSTEM"].parent
    put(config / "system.sav", system_hive("SETUP-TIME"))
    groups = by_label(group_hosts(opened(tmp_path / "C" / "Windows")))
    sav = groups["SETUP-TIME"]
    assert names(sav) == ["system.sav"]
    assert has_reason(
        sav, f"not grouped with config directory {config}", "'SYSTEM' is that folder's SYSTEM hive"
    )
    assert "system.sav" not in names(groups["RDSH-01"])
    assert "SYSTEM" in names(groups["RDSH-01"])


# --- loose files -----------------------------------------------------------------------------


def test_two_loose_system_hives_in_separate_folders_are_two_hosts(tmp_path: Path) -> None:
    one = put(tmp_path / "a" / "evidence_001.bin", system_hive("RDSH-01"))
    two = put(tmp_path / "b" / "evidence_002.bin", system_hive("RDSH-02"))
    groups = by_label(group_hosts([open_evidence(one), open_evidence(two)]))
    assert set(groups) == {"RDSH-01", "RDSH-02"}
    assert groups["RDSH-01"].paths == [str(one)]
    assert groups["RDSH-02"].paths == [str(two)]


def test_two_loose_system_hives_in_one_folder_never_share_a_host(tmp_path: Path) -> None:
    one = put(tmp_path / "evidence_001.bin", system_hive("RDSH-01"))
    two = put(tmp_path / "evidence_002.bin", system_hive("RDSH-02"))
    software = put(tmp_path / "SOFTWARE", software_hive())
    groups = by_label(group_hosts(opened(tmp_path)))
    assert set(groups) == {"RDSH-01", "RDSH-02", f"unnamed host ({software})"}
    for group in groups.values():
        assert len(group.evidence) == 1
        assert has_reason(group, "not grouped by folder", "2 SYSTEM hives", "never share a host")
    assert groups["RDSH-01"].paths == [str(one)]
    assert groups["RDSH-02"].paths == [str(two)]


def test_two_system_hives_with_one_name_stay_apart_and_labels_stay_unique(
    tmp_path: Path,
) -> None:
    put(tmp_path / "a" / "SYSTEM", system_hive("RDSH-01"))
    put(tmp_path / "b" / "SYSTEM", system_hive("RDSH-01"))
    groups = group_hosts(opened(tmp_path))
    assert [g.label for g in groups] == ["RDSH-01", "RDSH-01 [2]"]
    assert all(g.computer_name == "RDSH-01" for g in groups)
    for group in groups:
        assert has_reason(group, "also names", "two SYSTEM hives never share a host")


def test_loose_folder_of_one_machine(tmp_path: Path) -> None:
    put(tmp_path / "system", system_hive("LOOSE-01"))
    put(tmp_path / "software", software_hive())
    put(tmp_path / "SAM", sam_hive())
    put(tmp_path / "SECURITY", security_hive())
    put(tmp_path / "admin_NTUSER.DAT.copy0", ntuser_hive())
    [group] = group_hosts(opened(tmp_path))
    assert group.label == "LOOSE-01"
    assert len(group.evidence) == 5
    assert has_reason(group, f"same folder {tmp_path}", "taken as one machine")


def test_loose_user_hives_without_a_machine_hive_stay_apart(tmp_path: Path) -> None:
    put(tmp_path / "NTUSER-alice.DAT", ntuser_hive())
    put(tmp_path / "NTUSER-bob.DAT", ntuser_hive())
    groups = group_hosts(opened(tmp_path))
    assert len(groups) == 2
    assert all(has_reason(g, "holds no machine hive") for g in groups)


def test_single_input(tmp_path: Path) -> None:
    hive = put(tmp_path / "hive.bin", software_hive())
    [group] = group_hosts([open_evidence(hive)])
    assert group.reasons[0].startswith("single input")
    assert group.label == f"unnamed host ({hive})"
    assert group.hints["ProductName"] == "Windows Server 2019 Standard"


def test_no_evidence_no_hosts() -> None:
    assert group_hosts([]) == []


# --- .reg files ------------------------------------------------------------------------------


def test_reg_file_in_another_folder_is_another_host(tmp_path: Path) -> None:
    # The export names the volume's machine, but lies in another folder: by default folders
    # are never crossed, whatever the ComputerName says.
    build_windows_volume(tmp_path / "case" / "C", "RDSH-01")
    export = put(tmp_path / "case" / "exports" / "rds.reg", reg_file("rdsh-01"))
    groups = group_hosts(opened(tmp_path / "case"))
    alone = next(g for g in groups if str(export) in g.paths)
    assert alone.paths == [str(export)]
    assert alone.computer_name == "rdsh-01"
    assert all(str(export) not in g.paths for g in groups if g is not alone)


def test_group_by_name_merges_the_export_on_request(tmp_path: Path) -> None:
    build_windows_volume(tmp_path / "case" / "C", "RDSH-01")
    export = put(tmp_path / "case" / "exports" / "rds.reg", reg_file("rdsh-01"))
    groups = by_label(group_hosts(opened(tmp_path / "case"), grouping=Grouping.NAME))
    live = groups["RDSH-01"]
    assert str(export) in live.paths
    assert has_reason(live, "the same ComputerName 'rdsh-01'", "--group name")
    assert str(export) not in groups["RDSH-01 (RegBack copy)"].paths


def test_reg_files_of_one_folder_are_one_host(tmp_path: Path) -> None:
    anonymous = put(tmp_path / "a.reg", reg_file(None))
    first = put(tmp_path / "b.reg", reg_file("WEB-01", literal_ccs=False))
    second = put(tmp_path / "c.reg", reg_file("web-01"))
    (web,) = group_hosts(opened(tmp_path))
    assert web.label == "WEB-01"
    assert web.paths == [str(anonymous), str(first), str(second)]
    assert has_reason(web, "ComputerName 'WEB-01' in SYSTEM\\ControlSet001\\Control")
    assert has_reason(web, "c.reg: the same folder and the same ComputerName 'WEB-01'")
    assert has_reason(web, "a.reg states no ComputerName", "same folder")


def test_reg_files_of_two_machines_in_one_folder_stay_apart(tmp_path: Path) -> None:
    one = put(tmp_path / "one.reg", reg_file("WEB-01"))
    two = put(tmp_path / "two.reg", reg_file("WEB-02"))
    anonymous = put(tmp_path / "x.reg", reg_file(None))
    groups = by_label(group_hosts(opened(tmp_path)))
    assert groups["WEB-01"].paths == [str(one)]
    assert groups["WEB-02"].paths == [str(two)]
    (alone,) = [g for g in groups.values() if g.paths == [str(anonymous)]]
    assert has_reason(alone, "its folder holds the evidence of 2 hosts", "not merged")


def test_two_customers_with_one_computer_name_are_two_hosts(tmp_path: Path) -> None:
    # Ticket folders of two customers whose session hosts are both called RDS01.
    first = put(tmp_path / "tickets" / "4711" / "SYSTEM.reg", reg_file("RDS01"))
    second = put(tmp_path / "tickets" / "4712" / "SYSTEM.reg", reg_file("RDS01"))
    groups = group_hosts(
        opened(tmp_path / "tickets"),
        arguments={str(first): str(tmp_path / "tickets"), str(second): str(tmp_path / "tickets")},
    )
    assert [(g.paths, g.case) for g in groups] == [([str(first)], "4711"), ([str(second)], "4712")]
    assert [g.label for g in groups] == ["RDS01", "RDS01 [2]"]


def test_group_none_keeps_every_file_apart(tmp_path: Path) -> None:
    build_windows_volume(tmp_path / "C", "RDSH-01")
    evidence = opened(tmp_path)
    groups = group_hosts(evidence, grouping=Grouping.NONE)
    assert sorted(p for g in groups for p in g.paths) == sorted(e.path for e in evidence)
    assert all(len(g.paths) == 1 for g in groups)
    assert len(groups) == len(evidence) > 5


def test_group_folder_ignores_the_volume_layout(tmp_path: Path) -> None:
    files = build_windows_volume(tmp_path / "C", "RDSH-01")
    groups = group_hosts(opened(tmp_path), grouping=Grouping.FOLDER)
    config = next(g for g in groups if str(files["SYSTEM"]) in g.paths)
    # The user profile hive is in another folder: not joined without the layout rule.
    assert str(files["alice/NTUSER.DAT"]) not in config.paths
    assert str(files["SOFTWARE"]) in config.paths


def test_case_is_the_folder_relative_to_the_argument(tmp_path: Path) -> None:
    volume = tmp_path / "collection" / "host-a" / "C"
    files = build_windows_volume(volume, "RDSH-01")
    evidence = opened(tmp_path / "collection")
    arguments = {item.path: str(tmp_path / "collection") for item in evidence}
    live = by_label(group_hosts(evidence, arguments=arguments))["RDSH-01"]
    assert live.case == str(Path("host-a") / "C")
    assert live.folder == str(volume)
    loose = put(tmp_path / "single" / "SYSTEM", system_hive("LOOSE-01"))
    (alone,) = group_hosts([open_evidence(loose)], arguments={str(loose): str(loose)})
    assert alone.case == "single"  # the argument is the file: its folder names the case
    assert files


def test_computer_name_readers() -> None:
    parsed = loads(reg_file("FROM-REG").decode("utf-16"), source="x.reg")
    hive = parsed.hives["HKEY_LOCAL_MACHINE\\SYSTEM"]
    found = read_computer_name(hive)
    assert found is not None
    assert (found.name, found.control_set_source) == ("FROM-REG", None)
    assert read_software_hints(parsed.hives["HKEY_LOCAL_MACHINE\\SOFTWARE"]) == {}


# --- determinism, corpus ---------------------------------------------------------------------


def test_order_does_not_depend_on_input_order(tmp_path: Path) -> None:
    build_windows_volume(tmp_path / "C", "RDSH-01")
    build_velociraptor(tmp_path / "velo", "VELO-01")
    put(tmp_path / "loose" / "evidence_001.bin", system_hive("LOOSE-01"))
    put(tmp_path / "loose" / "x.reg", reg_file("RDSH-01"))
    evidence = opened(tmp_path)
    expected = [(g.label, g.paths, g.reasons) for g in group_hosts(evidence)]
    shuffled = list(evidence)
    random.Random(7).shuffle(shuffled)
    assert [(g.label, g.paths, g.reasons) for g in group_hosts(shuffled)] == expected
    firsts = [g.paths[0] for g in group_hosts(evidence)]
    assert firsts == sorted(firsts)
    # loose/x.reg names RDSH-01, not the LOOSE-01 hive beside it: another machine.
    assert [g.label for g in group_hosts(evidence)] == [
        "RDSH-01",
        "RDSH-01 (RegBack copy)",
        "LOOSE-01",
        "RDSH-01 [2]",
        "VELO-01",
    ]


@pytest.mark.corpus
def test_corpus_hackfortress_xp_is_one_host(corpus: Path) -> None:
    folder = corpus / "hives" / "hackfortress-xp"
    [group] = group_hosts(opened(folder))
    assert group.label == "RAWR"
    assert group.computer_name == "RAWR"
    assert sorted(Path(p).name for p in group.paths) == [
        "SAM", "SECURITY", "admin_NTUSER.DAT.copy0", "software", "system",
    ]  # fmt: skip
    assert has_reason(group, f"same folder {folder}", "taken as one machine")
    assert has_reason(
        group,
        "ComputerName 'RAWR' in SYSTEM\\ControlSet001\\Control\\ComputerName\\ComputerName",
        "Select\\Current",
    )
    assert group.hints["ProductName"] == "Microsoft Windows XP"
    assert group.hints["CSDVersion"] == "Service Pack 3"
    assert group.hints["InstallDate"].startswith("2010-06-03T")


@pytest.mark.corpus
def test_corpus_mixed_folder_keeps_system_hives_apart(corpus: Path) -> None:
    groups = group_hosts(opened(corpus / "hives" / "regipy"))
    systems = [
        g for g in groups if any(m.hive.hive_type == "SYSTEM" for e in g.evidence for m in e.hives)
    ]
    assert len(systems) >= 4
    assert all(len(g.evidence) == 1 for g in systems)
    assert {"WKS-WIN732BITA", "SENSEI"} <= {g.label for g in systems}


def test_the_same_file_twice_counts_once(tmp_path: Path) -> None:
    hive = put(tmp_path / "config" / "SYSTEM", system_hive("RDSH-01"))
    [group] = group_hosts([open_evidence(hive), open_evidence(hive)])
    assert group.paths == [str(hive)]
    assert group.label == "RDSH-01"


def _system_reg(name: str) -> bytes:
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName]\r\n"
        f'"ComputerName"="{name}"\r\n\r\n'
    )
    return b"\xff\xfe" + text.encode("utf-16-le")


def _software_reg() -> bytes:
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services]\r\n"
        '"LicensingMode"=dword:00000002\r\n\r\n'
    )
    return b"\xff\xfe" + text.encode("utf-16-le")


def test_unnamed_reg_bringing_another_hive_joins_the_host_in_its_folder(tmp_path: Path) -> None:
    named = put(tmp_path / "ticket" / "SYSTEM.reg", _system_reg("RDS-7"))
    software = put(tmp_path / "ticket" / "SOFTWARE.reg", _software_reg())
    [group] = group_hosts(opened(tmp_path / "ticket"))
    assert group.paths == [str(software), str(named)] or group.paths == [str(named), str(software)]
    assert has_reason(group, "SOFTWARE.reg states no ComputerName", "same folder")


def test_second_export_of_a_hive_type_joins_as_another_source(tmp_path: Path) -> None:
    # Two SOFTWARE exports beside a named SYSTEM.reg: one ticket, one machine; where the two
    # exports disagree the report shows both (evidence.conflict), it does not split them.
    put(tmp_path / "ticket" / "SYSTEM.reg", _system_reg("RDS-7"))
    put(tmp_path / "ticket" / "SOFTWARE.reg", _software_reg())
    put(tmp_path / "ticket" / "more-software.reg", _software_reg())
    (group,) = group_hosts(opened(tmp_path / "ticket"))
    assert len(group.evidence) == 3


def test_a_hive_joined_by_its_export_is_no_single_input(tmp_path: Path) -> None:
    ticket = tmp_path / "ticket"
    put(ticket / "SYSTEM", system_hive("RDS-7"))
    put(ticket / "SOFTWARE.reg", _software_reg())
    (group,) = group_hosts(opened(ticket))
    assert len(group.evidence) == 2
    assert not any(reason.startswith("single input") for reason in group.reasons)
    assert group.reasons[0] == "a hive file outside any Windows layout"


@pytest.mark.parametrize("layout", ["loose", "volume"])
def test_folders_are_shown_as_the_evidence_was_named(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Named relatively, every folder a grouping reason or the host shows is relative;
    named absolutely, absolute."""
    if layout == "loose":
        put(tmp_path / "ticket" / "SYSTEM", system_hive("RDS-7"))
        put(tmp_path / "ticket" / "SOFTWARE", software_hive())
    else:
        build_windows_volume(tmp_path / "ticket" / "C", "RDS-7")
    monkeypatch.chdir(tmp_path)
    for argument, absolute in ((Path("ticket"), False), (tmp_path / "ticket", True)):
        groups = group_hosts(opened(argument))
        shown = [text for g in groups for text in (*g.reasons, g.folder)]
        assert shown
        assert any("ticket" in text for text in shown)
        assert all((str(tmp_path) in text) == absolute for text in shown if "ticket" in text)
