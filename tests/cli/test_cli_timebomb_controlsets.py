"""`hiveparse timebomb --from` names every ControlSet: those with a timebomb, and those
without one with what the input shows there.

Independent truth: python-registry's reading of the same hive (which ControlSets hold
GracePeriod and which of those hold the timebomb value).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hiveparse.cli.main import app
from Registry import Registry  # python-registry
from typer.testing import CliRunner

from hiveparse.crypto.masterkey import dpapi_pbkdf2
from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TIMEBOMB = "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588"
GRACE = "Control\\Terminal Server\\RCM\\GracePeriod"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse("timebomb", *args)


def _peer_view(hive: Path) -> dict[str, bool | None]:
    """ControlSet name -> whether its GracePeriod key holds the timebomb (None: no key)."""
    root = Registry.Registry(str(hive)).root()
    view: dict[str, bool | None] = {}
    for key in root.subkeys():
        if not key.name().upper().startswith("CONTROLSET"):
            continue
        try:
            grace = key.find_key(GRACE)
        except Registry.RegistryKeyNotFoundException:
            view[key.name()] = None
            continue
        view[key.name()] = any(value.name() == TIMEBOMB for value in grace.values())
    return view


def test_every_controlset_is_named_with_or_without_a_timebomb() -> None:
    hive = SAMPLES / "grace-reset" / "SYSTEM"
    peer = _peer_view(hive)
    assert True in peer.values() and False in peer.values()  # the sample's point
    result = run("--from", hive, "-f", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    with_bomb = {item["where"]["control_set"] for item in document["timebombs"]}
    assert with_bomb == {name for name, has in peer.items() if has}
    without = {item["control_set"]: item["state"] for item in document["without_timebomb"]}
    assert set(without) == {name for name, has in peer.items() if not has}
    for name, state in without.items():
        expected = "there is no GracePeriod key" if peer[name] is None else "holds no timebomb"
        assert expected in state
    table = run("--from", hive, "-f", "table").stdout
    for name in without:
        assert f"GracePeriod ({name}" in table
    assert "no timebomb    the GracePeriod key holds no timebomb value" in table


def test_a_change_script_says_it_cannot_show_the_timebomb() -> None:
    script = SAMPLES / "customer-fix-script" / "fix-rds-licensing.reg"
    document = json.loads(run("--from", script, "-f", "json").stdout)
    assert document["timebombs"] == []
    (place,) = document["without_timebomb"]
    assert place["state"].startswith("not known: the input is a change script")


def test_the_table_says_yes_or_no() -> None:
    shaped = run("--from", SAMPLES / "grace-reset" / "SYSTEM", "-f", "table").stdout
    assert "DPAPI-shaped   yes" in shaped
    not_shaped = run("0100", "-f", "table").stdout
    assert "DPAPI-shaped   no" in not_shaped
    for text in (shaped, not_shaped):
        assert "True" not in text and "False" not in text


def test_one_master_key_is_derived_once_for_every_controlset() -> None:
    """The image's two ControlSets hold the same timebomb under one master key: its PBKDF2
    (8000 SHA-512 rounds here, up to 200,000 accepted) is paid once, not per ControlSet."""
    dpapi_pbkdf2.cache_clear()
    result = CliRunner().invoke(app, ["timebomb", "--from", str(SAMPLES / "rdsh-image")])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    expiries = {item["expires"] for item in document["timebombs"]}
    assert len(document["timebombs"]) == 2 and len(expiries) == 1 and None not in expiries
    info = dpapi_pbkdf2.cache_info()
    assert info.misses == 1 and info.hits >= 1
