"""The reader's classes as isinstance sees them, compiled (mypyc) or not."""

from __future__ import annotations

from hiveparse.model import Hive, Key
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.hive import RegfHive, RegfKey, RegfValue


def test_isinstance_of_the_reader_classes_never_answers_for_their_bases() -> None:
    """mypyc builds classes without ABCMeta, and a compiled class shared its base's cache:
    after ``isinstance(memory_key, RegfKey)`` was False, ``isinstance(memory_key, Key)`` was
    False too (and True answers leaked the other way)."""
    hive = MemoryHive()
    key = hive.root()
    for _ in range(2):  # the second round answers from the caches the first one filled
        assert not isinstance(key, RegfKey)
        assert not isinstance(hive, RegfHive)
        assert isinstance(key, Key)
        assert isinstance(hive, Hive)
    for cls, base in ((RegfKey, Key), (RegfHive, Hive)):
        assert cls._abc_impl is not base._abc_impl  # type: ignore[attr-defined]
    assert RegfValue._abc_impl is not RegfKey._abc_impl  # type: ignore[attr-defined]
