"""Full walk with libregf-python (pyregf): sub_keys iteratively, every value's data read by
type (get_data_as_string / _integer / _multi_string, else the raw ``data``).

    python benchmarks/walk_pyregf.py HIVE      -> prints "KEYS VALUES"
"""

import sys

import pyregf

STRINGS = (1, 2, 6)  # REG_SZ, REG_EXPAND_SZ, REG_LINK
INTEGERS = (4, 5, 11)  # REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_QWORD
MULTI = 7


def decode(value):
    kind = value.type
    try:
        if kind in STRINGS:
            return value.get_data_as_string()
        if kind in INTEGERS:
            return value.get_data_as_integer()
        if kind == MULTI:
            return list(value.get_data_as_multi_string())
    except OSError:  # data that does not fit its type: keep the bytes, as the others do
        pass
    return value.data


def main(path: str) -> None:
    regf = pyregf.file()
    regf.open(path)
    keys = values = 0
    stack = [regf.get_root_key()]
    while stack:
        key = stack.pop()
        keys += 1
        for value in key.values:
            decode(value)
            values += 1
        stack.extend(reversed(list(key.sub_keys)))
    regf.close()
    print(keys, values)


if __name__ == "__main__":
    main(sys.argv[1])
