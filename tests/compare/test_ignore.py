"""The glob rules of --ignore and of the default lists (volatile, machine-specific)."""

from __future__ import annotations

from hiveparse.compare.ignore import DEFAULT_IGNORES, IgnoreRules
from hiveparse.compare.machine import MACHINE_SPECIFIC, machine_rules

CCS = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet"


def test_a_pattern_matches_whole_paths_case_insensitively_with_a_short_root():
    rules = IgnoreRules(("hklm\\system\\currentcontrolset\\services\\w32time",), defaults=False)
    assert rules.ignores(f"{CCS}\\Services\\W32Time")
    assert not rules.ignores(f"{CCS}\\Services\\W32Time\\Parameters")  # whole paths only
    assert not rules.ignores(f"{CCS}\\Services\\W32TimeX")
    star = IgnoreRules(("HKLM\\SYSTEM\\*\\Parameters",), defaults=False)
    assert star.ignores(f"{CCS}\\Services\\W32Time\\Parameters")  # * crosses backslashes
    assert star.to_list() == [{"pattern": "HKLM\\SYSTEM\\*\\Parameters", "why": None, "matched": 1}]


def test_the_defaults_are_on_unless_turned_off():
    shutdown = f"{CCS}\\Control\\Windows\\ShutdownTime"
    assert IgnoreRules((), defaults=True).ignores(shutdown)
    assert not IgnoreRules((), defaults=False).ignores(shutdown)
    assert all(item.why for item in DEFAULT_IGNORES)


def test_machine_specific_places_name_their_reason():
    rules = machine_rules()
    computer = rules.match(f"{CCS}\\Control\\ComputerName\\ComputerName\\ComputerName")
    assert computer is not None and computer.why == "the computer's name"
    assert (
        rules.match(f"{CCS}\\Control\\Terminal Server\\RCM\\Licensing Core\\LicensingMode") is None
    )
    assert rules.match("HKEY_LOCAL_MACHINE\\SECURITY\\Policy\\Secrets") is not None
    # XP's product activation and per-adapter addresses (found diffing two XP machines)
    assert rules.match("HKEY_LOCAL_MACHINE\\SYSTEM\\WPA\\Key-4F3B2\\ProductID") is not None
    adapter = f"{CCS}\\Services\\{{4D36E972-E325-11CE}}\\Parameters\\Tcpip\\DhcpServer"
    assert rules.match(adapter) is not None
    assert all(item.why for item in MACHINE_SPECIFIC)


def test_narrowing_keeps_exactly_the_rules_that_could_match_at_or_below_a_key():
    rules = IgnoreRules(
        ("HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\*", "HKLM\\SOFTWARE\\X*"),
        defaults=False,
    )
    system = "HKEY_LOCAL_MACHINE\\SYSTEM"
    assert rules.narrow(system) == (0,)
    assert rules.narrow(f"{CCS}\\Services") == (0,)
    assert rules.narrow(f"{CCS}\\Services\\bam\\State") == (0,)
    assert rules.narrow(f"{CCS}\\Control") == ()
    assert rules.narrow("HKEY_LOCAL_MACHINE\\SOFTWARE\\Xerox") == (1,)  # the glob runs on
    # CurrentControlSet stands for every control set.
    assert rules.narrow("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\bam") == (0,)
    assert rules.narrow("HKEY_LOCAL_MACHINE\\SYSTEM\\Setup") == ()
    assert rules.narrow("HKEY_LOCAL_MACHINE\\SOFTWARE\\Y") == ()
    # Only the rules narrowed to are tried.
    assert not rules.ignores(f"{CCS}\\Services\\bam\\State", among=())
    assert rules.ignores(f"{CCS}\\Services\\bam\\State", among=(0,))
