"""FILETIME conversion (hiveparse.filetime), against hand-computed times."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hiveparse.filetime import filetime_iso, filetime_to_datetime, iso_z

# 116444736000000000 FILETIME units separate 1601-01-01 from the Unix epoch (1970-01-01).
UNIX_EPOCH_AS_FILETIME = 116_444_736_000_000_000


def test_a_key_time_is_the_unix_time_it_counts_to() -> None:
    # (132317609318226078 - 116444736000000000) / 10**7 = 1587287331.8226078 s after 1970,
    # which `date -u -d @1587287331` shows as 2020-04-19 09:08:51 (sub-microsecond cut).
    assert filetime_iso(132_317_609_318_226_078) == "2020-04-19T09:08:51.822607Z"
    assert filetime_iso(UNIX_EPOCH_AS_FILETIME) == "1970-01-01T00:00:00Z"


def test_zero_negative_and_past_year_9999_are_no_time() -> None:
    assert filetime_iso(0) is None
    assert filetime_iso(-1) is None
    assert filetime_iso(None) is None
    assert filetime_iso(2**64 - 1) is None


@given(st.integers(min_value=-(2**63), max_value=2**64))
def test_the_fast_text_is_the_text_of_the_datetime(raw: int) -> None:
    assert filetime_iso(raw) == iso_z(filetime_to_datetime(raw))
