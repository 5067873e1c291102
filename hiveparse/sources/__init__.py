"""Readers: evidence bytes in, the registry model (``hiveparse.model``) out.

``regf`` reads REGF hives and replays their transaction logs, ``regtext`` reads regedit .reg
files, ``memory`` holds a registry built in memory, ``detect`` tells which hive a tree is.

Imports the foundations, ``schemas`` and ``decode``.
"""
