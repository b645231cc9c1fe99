"""The ZIP records conformance cases are made of: constants, fixed-size record layouts, extra fields.

Declared here with ``struct``, independently of ``weightspec.reference.dduf.zip.layout``, on purpose:
the suite must be able to catch a broken reference, so it shares no code with it
(APPNOTE 6.3.10, section 4.3). Every record is a ``RecordFormat``: a signature and named fields,
so that a case can pack one by keyword and patch one field by name.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

U16_MAX = 0xFFFF
U32_MAX = 0xFFFFFFFF

FLAG_ENCRYPTED = 1 << 0
FLAG_DATA_DESCRIPTOR = 1 << 3
FLAG_STRONG_ENCRYPTION = 1 << 6
FLAG_UTF8 = 1 << 11

METHOD_STORED = 0
METHOD_DEFLATED = 8

ZIP64_EXTRA_ID = 0x0001
ALIGNMENT_EXTRA_ID = 0xD935  # Android zipalign's padding record

VERSION_DEFAULT = 20  # 2.0: what a plain STORED entry needs
VERSION_ZIP64 = 45  # 4.5: ZIP64 records
HOST_MSDOS = 0
HOST_UNIX = 3
DOS_TIME_1980 = 0  # 00:00:00
DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1  # 1980-01-01


@dataclass(frozen=True)
class RecordFormat:
    """A fixed-size ZIP record: its 4-byte signature, then named little-endian fields."""

    signature: bytes
    fields: tuple[tuple[str, str], ...]  # (name, struct code)

    @property
    def size(self) -> int:
        return 4 + sum(struct.calcsize("<" + code) for _, code in self.fields)

    def field(self, name: str) -> tuple[int, str]:
        """(offset from the record start, struct code) of one field; ``signature`` is at 0."""
        if name == "signature":
            return 0, "4s"
        offset = 4
        for field_name, code in self.fields:
            if field_name == name:
                return offset, code
            offset += struct.calcsize("<" + code)
        raise KeyError(f"record {self.signature!r} has no field {name!r}")

    @functools.cached_property
    def _layout(self) -> tuple[struct.Struct, tuple[str, ...]]:
        codes = "".join(code for _, code in self.fields)
        return struct.Struct("<4s" + codes), tuple(name for name, _ in self.fields)

    def pack(self, **values: int) -> bytes:
        layout, names = self._layout
        return layout.pack(self.signature, *(values[name] for name in names))


LOCAL_HEADER = RecordFormat(
    b"PK\x03\x04",
    (
        ("version_needed", "H"),
        ("flags", "H"),
        ("method", "H"),
        ("mtime", "H"),
        ("mdate", "H"),
        ("crc32", "I"),
        ("compressed_size", "I"),
        ("uncompressed_size", "I"),
        ("name_length", "H"),
        ("extra_length", "H"),
    ),
)
CENTRAL_HEADER = RecordFormat(
    b"PK\x01\x02",
    (
        ("version_made_by", "H"),
        ("version_needed", "H"),
        ("flags", "H"),
        ("method", "H"),
        ("mtime", "H"),
        ("mdate", "H"),
        ("crc32", "I"),
        ("compressed_size", "I"),
        ("uncompressed_size", "I"),
        ("name_length", "H"),
        ("extra_length", "H"),
        ("comment_length", "H"),
        ("disk_start", "H"),
        ("internal_attributes", "H"),
        ("external_attributes", "I"),
        ("local_header_offset", "I"),
    ),
)
ZIP64_END = RecordFormat(
    b"PK\x06\x06",
    (
        ("record_size", "Q"),  # bytes after this field: 44 for a record without extensible data
        ("version_made_by", "H"),
        ("version_needed", "H"),
        ("this_disk", "I"),
        ("directory_disk", "I"),
        ("entries_on_disk", "Q"),
        ("total_entries", "Q"),
        ("directory_size", "Q"),
        ("directory_offset", "Q"),
    ),
)
ZIP64_LOCATOR = RecordFormat(b"PK\x06\x07", (("end_disk", "I"), ("end_offset", "Q"), ("total_disks", "I")))
END = RecordFormat(
    b"PK\x05\x06",
    (
        ("this_disk", "H"),
        ("directory_disk", "H"),
        ("entries_on_disk", "H"),
        ("total_entries", "H"),
        ("directory_size", "I"),
        ("directory_offset", "I"),
        ("comment_length", "H"),
    ),
)
DATA_DESCRIPTOR = RecordFormat(
    b"PK\x07\x08", (("crc32", "I"), ("compressed_size", "I"), ("uncompressed_size", "I"))
)

RECORDS = {
    "local": LOCAL_HEADER,
    "central": CENTRAL_HEADER,
    "zip64_end": ZIP64_END,
    "zip64_locator": ZIP64_LOCATOR,
    "end": END,
}


def extra_record(header_id: int, data: bytes) -> bytes:
    """One extra-field record: 2-byte ID, 2-byte size, data."""
    return struct.pack("<HH", header_id, len(data)) + data


def zip64_extra(*values: int) -> bytes:
    """A ZIP64 extended information record holding ``values`` (8 bytes each, APPNOTE order)."""
    return extra_record(ZIP64_EXTRA_ID, b"".join(struct.pack("<Q", value) for value in values))


def alignment_padding(data_start: int, alignment: int) -> bytes:
    """A 0xD935 record (2-byte alignment, zeros) that moves ``data_start`` to a multiple of ``alignment``."""
    minimum = 4 + 2
    size = minimum + (-(data_start + minimum)) % alignment
    return extra_record(ALIGNMENT_EXTRA_ID, struct.pack("<H", alignment) + bytes(size - minimum))
