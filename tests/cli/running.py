"""Running the installed command line in a child process, as a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any


def hiveparse(
    *args: str | Path, timeout: int = 120, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """``python -m hiveparse ARGS``: exit code, stdout and stderr as text. The timeout only
    turns a hang (a FIFO opened for reading, say) into a failure."""
    return subprocess.run(
        [sys.executable, "-m", "hiveparse", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
