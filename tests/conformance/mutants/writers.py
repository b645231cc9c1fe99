"""Mutants of ``dduf-write``: writers that publish non-atomically, wrap ZIP64 fields, stamp the
time or clear the UTF-8 flag."""

from __future__ import annotations

import datetime
import struct
from pathlib import Path

from weightspec.conformance.zip_records import CENTRAL_HEADER, END, FLAG_UTF8, LOCAL_HEADER, ZIP64_END

from ._base import Mutant


class NonAtomicWriter(Mutant):
    """Opens the destination for writing before anything else, as a writer that streams into
    it does: a failed write leaves an empty file, or an earlier archive clobbered."""

    name = "non-atomic-writer"
    breaks = "DDUF-WRITE-005"
    caught_by = "test_publishes_atomically"

    def dduf_write(self, entries, path: Path) -> None:
        Path(path).write_bytes(b"")
        super().dduf_write(entries, path)


class WritesNoZip64Records(Mutant):
    """Writes no ZIP64 end records: where a count, size or offset does not fit the end record
    (past 65,535 entries or 4 GiB), its 16- and 32-bit fields wrap around."""

    name = "writes-no-zip64-records"
    breaks = "DDUF-WRITE-002"
    caught_by = "test_uses_zip64_for_many_entries"

    def dduf_write(self, entries, path: Path) -> None:
        super().dduf_write(entries, path)
        data = Path(path).read_bytes()
        locator = len(data) - END.size - 20
        if data[locator : locator + 4] != b"PK\x06\x07":
            return
        (zip64_end,) = struct.unpack_from("<Q", data, locator + 8)
        values = {
            field: struct.unpack_from("<Q", data, zip64_end + ZIP64_END.field(field)[0])[0]
            for field in ("entries_on_disk", "total_entries", "directory_size", "directory_offset")
        }
        end = END.pack(
            this_disk=0,
            directory_disk=0,
            entries_on_disk=values["entries_on_disk"] & 0xFFFF,
            total_entries=values["total_entries"] & 0xFFFF,
            directory_size=values["directory_size"] & 0xFFFFFFFF,
            directory_offset=values["directory_offset"] & 0xFFFFFFFF,
            comment_length=0,
        )
        Path(path).write_bytes(data[:zip64_end] + end)


def _rewrite_headers(path: Path, change) -> None:
    """Call ``change(data, record, offset)`` for every central header and its local header of the
    archive at ``path`` (one without ZIP64 end records), then write ``data`` back."""
    data = bytearray(Path(path).read_bytes())
    (count,) = struct.unpack_from("<H", data, len(data) - END.size + END.field("total_entries")[0])
    (position,) = struct.unpack_from("<I", data, len(data) - END.size + END.field("directory_offset")[0])
    for _ in range(count):
        lengths = [
            struct.unpack_from("<H", data, position + CENTRAL_HEADER.field(f)[0])[0]
            for f in ("name_length", "extra_length", "comment_length")
        ]
        (local,) = struct.unpack_from("<I", data, position + CENTRAL_HEADER.field("local_header_offset")[0])
        change(data, CENTRAL_HEADER, position)
        change(data, LOCAL_HEADER, local)
        position += CENTRAL_HEADER.size + sum(lengths)
    Path(path).write_bytes(bytes(data))


class StampsTheTime(Mutant):
    """Stamps every entry with the time of writing instead of 1980-01-01 00:00:00."""

    name = "stamps-the-time"
    breaks = "DDUF-WRITE-004"
    caught_by = "test_is_deterministic"

    def dduf_write(self, entries, path: Path) -> None:
        super().dduf_write(entries, path)
        now = datetime.datetime.now()
        date = ((now.year - 1980) << 9) | (now.month << 5) | now.day
        time = (now.hour << 11) | (now.minute << 5) | (now.second // 2)

        def stamp(data: bytearray, record, offset: int) -> None:
            struct.pack_into("<HH", data, offset + record.field("mtime")[0], time, date)

        _rewrite_headers(path, stamp)


class ClearsTheUtf8Flag(Mutant):
    """Never sets flag bit 11, so non-ASCII names read as CP437."""

    name = "clears-the-utf8-flag"
    breaks = "DDUF-WRITE-006"
    caught_by = "test_keeps_names_and_bytes"

    def dduf_write(self, entries, path: Path) -> None:
        super().dduf_write(entries, path)

        def clear(data: bytearray, record, offset: int) -> None:
            position = offset + record.field("flags")[0]
            (flags,) = struct.unpack_from("<H", data, position)
            struct.pack_into("<H", data, position, flags & ~FLAG_UTF8)

        _rewrite_headers(path, clear)
