"""What a changed header field breaks: the fields a reader checks (``CHECKED_FIELDS``) and
those no rule constrains (``FREE_FIELDS``), the requirements a new value in a checked field
breaks (``_field_breaks``), and ``_patched_field``, which writes one and says so."""

from __future__ import annotations

from ..zip_builder import Archive
from ..zip_records import (
    FLAG_DATA_DESCRIPTOR,
    FLAG_ENCRYPTED,
    FLAG_STRONG_ENCRYPTION,
    LOCAL_HEADER,
    U16_MAX,
    U32_MAX,
)
from ._core import _Mutation
from ._fields import (
    _DESCRIPTOR_SIGNATURE,
    _data_end,
    _has_record,
    _value,
    _where,
    _with_value,
)

_LOCAL_SIGNATURE = LOCAL_HEADER.signature

# The fields a reader checks: any other value breaks a rule (``_field_breaks`` says which).
CHECKED_FIELDS = {
    "local": (
        "signature", "flags", "method", "crc32", "compressed_size", "uncompressed_size", "name_length",
        "extra_length",
    ),
    "central": (
        "signature", "flags", "method", "crc32", "compressed_size", "uncompressed_size", "name_length",
        "extra_length", "comment_length", "disk_start", "local_header_offset",
    ),
    "end": (
        "signature", "this_disk", "directory_disk", "entries_on_disk", "total_entries", "directory_size",
        "directory_offset", "comment_length",
    ),
    "zip64_end": (
        "signature", "record_size", "this_disk", "directory_disk", "entries_on_disk", "total_entries",
        "directory_size", "directory_offset",
    ),
    "zip64_locator": ("signature", "end_disk", "end_offset", "total_disks"),
}  # fmt: skip
# Fields no DDUF rule constrains, and the bits of each that may flip: any value leaves the
# archive valid. (A central "version needed" above 6.3 makes Python's zipfile give up, and the
# MS-DOS directory bit 0x10 of the external attributes breaks DDUF-ENTRY-007: both left out.
# The builder makes every entry on MS-DOS, so the Unix file type bits mean nothing.)
FREE_FIELDS = {
    "local": {"version_needed": range(16), "mtime": range(16), "mdate": range(16)},
    "central": {
        "version_made_by": range(16),
        "version_needed": range(6),
        "mtime": range(16),
        "mdate": range(16),
        "internal_attributes": range(16),
        "external_attributes": [bit for bit in range(32) if bit != 4],
    },
    "zip64_end": {"version_made_by": range(16), "version_needed": range(16)},
}
_SIGNATURE_RULES = {
    "local": ("DDUF-ENTRY-005",),
    "central": ("DDUF-ZIP-004",),
    "end": ("DDUF-ZIP-001",),
    "zip64_end": ("DDUF-ZIP-002",),
    "zip64_locator": ("DDUF-ZIP-002", "DDUF-ZIP-004"),
}
_END_VALUES = {  # end record field -> (its saturated value, the ZIP64 end record field it mirrors)
    "entries_on_disk": (U16_MAX, "entries_on_disk"),
    "total_entries": (U16_MAX, "total_entries"),
    "directory_size": (U32_MAX, "directory_size"),
    "directory_offset": (U32_MAX, "directory_offset"),
}


def _end_saturated(archive: Archive, field: str) -> bool:
    return _value(archive, "end", field) == _END_VALUES[field][0]


def _same_meaning(archive: Archive, record: str, field: str, value: int) -> bool:
    """Whether ``value`` in that field means what the field means now: in the end record, with
    ZIP64 records, the saturated value and the ZIP64 record's value are the same."""
    if record != "end" or field not in _END_VALUES or not _has_record(archive, "zip64_end"):
        return False
    saturated, mirrored = _END_VALUES[field]
    return value in (saturated, _value(archive, "zip64_end", mirrored))


def _field_breaks(archive: Archive, record: str, field: str, entry: int | None, new: int) -> tuple[str, ...]:
    """The requirements that ``new`` in a field of ``CHECKED_FIELDS`` breaks."""
    if field == "signature":
        return _SIGNATURE_RULES[record]
    if record in ("local", "central"):
        return _entry_field_breaks(archive, record, field, entry, new)
    if field in ("this_disk", "directory_disk", "end_disk", "total_disks"):
        return ("DDUF-ZIP-003",)
    if record == "zip64_locator":  # end_offset
        return ("DDUF-ZIP-002",)
    if field == "comment_length":
        return ("DDUF-ZIP-001",)
    if field == "record_size":
        return ("DDUF-ZIP-002",)
    disks = ("DDUF-ZIP-003",) if field in ("entries_on_disk", "total_entries") else ()
    counted = () if field == "entries_on_disk" else ("DDUF-ZIP-004",)
    if record == "zip64_end":
        disagrees = () if _end_saturated(archive, field) else ("DDUF-ZIP-002",)
        return (*disagrees, *counted, *disks)
    if (
        _has_record(archive, "zip64_end") or new == _END_VALUES[field][0]
    ):  # disagrees with the ZIP64 record, or has none
        return ("DDUF-ZIP-002", *disks)
    return (*counted, *disks)


