"""Typed errors of the decryption chain (dpapi.md §3).

A key that does not open its data, a structure that is cut short or garbled, an algorithm we do
not implement and key material the evidence does not hold are four different answers, each a
:class:`DecryptionError` with a one-line message. Nothing here ever carries key bytes.
"""

from __future__ import annotations

from hiveparse.errors import (
    CorruptStructure,
    HiveparseError,
    ResourceLimit,
    Truncated,
    Unsupported,
)


class DecryptionError(HiveparseError):
    """Root of every failure of the LSA / DPAPI decryption chain."""


class WrongKey(DecryptionError):
    """The key does not open this data: an HMAC, signature, padding or sanity check failed."""


class MalformedInput(DecryptionError, CorruptStructure):
    """The input is not the structure it should be (wrong size, bad field, inconsistent lengths)."""


class TruncatedInput(MalformedInput, Truncated):
    """The input ends before a structure it announces."""


class UnsupportedAlgorithm(DecryptionError, Unsupported):
    """A well-formed structure names an algorithm or version this chain does not implement."""


class MissingKeyMaterial(DecryptionError):
    """The evidence lacks something a step needs (a hive key, an LSA secret, a master key file)."""


class TooCostly(DecryptionError, ResourceLimit):
    """A structure asks for more work than any real one does (e.g. billions of PBKDF2 rounds)."""
