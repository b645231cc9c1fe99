"""Entries that are there twice: a second copy of an entry (``duplicate-entry``), or entries that
share bytes (``overlapping-entries``)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from ..zip_builder import Entry, ZipSpec
from ._core import _kind, _Mutation
from ._fields import _adding, _changed_entry, _data_end, _label


@_kind("duplicate-entry")
def _duplicate_entry(draw, spec: ZipSpec) -> _Mutation:
    """A second copy of an entry, anywhere in the archive (DDUF-NAME-010)."""
    archive = spec.build()
    entry = spec.entries[draw(st.integers(0, len(spec.entries) - 1))]
    position = draw(st.integers(0, len(spec.entries)))
    entries = (*spec.entries[:position], entry, *spec.entries[position:])
    duplicated = replace(spec, entries=entries, directory_order=None)
    description = f"entry {_label(entry.name)} stored twice, the copy at position {position}"
    return _Mutation("copy", ("DDUF-NAME-010",), description, duplicated.to_bytes(), archive)


@_kind("overlapping-entries")
def _overlapping_entries(draw, spec: ZipSpec) -> _Mutation:
    """Entries that share bytes (DDUF-ZIP-007): an entry whose sizes cover the next entry whole,
    or a second central header for an entry's local header."""
    archive = spec.build()
    order = sorted(range(len(spec.entries)), key=lambda i: archive.layout.local_headers[i])
    index = draw(st.integers(0, len(order) - 1))
    if index + 1 < len(order) and draw(st.booleans()):
        first, second = order[index], order[index + 1]
        size = _data_end(archive, second) - archive.layout.data_spans[first][0]
        entry = spec.entries[first]
        nested = _changed_entry(spec, first, compressed_size=size, uncompressed_size=size)
        description = f"the sizes of {_label(entry.name)} ({size}) cover the next entry, {_label(spec.entries[second].name)}"
        return _Mutation("nested", ("DDUF-ZIP-007",), description, nested.to_bytes(), archive)
    entry = spec.entries[order[index]]
    twin = Entry(entry.name, entry.data, local_header_offset=archive.layout.local_headers[order[index]])
    shared = _adding(spec, twin)
    description = f"a second central header for the local header of {_label(entry.name)}"
    return _Mutation(
        "shared-header", ("DDUF-ZIP-007", "DDUF-NAME-010"), description, shared.to_bytes(), archive
    )
