"""Deliberately broken implementations, each an adapter around the reference that breaks one
requirement, so that tests can show the suite catches it (``--impl mutants:NAME``).

Each factory returns a fresh adapter; ``name`` says what is broken.
"""

from __future__ import annotations

from pathlib import Path

from weightspec.conformance.adapters.reference import ReferenceAdapter
from weightspec.conformance.harness.adapter import DDUF_READ, EntryInfo


class OffByOneOffsets(ReferenceAdapter):
    """Locates every entry's data one byte late (breaks what every valid case checks)."""

    name = "off-by-one-offsets"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        return [EntryInfo(e.name, e.offset + 1, e.length) for e in super().dduf_read(path)]


class AcceptsTrailingBytes(ReferenceAdapter):
    """Opens archives with bytes after the end record (breaks DDUF-ZIP-001) by cutting them off."""

    name = "accepts-trailing-bytes"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        data = path.read_bytes()
        end = data.rfind(b"PK\x05\x06")
        if end != -1 and end + 22 < len(data):
            trimmed = path.with_suffix(".trimmed")
            trimmed.write_bytes(data[: end + 22])
            return super().dduf_read(trimmed)
        return super().dduf_read(path)


class ReaderOnly(ReferenceAdapter):
    """The reference, declaring nothing but dduf-read: every other test is not applicable."""

    name = "reader-only"
    capabilities = frozenset({DDUF_READ})


class CrashesOnEmptyEntries(ReferenceAdapter):
    """Raises an undocumented IndexError for an archive with a zero-length entry."""

    name = "crashes-on-empty-entries"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        entries = super().dduf_read(path)
        if any(entry.length == 0 for entry in entries):
            raise IndexError("list index out of range")
        return entries


off_by_one_offsets = OffByOneOffsets
accepts_trailing_bytes = AcceptsTrailingBytes
reader_only = ReaderOnly
crashes_on_empty_entries = CrashesOnEmptyEntries


def not_an_adapter() -> object:
    return object()
