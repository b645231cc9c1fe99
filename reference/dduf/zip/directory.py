"""The first half of the DDUF reader's ZIP layer: from the end records to the central directory.

Parsing goes end-first over a read-only memory map of the whole archive (``data``).
``locate_central_directory`` reads the end record, ZIP64 locator and ZIP64 end record
(DDUF-ZIP-001..004) and says where the central directory lies. It is a
generator: it yields a ``Finding`` for each broken rule and returns a ``DirectoryLocation``
(``location = yield from locate_central_directory(...)``), or None where parsing cannot go
on. ``resolve_zip64`` reads the ZIP64 values of a header's extra field (DDUF-ZIP-009).
``entries`` goes on from the directory to the entries; how many entries an archive may hold is
the reader's to check (DDUF-LIMIT-002).
"""

from __future__ import annotations

import struct
from collections.abc import Generator
from dataclasses import dataclass

from ...errors import Finding
from .layout import (
    END,
    END_SIGNATURE,
    EXTRA_HEADER,
    U16_MAX,
    U32_MAX,
    ZIP64_END,
    ZIP64_END_SIGNATURE,
    ZIP64_EXTRA_ID,
    ZIP64_LOCATOR,
    ZIP64_LOCATOR_SIGNATURE,
    End,
    Zip64End,
    Zip64Locator,
    iter_extra_records,
)

# Indexed by the number of saturated fields: a ZIP64 record's header, and its values' layout.
_ZIP64_HEADERS = [EXTRA_HEADER.pack(ZIP64_EXTRA_ID, 8 * count) for count in range(4)]
_ZIP64_VALUES = [struct.Struct(f"<{count}Q") for count in range(4)]
_ZIP64_END_FIXED_SIZE = ZIP64_END.size - 12  # the record size field counts the bytes after itself

Findings = Generator[Finding, None, object]


@dataclass(frozen=True)
class DirectoryLocation:
    """Where the central directory lies: ``count`` headers in ``[offset, offset + size)``."""

    offset: int
    size: int
    count: int


def locate_central_directory(data, path: str) -> Findings:
    """DDUF-ZIP-001..004 on the end records; returns a DirectoryLocation or None."""
    end_position = len(data) - END.size
    if end_position < 0 or data[end_position : end_position + 4] != END_SIGNATURE:
        yield Finding(
            "DDUF-ZIP-001",
            path,
            "the last 22 bytes are not an end-of-central-directory record "
            "(not a ZIP file, or one with an archive comment or trailing bytes)",
            offset=max(end_position, 0),  # where the end record must begin
        )
        return None
    end = End.unpack(data, end_position)
    if end.comment_length != 0:
        yield Finding("DDUF-ZIP-001", path, "the end record declares an archive comment", offset=end_position)
    if end.this_disk != 0 or end.directory_disk != 0 or end.entries_on_disk != end.total_entries:
        yield Finding(
            "DDUF-ZIP-003", path, "the end record describes a multi-disk archive", offset=end_position
        )

    count, size, offset, directory_end = (
        end.total_entries,
        end.directory_size,
        end.directory_offset,
        end_position,
    )
    if _has_zip64_end(data, end, end_position):
        zip64 = yield from _read_zip64_end(data, end, end_position - ZIP64_LOCATOR.size, path)
        if zip64 is None:
            return None
        zip64_position, zip64_end = zip64
        count, size, offset = zip64_end.total_entries, zip64_end.directory_size, zip64_end.directory_offset
        directory_end = zip64_position

    if offset + size != directory_end:
        yield Finding(
            "DDUF-ZIP-004",
            path,
            f"the central directory at byte {offset} of {size} bytes ends at byte {offset + size}, "
            f"not at byte {directory_end} where the end records begin",
            offset=offset,
        )
        return None
    return DirectoryLocation(offset, size, count)


def _has_zip64_end(data, end: End, end_position: int) -> bool:
    saturated = (
        end.entries_on_disk == U16_MAX
        or end.total_entries == U16_MAX
        or end.directory_size == U32_MAX
        or end.directory_offset == U32_MAX
    )
    if saturated:
        return True
    locator_position = end_position - ZIP64_LOCATOR.size
    if locator_position < 0 or data[locator_position : locator_position + 4] != ZIP64_LOCATOR_SIGNATURE:
        return False
    # Unsaturated values that place the directory right before the end record mean the
    # signature bytes are the tail of the directory, not a locator.
    return end.directory_offset + end.directory_size != end_position


