"""hiveparse: offline Windows registry evidence analysis, focused on RDS licensing."""

__version__ = "0.1.0"
