"""Turning model objects into report records, and records into output formats."""
