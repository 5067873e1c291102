"""The evidence stage: what was given, and how it is opened without changing it.

Discovery of files in folders, Windows volumes and KAPE / Velociraptor collections
(``discover``), opening one hive or .reg file and hashing it (``open``), grouping inputs into
hosts without ever mixing machines (``hosts``), DPAPI master key files found beside the hives
(``masterkey_files``), the mounted registry view (``registry``) and what each input can show
(``coverage``).

Imports the foundations, ``schemas``, ``decode``, ``sources``, ``engines`` and ``crypto``;
never ``rds``, ``report`` or ``export``.
"""
