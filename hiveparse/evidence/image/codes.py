"""What the analysis and the batch outcome need of disk images without importing the image
readers at start-up: the diagnostic codes, the kind of an encrypted volume's unreadable
input, and how images are read (:class:`ImageOptions`)."""

from __future__ import annotations

from dataclasses import dataclass

from hiveparse.errors import EncryptedVolume

NOT_HASHED = "image.not_hashed"  # --no-image-hash: the image's files were not hashed
VERIFIED = "image.verified"  # --verify-image: the stored hashes match the media
VERIFY_FAILED = "image.verify_failed"  # --verify-image: a stored hash does not match
NO_STORED_HASH = "image.no_stored_hash"  # --verify-image on an image that stores none
DAMAGED = "image.damaged"  # a read failed or a structure passes the end of the image
PARTITION_TABLE = "image.partition_table"  # a partition table that does not add up
SHADOW_COPIES = "image.shadow_copies"  # volume shadow copies, not examined
NOT_SEARCHED = "image.not_searched"  # a volume that holds no Windows installation
UNSUPPORTED_VOLUME = "image.unsupported_volume"  # a volume kind not read (LDM, ReFS, ...)
NO_WINDOWS = "image.no_windows"  # no Windows installation in the whole image
IMAGE_CODES = frozenset(
    {NOT_HASHED, VERIFIED, VERIFY_FAILED, NO_STORED_HASH, DAMAGED, PARTITION_TABLE,
     SHADOW_COPIES, NOT_SEARCHED, UNSUPPORTED_VOLUME, NO_WINDOWS}
)  # fmt: skip

ENCRYPTED_KIND = EncryptedVolume.__name__  # Unreadable.kind of an encrypted volume


@dataclass(frozen=True)
class ImageOptions:
    hash_image: bool = True  # False: --no-image-hash
    verify: bool = False  # --verify-image
    event_logs: bool = False  # copy the reported logs of winevt\\Logs too (analyze)
    # Files named inside the image (``p1/Windows/System32/config/SAM``): copied too, with
    # the transaction logs beside them, from any NTFS volume.
    members: tuple[str, ...] = ()
