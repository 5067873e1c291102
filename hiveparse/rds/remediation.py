"""Remediation texts, one per finding id, the safe route first (DESIGN.md).

Order in every text: the management tools (RD Licensing Manager, RD Licensing Diagnoser),
Group Policy, ``Set-RDLicenseConfiguration`` for broker-managed deployments, WMI
(``Win32_TerminalServiceSetting``). A registry edit comes last, only where no tool does the
job, and is always preceded by an export of the key (:func:`registry_last_resort`).

Group Policy overrides what Server Manager and WMI write (§3.3), so where a policy value is
involved the fix is made in the GPO itself; editing ``SOFTWARE\\Policies`` by hand is undone
at the next policy refresh.
"""

from __future__ import annotations

LICENSING_GPO = (
    r"Computer Configuration\Administrative Templates\Windows Components\Remote Desktop "
    r"Services\Remote Desktop Session Host\Licensing"
)
SECURITY_GPO = (
    r"Computer Configuration\Administrative Templates\Windows Components\Remote Desktop "
    r"Services\Remote Desktop Session Host\Security"
)
CONNECTIONS_GPO = (
    r"Computer Configuration\Administrative Templates\Windows Components\Remote Desktop "
    r"Services\Remote Desktop Session Host\Connections"
)
RCM_LICENSING_CORE = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM\Licensing Core"
TERMSERVICE_LICENSE_SERVERS = (
    r"HKLM\SYSTEM\CurrentControlSet\Services\TermService\Parameters\LicenseServers"
)
RDP_TCP = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp"
TS_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services"
MSLICENSING = r"HKLM\SOFTWARE\Microsoft\MSLicensing"

DIAGNOSER = (
    "Open RD Licensing Diagnoser (Server Manager > Tools > Remote Desktop Services > RD "
    "Licensing Diagnoser) on the session host and RD Licensing Manager (licmgr.exe) on the "
    "license server to confirm what Windows itself reports."
)
SET_RD_LICENSE = (
    "In an RD Connection Broker deployment: Set-RDLicenseConfiguration -LicenseServer "
    "ls1.contoso.com -Mode PerUser -ConnectionBroker cb.contoso.com (or Server Manager > "
    "Remote Desktop Services > Deployment Overview > Tasks > Edit Deployment Properties > RD "
    "Licensing)."
)
WMI_MODE = (
    "Without a broker, through WMI: $ts = Get-CimInstance -Namespace "
    "root/cimv2/TerminalServices -ClassName Win32_TerminalServiceSetting; Invoke-CimMethod "
    "-InputObject $ts -MethodName ChangeMode -Arguments @{LicensingType=4} (2 = Per Device, "
    "4 = Per User)."
)
WMI_SERVERS = (
    "Without a broker, through WMI: Invoke-CimMethod -InputObject $ts -MethodName "
    "SetSpecifiedLicenseServerList -Arguments @{LicenseServers=[string[]]@('ls1.contoso.com')} "
    "($ts = the Win32_TerminalServiceSetting instance in root/cimv2/TerminalServices)."
)
GPO_MODE = (
    f"Group Policy: {LICENSING_GPO} > 'Set the Remote Desktop licensing mode' = Per User or "
    "Per Device, matching the CALs installed on the license server."
)
GPO_SERVERS = (
    f"Group Policy: {LICENSING_GPO} > 'Use the specified Remote Desktop license servers' = "
    "the license servers' FQDNs, separated by commas, without spaces."
)


TERMSERVICE_RESTART = "restart the Remote Desktop Services service (TermService)"


def registry_last_resort(
    key: str, backup: str, commands: str, then: str = TERMSERVICE_RESTART
) -> str:
    """The registry route, always after an export of the key it changes; ``then``: what
    makes the change take effect."""
    return (
        f"Last resort only, when none of the above is available: export a backup first: reg "
        f'export "{key}" {backup} /y ; then {commands} and {then}.'
    )


MODE_NOT_CONFIGURED = " ".join(
    (
        GPO_MODE,
        SET_RD_LICENSE,
        WMI_MODE,
        DIAGNOSER,
        registry_last_resort(
            RCM_LICENSING_CORE,
            "licensing-core-backup.reg",
            f'reg add "{RCM_LICENSING_CORE}" /v LicensingMode /t REG_DWORD /d 4 /f (2 for Per '
            "Device)",
        ),
    )
)

MODE_INVALID = " ".join(
    (
        "Set a documented mode (2 Per Device, 4 Per User; 6 only on Windows 10/11 Enterprise "
        "multi-session) with the tools, which write the right value and type:",
        GPO_MODE,
        SET_RD_LICENSE,
        WMI_MODE,
        DIAGNOSER,
        "For a wrong or undocumented value in the policy layer, fix the GPO that delivers it "
        "(gpresult /h report.html names it); a hand edit of the policy key is undone at the "
        "next refresh.",
        registry_last_resort(
            RCM_LICENSING_CORE,
            "licensing-core-backup.reg",
            f'reg add "{RCM_LICENSING_CORE}" /v LicensingMode /t REG_DWORD /d 4 /f',
        ),
    )
)

