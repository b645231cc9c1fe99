"""DDUFEntry: huggingface_hub's fields and methods, and as_memoryview's zero-copy, read-only, closed-after view."""

from __future__ import annotations

import dataclasses
import mmap
import zipfile
from pathlib import Path

import huggingface_hub
import pytest

from weightspec.reference import DDUFEntry, read_dduf_file


def test_fields_and_repr_are_huggingface_hubs(tmp_path):
    ours = DDUFEntry(filename="a.json", length=3, offset=64, dduf_path=tmp_path / "x.dduf")
    theirs = huggingface_hub.DDUFEntry(filename="a.json", length=3, offset=64, dduf_path=tmp_path / "x.dduf")

    assert [field.name for field in dataclasses.fields(ours)] == [
        field.name for field in dataclasses.fields(theirs)
    ]
    assert repr(ours) == repr(theirs) == "DDUFEntry(filename='a.json', length=3, offset=64)"
    assert DDUFEntry("a.json", 3, 64, tmp_path) == DDUFEntry("a.json", 3, 64, tmp_path)


def test_as_mmap_and_read_text_return_the_entrys_bytes(pipeline_archive, pipeline_entries):
    entries = read_dduf_file(pipeline_archive)
    for name, data in pipeline_entries:
        with entries[name].as_mmap() as mapped:
            assert isinstance(mapped, bytes) and mapped == data
    assert entries["unet/config.json"].read_text() == dict(pipeline_entries)["unet/config.json"].decode()


@pytest.fixture
def unaligned_entries(tmp_path) -> dict[str, DDUFEntry]:
    """Entries of varied sizes, most starting off any page boundary, one crossing a page boundary."""
    path = tmp_path / "unaligned.dduf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model_index.json", b'{"_class_name": "P"}')
        archive.writestr("notes.txt", bytes(range(256)) * 40)
        archive.writestr("empty.txt", b"")
    return read_dduf_file(path)


def test_as_memoryview_is_a_read_only_view_of_a_map_of_the_entry(unaligned_entries):
    entry = unaligned_entries["notes.txt"]
    assert entry.offset % mmap.ALLOCATIONGRANULARITY != 0
    with entry.as_mmap() as copied:
        expected = copied

    with entry.as_memoryview() as view:
        assert view.readonly
        assert view == expected
        with pytest.raises(TypeError):
            view[0] = 1
        mapped = view.obj
        assert isinstance(mapped, mmap.mmap)  # a view of the map: nothing was copied
        # Only the pages holding the entry are mapped, not the whole archive.
        assert len(mapped) < entry.length + mmap.ALLOCATIONGRANULARITY

    assert mapped.closed
    with pytest.raises(ValueError):
        view[0]  # released


def test_as_memoryview_closes_the_map_when_the_block_raises(unaligned_entries):
    with pytest.raises(RuntimeError), unaligned_entries["notes.txt"].as_memoryview() as view:
        mapped = view.obj
        raise RuntimeError("stop")
    assert mapped.closed


def test_as_memoryview_of_an_empty_entry_is_empty(unaligned_entries):
    with unaligned_entries["empty.txt"].as_memoryview() as view:
        assert view.readonly and len(view) == 0
    with unaligned_entries["empty.txt"].as_mmap() as data:
        assert data == b""


def test_as_memoryview_leaves_the_map_open_while_an_export_of_the_view_lives(unaligned_entries):
    with unaligned_entries["notes.txt"].as_memoryview() as view:
        exported = memoryview(view)  # a buffer exported from the view outlives the block
        mapped = view.obj
    assert not mapped.closed
    assert exported[:3] == bytes([0, 1, 2])
    exported.release()


def test_entries_read_their_archive_by_path(tmp_path):
    path = tmp_path / "entry.dduf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model_index.json", b'{"_class_name": "P"}')
    entry = read_dduf_file(str(path))["model_index.json"]
    assert entry.dduf_path == Path(path)
    assert entry.read_text() == '{"_class_name": "P"}'
