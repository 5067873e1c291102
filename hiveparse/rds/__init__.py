"""Remote Desktop Services licensing: where to read (``locations``), the facts the evidence
gives (``facts``), the state derived from them (``state``), the declared rules and their
findings (``rulebook``, ``rules``, ``judge``), remediation, and ``analyze``, which runs the
flow for each host.

Imports every stage below it (foundations, ``schemas``, ``decode``, ``sources``, ``engines``,
``crypto``, ``evidence``); only ``analyze`` imports ``report``, to build its documents.
"""