MODE_POLICY_OVERRIDES_LOCAL = " ".join(
    (
        "Decide which mode is intended (it must match the CAL type on the license server). "
        "Windows uses the Group Policy value, so change it where it is set: run gpresult /h "
        "report.html on the host to find the GPO, then edit "
        f"{LICENSING_GPO} > 'Set the Remote Desktop licensing mode'.",
        "Then align the local setting so Server Manager shows the same mode:",
        SET_RD_LICENSE,
        WMI_MODE,
        "No registry edit is needed: a hand edit of the policy key is undone at the next policy "
        "refresh.",
    )
)

SERVERS_NONE = " ".join(
    (
        GPO_SERVERS,
        SET_RD_LICENSE,
        WMI_SERVERS,
        "In a workgroup automatic discovery cannot find a license server (it needs Active "
        "Directory or domain controllers), so the server must be named explicitly and the "
        "CALs must be Per Device.",
        DIAGNOSER,
        registry_last_resort(
            TERMSERVICE_LICENSE_SERVERS,
            "license-servers-backup.reg",
            f'reg add "{TERMSERVICE_LICENSE_SERVERS}" /v SpecifiedLicenseServers /t '
            "REG_MULTI_SZ /d ls1.contoso.com /f",
        ),
    )
)

SERVERS_ANOMALY = " ".join(
    (
        "Re-enter the list with the tools, which store it in the right form:",
        GPO_SERVERS,
        SET_RD_LICENSE,
        WMI_SERVERS,
        DIAGNOSER,
        registry_last_resort(
            TERMSERVICE_LICENSE_SERVERS,
            "license-servers-backup.reg",
            f'reg add "{TERMSERVICE_LICENSE_SERVERS}" /v SpecifiedLicenseServers /t '
            r"REG_MULTI_SZ /d ls1.contoso.com\0ls2.contoso.com /f (one name per string, "
            "trimmed)",
        ),
    )
)

GRACE_EXPIRED = " ".join(
    (
        "Make the host fully licensed instead of relying on the grace period: on the license "
        "server, activate it and install CALs of the type the host uses in RD Licensing "
        "Manager; on the session host set the mode and the license servers:",
        GPO_MODE,
        GPO_SERVERS,
        SET_RD_LICENSE,
        DIAGNOSER,
        "Do not reset the grace period: that breaks the license terms and hides the problem. "
        "No registry edit is recommended for this finding.",
    )
)

GRACE_EXPIRING = GRACE_EXPIRED

GRACE_RESET_SUSPECTED = " ".join(
    (
        "Preserve the evidence before any change: image or copy the SYSTEM, SOFTWARE and "
        "SECURITY hives with their transaction logs and the machine DPAPI master keys "
        r"(%WINDIR%\System32\Microsoft\Protect\S-1-5-18) so the timebomb can be decrypted "
        "offline.",
        "Correlate with the event logs (TerminalServices-RemoteConnectionManager 1069 and "
        "the licensing events) and look for scheduled tasks or scripts named like "
        "Reset-TSGracePeriod.",
        "Then license the host properly: activate the license server and install CALs in RD "
        "Licensing Manager, set mode and servers by Group Policy or Set-RDLicenseConfiguration, "
        "and check with RD Licensing Diagnoser.",
        "No registry edit is recommended: do not restore or delete the GracePeriod key by hand.",
    )
)

CERT_NEVER_LICENSED = " ".join(
    (
        "Connect the host to an activated license server with CALs of the right type: "
        "install and activate the RD Licensing role and the CALs with RD Licensing Manager, "
        "then on the session host:",
        GPO_MODE,
        GPO_SERVERS,
        SET_RD_LICENSE,
        WMI_SERVERS,
        DIAGNOSER,
        "The X509 Certificate value is written by Windows once a license server has issued "
        "the host its certificate; it is not something to create by hand. No registry edit is "
        "recommended for this finding.",
    )
)

CLIENT_TEMPORARY_LICENSE = " ".join(
    (
        "A temporary CAL means the license server had no permanent CAL of the requested type "
        "for this client. In RD Licensing Manager on the issuing server, check that Per Device "
        "CALs of the session host's version are installed and the server is activated; the "
        "client gets a permanent CAL at its next connection before the temporary one expires.",
        DIAGNOSER,
        "If the client keeps failing with 'could not be upgraded or renewed', last resort on "
        f'the client: export a backup first: reg export "{MSLICENSING}" mslicensing-backup.reg '
        f'/y ; then reg delete "{MSLICENSING}" /f and start mstsc once as administrator so it '
        "recreates the store.",
    )
)

