"""End records that disagree with the central directory: the end record of an archive without
ZIP64 records (``directory-inconsistency``), and ZIP64 end records, locators and extra fields
that lie or are missing (``zip64-inconsistency``)."""

from __future__ import annotations

import struct

from hypothesis import strategies as st

from ..zip_builder import ZipSpec
from ..zip_records import LOCAL_HEADER, U32_MAX, ZIP64_LOCATOR
from ._breaks import _END_VALUES, _patched_field
from ._core import _kind, _Mutation
from ._fields import _changed_entry, _entry_choice, _label, _value, _width, _with_value


def _other_value(draw, record: str, field: str, old: int, *, excluded: tuple[int, ...] = ()) -> int:
    """Any value of the field but ``old`` and ``excluded``, small ones first."""
    top = (1 << _width(record, field)) - 1
    return draw(
        st.one_of(st.integers(0, 1024), st.integers(0, top)).filter(lambda v: v != old and v not in excluded)
    )


_DIRECTORY_VARIANTS = (
    "count",
    "entries-on-disk",
    "size",
    "offset",
    "disk",
    "central-disk-start",
    "saturated",
)


@_kind("directory-inconsistency")
def _directory_inconsistency(draw, spec: ZipSpec) -> _Mutation:
    """The end record (of an archive without ZIP64 records) and the central directory disagree:
    the count (DDUF-ZIP-004), entries on this disk (DDUF-ZIP-003), the directory's size or offset
    (DDUF-ZIP-004), a disk number (DDUF-ZIP-003), or a saturated value without ZIP64 records
    (DDUF-ZIP-002)."""
    archive = spec.with_options(zip64_end=False, saturate_end=False).build()
    variant = draw(st.sampled_from(_DIRECTORY_VARIANTS))
    if variant == "central-disk-start":
        index = draw(st.integers(0, len(archive.names) - 1))
        new = _other_value(draw, "central", "disk_start", 0)
        return _patched_field(archive, "central", "disk_start", index, new, "another disk")._replace(
            variant=variant
        )
    if variant == "saturated":
        field = draw(st.sampled_from(list(_END_VALUES)))
        saturated = _END_VALUES[field][0]
        mutation = _patched_field(
            archive, "end", field, None, saturated, "saturated", breaks=("DDUF-ZIP-002",)
        )
        return mutation._replace(variant=variant)
    field = {
        "count": "total_entries",
        "entries-on-disk": "entries_on_disk",
        "size": "directory_size",
        "offset": "directory_offset",
        "disk": draw(st.sampled_from(["this_disk", "directory_disk"])),
    }[variant]
    old = _value(archive, "end", field)
    excluded = (_END_VALUES[field][0],) if field in _END_VALUES else ()
    new = _other_value(draw, "end", field, old, excluded=excluded)
    changed = _with_value(archive, "end", field, new)
    if variant == "count":  # both counts, so that the disks still agree
        changed = _with_value(changed, "end", "entries_on_disk", new)
    breaks = ("DDUF-ZIP-003",) if variant in ("entries-on-disk", "disk") else ("DDUF-ZIP-004",)
    description = f"the end record's {field.replace('_', ' ')} is {new}, not {old}"
    return _Mutation(variant, breaks, description, changed.data, archive)


_ZIP64_VARIANTS = (
    "count", "entries-on-disk", "size", "offset", "disk", "locator-offset", "locator-missing", "record-size",
    "end-disagrees", "local-extra-sizes", "local-extra-malformed", "central-saturated-without-record",
)  # fmt: skip


@_kind("zip64-inconsistency")
def _zip64_inconsistency(draw, spec: ZipSpec) -> _Mutation:
    """ZIP64 records that lie or are missing (DDUF-ZIP-002..004), and ZIP64 extra fields that
    disagree with the central header (DDUF-ENTRY-006) or are malformed (DDUF-ZIP-009)."""
    archive = spec.with_options(zip64_end=True).build()
    variant = draw(st.sampled_from(_ZIP64_VARIANTS))
    if variant in ("local-extra-sizes", "local-extra-malformed", "central-saturated-without-record"):
        return _zip64_extra_lie(draw, spec.with_options(zip64_end=True), variant)
    if variant == "locator-missing":
        start = archive.layout.zip64_locator
        data = archive.data[:start] + archive.data[start + ZIP64_LOCATOR.size :]
        return _Mutation(
            variant, ("DDUF-ZIP-002", "DDUF-ZIP-004"), "the ZIP64 locator removed", data, archive
        )
    if variant == "end-disagrees":
        field = draw(st.sampled_from(list(_END_VALUES)))
        saturated, mirrored = _END_VALUES[field]
        new = _other_value(draw, "end", field, _value(archive, "zip64_end", mirrored), excluded=(saturated,))
        return _patched_field(archive, "end", field, None, new, "a lie")._replace(variant=variant)
    record, field = {
        "count": ("zip64_end", "total_entries"),
        "entries-on-disk": ("zip64_end", "entries_on_disk"),
        "size": ("zip64_end", "directory_size"),
        "offset": ("zip64_end", "directory_offset"),
        "disk": draw(
            st.sampled_from(
                [
                    ("zip64_end", "this_disk"),
                    ("zip64_end", "directory_disk"),
                    ("zip64_locator", "end_disk"),
                    ("zip64_locator", "total_disks"),
                ]
            )
        ),
        "locator-offset": ("zip64_locator", "end_offset"),
        "record-size": ("zip64_end", "record_size"),
    }[variant]
    new = _other_value(draw, record, field, _value(archive, record, field))
    mutation = _patched_field(archive, record, field, None, new, "a lie")._replace(variant=variant)
    if variant != "count":
        return mutation
    # Both counts, so that the disks still agree.
    both = _with_value(_with_value(archive, record, field, new), record, "entries_on_disk", new)
    breaks = tuple(requirement for requirement in mutation.requirements if requirement != "DDUF-ZIP-003")
    return mutation._replace(data=both.data, requirements=breaks)


def _zip64_extra_lie(draw, spec: ZipSpec, variant: str) -> _Mutation:
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    if variant == "central-saturated-without-record":
        archive = spec.build()
        data = _with_value(archive, "central", "compressed_size", U32_MAX, index)
        data = _with_value(data, "central", "uncompressed_size", U32_MAX, index).data
        description = f"the central sizes of {_label(entry.name)} are 0xFFFFFFFF, with no ZIP64 extra record"
        return _Mutation(variant, ("DDUF-ZIP-009",), description, data, archive)
    spec = _changed_entry(spec, index, local_zip64=True, local_extra=b"")
    archive = spec.build()
    record = archive.record_offset("local", index) + LOCAL_HEADER.size + len(entry.name_bytes)
    if variant == "local-extra-sizes":
        size = draw(st.integers(0, 2**32).filter(lambda s: s != len(entry.data)))
        data = archive.patched_bytes(record + 4, struct.pack("<QQ", size, size)).data
        description = f"the local ZIP64 record of {_label(entry.name)} gives sizes {size}, the central header {len(entry.data)}"
        return _Mutation(variant, ("DDUF-ENTRY-006",), description, data, archive)
    size = draw(st.sampled_from([0, 8, 12, 20, 24]))  # two saturated sizes need 16 bytes
    data = archive.patched_bytes(record + 2, struct.pack("<H", size)).data
    description = f"the local ZIP64 record of {_label(entry.name)} says it holds {size} bytes, not 16"
    return _Mutation(variant, ("DDUF-ZIP-009",), description, data, archive)
