"""Full walk with hiveparse's own REGF reader: every key, every value decoded.

python benchmarks/walk_hiveparse.py HIVE      -> prints "KEYS VALUES"
"""

import sys

from hiveparse.model import walk
from hiveparse.sources.regf import open_hive


def main(path: str) -> None:
    hive = open_hive(path, apply_logs=False)
    keys = values = 0
    for key in walk(hive.root()):
        keys += 1
        for value in key.values():
            value.decoded  # noqa: B018 - decoding is what is measured
            values += 1
    print(keys, values)


if __name__ == "__main__":
    main(sys.argv[1])
