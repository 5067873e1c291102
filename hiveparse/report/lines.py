"""JSON Lines of a whole REGF walk, written straight from the reader's cell rows.

``hiveparse query HIVE -s -v -f jsonl`` writes every key of a hive: tens of megabytes. Here
each key's line is assembled as text from its cells, without the key and value records
(dicts) that :func:`hiveparse.report.records.walk_records` builds and an encoder then walks.
The text is exactly what ``render.dumps_line`` writes for those records (the same fields in
the same order, strings escaped by the standard library's ``ensure_ascii`` encoder): a test
checks it line by line against the record path on every corpus hive and on hostile ones.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii
from typing import Final

from hiveparse.errors import Diagnostic
from hiveparse.filetime import filetime_iso
from hiveparse.model import ValueType, WalkBudget
from hiveparse.paths import full_key_path
from hiveparse.report.records import security_record
from hiveparse.report.render import dumps
from hiveparse.sources.regf.hive import REGF_DATA_START, RegfHive, RegfKey
from hiveparse.sources.regf.records import ValueRecord
from hiveparse.values import decode_pair

# A key whose values pass this many is written in pieces of as many values (a key may hold
# a million; its line is never held whole).
VALUES_PER_PIECE: Final = 256
# "type" of each known value type, as JSON text (a value of another type shows "0x..").
_TYPE_TEXT: Final = {member.value: f'"{member.name}"' for member in ValueType}
_quoted: Final = encode_basestring_ascii  # a str as a JSON string, in ASCII (json's own)


def regf_walk_lines(
    start: RegfKey,
    mount: str,
    *,
    notes: list[Diagnostic],
    control_set: str | None = None,
    with_security: bool = False,
) -> Iterator[str]:
    """The JSON Lines of ``start`` and every key below it, as ``walk_records`` (with
    values) makes them and ``dumps_line`` writes them. Yields pieces of text: a key's
    line is one piece, or several for a key with many values; the piece that ends a line
    ends with its newline (no other does: JSON text holds no raw line break)."""
    hive = start.hive
    # Every key of one hive has the same provenance but for the cell offset.
    key_provenance_head, key_provenance_tail = _provenance_around_offset(start.provenance.to_dict())
    control_set_text = "" if control_set is None else f',"control_set":{_quoted(control_set)}'
    for row in hive.walk_rows(start, WalkBudget(), notes):
        offset, node = row.offset, row.node
        last_written = node.last_written
        written = filetime_iso(last_written)
        class_name = hive.class_name(offset, node)
        head = (
            f'{{"path":{_quoted(full_key_path(mount, row.path))}'
            f',"name":{_quoted(node.name)}'
            f',"class_name":{"null" if class_name is None else _quoted(class_name)}'
            f',"last_written":{"null" if written is None else _quoted(written)}'
            f',"last_written_raw":{last_written}'
            f',"subkeys":[{",".join([_quoted(child.name) for _o, child in row.subkeys])}]'
            f',"provenance":{key_provenance_head}{offset}{key_provenance_tail}'
            f'{control_set_text},"values":['
        )
        pieces = [head]
        listed = hive.listed_values(offset, node, row.path)
        for index, (value_offset, value) in enumerate(listed, 1):
            pieces.append(_value_text(hive, value_offset, value))
            if index < len(listed):
                pieces.append(",")
            if index % VALUES_PER_PIECE == 0:
                yield "".join(pieces)
                pieces = []
        pieces.append("]")
        if with_security:
            pieces.append(f',"security":{_security_text(hive.security_descriptor(offset, node))}')
        pieces.append("}\n")
        yield "".join(pieces)


def _value_text(hive: RegfHive, offset: int, value: ValueRecord) -> str:
    """One value's record (``records._value_fields``) as JSON text."""
    raw = hive.value_data(offset, value)  # read first: reading finds the anomalies
    problems = [_quoted(d.code) for d in hive.anomaly.at(offset + REGF_DATA_START)]
    decoded, problem = decode_pair(value.type_id, raw)
    if problem:
        problems.append(_quoted(problem))
    type_id = value.type_id
    type_text = _TYPE_TEXT.get(type_id)
    if type_text is None:
        type_text = f'"0x{type_id:x}"'
    return (
        f'{{"name":{_quoted(value.name)},"type":{type_text},"type_id":{type_id}'
        f',"size":{len(raw)},"raw":"{raw.hex()}","decoded":{_decoded_text(decoded)}'
        f',"problems":[{",".join(problems)}]'
        f',"provenance":{{"cell_offset":{offset},"line":null,"deleted":false}}}}'
    )


def _decoded_text(decoded: object) -> str:
    """A decoded value (``values.decode_pair``) as the record shows it: bytes as hex."""
    if decoded is None:
        return "null"
    if isinstance(decoded, str):
        return _quoted(decoded)
    if isinstance(decoded, int):
        return str(decoded)
    if isinstance(decoded, bytes):
        return f'"{decoded.hex()}"'
    if isinstance(decoded, list):
        return f"[{','.join([_quoted(item) for item in decoded])}]"
    raise TypeError(f"a decoded value of an unexpected type: {type(decoded).__name__}")


def _provenance_around_offset(provenance: dict[str, object]) -> tuple[str, str]:
    """A key's provenance as JSON text before and after its cell offset's digits."""
    parts_before: list[str] = []
    parts_after: list[str] = []
    target = parts_before
    for name, field in provenance.items():
        if name == "cell_offset":
            target = parts_after
            continue
        target.append(f"{_quoted(name)}:{dumps(field, indent=None)}")
    if target is parts_before:
        raise ValueError("a provenance record without a cell offset")
    head = "{" + "".join(f"{part}," for part in parts_before) + '"cell_offset":'
    tail = "".join(f",{part}" for part in parts_after) + "}"
    return head, tail


@functools.lru_cache(maxsize=1024)
def _security_text(raw: bytes | None) -> str:
    """``records.security_record`` as JSON text (keys share a few descriptors)."""
    return dumps(security_record(raw), indent=None)