def _read_zip64_end(data, end: End, locator_position: int, path: str) -> Findings:
    """DDUF-ZIP-002/003 on the ZIP64 locator and end record; returns (position, Zip64End) or None."""
    if locator_position < 0 or data[locator_position : locator_position + 4] != ZIP64_LOCATOR_SIGNATURE:
        yield Finding(
            "DDUF-ZIP-002",
            path,
            "the end record has a saturated value but no ZIP64 locator precedes it",
            offset=locator_position + ZIP64_LOCATOR.size,
        )
        return None
    locator = Zip64Locator.unpack(data, locator_position)
    if locator.end_disk != 0 or locator.total_disks != 1:
        yield Finding(
            "DDUF-ZIP-003", path, "the ZIP64 locator describes a multi-disk archive", offset=locator_position
        )
    position = locator.end_offset
    if position + ZIP64_END.size > locator_position or data[position : position + 4] != ZIP64_END_SIGNATURE:
        yield Finding(
            "DDUF-ZIP-002",
            path,
            f"the ZIP64 locator points at byte {position}, where no ZIP64 end record lies before the locator",
            offset=locator_position,
        )
        return None
    zip64_end = Zip64End.unpack(data, position)
    if (
        zip64_end.record_size < _ZIP64_END_FIXED_SIZE
        or position + 12 + zip64_end.record_size != locator_position
    ):
        yield Finding(
            "DDUF-ZIP-002",
            path,
            "the ZIP64 end record does not end where the ZIP64 locator begins",
            offset=position,
        )
    if (
        zip64_end.this_disk != 0
        or zip64_end.directory_disk != 0
        or zip64_end.entries_on_disk != zip64_end.total_entries
    ):
        yield Finding(
            "DDUF-ZIP-003", path, "the ZIP64 end record describes a multi-disk archive", offset=position
        )
    for label, value, saturated, authoritative in (
        ("entry count", end.total_entries, U16_MAX, zip64_end.total_entries),
        ("entries on this disk", end.entries_on_disk, U16_MAX, zip64_end.entries_on_disk),
        ("directory size", end.directory_size, U32_MAX, zip64_end.directory_size),
        ("directory offset", end.directory_offset, U32_MAX, zip64_end.directory_offset),
    ):
        if value != saturated and value != authoritative:
            yield Finding(
                "DDUF-ZIP-002",
                path,
                f"the end record's {label} ({value}) differs from the ZIP64 end record's ({authoritative})",
                offset=position,
            )
    return position, zip64_end


def resolve_zip64(data, start: int, end: int, fields: tuple[int, ...]) -> tuple[int, ...]:
    """``fields`` with each 0xFFFFFFFF replaced by its value from the ZIP64 record of an extra field.

    ``data[start:end]`` is a header's extra field; ``fields`` the header's sizes and offset in
    APPNOTE order (uncompressed size, compressed size, local header offset). Raises ValueError,
    saying why, where the extra field breaks DDUF-ZIP-009.
    """
    saturated = fields.count(U32_MAX)
    record_start = start + EXTRA_HEADER.size
    if end - record_start == 8 * saturated and data[start:record_start] == _ZIP64_HEADERS[saturated]:
        values = _ZIP64_VALUES[saturated].unpack_from(
            data, record_start
        )  # the extra field is just that record
    else:
        zip64_records = [
            record for header_id, record in iter_extra_records(data[start:end]) if header_id == ZIP64_EXTRA_ID
        ]
        if len(zip64_records) > 1:
            raise ValueError("the extra field holds more than one ZIP64 record")
        if not zip64_records:
            if saturated:
                raise ValueError("a size or offset is 0xFFFFFFFF but the extra field has no ZIP64 record")
            return fields
        record = zip64_records[0]
        if len(record) != 8 * saturated:
            raise ValueError(
                f"the ZIP64 record holds {len(record)} bytes; {saturated} saturated fields need {8 * saturated}"
            )
        values = _ZIP64_VALUES[saturated].unpack(record)
    if saturated == len(fields):
        return values
    remaining = iter(values)
    return tuple(next(remaining) if field == U32_MAX else field for field in fields)
