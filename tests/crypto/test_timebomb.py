"""The timebomb plaintext as the grace period's end (dpapi.md §6), and the XP LSA secret."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest

from hiveparse.crypto.chain import open_lsa
from hiveparse.crypto.timebomb import (
    MISSING_SYSTEM,
    TimebombStatus,
    interpret_timebomb,
    open_lsa_timebombs,
    read_lsa_timebombs,
)
from hiveparse.filetime import datetime_to_filetime, filetime_to_datetime, iso_z
from hiveparse.sources.regf.open import open_hive


def test_bitcurator_rtm_timebomb(xp_hives, vectors):
    bomb = vectors("bitcurator_xp")["expected"]["timebomb_lsa_secret"]
    context = open_lsa(*xp_hives)
    readings = read_lsa_timebombs(xp_hives[1], context.lsa_key)
    assert [(r.name, r.slot) for r in readings] == [(bomb["name"], "CurrVal")]
    reading = readings[0].reading
    assert reading.status is TimebombStatus.FILETIME
    assert reading.raw.hex() == bomb["plaintext_filetime_le"]
    assert reading.filetime == bomb["filetime"]
    assert iso_z(reading.end) == bomb["utc"] == "2010-03-09T00:39:35Z"
    assert iso_z(readings[0].written) == bomb["CupdTime_utc"]
    # The README's reading: first write (OupdTime) to the second, plus exactly 120 days.
    first_write = datetime.fromisoformat(bomb["OupdTime_utc"].replace("Z", "+00:00"))
    assert reading.end == first_write.replace(microsecond=0) + timedelta(days=120)


def test_synthetic_plaintext(vectors):
    expected = vectors("synthetic_timebomb")["expected"]
    reading = interpret_timebomb(bytes.fromhex(expected["plaintext_hex"]))
    assert reading.status is TimebombStatus.FILETIME
    assert (reading.filetime, iso_z(reading.end)) == (expected["filetime"], expected["utc"])
    assert reading.message == "grace period ends at this time (UTC)"


@pytest.mark.parametrize("size", [0, 1, 7, 9, 16])
def test_not_eight_bytes_is_not_read_as_a_time(size):
    reading = interpret_timebomb(bytes(range(size)))
    assert reading.status is TimebombStatus.WRONG_SIZE
    assert (reading.filetime, reading.end) == (None, None)
    assert reading.raw == bytes(range(size))
    assert f"{size} bytes" in reading.message


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2100, 1, 1, tzinfo=UTC),
        datetime(1601, 1, 1, 0, 0, 1, tzinfo=UTC),
    ],
)
def test_implausible_times_are_kept_raw(moment):
    value = datetime_to_filetime(moment)
    reading = interpret_timebomb(struct.pack("<Q", value))
    assert reading.status is TimebombStatus.IMPLAUSIBLE
    assert (reading.filetime, reading.end) == (value, None)


@pytest.mark.parametrize("value", [0, 0xFFFFFFFFFFFFFFFF])
def test_zero_and_all_ones(value):
    reading = interpret_timebomb(struct.pack("<Q", value))
    assert reading.status is TimebombStatus.IMPLAUSIBLE
    assert reading.end is None


def test_plausible_edges():
    first = datetime(2000, 1, 1, tzinfo=UTC)
    last = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
    for moment in (first, last):
        reading = interpret_timebomb(struct.pack("<Q", datetime_to_filetime(moment)))
        assert reading.status is TimebombStatus.FILETIME
        assert reading.end == moment == filetime_to_datetime(reading.filetime or 0)


def test_open_lsa_timebombs_finds_the_system_that_opens_each_security(xp_hives, vectors, corpus):
    system, security = xp_hives
    bomb = vectors("bitcurator_xp")["expected"]["timebomb_lsa_secret"]
    other = open_hive(corpus / "hives" / "regipy" / "SYSTEM")  # another machine's boot key
    (opened,) = open_lsa_timebombs([("SEC", security)], [("OTHER", other), ("SYS", system)])
    assert (opened.security, opened.system, opened.lsa_era) == ("SEC", "SYS", "nt5")
    assert [(s.name, s.slot) for s in opened.slots] == [(bomb["name"], "CurrVal")]
    (reading,) = opened.timebombs
    assert (reading.reading.filetime, iso_z(reading.reading.end)) == (bomb["filetime"], bomb["utc"])
    (failed,) = open_lsa_timebombs([("SEC", security)], [("OTHER", other)])
    assert failed.system is None and failed.timebombs == ()
    assert len(failed.errors) == 1 and failed.errors[0].startswith("OTHER: ")
    (alone,) = open_lsa_timebombs([("SEC", security)], [])
    assert alone.missing == (MISSING_SYSTEM,) and alone.timebombs == ()
    assert open_lsa_timebombs([("SYS", system)], [("SYS", system)]) == []  # no secrets there
