"""Recovered (deleted) records seen through the :class:`~hiveparse.model.Key` and
:class:`~hiveparse.model.Value` interfaces, so the domain layer can hold them as facts.

Their provenance says ``deleted=True`` and carries the record's cell offset. A value whose
data could not be read intact has ``raw == b""`` and says so in :attr:`DeletedValue.data_state`;
callers must look at :attr:`DeletedValue.data_available` before trusting ``raw``.
"""

from __future__ import annotations

from collections.abc import Iterator

from hiveparse.model import EvidenceFormat, HiveType, Key, Provenance, Value
from hiveparse.sources.regf.carve import DataState, RecoveredKey, RecoveredValue
from hiveparse.sources.regf.hive import ENGINE


def _provenance(source: str, hive_type: HiveType | None, offset: int | None) -> Provenance:
    return Provenance(
        source=source,
        format=EvidenceFormat.REGF,
        engine=ENGINE,
        hive_type=hive_type,
        offset=offset,
        deleted=True,
    )


class DeletedValue(Value):
    __slots__ = ("_provenance", "record")

    def __init__(self, record: RecoveredValue, source: str, hive_type: HiveType | None) -> None:
        self.record = record
        self._provenance = _provenance(source, hive_type, record.offset)

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def type_id(self) -> int:
        return self.record.type_id

    @property
    def raw(self) -> bytes:
        return self.record.raw or b""

    @property
    def provenance(self) -> Provenance:
        return self._provenance

    @property
    def data_state(self) -> str:
        return self.record.data_state

    @property
    def data_available(self) -> bool:
        return self.record.data_state in (DataState.INLINE, DataState.INTACT)

    def adds_nothing_to(self, live: Value | None) -> bool:
        """Whether this record says nothing beyond a live value of the same name: its data
        equals the live data, or is lost while the value lives (what a policy refresh or a
        ControlSet copy leaves behind: delete, then write again)."""
        if live is None:
            return False
        return not self.data_available or self.raw == live.raw


class DeletedKey(Key):
    """A recovered key record. Its deleted subkeys are separate records (not linked here)."""

    __slots__ = ("_provenance", "_source", "hive_type", "record")

    def __init__(self, record: RecoveredKey, source: str, hive_type: HiveType | None) -> None:
        self.record = record
        self._source = source
        self.hive_type = hive_type
        self._provenance = _provenance(source, hive_type, record.offset)

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def path(self) -> str:
        return self.record.path

    @property
    def provenance(self) -> Provenance:
        return self._provenance

    @property
    def last_written(self) -> int | None:
        return self.record.last_written

    @property
    def class_name(self) -> str | None:
        return self.record.class_name

    def subkeys(self) -> Iterator[Key]:
        return iter(())

    def values(self) -> Iterator[DeletedValue]:
        for value in self.record.values:
            yield DeletedValue(value, self._source, self.hive_type)


class InferredKey(Key):
    """The key a deleted value most likely belonged to, named from the value's name alone
    (its own key record is gone or was never linked). Nothing of it was read from the hive."""

    __slots__ = ("_path", "_value")

    def __init__(self, path: str, value: DeletedValue) -> None:
        self._path = path
        self._value = value

    @property
    def name(self) -> str:
        return self._path.rsplit("\\", 1)[-1]

    @property
    def path(self) -> str:
        return self._path

    @property
    def provenance(self) -> Provenance:
        return self._value.provenance

    @property
    def identity(self) -> int | None:
        return None

    def subkeys(self) -> Iterator[Key]:
        return iter(())

    def values(self) -> Iterator[DeletedValue]:
        yield self._value
