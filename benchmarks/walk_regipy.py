"""Full walk with regipy (pure Python): ``recurse_subkeys(as_json=False)``, which parses and
decodes every value of every key itself.

    python benchmarks/walk_regipy.py HIVE      -> prints "KEYS VALUES"

regipy 6.5 takes minutes on a 15 MB SYSTEM hive; run.sh gives it a timeout.
"""

import logging
import sys

from regipy.registry import RegistryHive


def main(path: str) -> None:
    logging.disable(logging.WARNING)  # regipy logs per odd value; keep stderr out of the timing
    hive = RegistryHive(path)
    keys = values = 0
    for subkey in hive.recurse_subkeys(as_json=False):
        keys += 1
        values += len(subkey.values)
    print(keys, values)


if __name__ == "__main__":
    main(sys.argv[1])
