"""compare_hives and canonical_tree on in-memory hives, one disagreement kind at a time."""

from __future__ import annotations

from hiveparse.engines.verify import (
    Disagreement,
    DisagreementKind,
    Equivalence,
    canonical_tree,
    compare_hives,
)
from hiveparse.sources.memory import MemoryHive

K = DisagreementKind


def build(engine: str, *, upper: bool = False, reverse: bool = False) -> MemoryHive:
    hive = MemoryHive(engine=engine)
    names = ["Alpha", "beta", "Gamma"]
    for name in reversed(names) if reverse else names:
        key = hive.root().ensure(f"Software\\{name.upper() if upper else name}")
        key.last_written_raw = 132_000_000_000_000_000
        key.class_name_text = "cls"
        key.set_value("", 1, "x\x00".encode("utf-16-le"))
        key.set_value("Count", 4, b"\x01\x00\x00\x00")
    return hive


def kinds(found: list[Disagreement]) -> list[tuple[DisagreementKind, str, str | None]]:
    return [(d.kind, d.path, d.value_name) for d in found]


def test_identical_trees_agree_whatever_the_stored_order() -> None:
    assert list(compare_hives(build("a"), build("b", reverse=True))) == []
    assert list(canonical_tree(build("a"))) == list(canonical_tree(build("b", reverse=True)))


def test_names_match_case_insensitively_but_spelling_is_reported() -> None:
    found = list(compare_hives(build("a"), build("b", upper=True)))
    assert kinds(found) == [
        (K.NAME_DIFFERS, r"Software\Alpha", None),
        (K.NAME_DIFFERS, r"Software\beta", None),
        (K.NAME_DIFFERS, r"Software\Gamma", None),
    ]
    assert (found[0].a, found[0].b, found[0].engine_a, found[0].engine_b) == (
        "'Alpha'",
        "'ALPHA'",
        "a",
        "b",
    )


def test_missing_key_and_value_name_the_side_that_has_them() -> None:
    a, b = build("a"), build("b")
    b.find(r"Software").add_key("Delta")  # type: ignore[union-attr]
    b.find(r"Software\beta").delete_value("Count")  # type: ignore[union-attr]
    found = list(compare_hives(a, b))
    assert kinds(found) == [
        (K.KEY_MISSING, r"Software\Delta", None),
        (K.VALUE_MISSING, r"Software\beta", "Count"),
    ]
    assert (found[0].a, found[0].b) == (None, "present")
    assert (found[1].a, found[1].b) == ("present", None)


def test_type_data_time_and_class_differences() -> None:
    a, b = build("a"), build("b")
    key = b.find(r"Software\Gamma")
    assert key is not None
    key.set_value("Count", 11, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    key.set_value("", 1, "y\x00".encode("utf-16-le"))
    key.last_written_raw = 132_000_000_000_000_001
    key.class_name_text = "other"
    found = list(compare_hives(a, b))
    assert kinds(found) == [
        (K.LAST_WRITTEN_DIFFERS, r"Software\Gamma", None),
        (K.CLASS_NAME_DIFFERS, r"Software\Gamma", None),
        (K.DATA_DIFFERS, r"Software\Gamma", ""),
        (K.TYPE_DIFFERS, r"Software\Gamma", "Count"),
        (K.DATA_DIFFERS, r"Software\Gamma", "Count"),
    ]
    assert found[3].a == "REG_DWORD" and found[3].b == "REG_QWORD"
    assert found[2].a == "4 bytes: 78 00 00 00"
    coarse = Equivalence(time_resolution=10_000_000)
    assert K.LAST_WRITTEN_DIFFERS not in [d.kind for d in compare_hives(a, b, equivalence=coarse)]


def test_unknown_times_and_class_names_are_not_compared() -> None:
    a, b = build("a"), build("b")
    key = b.find(r"Software\Alpha")
    assert key is not None
    key.last_written_raw = None
    key.class_name_text = None
    assert list(compare_hives(a, b)) == []


def test_limit_stops_early() -> None:
    found = list(compare_hives(build("a"), build("b", upper=True), limit=2))
    assert len(found) == 2


def test_same_engine_on_both_sides_is_told_apart() -> None:
    a, b = build("x"), build("x", upper=True)
    first = next(compare_hives(a, b))
    assert (first.engine_a, first.engine_b) == ("x(a)", "x(b)")
    assert "name_differs" in str(first)
