"""atheris target for event logs: any bytes as an EVTX file (read by pyevtx-rs record by
record through hiveparse's reader, the file header by its construct schema) and as an XML
export of one (streamed by the standard library's parser), and the first-record channel
check discovery makes. Only hiveparse errors may come out, within :data:`INPUT_SECONDS`; a
record or chunk pyevtx-rs cannot parse must be skipped and counted, never raised.

Run: ``python fuzz/fuzz_events.py -max_total_time=60 <seed_dir>``. An empty seed folder is
filled with the bundled samples' logs (samples/friday-afternoon-rdsh). A finding is kept
under ``tests/regressions/events/`` unless ``-artifact_prefix=`` is given.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

import atheris
from _harness import run, time_limit

_REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_REPO))

with atheris.instrument_imports():
    from hiveparse.errors import HiveparseError
    from hiveparse.events.catalogue import OF_INTEREST
    from hiveparse.events.evtx_file import channel_of, read_event_log
    from hiveparse.events.xml_export import looks_like_event_xml, read_event_xml

REGRESSIONS = _REPO / "tests" / "regressions" / "events"
SAMPLE = _REPO / "samples" / "friday-afternoon-rdsh"
INPUT_SECONDS = 5.0
_SHM = Path("/dev/shm")  # the input is written for each run: memory, not disk, where it can
_SCRATCH = Path(tempfile.mkdtemp(prefix="hiveparse-fuzz-", dir=_SHM if _SHM.is_dir() else None))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)


def test_one_input(data: bytes) -> None:
    path = _SCRATCH / "input"
    path.write_bytes(data)
    with time_limit(INPUT_SECONDS):
        channel_of(data[: 4096 + 65536])
        looks_like_event_xml(data[:4096])
        for reader in (read_event_log, read_event_xml):
            with contextlib.suppress(HiveparseError):
                reader(path, keep=OF_INTEREST)


def _seeds() -> dict[str, bytes]:
    return {log.name: log.read_bytes() for log in sorted(SAMPLE.glob("*.evtx"))}


def main() -> None:
    run(sys.argv, test_one_input, _seeds, REGRESSIONS)


if __name__ == "__main__":
    main()
