"""Reading and writing the fields of a built archive, drawing the entry or field to corrupt,
deriving a spec that differs in one entry, and naming what changed (``_label``, ``_where``)."""

from __future__ import annotations

import struct
from dataclasses import replace

from hypothesis import strategies as st

from ..zip_builder import Archive, Entry, ZipSpec
from ..zip_records import DATA_DESCRIPTOR, RECORDS

_DESCRIPTOR_SIGNATURE = DATA_DESCRIPTOR.signature


def _span(archive: Archive, record: str, field: str, entry: int | None) -> tuple[int, int]:
    """(absolute offset, size in bytes) of one field."""
    offset, code = RECORDS[record].field(field)
    return archive.record_offset(record, entry) + offset, struct.calcsize("<" + code)


def _value(archive: Archive, record: str, field: str, entry: int | None = None) -> int:
    """A field as a little-endian integer (a signature too)."""
    start, size = _span(archive, record, field, entry)
    return int.from_bytes(archive.data[start : start + size], "little")


def _with_value(archive: Archive, record: str, field: str, value: int, entry: int | None = None) -> Archive:
    start, size = _span(archive, record, field, entry)
    return archive.patched_bytes(start, value.to_bytes(size, "little"))


def _width(record: str, field: str) -> int:
    return 8 * struct.calcsize("<" + RECORDS[record].field(field)[1])


def _where(archive: Archive, record: str, entry: int | None) -> str:
    names = {"local": "local header", "central": "central header"}
    if entry is None:
        return {"end": "the end record", "zip64_end": "the ZIP64 end record"}.get(record, "the ZIP64 locator")
    return f"the {names[record]} of {_label(archive.names[entry])}"


def _label(name: str | bytes) -> str:
    text = repr(name)
    return text if len(text) <= 48 else f"{text[:45]}...'"


def _data_end(archive: Archive, entry: int) -> int:
    return archive.layout.data_spans[entry][1]


def _entry_choice(draw, spec: ZipSpec, *, needs_data: bool = False, exclude: str | None = None) -> int | None:
    """The index of a drawn entry (with data, not named ``exclude``, where asked); None if none is."""
    choices = [
        i for i, entry in enumerate(spec.entries) if (entry.data or not needs_data) and entry.name != exclude
    ]
    return draw(st.sampled_from(choices)) if choices else None


def _changed_entry(spec: ZipSpec, index: int, **fields) -> ZipSpec:
    entries = list(spec.entries)
    entries[index] = replace(entries[index], **fields)
    return replace(spec, entries=tuple(entries))


def _adding(spec: ZipSpec, *entries: Entry) -> ZipSpec:
    """``spec`` with ``entries`` added, its central directory in file order."""
    return replace(spec.adding(*entries), directory_order=None)


def _default_flags(archive: Archive, index: int) -> int:
    """The flags the builder gave the entry (bit 11 for a name that is not ASCII)."""
    return _value(archive, "central", "flags", index)


def _draw_field(draw, archive: Archive, fields: dict) -> tuple[str, str, int | None]:
    """A drawn (record, field, entry index or None) among ``fields`` (record -> field names)."""
    records = [record for record in fields if record in ("local", "central") or _has_record(archive, record)]
    record = draw(st.sampled_from(records))
    field = draw(st.sampled_from(list(fields[record])))
    entry = draw(st.integers(0, len(archive.names) - 1)) if record in ("local", "central") else None
    return record, field, entry


def _has_record(archive: Archive, record: str) -> bool:
    return getattr(archive.layout, record) is not None
