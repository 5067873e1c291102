"""What the peer adapters correct, each on a real hive or a copy patched in tmp_path."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hiveparse.engines import open_engine
from hiveparse.engines.verify import compare_hives
from hiveparse.model import walk

PEERS = ("regipy", "python-registry")
BASE = 0x1000


def corpus_bytes(corpus: Path, relative: str) -> bytes:
    path = corpus / "hives" / relative
    if not path.is_file():
        pytest.skip(f"{relative} is not in this corpus")
    return path.read_bytes()


@pytest.mark.corpus
@pytest.mark.parametrize("engine", PEERS)
def test_zero_length_value_of_odd_type_is_empty(corpus: Path, engine: str) -> None:
    # regipy's own read_value() returns 258,044 bytes of neighbouring cells here
    # (reliability.md §2.4 item 2: the inline flag is not masked).
    corpus_bytes(corpus, "regipy/SAM")
    hive = open_engine(engine, corpus / "hives" / "regipy/SAM")
    key = hive.find(r"SAM\Domains\Account\Groups\Names\None")
    assert key is not None
    [value] = list(key.values())
    assert (value.name, value.type_id, value.raw) == ("", 0x201, b"")


def _unicode_hive_cells(data: bytes) -> tuple[int, int, int]:
    """Root cell, the cell of its only subkey, and that subkey's list cell (yarp UnicodeHive)."""
    (root,) = struct.unpack_from("<I", data, 0x24)
    (root_list,) = struct.unpack_from("<I", data, BASE + root + 4 + 0x1C)
    (child,) = struct.unpack_from("<I", data, BASE + root_list + 4 + 4)
    (child_list,) = struct.unpack_from("<I", data, BASE + child + 4 + 0x1C)
    return root, child, child_list


@pytest.mark.corpus
def test_regipy_follows_the_base_block_root(corpus: Path, tmp_path: Path) -> None:
    # reliability.md §2.4 item 3: regipy itself takes the first cell as the root.
    data = bytearray(corpus_bytes(corpus, "yarp/UnicodeHive"))
    _, child, _ = _unicode_hive_cells(data)
    struct.pack_into("<I", data, 0x24, child)  # the root is now the key 'Привет'
    path = tmp_path / "root_not_first"
    path.write_bytes(bytes(data))
    regipy = open_engine("regipy", path)
    assert regipy.root().name == "Привет"
    assert [key.name for key in walk(regipy.root())] == ["Привет", "Ключ"]
    assert [d.code for d in regipy.diagnostics] == ["regipy.root_not_first_cell"]
    assert list(compare_hives(regipy, open_engine("python-registry", path))) == []


@pytest.mark.corpus
@pytest.mark.parametrize("engine", PEERS)
def test_cycle_back_to_the_root_ends(corpus: Path, tmp_path: Path, engine: str) -> None:
    data = bytearray(corpus_bytes(corpus, "yarp/UnicodeHive"))
    root, _, child_list = _unicode_hive_cells(data)
    struct.pack_into("<I", data, BASE + child_list + 4 + 4, root)  # 'Ключ' → the root
    path = tmp_path / "cycle"
    path.write_bytes(bytes(data))
    hive = open_engine(engine, path)
    assert [key.path for key in walk(hive.root())] == ["", "Привет"]
    assert list(compare_hives(hive, open_engine(engine, path))) == []


@pytest.mark.corpus
@pytest.mark.parametrize("engine", PEERS)
def test_provenance_is_the_cell_offset(corpus: Path, engine: str) -> None:
    data = corpus_bytes(corpus, "yarp/UnicodeHive")
    root, child, _ = _unicode_hive_cells(data)
    hive = open_engine(engine, corpus / "hives" / "yarp/UnicodeHive")
    offsets = [key.provenance.offset for key in walk(hive.root())][:2]
    assert offsets == [root, child]
    assert hive.root().provenance.engine == engine