NLA_DISABLED = " ".join(
    (
        f"Group Policy: {SECURITY_GPO} > 'Require user authentication for remote connections "
        "by using Network Level Authentication' = Enabled. Or System Properties > Remote > "
        "'Allow connections only from computers running Remote Desktop with Network Level "
        "Authentication'. Or WMI: Invoke-CimMethod on the Win32_TSGeneralSetting instance "
        "(TerminalName='RDP-Tcp') -MethodName SetUserAuthenticationRequired -Arguments "
        "@{UserAuthenticationRequired=1}.",
        registry_last_resort(
            RDP_TCP,
            "rdp-tcp-backup.reg",
            f'reg add "{RDP_TCP}" /v UserAuthentication /t REG_DWORD /d 1 /f',
        ),
    )
)

PORT_NONDEFAULT = " ".join(
    (
        "Confirm the port change was intended (a moved listener is a common hardening step "
        "and also a persistence trick): check change records and the firewall rules that open "
        "the port. If it must go back to 3389, follow Microsoft's 'Change the listening port "
        "for Remote Desktop' procedure and update the firewall rule.",
        registry_last_resort(
            RDP_TCP,
            "rdp-tcp-backup.reg",
            f'reg add "{RDP_TCP}" /v PortNumber /t REG_DWORD /d 3389 /f',
        ),
    )
)

RDP_ENABLED = (
    "For the record only. If remote connections are not needed, turn them off in System "
    f"Properties > Remote or by Group Policy: {CONNECTIONS_GPO} > 'Allow users to connect "
    "remotely by using Remote Desktop Services' = Disabled; otherwise limit exposure (RD "
    "Gateway, firewall scope, Network Level Authentication)."
)

CONTROLSET_DIFFERS = (
    "No change to make on the host: this is a forensic observation. Keep the hive as evidence "
    "and compare the older ControlSet's values with change records; an older ControlSet "
    "(LastKnownGood) can keep the state from before a change. Never edit ControlSetNNN keys "
    "by hand."
)

TOOLTIP_HIDDEN = " ".join(
    (
        f"If the notification should be visible again: Group Policy {LICENSING_GPO} > 'Hide "
        "notifications about RD Licensing problems that affect the RD Session Host server' = "
        "Not Configured or Disabled (find the GPO with gpresult /h report.html). Hardening "
        "baselines set this on purpose; together with reset indicators it hides the licensing "
        "problem from administrators.",
        "No registry edit is needed: a hand edit of the policy key is undone at the next policy "
        "refresh.",
    )
)

REG_ONLY_LIMITS = (
    "For owner/ACL and last-write checks, analyse the raw hives: collect SYSTEM, SOFTWARE and "
    "SECURITY with their .LOG1/.LOG2 files from a disk image, a volume shadow copy or a "
    r"KAPE / Velociraptor collection (on a live host: reg save HKLM\SYSTEM system.hiv)."
)

MODE_LEGACY = (
    "Windows XP / Server 2003 keep the grace-period timebomb as an LSA secret: supply the "
    "SECURITY hive (with SYSTEM for the boot key) to read it. These versions are out of "
    "support; plan a migration to a supported RD Session Host with current CALs."
)

LICENSE_SERVER_PRESENT = (
    "For the record. On this host, open RD Licensing Manager to check activation and the CAL "
    "inventory (or WMI Win32_TSLicenseServer / Win32_TSLicenseKeyPack), and RD Licensing "
    "Diagnoser on the session hosts that use it."
)

GRACE_RESET_SCRIPT = " ".join(
    (
        "Do not run this file as a fix: resetting the grace period only postpones the outage, "
        "and repeating it is a breach of the licensing terms.",
        "License the host instead: install and activate the RD Licensing role and CALs of the "
        "right type in RD Licensing Manager, then on the session host:",
        GPO_MODE,
        GPO_SERVERS,
        SET_RD_LICENSE,
        DIAGNOSER,
    )
)

CLIENT_STORE_RESET = " ".join(
    (
        "Safe to run on the RDP client when it shows licensing errors, as Microsoft's "
        "troubleshooting does: the file should first export a backup "
        f'(reg export "{MSLICENSING}" mslicensing-backup.reg /y), and mstsc must then be '
        "started once as administrator so it can recreate the store. If the error comes "
        "back, the cause is on the license server (no permanent CALs of the right type): "
        "check it in RD Licensing Manager.",
    )
)

CHANGE_SCRIPT = (
    "Read the deletions and settings before anyone runs the file; keep a backup of every key "
    "it touches (reg export KEY backup.reg /y). To see the machine's real state, analyze its "
    "hives or a full export (regedit > File > Export > All)."
)