def _entry_field_breaks(archive: Archive, record: str, field: str, entry: int, new: int) -> tuple[str, ...]:
    """What a changed field of an entry's local or central header breaks: the two headers disagree
    (DDUF-ENTRY-006), and more where the field has a rule of its own."""
    disagree = ("DDUF-ENTRY-006",)
    if field == "flags":
        return disagree + _flag_rules(new)
    if field == "method":
        return (*disagree, "DDUF-ENTRY-001") if record == "local" else ("DDUF-ENTRY-001", *disagree)
    if field == "crc32":
        return disagree
    if field in ("compressed_size", "uncompressed_size"):
        zip64 = (
            ("DDUF-ZIP-009",)
            if new == U32_MAX or (record == "local" and _local_zip64(archive, entry))
            else ()
        )
        own = ("DDUF-ENTRY-002",) if record == "central" else ()
        return (*own, *disagree, *zip64, *_layout_breaks(archive, entry, new, record, field))
    if record == "local" and field == "name_length":
        return (*disagree, "DDUF-ZIP-005")
    if record == "local":  # extra_length: the data moves
        old = _value(archive, "local", "extra_length", entry)
        return (*_shifted_data_breaks(archive, entry, new - old), "DDUF-ZIP-009")
    if field == "disk_start":
        return ("DDUF-ZIP-003",)
    if field == "local_header_offset":
        return _offset_breaks(archive, new)
    return ("DDUF-ZIP-004", "DDUF-ZIP-009")  # name, extra or comment length: the directory no longer parses


def _flag_rules(flags: int) -> tuple[str, ...]:
    rules = ()
    if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION):
        rules += ("DDUF-ENTRY-003",)
    if flags & FLAG_DATA_DESCRIPTOR:
        rules += ("DDUF-ENTRY-004",)
    return rules


def _local_zip64(archive: Archive, entry: int) -> bool:
    return _value(archive, "local", "compressed_size", entry) == U32_MAX


def _layout_breaks(archive: Archive, entry: int, size: int, record: str, field: str) -> tuple[str, ...]:
    """A new compressed size (the one the central header gives) moves where the entry's data ends."""
    if record == "local" or field != "compressed_size" or size == U32_MAX:
        return ()
    start, end = archive.layout.data_spans[entry]
    return _shifted_data_breaks(archive, entry, size - (end - start))


def _shifted_data_breaks(archive: Archive, entry: int, shift: int) -> tuple[str, ...]:
    """The end of an entry's data moved by ``shift`` bytes: past the end of the file
    (DDUF-ZIP-005), into the next record (DDUF-ZIP-007), or short of it (DDUF-ZIP-008, or
    DDUF-ENTRY-004 where the bytes left over begin like a data descriptor)."""
    end = _data_end(archive, entry) + shift
    if shift > 0:
        return ("DDUF-ZIP-005",) if end > len(archive.data) else ("DDUF-ZIP-007",)
    if archive.data[end : end + 4] == _DESCRIPTOR_SIGNATURE:
        return ("DDUF-ZIP-008", "DDUF-ENTRY-004")
    return ("DDUF-ZIP-008",)


def _offset_breaks(archive: Archive, offset: int) -> tuple[str, ...]:
    """A central header points at ``offset`` instead of its local header."""
    if offset + LOCAL_HEADER.size > len(archive.data):
        return ("DDUF-ZIP-005",)
    if archive.data[offset : offset + 4] != _LOCAL_SIGNATURE:
        return ("DDUF-ENTRY-005",)
    return ("DDUF-ENTRY-006", "DDUF-ZIP-007")  # another entry's header: other name, shared bytes


def _patched_field(
    archive: Archive,
    record: str,
    field: str,
    entry: int | None,
    new: int,
    how: str,
    breaks: tuple[str, ...] | None = None,
) -> _Mutation:
    """``new`` written into one field; ``breaks`` None: what ``_field_breaks`` says it breaks."""
    old = _value(archive, record, field, entry)
    data = _with_value(archive, record, field, new, entry).data
    description = (
        f"{how}: the {field.replace('_', ' ')} of {_where(archive, record, entry)} is {new:#x}, not {old:#x}"
    )
    if breaks is None:
        breaks = _field_breaks(archive, record, field, entry, new)
    return _Mutation(f"{record}.{field}", breaks, description, data, archive)
