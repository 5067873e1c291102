"""Time the offline LSA/DPAPI chain (not a test: prints one line per case, asserts nothing).

    python benchmarks/bench_dpapi_chain.py [--runs 21]

Cases, each timed with ``time.perf_counter`` over ``--runs`` repetitions after one warm-up,
median reported (target: the whole chain under 300 ms):

* ``bitcurator_xp``: open the real XP SYSTEM + SECURITY hives, boot key, NT5 LSA key,
  DPAPI_SYSTEM, and the L$RTMTIMEBOMB secret read as a FILETIME;
* ``synthetic_timebomb``: DPAPI_SYSTEM plaintext -> machine key -> master key dd26f81a-...
  (AES-256/SHA-512, 8000 rounds) -> the 230-byte timebomb blob -> FILETIME;
* ``full_chain``: both of the above in one go, which is the cost of boot key -> LSA key ->
  DPAPI_SYSTEM -> master key -> blob (no public Vista+ case has all of it from one machine).

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

from hiveparse.crypto.chain import DpapiSystemKeys, decrypt_with_system_keys, read_dpapi_system
from hiveparse.crypto.dpapi_system import split_dpapi_system
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
    runs = parser.parse_args().runs
    dpapi = _corpus() / "dpapi"
    xp = _xp_case(dpapi / "bitcurator_xp")
    synthetic = _synthetic_case(dpapi / "synthetic_timebomb")

    def full() -> str:
        return f"{xp()} / {synthetic()}"

    for name, case in (
        ("bitcurator_xp", xp),
        ("synthetic_timebomb", synthetic),
        ("full_chain", full),
    ):
        median, answer = _time(case, runs)
        print(f"{name}: median {median:.1f} ms over {runs} runs (target < 300 ms) -> {answer}")


if __name__ == "__main__":
    main()