RECOVERED_SETTINGS = " ".join(
    (
        "Preserve the hive as it is (image or copy it with its transaction logs) before the "
        "host writes more: the free cells that hold the deleted settings are reused by later "
        "writes.",
        "Find out who removed them (change records, Group Policy history, the event logs) "
        "before restoring anything.",
        "To set licensing again, use the supported tools, not the recovered bytes:",
        GPO_MODE,
        GPO_SERVERS,
        SET_RD_LICENSE,
        DIAGNOSER,
    )
)

EVIDENCE_CONFLICT = (
    "Establish which input shows the machine as it is: a .reg export is a snapshot of the "
    "moment it was taken, a hive of the moment it was copied (its key last-write times say "
    "when each key changed). Collect the machine's hives again (reg save HKLM\\SYSTEM, a "
    "volume shadow copy or a KAPE / Velociraptor collection) rather than trusting either. If "
    "the inputs are of two machines, keep them apart: analyze --group folder (or none)."
)


# -- RDP persistence and exposure (§8.3, §8.4) ----------------------------------------------
WDS_RDPWD = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\Wds\rdpwd"
WINLOGON = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
PORT_PROXY = r"HKLM\SYSTEM\CurrentControlSet\Services\PortProxy"
_PRESERVE = (
    "Preserve the evidence first (image the host, or collect the hive with its transaction "
    "logs) before anything is changed. "
)

STARTUP_PROGRAMS = _PRESERVE + " ".join(
    (
        "Identify the extra program (path, hash, signature, when it appeared) and how it was "
        "written (the key's last-written time, the account in the security log). Then restore "
        "the value Windows writes.",
        registry_last_resort(
            WDS_RDPWD,
            "rdpwd-backup.reg",
            f'reg add "{WDS_RDPWD}" /v StartupPrograms /t REG_SZ /d rdpclip /f',
        ),
    )
)
INITIAL_PROGRAM = " ".join(
    (
        "Confirm whether a kiosk or RemoteApp-style start program was intended (change records, "
        "the application owner). Group Policy: Remote Desktop Session Host > Remote Session "
        "Environment > 'Start a program on connection' is the managed way to set one; if none "
        "is wanted, clear it there and on the listener.",
        registry_last_resort(
            RDP_TCP,
            "rdp-tcp-backup.reg",
            f'reg add "{RDP_TCP}" /v InitialProgram /t REG_SZ /d "" /f and reg add "{RDP_TCP}" '
            "/v fInheritInitialProgram /t REG_DWORD /d 1 /f",
        ),
    )
)
APPSETUP = _PRESERVE + " ".join(
    (
        "Identify the script or program and who added it; terminal servers run UsrLogon.cmd "
        "from here for application compatibility.",
        registry_last_resort(
            WINLOGON,
            "winlogon-backup.reg",
            f'reg add "{WINLOGON}" /v AppSetup /t REG_SZ /d UsrLogon.cmd /f',
            "it applies from the next logon",
        ),
    )
)
INSTALL_RUN = _PRESERVE + (
    "Check each program against the applications installed for all users (change install, "
    "change execute); remove entries nobody can account for with the application's own "
    "uninstaller, or delete the value after a reg export of its key."
)
PORTPROXY = _PRESERVE + " ".join(
    (
        "List the relays with netsh interface portproxy show all and match them to a change "
        "record; remove one nobody owns with netsh interface portproxy delete v4tov4 "
        "listenport=PORT listenaddress=ADDRESS (likewise v4tov6, v6tov4, v6tov6), and check the "
        "firewall rule that let the listening port in.",
        registry_last_resort(
            PORT_PROXY,
            "portproxy-backup.reg",
            "delete the rule's value",
            "restart the IP Helper service (iphlpsvc), which runs the relays",
        ),
    )
)
SHADOW = (
    f"Group Policy: {CONNECTIONS_GPO} > 'Set rules for remote control of Remote Desktop "
    "Services user sessions' = Enabled with 'Full Control with "
    "user's permission' or 'View Session with user's permission' (or No remote control). Or "
    "on the listener: Invoke-CimMethod on the Win32_TSRemoteControlSetting instance "
    "(TerminalName='RDP-Tcp') -MethodName RemoteControl -Arguments @{RemoteControlPolicy=1}."
)
UNSOLICITED_ASSISTANCE = (
    "Group Policy: Computer Configuration > Administrative Templates > System > Remote "
    "Assistance > 'Configure Offer Remote Assistance': disable it unless a help desk relies "
    "on it, and keep its list of helpers to the help desk's group; prefer 'Allow helpers to "
    "only view the computer'."
)
CLIENT_HISTORY = (
    "Nothing to change: the history shows where this machine's users connected to. Check each "
    "server against the user's role and the time of the connection (the Servers subkey's "
    "last-written time, the target's own logon events 4624 type 10 and "
    "TerminalServices-RemoteConnectionManager 1149)."
)
