"""What the benchmarks read: hives in the shared corpus and the twenty named values."""

from __future__ import annotations

import os
from pathlib import Path

_BESIDE_REPO = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
CORPUS = os.environ.get("HIVEPARSE_CORPUS", str(_BESIDE_REPO))

SYSTEM10 = f"{CORPUS}/hives/regipy/SYSTEM_WIN_10_1709"  # 15.5 MB, 43,211 keys / 90,307 values
SYSTEM10_KEYS, SYSTEM10_VALUES = 43_211, 90_307
NTUSER = f"{CORPUS}/hives/regipy/NTUSER.DAT"  # 0.8 MB, 1,812 keys / 4,094 values
DISSECT_SYSTEM = f"{CORPUS}/hives/dissect-regf/SYSTEM"  # 11.4 MB, for `hiveparse query`
QUERY_KEY = r"ControlSet001\Control\Terminal Server\RCM\Licensing Core"

_TS = r"ControlSet001\Control\Terminal Server"
_RDP = _TS + r"\WinStations\RDP-Tcp"
_TZ = r"ControlSet001\Control\TimeZoneInformation"
_TERM = r"ControlSet001\Services\TermService"
_TCPIP = r"ControlSet001\Services\Tcpip\Parameters"

# (key path inside the hive, value name, expected decoded value), all checked to exist in
# SYSTEM_WIN_10_1709; a mix of REG_DWORD, REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_BINARY.
LOOKUPS: list[tuple[str, str, object]] = [
    ("Select", "Current", 1),
    (r"ControlSet001\Control\ComputerName\ComputerName", "ComputerName", "DESKTOP-2KGM189"),
    (_TS, "fDenyTSConnections", 1),
    (_TS, "fSingleSessionPerUser", 1),
    (_TS, "TSUserEnabled", 0),
    (_TS + r"\RCM\Licensing Core", "LicensingMode", 1),
    (_RDP, "PortNumber", 3389),
    (_RDP, "SecurityLayer", 2),
    (_RDP, "UserAuthentication", 1),
    (_TZ, "TimeZoneKeyName", "Pacific Standard Time"),
    (_TZ, "Bias", 480),
    (_TERM, "Start", 3),
    (_TERM, "ImagePath", r"%SystemRoot%\System32\svchost.exe -k NetworkService"),
    (_TERM, "DependOnService", ["RPCSS"]),
    (_TERM + r"\Parameters", "ServiceDll", r"%SystemRoot%\System32\termsrv.dll"),
    (_TCPIP, "Hostname", "DESKTOP-2KGM189"),
    (_TCPIP, "Domain", ""),
    (r"ControlSet001\Control\Session Manager\Environment", "PROCESSOR_ARCHITECTURE", "AMD64"),
    (r"ControlSet001\Control\Windows", "ShutdownTime", bytes.fromhex("ef69d4202a16d601")),
    (r"ControlSet001\Control\ProductOptions", "ProductType", "WinNT"),
]
assert len(LOOKUPS) == 20
