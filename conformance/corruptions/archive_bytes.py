"""Corruptions of the archive's bytes rather than of a header field: the archive cut short
(``truncation``), bytes no record accounts for (``stray-bytes``), and a flipped bit of an entry's
data or a changed CRC-32 that only a deep validator notices (``data-corruption``)."""

from __future__ import annotations

import zlib

from hypothesis import strategies as st

from ..zip_builder import ZipSpec
from ..zip_records import END
from ._core import _kind, _Mutation
from ._fields import _DESCRIPTOR_SIGNATURE, _changed_entry, _entry_choice, _label


@_kind("truncation")
def _truncation(draw, spec: ZipSpec) -> _Mutation:
    """The archive cut short at any byte: its last 22 bytes are no longer an end record."""
    archive = spec.build()
    data = archive.data
    end_signature = END.signature
    cut = draw(
        st.integers(0, len(data) - 1).filter(
            lambda k: k < END.size or data[k - END.size : k - END.size + 4] != end_signature
        )
    )
    description = f"the archive of {len(data)} bytes cut to its first {cut}"
    return _Mutation("cut", ("DDUF-ZIP-001",), description, data[:cut], archive)


_STRAY_PLACES = {  # where stray bytes go: (ZipSpec option or None for after an entry's data, rule broken)
    "before": ("prefix", "DDUF-ZIP-006"),
    "between": (None, "DDUF-ZIP-008"),
    "before-directory": ("gap_before_directory", "DDUF-ZIP-008"),
    "after-directory": ("gap_after_directory", "DDUF-ZIP-004"),
    "comment": ("comment", "DDUF-ZIP-001"),
    "after-end": ("trailing", "DDUF-ZIP-001"),
    "in-extra-field": (None, "DDUF-ZIP-009"),
}


@_kind("stray-bytes")
def _stray_bytes(draw, spec: ZipSpec) -> _Mutation:
    """Bytes no record accounts for: before the first entry, after an entry's data, around the
    central directory, as an archive comment, after the end record, or in a central extra field
    too short for a record header."""
    archive = spec.build()
    variant = draw(st.sampled_from(list(_STRAY_PLACES)))
    option, requirement = _STRAY_PLACES[variant]
    stray = draw(st.binary(min_size=1, max_size=3 if variant == "in-extra-field" else 32))
    breaks = (requirement,)
    if option is not None:
        changed = spec.with_options(**{option: stray})
    else:
        index = _entry_choice(draw, spec)
        field = "central_extra" if variant == "in-extra-field" else "after_data"
        changed = _changed_entry(spec, index, **{field: stray})
    if requirement == "DDUF-ZIP-008" and stray.startswith(_DESCRIPTOR_SIGNATURE):
        breaks += ("DDUF-ENTRY-004",)
    description = f"{len(stray)} stray bytes {variant.replace('-', ' ')}: {stray.hex()}"
    return _Mutation(variant, breaks, description, changed.to_bytes(), archive)


@_kind("data-corruption")
def _data_corruption(draw, spec: ZipSpec) -> _Mutation:
    """One bit of an entry's data flipped, or its CRC-32 changed in both headers: only a deep
    validator, which checks CRC-32s, can notice (DDUF-DEEP-001). model_index.json's data is left
    alone, since readers parse it."""
    archive = spec.build()
    index = _entry_choice(draw, spec, needs_data=True, exclude="model_index.json")
    if index is not None and draw(st.booleans()):
        start, end = archive.layout.data_spans[index]
        position = draw(st.integers(start, end - 1))
        bit = draw(st.integers(0, 7))
        data = archive.patched_bytes(position, bytes([archive.data[position] ^ (1 << bit)])).data
        description = f"bit {bit} of byte {position} flipped, in the data of {_label(archive.names[index])}"
        return _Mutation("data-bit", ("DDUF-DEEP-001",), description, data, archive)
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    crc = zlib.crc32(entry.data) ^ (1 << draw(st.integers(0, 31)))
    changed = _changed_entry(spec, index, crc32=crc)
    description = (
        f"both headers of {_label(entry.name)} give CRC-32 {crc:08x}, not {zlib.crc32(entry.data):08x}"
    )
    return _Mutation("crc", ("DDUF-DEEP-001",), description, changed.to_bytes(), archive)
