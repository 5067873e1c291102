"""Time the offline LSA/DPAPI chain (not a test: prints one line per case, asserts nothing).

    python benchmarks/bench_dpapi_chain.py [--runs 21]

Cases, each timed with ``time.perf_counter`` over ``--runs`` repetitions after one warm-up,
median reported (target: the whole chain under 300 ms):

* ``bitcurator_xp``: open the real XP SYSTEM + SECURITY hives, boot key, NT5 LSA key,
  DPAPI_SYSTEM, and the L$RTMTIMEBOMB secret read as a FILETIME;
* ``synthetic_timebomb``: DPAPI_SYSTEM plaintext -> machine key -> master key dd26f81a-...
  (AES-256/SHA-512, 8000 rounds) -> the 230-byte timebomb blob -> FILETIME;
* ``full_chain``: both of the above in one go;
* ``rdsh_image``: the whole chain of one host, as ``analyze`` runs it, on the project's
  sample disk image (samples/rdsh-image: SYSTEM, SECURITY and the master key file, no public
  Vista+ case has all of it from one machine): open both hives, boot key, NT6 LSA key,
  DPAPI_SYSTEM, the master key (8000 PBKDF2-SHA512 rounds), the blob, the FILETIME;
* ``pbkdf2_8000``: the master key's PBKDF2 alone, the step that dominates.

``--out FILE`` also writes the medians as JSON.

The corpus is found at ``$HIVEPARSE_CORPUS`` or ``../shared/corpus`` beside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from hiveparse.crypto.chain import (
    DpapiSystemKeys,
    decrypt_system_blob,
    decrypt_with_system_keys,
    read_dpapi_system,
)
from hiveparse.crypto.dpapi_system import split_dpapi_system
from hiveparse.crypto.masterkey import dpapi_pbkdf2
from hiveparse.crypto.timebomb import interpret_timebomb, read_lsa_timebombs
from hiveparse.sources.regf.open import open_hive

_REPO = Path(__file__).resolve().parent.parent


def _corpus() -> Path:
    configured = os.environ.get("HIVEPARSE_CORPUS")
    return Path(configured) if configured else _REPO.parent / "shared" / "corpus"


def _xp_case(folder: Path) -> Callable[[], str]:
    def run() -> str:
        system = open_hive(folder / "SYSTEM")
        security = open_hive(folder / "SECURITY")
        keys = read_dpapi_system(system, security)
        assert keys.lsa is not None
        bombs = read_lsa_timebombs(security, keys.lsa.lsa_key)
        return str(bombs[0].reading.end)

    return run


def _synthetic_case(folder: Path) -> Callable[[], str]:
    vectors = json.loads((folder / "vectors.json").read_text())
    plaintext = bytes.fromhex(vectors["chain"]["dpapi_system_plaintext"])
    guid = "dd26f81a-4ed9-49fd-8b45-42723d8ae006"
    files = {guid: (folder / f"masterkey_{guid}.bin").read_bytes()}
    blob = (folder / "timebomb_blob.bin").read_bytes()

    def run() -> str:
        keys = DpapiSystemKeys({"CurrVal": split_dpapi_system(plaintext)})
        result = decrypt_with_system_keys(keys, files, blob)
        return str(interpret_timebomb(result.plaintext).end)

    return run


def _image_case(folder: Path) -> Callable[[], str]:
    config = folder / "Windows" / "System32" / "config"
    (key_file,) = [
        p
        for p in (folder / "Windows" / "System32" / "Microsoft" / "Protect" / "S-1-5-18").iterdir()
        if p.name != "Preferred"
    ]
    files = {key_file.name: key_file.read_bytes()}

    def run() -> str:
        system = open_hive(config / "SYSTEM")
        grace = system.root().find(r"ControlSet001\Control\Terminal Server\RCM\GracePeriod")
        assert grace is not None
        (value,) = list(grace.values())
        result = decrypt_system_blob(system, open_hive(config / "SECURITY"), files, value.raw)
        return str(interpret_timebomb(result.plaintext).end)

    return run


def _pbkdf2_case() -> Callable[[], str]:
    def run() -> str:
        return dpapi_pbkdf2("sha512", bytes(20), bytes(16), 8000, 48).hex()[:8]

    return run


def _time(run: Callable[[], str], runs: int) -> tuple[float, str]:
    answer = run()  # warm-up (imports, page cache)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--out", type=Path)
    arguments = parser.parse_args()
    runs = arguments.runs
    dpapi = _corpus() / "dpapi"
    xp = _xp_case(dpapi / "bitcurator_xp")
    synthetic = _synthetic_case(dpapi / "synthetic_timebomb")

    def full() -> str:
        return f"{xp()} / {synthetic()}"

    medians: dict[str, float] = {}
    for name, case in (
        ("bitcurator_xp", xp),
        ("synthetic_timebomb", synthetic),
        ("full_chain", full),
        ("rdsh_image", _image_case(_REPO / "samples" / "rdsh-image")),
        ("pbkdf2_8000", _pbkdf2_case()),
    ):
        median, answer = _time(case, runs)
        medians[name] = round(median, 2)
        print(f"{name}: median {median:.1f} ms over {runs} runs (target < 300 ms) -> {answer}")
    if arguments.out:
        arguments.out.write_text(json.dumps({"runs": runs, "median_ms": medians}, indent=1) + "\n")


if __name__ == "__main__":
    main()
