"""Write a REGEDIT4 .reg file of one key with N dword values (issue 10: `convert` of a
1,000,000-value file took 43 s and 1.8 GB).

    python benchmarks/make_many_values_reg.py OUT.reg [--values 1000000]
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--values", type=int, default=1_000_000)
    args = parser.parse_args()
    with args.out.open("w", encoding="ascii", newline="\r\n") as sink:
        sink.write("REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Many]\n")
        for index in range(args.values):
            sink.write(f'"v{index}"=dword:{index:08x}\n')
        sink.write("\n")
    print(args.out, args.out.stat().st_size)


if __name__ == "__main__":
    main()
