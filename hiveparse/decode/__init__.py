"""Decoders: bytes in, typed records out, nothing else.

Security descriptors (``security``, MS-DTYP), the DPAPI blob header (``dpapi_blob``), RDS
certificates (``certificates``, MS-RDPELE / X.509), client licenses and hardware ids
(``client_license``, MS-RDPELE) and hiveparse's own origin marker in a converted hive's base
block (``origin``). Each reads what its construct schema in ``hiveparse.schemas`` declares.
What does not fit is a coded ``Diagnostic`` (catalogue: ``hiveparse.errors.DIAGNOSTIC_CODES``),
never an exception.

Imports the foundations and ``schemas`` only.
"""
