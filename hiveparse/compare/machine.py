"""Places whose values belong to one machine and are meant to differ between machines.

A patch that carried them over would rename the machine, give it another's certificates,
licensing timebomb, hardware map or secrets, or delete them. Each place covers a key (or a
value) and everything below it, in every control set. ``diff`` reports them as any
difference (marked ``machine_specific`` with the reason); the .reg patch names them in
comments, never as settings to import or keys to delete. Patterns are globs over full
paths, as ``--ignore`` takes them (:mod:`hiveparse.compare.ignore`).
"""

from __future__ import annotations

from hiveparse.compare.ignore import CCS, SOFTWARE, KnownPlace, PathRules, path_rule

_NT = f"{SOFTWARE}\\Microsoft\\Windows NT\\CurrentVersion"
_RCM = f"{CCS}\\Control\\Terminal Server\\RCM"

MACHINE_SPECIFIC: tuple[KnownPlace, ...] = (
    KnownPlace(f"{CCS}\\Control\\ComputerName", "the computer's name"),
    KnownPlace("HKEY_LOCAL_MACHINE\\SYSTEM\\Select",
               "which of this machine's control sets it boots from"),
    KnownPlace(f"{CCS}\\Services\\Tcpip\\Parameters\\Hostname", "the computer's DNS host name"),
    KnownPlace(f"{CCS}\\Services\\Tcpip\\Parameters\\NV Hostname",
               "the computer's DNS host name (as set for the next boot)"),
    KnownPlace(f"{CCS}\\Services\\Tcpip\\Parameters\\Interfaces",
               "the network interfaces' addresses, per adapter"),
    KnownPlace(f"{_RCM}\\GracePeriod", "the licensing grace-period timebomb, encrypted with "
               "this machine's DPAPI keys"),
    KnownPlace(f"{_RCM}\\Secrets", "the session host's own secrets (L$HYDRAENCKEY_...), "
               "encrypted with this machine's keys"),
    KnownPlace(f"{_RCM}\\X509 Certificate*", "the session host's own certificate and key"),
    KnownPlace(f"{_RCM}\\Certificate", "the session host's own proprietary certificate"),
    KnownPlace(f"{CCS}\\Services\\TermService\\Parameters\\LicensingGracePeriod*",
               "this machine's own licensing grace-period state"),
    KnownPlace(f"{CCS}\\Control\\Terminal Server\\WinStations\\*\\SSLCertificateSHA1Hash",
               "the thumbprint of a certificate in this machine's store"),
    KnownPlace(f"{CCS}\\Control\\Lsa\\JD", "a part of the boot key"),
    KnownPlace(f"{CCS}\\Control\\Lsa\\Skew1", "a part of the boot key"),
    KnownPlace(f"{CCS}\\Control\\Lsa\\GBG", "a part of the boot key"),
    KnownPlace(f"{CCS}\\Control\\Lsa\\Data", "a part of the boot key"),
    KnownPlace(f"{CCS}\\Enum", "the devices found on this hardware"),
    KnownPlace("HKEY_LOCAL_MACHINE\\SYSTEM\\MountedDevices", "this machine's volumes"),
    KnownPlace("HKEY_LOCAL_MACHINE\\SYSTEM\\WPA",
               "Windows product activation of this installation (product ID and key, seeds)"),
    KnownPlace(f"{CCS}\\Services\\{{*}}\\Parameters\\Tcpip",
               "a network adapter's addresses (Windows XP / 2003 keep them per adapter here)"),
    KnownPlace(f"{_NT}\\InstallDate", "when Windows was installed"),
    KnownPlace(f"{_NT}\\InstallTime", "when Windows was installed"),
    KnownPlace(f"{_NT}\\ProductId", "the product ID of this installation"),
    KnownPlace(f"{_NT}\\DigitalProductId*", "the product key of this installation"),
    KnownPlace(f"{SOFTWARE}\\Microsoft\\Cryptography\\MachineGuid", "the machine's GUID"),
    KnownPlace(f"{SOFTWARE}\\Microsoft\\MSLicensing",
               "the client access licenses this machine holds as an RDP client"),
    KnownPlace("HKEY_LOCAL_MACHINE\\SECURITY", "LSA secrets and policy of this machine"),
    KnownPlace("HKEY_LOCAL_MACHINE\\SAM", "this machine's local accounts"),
)  # fmt: skip


def machine_rules() -> PathRules:
    """Each place and everything below it (a key, its values, its subkeys), in every
    control set."""
    return PathRules([path_rule(item.pattern, item.why, subtree=True) for item in MACHINE_SPECIFIC])
