"""Decoding timebomb headers without keys: what fits, what does not, and hostile bytes."""

from __future__ import annotations

import random
from pathlib import Path

from hiveparse.decode.dpapi_blob import decode_blob_header


def test_synthetic_timebomb_header(corpus: Path):
    raw = (corpus / "dpapi" / "synthetic_timebomb" / "timebomb_blob.bin").read_bytes()
    header = decode_blob_header(raw).to_dict()
    assert header["dpapi_shaped"] is True
    assert header["master_key_guid"] == "dd26f81a-4ed9-49fd-8b45-42723d8ae006"
    assert (header["flags"], header["flag_names"]) == ("0x4", ["LOCAL_MACHINE"])
    assert (header["crypt_algorithm"], header["hash_algorithm"]) == ("CALG_AES_256", "CALG_SHA_512")
    assert (header["data_length"], header["sign_length"]) == (16, 64)


def test_trailing_bytes_and_truncation_are_problems(corpus: Path):
    raw = (corpus / "dpapi" / "synthetic_timebomb" / "timebomb_blob.bin").read_bytes()
    longer = decode_blob_header(raw + b"\x00")
    assert not longer.dpapi_shaped
    (trailing,) = longer.problems
    assert (trailing.code, trailing.message) == (
        "dpapi.trailing_bytes",
        "1 byte(s) after the signature",
    )
    assert trailing.location.offset == len(raw)  # the extra byte, right after the signature
    for cut in (0, 1, 19, 20, 44, 100, 229):
        short = decode_blob_header(raw[:cut])
        assert not short.dpapi_shaped
        assert short.problems and short.problems[0].message.startswith("not a DPAPI blob")
        assert short.problems[0].code == "dpapi.not_a_blob"
        assert short.to_dict()["problems"][0]["code"] == "dpapi.not_a_blob"


def test_random_bytes_never_raise():
    generator = random.Random(20261129)
    for _ in range(2000):
        size = generator.randrange(0, 300)
        decode_blob_header(bytes(generator.randrange(256) for _ in range(size)))


def test_flipped_bytes_of_a_real_blob_never_raise(corpus: Path):
    raw = bytearray((corpus / "dpapi" / "synthetic_timebomb" / "timebomb_blob.bin").read_bytes())
    generator = random.Random(7)
    for _ in range(1000):
        mutated = bytearray(raw)
        for _flip in range(generator.randrange(1, 6)):
            mutated[generator.randrange(len(mutated))] = generator.randrange(256)
        decode_blob_header(bytes(mutated))
