"""The ZIP records a DDUF archive is made of: their byte layouts, and packing and unpacking.

Only the records DDUF uses (APPNOTE 6.3.10): local file header, central directory header,
ZIP64 end of central directory record and locator, end of central directory record, and the
extra-field records ZIP64 extended information (0x0001) and alignment padding (0xD935).
All integers are little-endian. These functions check nothing beyond the signature and the
length of their input: the rules live in the reader and writer, each tied to a requirement ID.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
CENTRAL_HEADER_SIGNATURE = b"PK\x01\x02"
ZIP64_END_SIGNATURE = b"PK\x06\x06"
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
END_SIGNATURE = b"PK\x05\x06"

ZIP64_EXTRA_ID = 0x0001
ALIGNMENT_EXTRA_ID = 0xD935  # Android zipalign's padding record; every ZIP reader skips unknown IDs

U16_MAX = 0xFFFF
U32_MAX = 0xFFFFFFFF

FLAG_ENCRYPTED = 1 << 0
FLAG_DATA_DESCRIPTOR = 1 << 3
FLAG_STRONG_ENCRYPTION = 1 << 6
FLAG_UTF8 = 1 << 11

HOST_UNIX = 3
# Hosts of "version made by" whose external attributes carry a Unix mode in the upper 16 bits:
# Unix, Atari ST, BeOS, OS X, AtheOS; UnZip makes symbolic links from all of them (DDUF-ENTRY-007).
UNIX_MODE_HOSTS = frozenset({3, 5, 16, 19, 30})
DOS_DIRECTORY_ATTRIBUTE = 0x10

# signature, version needed, flags, method, mtime, mdate, crc32, compressed, uncompressed, name len, extra len
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
# signature, version made by, version needed, flags, method, mtime, mdate, crc32, compressed,
# uncompressed, name len, extra len, comment len, disk start, internal attrs, external attrs, local offset
CENTRAL_HEADER = struct.Struct("<4sHHHHHHIIIHHHHHII")
# signature, record size (after this field), version made by, version needed, this disk,
# directory disk, entries on this disk, total entries, directory size, directory offset
ZIP64_END = struct.Struct("<4sQHHIIQQQQ")
# signature, disk with zip64 end record, zip64 end record offset, total disks
ZIP64_LOCATOR = struct.Struct("<4sIQI")
# signature, this disk, directory disk, entries on this disk, total entries, directory size,
# directory offset, comment length
END = struct.Struct("<4sHHHHIIH")
EXTRA_HEADER = struct.Struct("<HH")


class _Record:
    """Packing and unpacking for a record dataclass whose fields follow its signature in ``LAYOUT``."""

    SIGNATURE: ClassVar[bytes]
    LAYOUT: ClassVar[struct.Struct]

    @classmethod
    def unpack(cls, data: bytes | memoryview, offset: int = 0) -> Self:
        """The record at ``offset`` of ``data``; the signature is the caller's to check."""
        return cls(*cls.LAYOUT.unpack_from(data, offset)[1:])

    def pack(self) -> bytes:
        return self.LAYOUT.pack(self.SIGNATURE, *(getattr(self, field.name) for field in fields(self)))


@dataclass(frozen=True)
class LocalHeader(_Record):
    SIGNATURE: ClassVar[bytes] = LOCAL_HEADER_SIGNATURE
    LAYOUT: ClassVar[struct.Struct] = LOCAL_HEADER

    version_needed: int
    flags: int
    method: int
    mtime: int
    mdate: int
    crc32: int
    compressed_size: int
    uncompressed_size: int
    name_length: int
    extra_length: int


@dataclass(frozen=True)
class CentralHeader(_Record):
    SIGNATURE: ClassVar[bytes] = CENTRAL_HEADER_SIGNATURE
    LAYOUT: ClassVar[struct.Struct] = CENTRAL_HEADER

    version_made_by: int
    version_needed: int
    flags: int
    method: int
    mtime: int
    mdate: int
    crc32: int
    compressed_size: int
    uncompressed_size: int
    name_length: int
    extra_length: int
    comment_length: int
    disk_start: int
    internal_attributes: int
    external_attributes: int
    local_header_offset: int


@dataclass(frozen=True)
class Zip64End(_Record):
    SIGNATURE: ClassVar[bytes] = ZIP64_END_SIGNATURE
    LAYOUT: ClassVar[struct.Struct] = ZIP64_END

    record_size: int
    version_made_by: int
    version_needed: int
    this_disk: int
    directory_disk: int
    entries_on_disk: int
    total_entries: int
    directory_size: int
    directory_offset: int


@dataclass(frozen=True)
class Zip64Locator(_Record):
    SIGNATURE: ClassVar[bytes] = ZIP64_LOCATOR_SIGNATURE
    LAYOUT: ClassVar[struct.Struct] = ZIP64_LOCATOR

    end_disk: int
    end_offset: int
    total_disks: int


@dataclass(frozen=True)
class End(_Record):
    SIGNATURE: ClassVar[bytes] = END_SIGNATURE
    LAYOUT: ClassVar[struct.Struct] = END

    this_disk: int
    directory_disk: int
    entries_on_disk: int
    total_entries: int
    directory_size: int
    directory_offset: int
    comment_length: int


def iter_extra_records(extra: bytes | memoryview):
    """Yield ``(header_id, data)`` for each record of an extra-field area.

    Raises ValueError when the records do not fill the area exactly (DDUF-ZIP-009 for callers).
    """
    position = 0
    while position < len(extra):
        if position + EXTRA_HEADER.size > len(extra):
            raise ValueError(f"extra field ends inside a record header at byte {position}")
        header_id, size = EXTRA_HEADER.unpack_from(extra, position)
        start = position + EXTRA_HEADER.size
        if start + size > len(extra):
            raise ValueError(f"extra record 0x{header_id:04x} at byte {position} runs past the extra field")
        yield header_id, bytes(extra[start : start + size])
        position = start + size


def pack_extra_record(header_id: int, data: bytes) -> bytes:
    return EXTRA_HEADER.pack(header_id, len(data)) + data


def dos_datetime_1980() -> tuple[int, int]:
    """(mtime, mdate) for 1980-01-01 00:00:00, the earliest DOS time: DDUF-WRITE-004's fixed timestamp."""
    return 0, (0 << 9) | (1 << 5) | 1
