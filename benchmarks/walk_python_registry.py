"""Full walk with python-registry: every key (iteratively), every value's ``value()``.

python benchmarks/walk_python_registry.py HIVE      -> prints "KEYS VALUES"
"""

import sys

from Registry import Registry
from Registry.RegistryParse import UnknownTypeException


def main(path: str) -> None:
    reg = Registry.Registry(path)
    keys = values = 0
    stack = [reg.root()]
    while stack:
        key = stack.pop()
        keys += 1
        for value in key.values():
            try:
                value.value()
            except UnknownTypeException:  # DEVPROP types (0xffff00xx): raw bytes
                value.raw_data()
            values += 1
        stack.extend(reversed(key.subkeys()))
    print(keys, values)


if __name__ == "__main__":
    main(sys.argv[1])
