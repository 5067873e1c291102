"""Turning model objects into report records, and records into output formats: records,
the JSON Schema, renderers, the analyze summary table and ``info``'s evidence summary.

May import every stage; nothing in the product imports it but ``rds.analyze`` and the CLI.
"""
