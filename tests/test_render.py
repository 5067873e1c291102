"""Writing report records (hiveparse.report.render)."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hiveparse.report.render import dumps, write_record_lazily

scalars = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
items = st.recursive(
    scalars,
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
