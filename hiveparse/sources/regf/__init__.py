"""The project's own REGF reader (the default engine)."""

from hiveparse.sources.regf.hive import RegfHive, RegfKey, RegfValue
from hiveparse.sources.regf.open import open_hive

__all__ = ["RegfHive", "RegfKey", "RegfValue", "open_hive"]
