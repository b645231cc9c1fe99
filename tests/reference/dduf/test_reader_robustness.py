"""Damaged archives: the reader raises DDUFCorruptedFileError and nothing else, and agrees with validate_dduf.

The invariant checked on every damaged file (``assert_consistent``):

- ``read_dduf_file`` either returns entries that lie inside the file, or raises
  ``DDUFCorruptedFileError``; any other exception fails the test;
- ``validate_dduf`` returns [] exactly when ``read_dduf_file`` succeeds, and otherwise its first
  finding is the error ``read_dduf_file`` raised (same requirement, entry and offset);
- ``validate_dduf(deep=True)`` begins with the same findings and raises nothing either.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import huggingface_hub
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weightspec.reference import DDUFCorruptedFileError, export_entries_as_dduf, read_dduf_file, validate_dduf

WRITERS = {"hub": huggingface_hub.export_entries_as_dduf, "reference": export_entries_as_dduf}


def assert_consistent(path: Path) -> bool:
    """Check the invariant above; True when the archive was read."""
    findings = validate_dduf(path)
    assert validate_dduf(path, deep=True)[: len(findings)] == findings
    try:
        entries = read_dduf_file(path)
    except DDUFCorruptedFileError as error:
        assert findings, f"read_dduf_file raised {error} but validate_dduf found nothing"
        first = findings[0]
        assert (error.requirement, error.entry, error.offset) == (
            first.requirement,
            first.entry,
            first.offset,
        )
        return False
    assert findings == []
    size = path.stat().st_size
    assert all(0 <= entry.offset and entry.offset + entry.length <= size for entry in entries.values())
    return True


def header_offsets(archive: bytes, path: Path) -> list[int]:
    """Every byte offset of a header, found with zipfile: local headers, directory, end records."""
    offsets = []
    with zipfile.ZipFile(path) as opened:
        for info in opened.infolist():
            start = info.header_offset
            fixed = archive[start : start + 30]
            length = 30 + int.from_bytes(fixed[26:28], "little") + int.from_bytes(fixed[28:30], "little")
            offsets.extend(range(start, start + length))
        offsets.extend(range(opened.start_dir, len(archive)))
    return offsets


@pytest.fixture(params=sorted(WRITERS))
def small_archive(request, tmp_path, pipeline_entries) -> tuple[bytes, Path]:
    path = tmp_path / "original.dduf"
    WRITERS[request.param](path, pipeline_entries)
    assert assert_consistent(path)
    return path.read_bytes(), path


def test_truncation_at_every_byte_is_a_corrupted_file(small_archive, tmp_path):
    archive, _ = small_archive
    damaged = tmp_path / "truncated.dduf"
    for length in range(len(archive)):
        damaged.write_bytes(archive[:length])
        assert not assert_consistent(damaged), f"truncated to {length} bytes and still read"


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_changing_any_header_byte_never_raises_anything_else(small_archive, tmp_path, mask):
    archive, original = small_archive
    damaged = tmp_path / "flipped.dduf"
    rejected = 0
    for offset in header_offsets(archive, original):
        changed = bytearray(archive)
        changed[offset] ^= mask
        damaged.write_bytes(changed)
        rejected += not assert_consistent(damaged)
    assert rejected > 0


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hypothesis") / "mutant.dduf"


@pytest.fixture(scope="module")
def hub_archive(tmp_path_factory) -> bytes:
    """A small archive by huggingface_hub with JSON, text and safetensors entries, for deep checks too."""
    header = b'{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}'
    header += b" " * (-len(header) % 8)
    weights = len(header).to_bytes(8, "little") + header + b"\x01\x02"
    path = tmp_path_factory.mktemp("hub") / "archive.dduf"
    entries = [
        ("model_index.json", b'{"_class_name": "P", "unet": ["d", "U"]}'),
        ("unet/config.json", b"{}"),
        ("unet/notes.txt", b"hello"),
        ("unet/model.safetensors", weights),
    ]
    huggingface_hub.export_entries_as_dduf(path, entries)
    assert validate_dduf(path, deep=True) == []
    return path.read_bytes()


@given(content=st.binary(max_size=300))
def test_random_bytes_are_a_corrupted_file(scratch, content):
    scratch.write_bytes(content)
    assert not assert_consistent(scratch)


@given(data=st.data())
def test_random_edits_keep_reader_and_validator_consistent(scratch, hub_archive, data):
    changed = bytearray(hub_archive)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        offset = data.draw(st.integers(0, len(changed) - 1), label="offset")
        action = data.draw(st.sampled_from(["set", "insert", "delete"]), label="action")
        if action == "set":
            changed[offset] = data.draw(st.integers(0, 255), label="value")
        elif action == "insert":
            changed[offset:offset] = data.draw(st.binary(min_size=1, max_size=8), label="inserted")
        else:
            del changed[offset : offset + data.draw(st.integers(1, 8), label="deleted")]
    scratch.write_bytes(changed)
    assert_consistent(scratch)
