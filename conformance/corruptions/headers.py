"""Corruptions of one header field: a flipped bit in a field a reader checks
(``header-bit-flip``) or in one no rule constrains (``harmless-bit-flip``, still valid), sizes
that lie (``size-lie``), and a local header offset that points elsewhere (``offset-lie``)."""

from __future__ import annotations

import struct

from hypothesis import strategies as st

from ..zip_builder import Archive, ZipSpec
from ..zip_records import LOCAL_HEADER
from ._breaks import CHECKED_FIELDS, FREE_FIELDS, _patched_field, _same_meaning, _shifted_data_breaks
from ._core import _kind, _Mutation
from ._fields import _changed_entry, _draw_field, _entry_choice, _label, _value, _width, _with_value


@_kind("header-bit-flip")
def _header_bit_flip(draw, spec: ZipSpec) -> _Mutation:
    """One bit of a header field that a reader checks (CHECKED_FIELDS), in any record."""
    archive = spec.build()
    record, field, entry = _draw_field(draw, archive, CHECKED_FIELDS)
    old = _value(archive, record, field, entry)
    bits = [
        b for b in range(_width(record, field)) if not _same_meaning(archive, record, field, old ^ (1 << b))
    ]
    bit = draw(st.sampled_from(bits))
    return _patched_field(archive, record, field, entry, old ^ (1 << bit), f"bit {bit} flipped")


@_kind("harmless-bit-flip")
def _harmless_bit_flip(draw, spec: ZipSpec) -> _Mutation:
    """One bit of a field no rule constrains (FREE_FIELDS), or of alignment padding: still valid."""
    archive = spec.build()
    padding = _padding_spans(archive)
    if padding and draw(st.booleans()):
        start, end = draw(st.sampled_from(padding))
        position = draw(st.integers(start, end - 1))
        bit = draw(st.integers(0, 7))
        data = archive.patched_bytes(position, bytes([archive.data[position] ^ (1 << bit)])).data
        description = f"bit {bit} of byte {position} flipped, in alignment padding (an extra record 0xD935)"
        return _Mutation("padding", (), description, data, archive)
    record, field, entry = _draw_field(draw, archive, FREE_FIELDS)
    bit = draw(st.sampled_from(list(FREE_FIELDS[record][field])))
    old = _value(archive, record, field, entry)
    return _patched_field(archive, record, field, entry, old ^ (1 << bit), f"bit {bit} flipped", breaks=())


def _padding_spans(archive: Archive) -> list[tuple[int, int]]:
    """Where the data of each local 0xD935 padding record lies (after its 4-byte record header)."""
    spans = []
    for index, span in enumerate(archive.layout.data_spans):
        header = archive.record_offset("local", index)
        extra_start = header + LOCAL_HEADER.size + _value(archive, "local", "name_length", index)
        position = extra_start
        while position + 4 <= span[0]:
            record_id, size = struct.unpack_from("<HH", archive.data, position)
            if record_id == 0xD935 and size:
                spans.append((position + 4, position + 4 + size))
            position += 4 + size
    return spans


@_kind("size-lie")
def _size_lie(draw, spec: ZipSpec) -> _Mutation:
    """An entry's sizes lie: both sizes in both headers (the data ends elsewhere), the compressed
    size alone in both (DDUF-ENTRY-002), or both sizes in the central header alone (DDUF-ENTRY-006)."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    size = draw(st.integers(0, len(entry.data) + 64).filter(lambda s: s != len(entry.data)))
    variant = draw(st.sampled_from(["both-sizes", "compressed-size", "central-sizes"]))
    where = _label(entry.name)
    if variant == "central-sizes":
        data = _with_value(archive, "central", "compressed_size", size, index)
        data = _with_value(data, "central", "uncompressed_size", size, index).data
        breaks = ("DDUF-ENTRY-006", *_shifted_data_breaks(archive, index, size - len(entry.data)))
        description = (
            f"the central header of {where} gives sizes {size}; the local one and the data {len(entry.data)}"
        )
        return _Mutation(variant, breaks, description, data, archive)
    sizes = {"compressed_size": size}
    if variant == "both-sizes":
        sizes["uncompressed_size"] = size
    lying = _changed_entry(spec, index, **sizes)
    breaks = _shifted_data_breaks(archive, index, size - len(entry.data))
    if variant == "compressed-size":
        breaks = ("DDUF-ENTRY-002", *breaks)
    which = "both sizes" if variant == "both-sizes" else "compressed size"
    description = f"both headers of {where} give {which} {size}; it has {len(entry.data)} bytes"
    return _Mutation(variant, breaks, description, lying.to_bytes(), archive)


@_kind("offset-lie")
def _offset_lie(draw, spec: ZipSpec) -> _Mutation:
    """A central header's local header offset points anywhere else in (or past) the file."""
    archive = spec.build()
    index = draw(st.integers(0, len(spec.entries) - 1))
    old = archive.record_offset("local", index)
    new = draw(st.integers(0, len(archive.data) + 64).filter(lambda offset: offset != old))
    return _patched_field(archive, "central", "local_header_offset", index, new, "a lie")
