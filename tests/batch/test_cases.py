"""Which folders are split into cases: never where hosts could span the entries (a Windows
volume, a collection, a folder of one machine's files), always between tickets."""

from __future__ import annotations

from pathlib import Path

from hiveparse.batch.cases import Case, split_cases

REG = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n"


def _reg(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REG)
    return path


def _names(cases: list[Case]) -> list[str | None]:
    return [case.name for case in cases]


def test_a_folder_of_tickets_is_split_by_ticket_and_ignores_stray_files(tmp_path: Path) -> None:
    root = tmp_path / "tickets"
    _reg(root / "4712" / "SYSTEM.reg")
    _reg(root / "4711" / "export" / "SYSTEM.reg")
    (root / "4713").mkdir()
    (root / "README.txt").write_text("the queue of the week")
    cases = split_cases([root])
    # A folder of folders is split again: host.case names the same folder.
    assert _names(cases) == ["4711/export", "4712", "4713"]
    assert cases[0].paths == (str(root / "4711" / "export"),)
    assert all(case.argument == str(root) for case in cases)


def test_customers_of_tickets_are_split_down_to_the_tickets(tmp_path: Path) -> None:
    root = tmp_path / "queue"
    _reg(root / "acme" / "4711" / "SYSTEM.reg")
    _reg(root / "acme" / "4712" / "SYSTEM.reg")
    _reg(root / "globex" / "9001" / "SYSTEM.reg")
    assert _names(split_cases([root])) == ["acme/4711", "acme/4712", "globex/9001"]


def test_a_folder_holding_evidence_itself_is_one_case(tmp_path: Path) -> None:
    root = tmp_path / "ticket"
    _reg(root / "SYSTEM.reg")
    _reg(root / "older" / "SYSTEM.reg")
    assert split_cases([root]) == [Case((str(root),), str(root), None)]


def test_volumes_and_collections_are_never_split(tmp_path: Path) -> None:
    volume = tmp_path / "mounted"
    _reg(volume / "Windows" / "System32" / "config" / "SYSTEM.reg")
    _reg(volume / "Users" / "ann" / "NTUSER.reg")
    kape = tmp_path / "kape"
    _reg(kape / "C" / "Windows" / "System32" / "config" / "SYSTEM.reg")
    velociraptor = tmp_path / "velo"
    _reg(velociraptor / "uploads" / "auto" / "C%3A" / "Windows" / "System32" / "config" / "x.reg")
    for folder in (volume, kape, velociraptor):
        assert split_cases([folder]) == [Case((str(folder),), str(folder), None)], folder
    # A volume's Users folder given alone: each profile is a case (nothing else of the
    # volume is in the argument for them to meet).
    assert _names(split_cases([volume / "Users"])) == ["ann"]


def test_a_collection_below_the_tickets_stays_whole(tmp_path: Path) -> None:
    root = tmp_path / "tickets"
    _reg(root / "4711" / "C" / "Windows" / "System32" / "config" / "SYSTEM.reg")
    _reg(root / "4711" / "C" / "Users" / "ann" / "NTUSER.reg")
    _reg(root / "4712" / "SYSTEM.reg")
    assert _names(split_cases([root])) == ["4711", "4712"]


def test_file_arguments_stay_together_and_overlaps_are_one_case(tmp_path: Path) -> None:
    system = _reg(tmp_path / "a" / "SYSTEM.reg")
    software = _reg(tmp_path / "a" / "SOFTWARE.reg")
    tickets = tmp_path / "tickets"
    _reg(tickets / "1" / "SYSTEM.reg")
    _reg(tickets / "2" / "SYSTEM.reg")
    cases = split_cases([tickets, system, software])
    assert [c.paths for c in cases] == [
        (str(tickets / "1"),),
        (str(tickets / "2"),),
        (str(system), str(software)),
    ]
    nested = split_cases([tickets, tickets / "1"])
    assert nested == [Case((str(tickets), str(tickets / "1")), None)]
    by_name = split_cases([tickets], merge_by_name=True)
    assert by_name == [Case((str(tickets),), str(tickets))]


def test_a_queue_kept_under_a_folder_called_users_is_still_a_batch(tmp_path: Path) -> None:
    """Only the argument's own layout counts (a queue kept in a home folder under Users, or in
    a folder named uploads, is still a batch)."""
    root = tmp_path / "Users" / "alice" / "uploads" / "tickets"
    _reg(root / "1" / "SYSTEM.reg")
    _reg(root / "2" / "SYSTEM.reg")
    assert _names(split_cases([root])) == ["1", "2"]


def test_a_velociraptor_uploads_folder_is_one_collection(tmp_path: Path) -> None:
    uploads = tmp_path / "F.1234" / "uploads"
    _reg(uploads / "auto" / "C%3A" / "Windows" / "System32" / "config" / "SYSTEM.reg")
    _reg(uploads / "ntfs" / "%5C%5C.%5CC%3A" / "Windows" / "System32" / "config" / "SAM.reg")
    assert split_cases([uploads]) == [Case((str(uploads),), str(uploads), None)]
