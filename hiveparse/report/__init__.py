"""Turning model objects into report records, and records into output formats: records,
the JSON Schema, renderers, the analyze summary table, the tables of ``info``, ``secrets``,
``verify`` and ``recover`` (``tables``), ``query``'s reg query listing (``reg_query``), a
whole hive's JSON Lines written from the reader's cells (``lines``), and
the documents of ``info``, ``recover`` and ``secrets``.

May import every stage; nothing in the product imports it but ``rds.analyze`` and the CLI.
"""
