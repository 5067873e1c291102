"""The RDP host settings and persistence places against RegRipper (Debian's regripper 3.0),
an independent Perl reader that examiners use for exactly these values: its ``termserv``
plugin on every corpus SYSTEM hive, and its ``tsclient`` plugin on a user hive that hivex
(another independent writer) filled with a Remote Desktop client's history."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hiveparse.evidence.open import Evidence, MountedHive
from hiveparse.model import EvidenceFormat
from hiveparse.rds.facts import FactSet, collect_facts
from hiveparse.rds.rdp_client import build_history
from hiveparse.sources.regf.open import open_hive
from tests.support.oracles import oracle_command

SYSTEM_HIVES = [
    "regipy/SYSTEM", "regipy/SYSTEM_2", "regipy/SYSTEM_B", "regipy/SYSTEM_WIN_10_1709",
    "bitcurator-dfa/SYSTEM", "dissect-regf/SYSTEM", "hackfortress-xp/system",
    "przetom-itsec2022-xp/SYSTEM",
]  # fmt: skip
# termserv's name for a value -> the fact that reads it
TERMSERV = {
    "fDenyTSConnections": "rdp.deny.local",
    "TSEnabled": "rdp.ts_enabled",
    "fAllowToGetHelp": "assistance.solicited.legacy",
    "fSingleSessionPerUser": "session.single_per_user",
    "StartupPrograms": "persistence.startup_programs",
    "InitialProgram": "persistence.initial_program",
    "SecurityLayer": "rdp.security_layer",
    "UserAuthentication": "rdp.nla",
    "PortNumber": "rdp.port",
}
_LINE = re.compile(r"^  (\w+)(?: = |: )(.*)$")


def _facts(path: Path, mount: str) -> FactSet:
    """Our facts from the hive as stored (RegRipper does not replay transaction logs)."""
    hive = open_hive(path, apply_logs=False)
    evidence = Evidence(
        path=str(path), size=0, sha256="0" * 64, format=EvidenceFormat.REGF,
        hives=[MountedHive(mount, hive)],
    )  # fmt: skip
    return collect_facts([evidence])


def _rip(hive: Path, plugin: str) -> str:
    regripper = oracle_command("regripper", "Debian regripper")
    done = subprocess.run(
        [regripper, "-r", str(hive), "-p", plugin], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.corpus
@pytest.mark.parametrize("relative", SYSTEM_HIVES)
def test_termserv_reads_what_we_read(corpus: Path, relative: str) -> None:
    path = corpus / "hives" / relative
    printed = {}
    for line in _rip(path, "termserv").splitlines():
        match = _LINE.match(line)
        if match and match.group(1) in TERMSERV:
            printed[match.group(1)] = match.group(2).strip()
    assert {"fDenyTSConnections", "StartupPrograms", "PortNumber"} <= set(printed), printed
    facts = _facts(path, "HKEY_LOCAL_MACHINE\\SYSTEM")
    for name, shown in printed.items():
        fact = facts.get(TERMSERV[name])
        assert fact is not None, (relative, name)
        ours = fact.decoded
        if isinstance(ours, str):
            ours = ours.rstrip("\0") or "{blank}"
        assert str(ours) == shown, (relative, name)


def test_tsclient_reads_the_history_we_read(corpus: Path, tmp_path: Path) -> None:
    hivexregedit = oracle_command("hivexregedit", "libwin-hivex-perl")
    user = tmp_path / "NTUSER.DAT"
    shutil.copyfile(corpus / "hives/regipy/NTUSER.DAT", user)
    user.chmod(0o644)
    client = "HKEY_CURRENT_USER\\Software\\Microsoft\\Terminal Server Client"
    patch = tmp_path / "history.reg"
    patch.write_text(
        "Windows Registry Editor Version 5.00\n\n"
        f'[{client}\\Default]\n"MRU0"="dc01.contoso.com"\n"MRU1"="10.1.2.3:3390"\n\n'
        f"[{client}\\Servers]\n\n"  # hivex adds a key only below one that exists
        f'[{client}\\Servers\\dc01.contoso.com]\n"UsernameHint"="CONTOSO\\\\alice"\n'
        '"CertHash"=hex:00,11,22,33,44,55,66,77,88,99,aa,bb,cc,dd,ee,ff,00,11,22,33\n',
        encoding="utf-8",
    )
    subprocess.run(
        [hivexregedit, "--merge", "--prefix", "HKEY_CURRENT_USER", str(user), str(patch)],
        check=True,
    )
    printed = _rip(user, "tsclient")
    (history,) = build_history(_facts(user, "HKEY_CURRENT_USER"))
    for entry in history.recent:
        assert f"MRU{entry.index} -> {entry.server}" in printed
    (server,) = history.servers
    assert server.server in printed and f"UsernameHint: {server.username_hint}" in printed
    assert server.cert_hash == "00112233445566778899aabbccddeeff00112233"
