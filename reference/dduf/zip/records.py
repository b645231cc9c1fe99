"""The bytes of the ZIP records the DDUF writer emits: pure functions of an entry's numbers.

- ``local_header``: an entry's local header, name and extra field, ending where its data starts,
  which is a multiple of ``data_alignment(size)`` bytes from the start of the file
  (DDUF-WRITE-003);
- ``central_header``: its central directory header and name (and ZIP64 values where needed);
- ``end_records``: what follows the central directory: the ZIP64 end record and locator when a
  count, size or offset does not fit the end record (DDUF-WRITE-002), then the end record.

Every entry is STORED, without data descriptor, timestamp 1980-01-01 00:00:00, "made by" Unix
with the attributes of a regular file 0o644, and flag bit 11 when its name is not ASCII
(DDUF-ENTRY-001..004, -007, DDUF-WRITE-004, DDUF-WRITE-006). Nothing depends on the host, so
the same entries give the same bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .layout import (
    ALIGNMENT_EXTRA_ID,
    EXTRA_HEADER,
    FLAG_UTF8,
    HOST_UNIX,
    LOCAL_HEADER,
    U16_MAX,
    U32_MAX,
    ZIP64_END,
    ZIP64_EXTRA_ID,
    CentralHeader,
    End,
    LocalHeader,
    Zip64End,
    Zip64Locator,
    dos_datetime_1980,
    pack_extra_record,
)

ALIGNMENT = 64  # DDUF-WRITE-003: every entry's data starts at a multiple of this
PAGE_ALIGNMENT = 4096  # the usual memory page size; see ``data_alignment``
PAGE_ALIGNED_MIN_BYTES = 1 << 20
VERSION_DEFAULT = 20  # APPNOTE 4.4.3: 2.0, STORED entries and folders
VERSION_ZIP64 = 45  # APPNOTE 4.4.3: 4.5, ZIP64 records
REGULAR_FILE_ATTRIBUTES = 0o100644 << 16  # Unix mode of a regular file rw-r--r-- (DDUF-ENTRY-007)
CRC32_FIELD_OFFSET = 14  # where the CRC-32 lies in a local header, for writers that learn it late

_U64 = struct.Struct("<Q")
_U16 = struct.Struct("<H")


@dataclass(frozen=True)
class EntryRecord:
    """What the headers of one entry say: UTF-8 name, data size, CRC-32, local header offset."""

    name: bytes
    size: int
    crc32: int
    header_offset: int

    @property
    def flags(self) -> int:
        """Bit 11 exactly when the name is not pure ASCII (DDUF-WRITE-006)."""
        return 0 if self.name.isascii() else FLAG_UTF8

    @property
    def sizes_need_zip64(self) -> bool:
        return self.size >= U32_MAX

    @property
    def version_needed(self) -> int:
        return VERSION_ZIP64 if self.sizes_need_zip64 or self.header_offset >= U32_MAX else VERSION_DEFAULT

    def shared_header_fields(self, extra_length: int) -> dict[str, int]:
        """The fields local and central headers share; both say the same (DDUF-ENTRY-006)."""
        stored_size = U32_MAX if self.sizes_need_zip64 else self.size
        mtime, mdate = dos_datetime_1980()
        return {
            "version_needed": self.version_needed,
            "flags": self.flags,
            "method": 0,  # STORED
            "mtime": mtime,
            "mdate": mdate,
            "crc32": self.crc32,
            "compressed_size": stored_size,
            "uncompressed_size": stored_size,
            "name_length": len(self.name),
            "extra_length": extra_length,
        }


def data_alignment(size: int) -> int:
    """The multiple of which an entry of ``size`` bytes starts its data.

    64 bytes for every entry (DDUF-WRITE-003), and the page size, 4096, for entries of 1 MiB or
    more. Page-aligned data can be memory-mapped at its own offset, and it lets the kernel copy
    a source file into the archive page for page: on Linux ext4 that made exporting a 1 GiB
    file about 1.3x faster, and the archive's pages then map as fast as the source file's
    (``benchmarks/bench_dduf.py``). The cost is at most 4 KiB of padding per large entry.
    """
    return PAGE_ALIGNMENT if size >= PAGE_ALIGNED_MIN_BYTES else ALIGNMENT


def local_header(entry: EntryRecord) -> bytes:
    """Local header, name and extra field of ``entry``; its data starts right after them.

    The extra field holds a ZIP64 record with both sizes when they do not fit 32 bits (APPNOTE
    4.5.3 asks for both in a local header), then an alignment record 0xD935 (a 16-bit alignment
    then zero bytes, as Android's zipalign writes) sized so that the data starts at a multiple
    of ``data_alignment(entry.size)``.
    """
    zip64 = b""
    if entry.sizes_need_zip64:
        zip64 = pack_extra_record(ZIP64_EXTRA_ID, _U64.pack(entry.size) * 2)
    unpadded_end = (
        entry.header_offset + LOCAL_HEADER.size + len(entry.name) + len(zip64) + EXTRA_HEADER.size + _U16.size
    )
    alignment = data_alignment(entry.size)
    padding = -unpadded_end % alignment
    extra = zip64 + pack_extra_record(ALIGNMENT_EXTRA_ID, _U16.pack(alignment) + bytes(padding))
    return LocalHeader(**entry.shared_header_fields(len(extra))).pack() + entry.name + extra


def central_header(entry: EntryRecord) -> bytes:
    """Central directory header and name of ``entry``, with a ZIP64 record holding, in APPNOTE
    order, each of the sizes and the local header offset that does not fit 32 bits."""
    zip64_values = []
    if entry.sizes_need_zip64:
        zip64_values += [entry.size, entry.size]
    if entry.header_offset >= U32_MAX:
        zip64_values.append(entry.header_offset)
    extra = b""
    if zip64_values:
        extra = pack_extra_record(ZIP64_EXTRA_ID, b"".join(_U64.pack(value) for value in zip64_values))
    header = CentralHeader(
        version_made_by=HOST_UNIX << 8 | entry.version_needed,
        **entry.shared_header_fields(len(extra)),
        comment_length=0,
        disk_start=0,
        internal_attributes=0,
        external_attributes=REGULAR_FILE_ATTRIBUTES,
        local_header_offset=min(entry.header_offset, U32_MAX),
    )
    return header.pack() + entry.name + extra


def end_records(entry_count: int, directory_offset: int, directory_size: int) -> bytes:
    """The records after a central directory of ``entry_count`` headers at ``directory_offset``.

    A value that does not fit its end-record field is saturated there (0xFFFF or 0xFFFFFFFF),
    which requires the ZIP64 end record and locator (DDUF-ZIP-002, DDUF-WRITE-002); the others are exact in both.
    """
    fits = entry_count < U16_MAX and directory_offset < U32_MAX and directory_size < U32_MAX
    zip64 = b""
    if not fits:
        zip64_end_offset = directory_offset + directory_size
        zip64 = (
            Zip64End(
                record_size=ZIP64_END.size - 12,  # APPNOTE 4.3.14.1: excludes the leading 12 bytes
                version_made_by=HOST_UNIX << 8 | VERSION_ZIP64,
                version_needed=VERSION_ZIP64,
                this_disk=0,
                directory_disk=0,
                entries_on_disk=entry_count,
                total_entries=entry_count,
                directory_size=directory_size,
                directory_offset=directory_offset,
            ).pack()
            + Zip64Locator(end_disk=0, end_offset=zip64_end_offset, total_disks=1).pack()
        )
    count = min(entry_count, U16_MAX)
    end = End(
        this_disk=0,
        directory_disk=0,
        entries_on_disk=count,
        total_entries=count,
        directory_size=min(directory_size, U32_MAX),
        directory_offset=min(directory_offset, U32_MAX),
        comment_length=0,
    )
    return zip64 + end.pack()
