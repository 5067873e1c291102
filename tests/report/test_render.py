"""Writing report records (hiveparse.report.render)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiveparse.report.render import dumps, write_record_lazily, write_records_as_lines

# Report records hold no floats (orjson and json write some differently, e.g. 1e16 / 1e+16).
scalars = st.none() | st.booleans() | st.integers() | st.text()
items = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
with_floats = st.recursive(
    scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(record=st.dictionaries(st.text(), items, max_size=5), listed=st.lists(items, max_size=4))
def test_a_lazy_record_is_written_as_dumps_writes_the_list(
    record: dict[str, Any], listed: list[Any]
) -> None:
    whole = {**record, "values": listed}
    lazy = {**record, "values": iter(listed)}
    out = io.StringIO()
    write_record_lazily(lazy, out)
    assert out.getvalue() == dumps(whole, indent=None)
    assert json.loads(out.getvalue()) == json.loads(dumps(whole, indent=None))


@given(record=items)
def test_dumps_writes_what_the_standard_library_writes(record: Any) -> None:
    # orjson writes most records; the output must be json.dumps's, byte for byte: ASCII
    # only (non-ASCII, DEL and lone surrogates escaped), integers beyond 64 bits kept.
    assert dumps(record, indent=None) == json.dumps(record, separators=(",", ":"))
    assert dumps(record) == json.dumps(record, indent=2)


@given(record=with_floats)
def test_floats_read_back_as_written(record: Any) -> None:
    assert json.loads(dumps(record, indent=None)) == record


def test_what_orjson_cannot_write_is_still_written() -> None:
    assert dumps({"name": "\udc80x"}, indent=None) == '{"name":"\\udc80x"}'
    assert (
        dumps([2**64, -(2**63) - 1], indent=None) == "[18446744073709551616,-9223372036854775809]"
    )
    assert dumps("Stra\u00dfe\x7f", indent=None) == '"Stra\\u00dfe\\u007f"'


def test_objects_that_are_no_json_are_refused_as_json_refuses_them() -> None:
    @dataclass
    class Point:
        x: int

    with pytest.raises(TypeError):
        dumps({"point": Point(1)})
    with pytest.raises(TypeError):
        dumps({"when": datetime(2020, 1, 1, tzinfo=UTC)})


@given(
    rows=st.lists(
        st.tuples(st.dictionaries(st.text(), items, max_size=4), st.lists(items, max_size=3)),
        max_size=6,
    ),
    lazy=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_lines_written_as_bytes_are_the_lines_of_the_text_writer(
    rows: list[tuple[dict[str, Any], list[Any]]], lazy: list[bool]
) -> None:
    # Records with an iterator field go through the text layer, the others straight to the
    # bytes under it: the file must read as if every line had been written as text, in order.
    def records(lazily: bool) -> list[dict[str, Any]]:
        return [
            {**record, "values": iter(values) if lazily and lazy[index] else values}
            for index, (record, values) in enumerate(rows)
        ]

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    out.write("first\n")
    write_records_as_lines(records(lazily=True), out)
    out.write("last\n")
    out.flush()
    expected = io.StringIO()
    expected.write("first\n")
    for record in records(lazily=False):
        write_record_lazily(record, expected)
        expected.write("\n")
    expected.write("last\n")
    assert raw.getvalue().decode("ascii") == expected.getvalue()
