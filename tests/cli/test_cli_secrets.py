"""`hiveparse secrets`: names by default, values only with --reveal-secrets.

Truth: the BitCurator XP pair's README (DPAPI_SYSTEM and L$RTMTIMEBOMB plaintexts, as
impacket's secretsdump prints them)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli_commands import run

TIMEBOMB = "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588"
DPAPI_SYSTEM = (
    "01000000695cd3e6ca3e49c22fcc6fe55b039984e5ee5b6212e1624f517e768e9cc2a698a27f176007126304"
)


def test_secret_names_without_values(corpus: Path) -> None:
    result = run("secrets", corpus / "dpapi" / "bitcurator_xp", "-f", "json")
    assert result.returncode == 0, result.stderr
    assert DPAPI_SYSTEM[8:48] not in result.stdout
    (host,) = json.loads(result.stdout)["hosts"]
    assert host["lsa"]["era"] == "nt5"
    by_name = {(s["name"], s["slot"]): s for s in host["secrets"]}
    assert by_name[(TIMEBOMB, "CurrVal")]["length"] == 8
    assert by_name[("DPAPI_SYSTEM", "CurrVal")]["length"] == 44
    assert all("value" not in secret for secret in host["secrets"])


def test_reveal_secrets_prints_the_plaintexts(corpus: Path) -> None:
    result = run("secrets", corpus / "dpapi" / "bitcurator_xp", "--reveal-secrets", "-f", "json")
    assert result.returncode == 0, result.stderr
    (host,) = json.loads(result.stdout)["hosts"]
    by_name = {(s["name"], s["slot"]): s for s in host["secrets"]}
    assert by_name[(TIMEBOMB, "CurrVal")]["value"] == "807db7fd20bfca01"
    assert by_name[("DPAPI_SYSTEM", "CurrVal")]["value"] == DPAPI_SYSTEM


def test_secrets_needs_both_hives(corpus: Path) -> None:
    result = run("secrets", corpus / "dpapi" / "bitcurator_xp" / "SYSTEM")
    assert result.returncode == 2
    assert "SECURITY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
