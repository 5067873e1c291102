"""`hiveparse timebomb --from` on XP / Server 2003 evidence: the timebomb is the LSA secret
L$RTMTIMEBOMB_... in SECURITY, opened with the SYSTEM hive's boot key.

Known answers from the corpus (dpapi/bitcurator_xp/README.md and vectors.json: our chain and
impacket's secretsdump agree): FILETIME 129125687750000000 = 2010-03-09T00:39:35Z.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.running import hiveparse

SECRET = "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588"
FILETIME = 129125687750000000
EXPIRES = "2010-03-09T00:39:35Z"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse("timebomb", *args)


@pytest.fixture(scope="module")
def xp(corpus: Path) -> Path:
    return corpus / "hives" / "bitcurator-dfa"


@pytest.fixture(scope="module")
def answers(corpus: Path) -> dict[str, Any]:
    vectors = json.loads((corpus / "dpapi/bitcurator_xp/vectors.json").read_text())
    return vectors["expected"]


def test_the_readme_answer_is_the_one_tested(answers: dict[str, Any]):
    bomb = answers["timebomb_lsa_secret"]
    assert (bomb["name"], bomb["filetime"], bomb["utc"]) == (SECRET, FILETIME, EXPIRES)


def test_from_an_xp_folder_decrypts_the_lsa_secret(xp: Path, answers: dict[str, Any]):
    result = run("--from", xp, "-f", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["missing"] == []
    (bomb,) = document["timebombs"]
    assert bomb["kind"] == "lsa_secret"
    where = bomb["where"]
    assert (where["secret"], where["slot"]) == (SECRET, "CurrVal")
    assert where["key_path"] == rf"HKEY_LOCAL_MACHINE\SECURITY\Policy\Secrets\{SECRET}\CurrVal"
    assert where["source"] == str(xp / "SECURITY")
    assert where["slot_written"] == answers["timebomb_lsa_secret"]["CupdTime_utc"]
    assert (bomb["filetime"], bomb["expires"], bomb["expires_source"]) == (
        FILETIME,
        EXPIRES,
        "lsa_secret",
    )
    decryption = bomb["decryption"]
    assert decryption["status"] == "lsa_secret"
    assert decryption["system_hive"] == str(xp / "SYSTEM")
    assert decryption["security_hive"] == str(xp / "SECURITY")
    assert decryption["steps"]["boot_key_control_set"] == answers["control_set"]
    assert decryption["steps"]["lsa_era"] == "nt5"


def test_no_key_and_no_other_plaintext_is_printed(xp: Path, answers: dict[str, Any]):
    secrets = [
        answers["bootkey"],
        answers["lsa_key_nt5"],
        answers["DPAPI_SYSTEM"]["machine_key"],
        answers["DPAPI_SYSTEM"]["user_key"],
        answers["DPAPI_SYSTEM"]["plaintext"],
        answers["timebomb_lsa_secret"]["plaintext_filetime_le"],  # shown as the FILETIME only
    ]
    for fmt in ("json", "jsonl", "table"):
        result = run("--from", xp, "-f", fmt)
        assert result.returncode == 0, result.stderr
        for secret in secrets:
            assert secret not in result.stdout.lower(), (fmt, secret)
            assert secret not in result.stderr.lower(), (fmt, secret)


def test_table_names_the_secret_the_hives_and_the_utc_time(xp: Path):
    result = run("--from", xp, "-f", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == rf"HKEY_LOCAL_MACHINE\SECURITY\Policy\Secrets\{SECRET}\CurrVal"
    assert "CurrVal" in lines[1]
    assert f"SYSTEM {xp / 'SYSTEM'}" in lines[2] and f"SECURITY {xp / 'SECURITY'}" in lines[2]
    assert lines[3] == f"  expires        {EXPIRES} (FILETIME {FILETIME}, UTC)"


def test_security_without_system_says_the_system_hive_is_missing(xp: Path):
    result = run("--from", xp / "SECURITY", "-f", "json")
    assert result.returncode == 0, result.stderr
    (bomb,) = json.loads(result.stdout)["timebombs"]
    assert bomb["where"]["secret"] == SECRET
    assert (bomb["expires"], bomb["filetime"]) == (None, None)
    assert bomb["decryption"]["status"] == "missing_keys"
    assert bomb["decryption"]["system_hive"] is None
    assert bomb["expires_note"].startswith("missing the SYSTEM hive")


def test_system_from_keys_opens_the_secret(xp: Path):
    result = run("--from", xp / "SECURITY", "--keys", xp / "SYSTEM", "-f", "json")
    assert result.returncode == 0, result.stderr
    (bomb,) = json.loads(result.stdout)["timebombs"]
    assert (bomb["expires"], bomb["decryption"]["system_hive"]) == (EXPIRES, str(xp / "SYSTEM"))


def test_xp_system_without_security_says_the_security_hive_is_missing(xp: Path):
    for fmt in ("json", "table"):
        result = run("--from", xp / "SYSTEM", "-f", fmt)
        assert result.returncode == 0, result.stderr
        if fmt == "json":
            document = json.loads(result.stdout)
            assert document["timebombs"] == []
            (missing,) = document["missing"]
        else:
            assert result.stdout.startswith("no timebomb value found\n")
            missing = result.stdout
        assert "the SECURITY hive" in missing and "L$RTMTIMEBOMB_" in missing
    jsonl = run("--from", xp / "SYSTEM", "-f", "jsonl")
    assert (jsonl.returncode, jsonl.stdout) == (0, "")
    assert "missing the SECURITY hive" in jsonl.stderr


def test_another_machines_system_does_not_open_it(xp: Path, corpus: Path):
    other = corpus / "hives" / "regipy" / "SYSTEM"  # a Windows 10 machine's SYSTEM hive
    result = run("--from", xp / "SECURITY", "--keys", other, "-f", "json")
    assert result.returncode == 0, result.stderr
    (bomb,) = json.loads(result.stdout)["timebombs"]
    assert bomb["expires"] is None
    assert bomb["decryption"]["status"] == "failed"
    assert str(other) in bomb["decryption"]["error"]
    # With the right SYSTEM among the wrong ones, the right one is found.
    both = run("--from", xp / "SECURITY", "--keys", other, "--keys", xp / "SYSTEM", "-f", "json")
    (bomb,) = json.loads(both.stdout)["timebombs"]
    assert (bomb["expires"], bomb["decryption"]["system_hive"]) == (EXPIRES, str(xp / "SYSTEM"))


def test_nothing_readable_exits_4(tmp_path: Path):
    result = run("--from", tmp_path / "missing", "-f", "json")
    assert result.returncode == 4
    assert result.stderr.startswith("hiveparse: error: ")
    assert "no such file" in result.stderr
    assert json.loads(result.stdout)["timebombs"] == []


def test_a_link_out_of_the_folder_makes_the_search_partial(xp: Path, tmp_path: Path):
    """The secret is found, but a link out of the evidence folder was not followed: the
    timebomb may lie there too, so the run exits 3 and the document says partial."""
    case, outside = tmp_path / "case", tmp_path / "outside"
    case.mkdir()
    outside.mkdir()
    for name in ("SYSTEM", "SECURITY"):
        (case / name).write_bytes((xp / name).read_bytes())
    (outside / "SOFTWARE").write_bytes((xp / "SYSTEM").read_bytes())
    (case / "SOFTWARE").symlink_to(outside / "SOFTWARE")
    result = run("--from", case, "-f", "json")
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["partial"] is True
    assert [bomb["expires"] for bomb in document["timebombs"]] == [EXPIRES]
    assert "discover.symlink_outside" in {d["code"] for d in document["diagnostics"]}
    assert "leads out of" in result.stderr
    (case / "SOFTWARE").unlink()
    whole = run("--from", case, "-f", "json")
    assert whole.returncode == 0, whole.stderr
    assert json.loads(whole.stdout)["partial"] is False
