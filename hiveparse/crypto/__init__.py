"""Offline LSA and DPAPI decryption: boot key, LSA key and secrets, DPAPI_SYSTEM, master keys,
blobs, and the grace-period timebomb (docs/reference/dpapi.md).

Each module does one step and is pure (bytes or model objects in, bytes or dataclasses out);
``chain`` composes them. Keys are never printed: dataclasses that hold key bytes leave them
out of their ``repr``. Every failure is a :class:`~hiveparse.crypto.errors.DecryptionError`.

Imports the foundations, ``schemas`` and ``decode``.
"""
