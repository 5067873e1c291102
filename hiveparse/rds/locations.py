"""Every registry location the RDS licensing analysis reads, as data.

One row per fact: the hive, the key path inside it (``{ccs}`` stands for each ControlSet of
a SYSTEM hive), the value (None when the key itself is the fact), the value types that make
sense there, which layer it belongs to, and whether the reference marks it CONFIRMED or
UNCERTAIN. Section numbers point into the project's RDS licensing reference
(``rds-licensing.md``); nothing here is read unless it is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hiveparse.model import HiveType, ValueType


class Status(StrEnum):
    CONFIRMED = "CONFIRMED"
    UNCERTAIN = "UNCERTAIN"


class Layer(StrEnum):
    POLICY = "policy"
    LOCAL = "local"
    LSA = "lsa"


CCS = "{ccs}"
TIMEBOMB_GUID = "1320153D-8DA3-4e8e-B27B-0D888223A588"
TIMEBOMB_RTM = f"L$RTMTIMEBOMB_{TIMEBOMB_GUID}"
TIMEBOMB_BETA = f"L$GracePeriodTimeBomb_{TIMEBOMB_GUID}"
TS_POLICY_KEY = r"Policies\Microsoft\Windows NT\Terminal Services"
RCM_KEY = rf"{CCS}\Control\Terminal Server\RCM"
TERMINAL_SERVER_KEY = rf"{CCS}\Control\Terminal Server"
RDP_TCP_KEY = rf"{CCS}\Control\Terminal Server\WinStations\RDP-Tcp"
TERMSERVICE_PARAMETERS = rf"{CCS}\Services\TermService\Parameters"
COMPONENT_CACHE = r"Microsoft\ServerManager\ServicingStorage\ServerComponentCache"
CURRENT_VERSION = r"Microsoft\Windows NT\CurrentVersion"
ALLOW_LIST_KEY = rf"{CURRENT_VERSION}\Terminal Server\TSAppAllowList"
REMOTE_ASSISTANCE_KEY = rf"{CCS}\Control\Remote Assistance"
CLUSTER_SETTINGS_KEY = rf"{TERMINAL_SERVER_KEY}\ClusterSettings"
PORT_PROXY_KEY = rf"{CCS}\Services\PortProxy"
TS_INSTALL_RUN = (
    rf"{CURRENT_VERSION}\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion"
)
TS_CLIENT_KEY = r"Software\Microsoft\Terminal Server Client"

_DWORD = (int(ValueType.REG_DWORD),)
_SZ = (int(ValueType.REG_SZ), int(ValueType.REG_EXPAND_SZ))
_MULTI_SZ = (int(ValueType.REG_MULTI_SZ),)
_BINARY = (int(ValueType.REG_BINARY),)
_ANY: tuple[int, ...] = ()


@dataclass(frozen=True)
class Location:
    fact: str  # stable id of the fact this location gives
    hive: HiveType
    key: str
    value: str | None
    types: tuple[int, ...]
    status: Status
    reference: str
    meaning: str
    layer: Layer | None = None

    @property
    def per_control_set(self) -> bool:
        return self.key.startswith(CCS)


def _loc(
    fact: str,
    hive: HiveType,
    key: str,
    value: str | None,
    types: tuple[int, ...],
    status: Status,
    reference: str,
    meaning: str,
    layer: Layer | None = None,
) -> Location:
    return Location(fact, hive, key, value, types, status, reference, meaning, layer)


S, W, SEC, U = HiveType.SYSTEM, HiveType.SOFTWARE, HiveType.SECURITY, HiveType.NTUSER
OK, UNSURE = Status.CONFIRMED, Status.UNCERTAIN

LOCATIONS: tuple[Location, ...] = (
    # -- licensing mode (§3.2) -----------------------------------------------------------
    _loc("mode.policy", W, TS_POLICY_KEY, "LicensingMode", _DWORD, OK, "§3.2",
         "Group Policy 'Set the Remote Desktop licensing mode'", Layer.POLICY),
    _loc("mode.local", S, rf"{RCM_KEY}\Licensing Core", "LicensingMode", _DWORD, OK, "§3.2",
         "licensing mode set by Server Manager, WMI or a registry edit", Layer.LOCAL),
    _loc("mode.legacy_core", S, rf"{TERMINAL_SERVER_KEY}\Licensing Core", None, _ANY, UNSURE,
         "§3.2", "Windows XP / Server 2003 licensing core key (no RCM)", Layer.LOCAL),
    _loc("mode.legacy_concurrent", S, rf"{TERMINAL_SERVER_KEY}\Licensing Core",
         "EnableConcurrentSessions", _DWORD, UNSURE, "§3.2",
         "desktop 'concurrent sessions' hack on XP-era hosts", Layer.LOCAL),
    # -- license servers (§4.1) ----------------------------------------------------------
    _loc("servers.policy", W, TS_POLICY_KEY, "LicenseServers", _SZ, OK, "§4.1",
         "Group Policy 'Use the specified Remote Desktop license servers' (comma separated)",
         Layer.POLICY),
    _loc("servers.local", S, rf"{TERMSERVICE_PARAMETERS}\LicenseServers",
         "SpecifiedLicenseServers", _MULTI_SZ, OK, "§4.1",
         "license servers set by Server Manager / WMI SetSpecifiedLicenseServerList",
         Layer.LOCAL),
    _loc("servers.legacy_key", S, rf"{TERMSERVICE_PARAMETERS}\LicenseServers", None, _ANY,
         UNSURE, "§4.1", "Server 2003 discovery hints: one subkey per license server",
         Layer.LOCAL),
    _loc("servers.win2000_default", S, TERMSERVICE_PARAMETERS, "DefaultLicenseServer", _SZ,
         UNSURE, "§4.1", "Windows 2000 preferred license server", Layer.LOCAL),
    # -- grace period (§5) -----------------------------------------------------------------
    _loc("grace.key", S, rf"{RCM_KEY}\GracePeriod", None, _ANY, OK, "§5.1",
         "the key holding the grace-period timebomb"),
    _loc("grace.timebomb", S, rf"{RCM_KEY}\GracePeriod", TIMEBOMB_RTM, _BINARY, OK, "§5.1",
         "grace-period timebomb (DPAPI blob of the expiry FILETIME)"),
    _loc("grace.timebomb_beta", S, rf"{RCM_KEY}\GracePeriod", TIMEBOMB_BETA, _BINARY, UNSURE,
         "§5.1", "grace-period timebomb, beta-build name"),
    _loc("grace.ended", S, TERMSERVICE_PARAMETERS, "LicensingGracePeriodEnded", _DWORD, OK,
         "§5.3", "created when the host received a permanent license"),
    _loc("grace.lsa_timebomb", SEC, rf"Policy\Secrets\{TIMEBOMB_RTM}", None, _ANY, OK, "§5.1",
         "XP / Server 2003 timebomb kept as an LSA secret", Layer.LSA),
    _loc("grace.run_as_rtm", W, r"Microsoft\TermServLicensing", "RunAsRTM", _DWORD, OK,
         "§5.1", "test override forcing RTM timebomb behaviour"),
    # -- RD Session Host certificates (§6A) ---------------------------------------------
    _loc("cert.certificate", S, RCM_KEY, "Certificate", _BINARY, OK, "§6A",
         "RDP proprietary server certificate"),
    _loc("cert.x509", S, RCM_KEY, "X509 Certificate", _BINARY, OK, "§6A",
         "X.509 chain from a license server (present once the host was licensed)"),
    _loc("cert.x509_id", S, RCM_KEY, "X509 Certificate ID", _BINARY, OK, "§6A",
         "identifier of the X.509 certificate"),
    _loc("cert.x509_2", S, RCM_KEY, "X509 Certificate2", _BINARY, OK, "§6A",
         "second X.509 certificate value"),
    _loc("cert.legacy_x509", S, TERMSERVICE_PARAMETERS, "X509 Certificate", _BINARY, UNSURE,
         "§6A", "Server 2003 location of the X.509 certificate"),
    _loc("cert.legacy_certificate", S, TERMSERVICE_PARAMETERS, "Certificate", _BINARY, UNSURE,
         "§6A", "Server 2003 location of the proprietary certificate"),
    # -- licensing policies (§4.3) -------------------------------------------------------
    _loc("policy.hide_tooltip", W, TS_POLICY_KEY, "fDisableTerminalServerTooltip", _DWORD, OK,
         "§4.3", "hides licensing notifications from administrators", Layer.POLICY),
    _loc("policy.prevent_upgrade", W, TS_POLICY_KEY, "fPreventLicenseUpgrade", _DWORD, OK,
         "§4.3", "license server issues temporary CALs instead of newer ones", Layer.POLICY),
    _loc("policy.secure_licensing", W, TS_POLICY_KEY, "fSecureLicensing", _DWORD, UNSURE,
         "§4.3", "license server answers only hosts in its security group", Layer.POLICY),
    # -- roles (§8, §6.1) ------------------------------------------------------------------
    _loc("role.rdsh_install_state", W, rf"{COMPONENT_CACHE}\RDS-RD-Server", "InstallState",
         _DWORD, OK, "§8", "RD Session Host role state (0 = not enabled)"),
    _loc("role.licensing_install_state", W, rf"{COMPONENT_CACHE}\RDS-Licensing",
         "InstallState", _DWORD, UNSURE, "§8", "RD Licensing role state"),
    _loc("role.app_server", S, TERMINAL_SERVER_KEY, "TSAppCompat", _DWORD, OK, "§8",
         "1 = application (terminal) server mode on 2003-era hosts"),
    _loc("role.termservice", S, rf"{CCS}\Services\TermService", None, _ANY, OK, "§8",
         "Remote Desktop Services service key"),
    _loc("role.license_server_service", S, rf"{CCS}\Services\TermServLicensing", None, _ANY,
         OK, "§6.1", "RD Licensing service key (license server installed)"),
    _loc("license_server.db_path", S, rf"{CCS}\Services\TermServLicensing\Parameters",
         "DBPath", _SZ, UNSURE, "§6.1", "license server database directory"),
    # -- RDP exposure (§8) -------------------------------------------------------------------
    _loc("rdp.deny.local", S, TERMINAL_SERVER_KEY, "fDenyTSConnections", _DWORD, OK, "§8",
         "0 = remote connections allowed, 1 = denied", Layer.LOCAL),
    _loc("rdp.deny.policy", W, TS_POLICY_KEY, "fDenyTSConnections", _DWORD, UNSURE, "§8",
         "policy counterpart of fDenyTSConnections", Layer.POLICY),
    _loc("rdp.port", S, RDP_TCP_KEY, "PortNumber", _DWORD, OK, "§8", "RDP listening port"),
    _loc("rdp.security_layer", S, RDP_TCP_KEY, "SecurityLayer", _DWORD, OK, "§8",
         "0 = RDP security, 1 = negotiate, 2 = TLS"),
    _loc("rdp.nla", S, RDP_TCP_KEY, "UserAuthentication", _DWORD, OK, "§8",
         "1 = Network Level Authentication required"),
    _loc("rdp.min_encryption", S, RDP_TCP_KEY, "MinEncryptionLevel", _DWORD, OK, "§8",
         "1 low, 2 client compatible, 3 high, 4 FIPS"),
    _loc("rdp.ssl_cert_hash", S, RDP_TCP_KEY, "SSLCertificateSHA1Hash", _BINARY, OK, "§8",
         "thumbprint of the chosen TLS certificate"),
    # Group Policy counterparts of the RDP-Tcp settings ('Require user authentication ... by
    # using Network Level Authentication', 'Require use of specific security layer ...', 'Set
    # client connection encryption level'): Windows uses them instead of the listener's own
    # value (WMI PolicySourceUserAuthenticationRequired / ...SecurityLayer /
    # ...MinEncryptionLevel; the ADMX and the DISA STIGs name the values).
    _loc("rdp.nla.policy", W, TS_POLICY_KEY, "UserAuthentication", _DWORD, OK, "§8",
         "policy: 1 = Network Level Authentication required", Layer.POLICY),
    _loc("rdp.security_layer.policy", W, TS_POLICY_KEY, "SecurityLayer", _DWORD, OK, "§8",
         "policy: 0 = RDP security, 1 = negotiate, 2 = TLS", Layer.POLICY),
    _loc("rdp.min_encryption.policy", W, TS_POLICY_KEY, "MinEncryptionLevel", _DWORD, OK,
         "§8", "policy: 1 low, 2 client compatible, 3 high, 4 FIPS", Layer.POLICY),
    # -- RDP host settings beyond licensing (§8.3): what compare sets side by side -----------
    # Group Policy (the policy key of SOFTWARE) over the listener's or the Terminal Server
    # key's own value; the value names are those of the Remote Desktop Services ADMX.
    _loc("rdp.ts_enabled", S, TERMINAL_SERVER_KEY, "TSEnabled", _DWORD, UNSURE, "§8.3",
         "Terminal Services enabled (XP / Server 2003 era)", Layer.LOCAL),
    _loc("rdp.certificate_template.policy", W, TS_POLICY_KEY, "CertificateTemplateName", _SZ,
         UNSURE, "§8.3", "policy: the certificate template the listener's certificate is "
         "enrolled from", Layer.POLICY),
    *(
        location
        for value, fact, meaning in (
            ("MaxIdleTime", "session.idle_limit", "idle session limit, milliseconds (0 none)"),
            ("MaxDisconnectionTime", "session.disconnected_limit",
             "limit for a disconnected session, milliseconds (0 none)"),
            ("MaxConnectionTime", "session.active_limit",
             "limit for an active session, milliseconds (0 none)"),
            ("fResetBroken", "session.end_on_limit",
             "1 = end a session at its limit, 0 = disconnect it"),
            ("fDisableCdm", "redirection.drives", "1 = drive redirection disabled"),
            ("fDisableClip", "redirection.clipboard", "1 = clipboard redirection disabled"),
            ("fDisableCpm", "redirection.printers", "1 = printer redirection disabled"),
            ("fDisableCcm", "redirection.com_ports", "1 = COM port redirection disabled"),
            ("fDisableLPT", "redirection.lpt_ports", "1 = LPT port redirection disabled"),
            ("fDisableCam", "redirection.audio", "1 = audio playback redirection disabled"),
            ("Shadow", "shadow", "0 no remote control, 1 full control with the user's "
             "permission, 2 without, 3 view with the user's permission, 4 without"),
        )
        for location in (
            _loc(f"{fact}.policy", W, TS_POLICY_KEY, value, _DWORD, UNSURE, "§8.3",
                 f"policy: {meaning}", Layer.POLICY),
            _loc(fact, S, RDP_TCP_KEY, value, _DWORD, UNSURE, "§8.3", f"listener: {meaning}",
                 Layer.LOCAL),
        )
    ),
    *(
        _loc(f"{fact}.inherit", S, RDP_TCP_KEY, value, _DWORD, UNSURE, "§8.3",
             "1 = the listener takes each user's own setting", Layer.LOCAL)
        for value, fact in (
            ("fInheritMaxIdleTime", "session.idle_limit"),
            ("fInheritMaxDisconnectionTime", "session.disconnected_limit"),
            ("fInheritMaxSessionTime", "session.active_limit"),
            ("fInheritResetBroken", "session.end_on_limit"),
        )
    ),
    _loc("redirection.pnp.policy", W, TS_POLICY_KEY, "fDisablePNPRedir", _DWORD, UNSURE, "§8.3",
         "policy: 1 = Plug and Play device redirection disabled", Layer.POLICY),
    _loc("session.single_per_user.policy", W, TS_POLICY_KEY, "fSingleSessionPerUser", _DWORD,
         UNSURE, "§8.3", "policy: 1 = one session per user", Layer.POLICY),
    _loc("session.single_per_user", S, TERMINAL_SERVER_KEY, "fSingleSessionPerUser", _DWORD,
         OK, "§8.3", "1 = one session per user", Layer.LOCAL),
    # RemoteApp: the allow list of published programs, and whether others may start
    _loc("remoteapp.unlisted.policy", W, TS_POLICY_KEY, "fAllowUnlistedRemotePrograms", _DWORD,
         UNSURE, "§8.3", "policy: 1 = programs not on the RemoteApp list may start remotely",
         Layer.POLICY),
    _loc("remoteapp.allow_list_disabled", W, ALLOW_LIST_KEY, "fDisabledAllowList", _DWORD,
         UNSURE, "§8.3", "1 = the RemoteApp allow list is not enforced", Layer.LOCAL),
    _loc("remoteapp.programs", W, rf"{ALLOW_LIST_KEY}\Applications", None, _ANY, UNSURE,
         "§8.3", "the published RemoteApp programs, one subkey each", Layer.LOCAL),
    # Remote Assistance: the policy, the Remote Assistance key, and XP's Terminal Server value
    _loc("assistance.solicited.policy", W, TS_POLICY_KEY, "fAllowToGetHelp", _DWORD, UNSURE,
         "§8.3", "policy: 1 = users may ask for Remote Assistance", Layer.POLICY),
    _loc("assistance.solicited", S, REMOTE_ASSISTANCE_KEY, "fAllowToGetHelp", _DWORD, UNSURE,
         "§8.3", "1 = users may ask for Remote Assistance", Layer.LOCAL),
    _loc("assistance.solicited.legacy", S, TERMINAL_SERVER_KEY, "fAllowToGetHelp", _DWORD, OK,
         "§8.3", "Windows XP: 1 = users may ask for Remote Assistance", Layer.LOCAL),
    _loc("assistance.full_control.policy", W, TS_POLICY_KEY, "fAllowFullControl", _DWORD,
         UNSURE, "§8.3", "policy: 1 = a helper may take control, 0 = view only", Layer.POLICY),
    _loc("assistance.full_control", S, REMOTE_ASSISTANCE_KEY, "fAllowFullControl", _DWORD,
         UNSURE, "§8.3", "1 = a helper may take control, 0 = view only", Layer.LOCAL),
    _loc("assistance.unsolicited.policy", W, TS_POLICY_KEY, "fAllowUnsolicited", _DWORD, OK,
         "§8.3", "policy: 1 = helpers may offer Remote Assistance unasked", Layer.POLICY),
    _loc("assistance.unsolicited_control.policy", W, TS_POLICY_KEY,
         "fAllowUnsolicitedFullControl", _DWORD, OK, "§8.3",
         "policy: 1 = an unasked helper may take control", Layer.POLICY),
    # RD Connection Broker membership (policy, and what Server Manager writes locally)
    *(
        location
        for value, fact, types, meaning in (
            ("SessionDirectoryActive", "broker.joined", _DWORD,
             "1 = the host joins an RD Connection Broker"),
            ("SessionDirectoryLocation", "broker.server", _SZ, "the RD Connection Broker"),
            ("SessionDirectoryClusterName", "broker.farm", _SZ, "the farm's name at the broker"),
            ("SessionDirectoryExposeServerIP", "broker.ip_redirection", _DWORD,
             "1 = clients are redirected by IP address, 0 = by routing token"),
        )
        for location in (
            _loc(f"{fact}.policy", W, TS_POLICY_KEY, value, types, UNSURE, "§8.3",
                 f"policy: {meaning}", Layer.POLICY),
            _loc(fact, S, CLUSTER_SETTINGS_KEY, value, types, UNSURE, "§8.3", meaning,
                 Layer.LOCAL),
        )
    ),
    # the other RDS role services Server Manager records (§8: names UNCERTAIN here)
    *(
        _loc(fact, W, rf"{COMPONENT_CACHE}\{component}", "InstallState", _DWORD, UNSURE, "§8",
             f"{component} role service state (0 = not enabled)")
        for fact, component in (
            ("role.broker_install_state", "RDS-Connection-Broker"),
            ("role.gateway_install_state", "RDS-Gateway"),
            ("role.web_access_install_state", "RDS-Web-Access"),
            ("role.virtualization_install_state", "RDS-Virtualization"),
        )
    ),
    # -- where a program can be made to start with RDP sessions (§8.4) --------------------
    _loc("persistence.startup_programs", S, rf"{TERMINAL_SERVER_KEY}\Wds\rdpwd",
         "StartupPrograms", _SZ, OK, "§8.4",
         "programs started in every RDP session, comma separated (Windows writes rdpclip)"),
    _loc("persistence.initial_program", S, RDP_TCP_KEY, "InitialProgram", _SZ, OK, "§8.4",
         "program the listener starts instead of the desktop (empty by default)"),
    _loc("persistence.initial_program.policy", W, TS_POLICY_KEY, "InitialProgram", _SZ, UNSURE,
         "§8.4", "policy 'Start a program on connection': started instead of the desktop in "
         "every session", Layer.POLICY),
    _loc("persistence.inherit_initial_program", S, RDP_TCP_KEY, "fInheritInitialProgram",
         _DWORD, UNSURE, "§8.4",
         "1 = the client's or the user's initial program applies, 0 = the listener's"),
    _loc("persistence.appsetup", W, rf"{CURRENT_VERSION}\Winlogon", "AppSetup", _SZ, UNSURE,
         "§8.4", "logon script run for every user of a terminal server (UsrLogon.cmd)"),
    *(
        _loc(f"persistence.install_{name.lower()}", W, rf"{TS_INSTALL_RUN}\{name}", None, _ANY,
             UNSURE, "§8.4", f"terminal server install-mode {name} key: its values start at "
             "every user's logon")
        for name in ("Run", "RunOnce", "RunOnceEx")
    ),
    *(
        _loc(f"persistence.portproxy_{kind}", S, rf"{PORT_PROXY_KEY}\{kind}\tcp", None, _ANY,
             UNSURE, "§8.4", f"netsh interface portproxy {kind} rules: 'listen address/port' = "
             "'connect address/port'")
        for kind in ("v4tov4", "v4tov6", "v6tov4", "v6tov6")
    ),
    # -- outbound RDP from this machine's users (NTUSER, §8.4) ----------------------------
    _loc("client.mru", U, rf"{TS_CLIENT_KEY}\Default", None, _ANY, OK, "§8.4",
         "the Remote Desktop client's most recently used servers (MRU0, MRU1, ...)"),
    _loc("client.servers", U, rf"{TS_CLIENT_KEY}\Servers", None, _ANY, OK, "§8.4",
         "one subkey per server the user connected to (UsernameHint, CertHash)"),
    # -- client license store (§7) -----------------------------------------------------------
    _loc("client.hwid", W, r"Microsoft\MSLicensing\HardwareID", "ClientHWID", _BINARY, OK,
         "§7.1", "client hardware id (five DWORDs)"),
    _loc("client.hwid_wow64", W, r"Wow6432Node\Microsoft\MSLicensing\HardwareID",
         "ClientHWID", _BINARY, UNSURE, "§7.1", "client hardware id, 32-bit view"),
    _loc("client.store", W, r"Microsoft\MSLicensing\Store", None, _ANY, OK, "§7.2",
         "client license store (one LICENSEnnn subkey per license)"),
    _loc("client.store_wow64", W, r"Wow6432Node\Microsoft\MSLicensing\Store", None, _ANY,
         UNSURE, "§7.2", "client license store, 32-bit view"),
    # -- identity ------------------------------------------------------------------------------
    _loc("host.computer_name", S, rf"{CCS}\Control\ComputerName\ComputerName", "ComputerName",
         _SZ, OK, "§8.1", "the host's NetBIOS name"),
    _loc("host.product_name", W, CURRENT_VERSION, "ProductName", _SZ, OK, "§8",
         "Windows edition"),
    _loc("host.installation_type", W, CURRENT_VERSION, "InstallationType", _SZ, OK, "§8",
         "Server / Client / Server Core"),
    _loc("host.product_type", S, rf"{CCS}\Control\ProductOptions", "ProductType", _SZ, OK,
         "identity", "WinNT = workstation, ServerNT = server, LanmanNT = domain controller"),
    _loc("host.edition_id", W, CURRENT_VERSION, "EditionID", _SZ, OK, "identity",
         "edition (ServerStandard, Enterprise, ServerRdsh, ...)"),
    _loc("host.current_version", W, CURRENT_VERSION, "CurrentVersion", _SZ, OK, "identity",
         "NT version (5.1 XP, 5.2 Server 2003, 6.x Vista to 8.1; 6.3 stays on 10 and later)"),
    _loc("host.build", W, CURRENT_VERSION, "CurrentBuildNumber", _SZ, OK, "identity",
         "build number (below 6000: Windows XP / Server 2003 and older)"),
    _loc("host.build_alt", W, CURRENT_VERSION, "CurrentBuild", _SZ, OK, "identity",
         "build number (second copy)"),
    _loc("host.display_version", W, CURRENT_VERSION, "DisplayVersion", _SZ, OK, "identity",
         "feature release (21H2, 22H2, ...)"),
    _loc("host.release_id", W, CURRENT_VERSION, "ReleaseId", _SZ, OK, "identity",
         "feature release before DisplayVersion existed (1607, 1809, ...)"),
    _loc("host.service_pack", W, CURRENT_VERSION, "CSDVersion", _SZ, OK, "identity",
         "service pack"),
    _loc("host.install_date", W, CURRENT_VERSION, "InstallDate", _DWORD, OK, "identity",
         "installation time, seconds since 1970 UTC (reset by feature upgrades)"),
    _loc("host.dns_domain", S, rf"{CCS}\Services\Tcpip\Parameters", "Domain", _SZ, OK,
         "identity", "primary DNS suffix (the AD domain of a domain member; empty otherwise)"),
    _loc("host.nv_domain", S, rf"{CCS}\Services\Tcpip\Parameters", "NV Domain", _SZ, OK,
         "identity", "primary DNS suffix as configured"),
    _loc("host.primary_domain", SEC, r"Policy\PolPrDmN", "", _ANY, UNSURE, "identity",
         "LSA primary domain name: the domain, or the workgroup of a machine outside a domain"),
    _loc("host.primary_domain_sid", SEC, r"Policy\PolPrDmS", "", _ANY, UNSURE, "identity",
         "LSA primary domain SID: empty outside a domain"),
)  # fmt: skip

BY_FACT: dict[str, Location] = {location.fact: location for location in LOCATIONS}
