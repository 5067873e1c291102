from __future__ import annotations

import pytest

from hiveparse.errors import UsageError
from hiveparse.model import HiveType
from hiveparse.paths import default_mount, locate, parse_registry_path


@pytest.mark.parametrize(
    ("text", "mount", "hive", "relative"),
    [
        (
            r"HKLM\SYSTEM\CurrentControlSet\Control",
            r"HKEY_LOCAL_MACHINE\SYSTEM",
            "SYSTEM",
            r"CurrentControlSet\Control",
        ),
        (
            r"hkey_local_machine\software\Microsoft",
            r"HKEY_LOCAL_MACHINE\software",
            "SOFTWARE",
            "Microsoft",
        ),
        (
            r"HKCU\Software\Microsoft\MSLicensing",
            "HKEY_CURRENT_USER",
            "NTUSER",
            r"Software\Microsoft\MSLicensing",
        ),
        (
            r"HKU\S-1-5-21-1-2-3-1001\Software",
            r"HKEY_USERS\S-1-5-21-1-2-3-1001",
            "NTUSER",
            "Software",
        ),
        (
            r"HKU\S-1-5-21-1-2-3-1001_Classes\CLSID",
            r"HKEY_USERS\S-1-5-21-1-2-3-1001_Classes",
            "USRCLASS",
            "CLSID",
        ),
        (r"HKU\.DEFAULT\Control Panel", r"HKEY_USERS\.DEFAULT", "DEFAULT", "Control Panel"),
        (r"HKCR\.txt", r"HKEY_LOCAL_MACHINE\SOFTWARE", "SOFTWARE", r"Classes\.txt"),
        (
            r"HKCC\Software",
            r"HKEY_LOCAL_MACHINE\SYSTEM",
            "SYSTEM",
            r"CurrentControlSet\Hardware Profiles\Current\Software",
        ),
        (r"HKU\S-1-5-18\Software", r"HKEY_USERS\S-1-5-18", "DEFAULT", "Software"),
        (
            r"HKLM\OFFLINE_SYSTEM\ControlSet001",
            r"HKEY_LOCAL_MACHINE\OFFLINE_SYSTEM",
            "SYSTEM",
            "ControlSet001",
        ),
        (
            r"HKLM\CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}\Select",
            r"HKEY_LOCAL_MACHINE\CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}",
            "SYSTEM",
            "Select",
        ),
        (r"HKLM\TempHive\Foo", r"HKEY_LOCAL_MACHINE\TempHive", "UNKNOWN", "Foo"),
    ],
)
def test_locate(text: str, mount: str, hive: str, relative: str):
    location = locate(parse_registry_path(text))
    assert (location.mount, str(location.hive_type), location.relative) == (mount, hive, relative)


def test_mount_name_normalisation_is_reported():
    assert locate(parse_registry_path(r"HKLM\OFFLINE_SYSTEM\X")).mount_name_normalised
    assert not locate(parse_registry_path(r"HKLM\SYSTEM\X")).mount_name_normalised


@pytest.mark.parametrize("bad", ["", "SYSTEM\\Select", "HKEY_NOWHERE\\X"])
def test_paths_without_a_root_are_usage_errors(bad: str):
    with pytest.raises(UsageError):
        parse_registry_path(bad)


def test_default_mounts():
    assert default_mount(HiveType.SYSTEM) == r"HKEY_LOCAL_MACHINE\SYSTEM"
    assert default_mount(HiveType.NTUSER) == "HKEY_CURRENT_USER"
    assert default_mount(HiveType.UNKNOWN, "HIVE1") == r"HKEY_LOCAL_MACHINE\HIVE1"
