"""What a DPAPI blob's header says, without any key: the grace-period timebomb offline.

The timebomb (``RCM\\GracePeriod\\L$RTMTIMEBOMB_...``) is believed to be a machine-scope DPAPI
blob over an 8-byte FILETIME (rds-licensing.md §5.2, UNCERTAIN). Without the machine's DPAPI
keys its expiry cannot be read, but the header names the master key that would open it, the
algorithms and the lengths. "DPAPI-shaped" is checked field by field, never assumed.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from construct import ConstructError, Container

from hiveparse.errors import Diagnostic, Severity, coded
from hiveparse.schemas import dpapi

_BLOCK_BYTES = {"CALG_AES_128": 16, "CALG_AES_192": 16, "CALG_AES_256": 16, "CALG_3DES": 8}
_FLAG_NAMES = tuple(dpapi.blob_flags.flags)


@dataclass
class BlobHeader:
    """The decoded header fields of a DPAPI blob, and what does not fit the format."""

    length: int
    dpapi_shaped: bool
    problems: list[Diagnostic] = field(default_factory=list)
    master_key_guid: str | None = None
    flags: int | None = None
    flag_names: list[str] = field(default_factory=list)
    description: str | None = None
    crypt_algorithm: str | None = None
    crypt_key_bits: int | None = None
    hash_algorithm: str | None = None
    hash_bits: int | None = None
    salt_length: int | None = None
    hmac_key_length: int | None = None
    hmac2_key_length: int | None = None
    data_length: int | None = None
    sign_length: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "dpapi_shaped": self.dpapi_shaped,
            "master_key_guid": self.master_key_guid,
            "flags": None if self.flags is None else f"0x{self.flags:x}",
            "flag_names": self.flag_names,
            "description": self.description,
            "crypt_algorithm": self.crypt_algorithm,
            "crypt_key_bits": self.crypt_key_bits,
            "hash_algorithm": self.hash_algorithm,
            "hash_bits": self.hash_bits,
            "salt_length": self.salt_length,
            "hmac_key_length": self.hmac_key_length,
            "hmac2_key_length": self.hmac2_key_length,
            "data_length": self.data_length,
            "sign_length": self.sign_length,
            "problems": [problem.to_dict() for problem in self.problems],
        }


def _name(value: Any) -> str:
    return str(value) if not isinstance(value, int) or isinstance(value, bool) else f"0x{value:x}"


def _construct_reason(error: ConstructError) -> str:
    """construct's message in words: its path (``(parsing) -> sign -> sign``) names the field
    where the bytes ran out or did not fit."""
    fields = [part.strip() for part in (getattr(error, "path", None) or "").split("->")]
    named = list(dict.fromkeys(part for part in fields if part and part != "(parsing)"))
    where = named[0] if named else None
    if where is None:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    if "stream read less than specified amount" in str(error):
        return f"the data ends inside its {where} field (cut short?)"
    return f"its {where} field does not hold what a DPAPI blob holds there"


def decode_blob_header(raw: bytes) -> BlobHeader:
    """Decode a DPAPI blob's header fields; never raises, every misfit is a coded
    ``dpapi.*`` diagnostic (catalogued in :data:`hiveparse.errors.DIAGNOSTIC_CODES`)."""
    stream = io.BytesIO(raw)
    try:
        parsed: Container = dpapi.dpapi_blob.parse_stream(stream)
    except ConstructError as error:
        offset = stream.tell()  # how far construct read before the bytes ran out or misfit
        problem = coded(
            "dpapi.not_a_blob",
            f"not a DPAPI blob: {_construct_reason(error)}",
            offset=offset,
            severity=Severity.ERROR,
        )
        return BlobHeader(len(raw), False, [problem])
    header = BlobHeader(
        length=len(raw),
        dpapi_shaped=True,
        master_key_guid=str(uuid.UUID(bytes_le=bytes(parsed.master_key_guid))),
        # Read the stored dword itself: a FlagsEnum would drop bits it has no name for.
        flags=int.from_bytes(raw[dpapi.FLAGS_OFFSET : dpapi.FLAGS_OFFSET + 4], "little"),
        flag_names=[name for name in _FLAG_NAMES if parsed.flags.get(name)],
        description=bytes(parsed.description).decode("utf-16-le", "replace").rstrip("\x00"),
        crypt_algorithm=_name(parsed.crypt_algorithm),
        crypt_key_bits=parsed.crypt_key_bits,
        hash_algorithm=_name(parsed.hash_algorithm),
        hash_bits=parsed.hash_bits,
        salt_length=parsed.salt_length,
        hmac_key_length=parsed.hmac_key_length,
        hmac2_key_length=parsed.hmac2_key_length,
        data_length=parsed.data_length,
        sign_length=parsed.sign_length,
    )
    _check(header, parsed, trailing=len(raw) - stream.tell())
    return header


def _check(header: BlobHeader, parsed: Container, *, trailing: int) -> None:
    problems = header.problems
    if parsed.master_key_version != 1:
        problems.append(
            coded(
                "dpapi.master_key_version", f"master key version {parsed.master_key_version}, not 1"
            )
        )
    if trailing:
        problems.append(
            coded(
                "dpapi.trailing_bytes",
                f"{trailing} byte(s) after the signature",
                offset=header.length - trailing,
            )
        )
    block = _BLOCK_BYTES.get(str(parsed.crypt_algorithm))
    if block is None:
        problems.append(
            coded(
                "dpapi.unexpected_algorithm",
                f"unexpected encryption algorithm {header.crypt_algorithm}",
            )
        )
    elif parsed.data_length % block:
        problems.append(
            coded(
                "dpapi.partial_block",
                f"ciphertext of {parsed.data_length} bytes is not whole {block}-byte blocks",
            )
        )
    if parsed.hash_bits and parsed.sign_length * 8 != parsed.hash_bits:
        problems.append(
            coded(
                "dpapi.signature_size",
                f"signature of {parsed.sign_length} bytes does not match a "
                f"{parsed.hash_bits}-bit hash",
            )
        )
    if parsed.hmac_key_length:
        problems.append(
            coded(
                "dpapi.strong_password",
                "a strong-password (HMAC key) slot is filled: not a machine blob",
            )
        )
    header.dpapi_shaped = not problems
