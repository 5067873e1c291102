"""The reverse direction: registry state written out, never over evidence.

regedit-format .reg files (``regfile``) and REGF hives rebuilt from a .reg file
(``convert``, through ``hiveparse.sources.regf.writer``).

Imports the foundations, ``schemas``, ``decode``, ``sources``, ``engines`` (``convert``
checks what it wrote with ``engines.verify``) and ``evidence``.
"""
