"""A small ZIP writer that lays out exactly the bytes a conformance case asks for.

Independent of ``weightspec.reference`` on purpose (see ``zip_records``): the suite must be
able to catch a broken reference.

- ``Entry``: one file: its name, its data and every header field a case may want to get wrong.
- ``ZipSpec``: the archive: entries in file order plus container options (ZIP64 end records,
  comment, bytes before, between or after records, directory order, alignment).
  ``ZipSpec.build()`` lays it out and returns an ``Archive``; ``adding``, ``removing`` and
  ``changing`` derive a spec that differs in one way.
- ``Archive``: the bytes and their ``Layout`` (where every record starts); ``patched`` overwrites
  one fixed-size header field afterwards, which is how a case makes two records disagree.

Defaults give a valid DDUF container: STORED entries, fixed 1980-01-01 timestamp, flag bit 11 set
exactly when a name is not ASCII, one disk, no comment, and ZIP64 end records only when a count,
size or offset does not fit the end record.
"""

from __future__ import annotations

import dataclasses
import functools
import struct
import zlib
from dataclasses import dataclass

from .zip_records import (
    CENTRAL_HEADER,
    DATA_DESCRIPTOR,
    DOS_DATE_1980,
    DOS_TIME_1980,
    END,
    FLAG_UTF8,
    HOST_MSDOS,
    LOCAL_HEADER,
    METHOD_STORED,
    RECORDS,
    U16_MAX,
    U32_MAX,
    VERSION_DEFAULT,
    VERSION_ZIP64,
    ZIP64_END,
    ZIP64_LOCATOR,
    alignment_padding,
    zip64_extra,
)


@dataclass(frozen=True)
class Entry:
    """One file of the archive. ``None`` fields are derived from the data, as a correct writer would.

    ``name`` is text (written as UTF-8) or raw bytes (to write names that are not UTF-8).
    ``flags`` None means: bit 11 exactly when the name has a byte >= 0x80.
    ``local_zip64`` writes what ``zipfile`` does with ``force_zip64=True`` (huggingface_hub's
    writer): local sizes 0xFFFFFFFF and a ZIP64 extra record holding both sizes.
    ``after_data`` is laid out right after the data (a data descriptor, stray bytes).
    ``local_header_offset`` makes a directory-only entry: no local record is laid out for it and
    its central header points at that offset.
    """

    name: str | bytes
    data: bytes = b""
    method: int = METHOD_STORED
    flags: int | None = None
    crc32: int | None = None
    compressed_size: int | None = None
    uncompressed_size: int | None = None
    local_extra: bytes = b""
    central_extra: bytes = b""
    local_zip64: bool = False
    version_made_by: int = (HOST_MSDOS << 8) | VERSION_DEFAULT
    external_attributes: int = 0
    after_data: bytes = b""
    local_header_offset: int | None = None

    @property
    def name_bytes(self) -> bytes:
        return self.name.encode("utf-8", "surrogatepass") if isinstance(self.name, str) else self.name

    @functools.cached_property
    def _header_values(self) -> dict[str, int]:
        """The fields local and central headers share (callers copy before changing)."""
        name = self.name_bytes
        return {
            "version_needed": VERSION_ZIP64 if self.local_zip64 else VERSION_DEFAULT,
            "flags": self.flags
            if self.flags is not None
            else (FLAG_UTF8 if max(name, default=0) >= 0x80 else 0),
            "method": self.method,
            "mtime": DOS_TIME_1980,
            "mdate": DOS_DATE_1980,
            "crc32": self.crc32 if self.crc32 is not None else zlib.crc32(self.data),
            "compressed_size": self.compressed_size if self.compressed_size is not None else len(self.data),
            "uncompressed_size": self.uncompressed_size
            if self.uncompressed_size is not None
            else len(self.data),
            "name_length": len(name),
        }

    def local_record(self, offset: int = 0, alignment: int | None = None) -> bytes:
        """Local header, name and extra field for an entry whose header starts at ``offset``."""
        values = dict(self._header_values)
        extra = self.local_extra
        if self.local_zip64:
            extra = zip64_extra(values["uncompressed_size"], values["compressed_size"]) + extra
            values["compressed_size"] = values["uncompressed_size"] = U32_MAX
        if alignment is not None:
            data_start = offset + LOCAL_HEADER.size + len(self.name_bytes) + len(extra)
            extra += alignment_padding(data_start, alignment)
        return LOCAL_HEADER.pack(**values, extra_length=len(extra)) + self.name_bytes + extra

    def central_record(self, local_header_offset: int) -> bytes:
        values = self._header_values
        header = CENTRAL_HEADER.pack(
            **values,
            version_made_by=self.version_made_by,
            extra_length=len(self.central_extra),
            comment_length=0,
            disk_start=0,
            internal_attributes=0,
            external_attributes=self.external_attributes,
            local_header_offset=local_header_offset,
        )
        return header + self.name_bytes + self.central_extra

    def data_descriptor(self) -> bytes:
        """The data descriptor (with its optional signature) that streaming writers append."""
        values = self._header_values
        return DATA_DESCRIPTOR.pack(
            crc32=values["crc32"],
            compressed_size=values["compressed_size"],
            uncompressed_size=values["uncompressed_size"],
        )


@dataclass(frozen=True)
class Layout:
    """Absolute offsets of every record of a built archive; per-entry tuples follow ``ZipSpec.entries``.

    ``data_spans[i]`` is (start, end) of entry i's data, None for a directory-only entry.
    ``zip64_end`` and ``zip64_locator`` are None when the archive has no ZIP64 end records.
    """

    local_headers: tuple[int, ...]
    data_spans: tuple[tuple[int, int] | None, ...]
    central_headers: tuple[int, ...]
    directory_start: int
    directory_end: int
    zip64_end: int | None
    zip64_locator: int | None
    end: int


@dataclass(frozen=True)
class Archive:
    """Built bytes plus where their records lie."""

    data: bytes
    layout: Layout
    names: tuple[str | bytes, ...]

    def record_offset(self, record: str, entry: int | str | bytes | None = None) -> int:
        """Where a record starts. ``record`` is a key of ``RECORDS``; local and central need ``entry``
        (an index into the entries, or a name)."""
        if record in ("local", "central"):
            index = entry if isinstance(entry, int) else self.names.index(entry)
            table = self.layout.local_headers if record == "local" else self.layout.central_headers
            return table[index]
        offset = getattr(self.layout, record)
        if offset is None:
            raise ValueError(f"this archive has no {record} record")
        return offset

    def patched(
        self, record: str, field: str, value: int | bytes, *, entry: int | str | bytes | None = None
    ) -> Archive:
        """A copy with one header field overwritten (sizes of records do not change)."""
        offset, code = RECORDS[record].field(field)
        return self.patched_bytes(self.record_offset(record, entry) + offset, struct.pack("<" + code, value))

    def patched_bytes(self, offset: int, replacement: bytes) -> Archive:
        """A copy with ``replacement`` written over the bytes at ``offset``."""
        if offset < 0 or offset + len(replacement) > len(self.data):
            raise ValueError(f"patch at {offset} of {len(replacement)} bytes leaves the archive")
        data = self.data[:offset] + replacement + self.data[offset + len(replacement) :]
        return dataclasses.replace(self, data=data)


@dataclass(frozen=True)
class ZipSpec:
    """A whole archive. ``build()`` lays out, in order:

    ``prefix``, each entry (local record, data, ``after_data``), ``gap_before_directory``, the
    central directory (in ``directory_order``, a permutation of entry indices; default file order), ``gap_after_directory``, the
    ZIP64 end record and locator (when ``zip64_end`` or when a value does not fit), the end record
    (every value 0xFFFF/0xFFFFFFFF when ``saturate_end`` and ZIP64 records are written),
    ``comment``, ``trailing``. ``alignment`` pads each entry's data to that multiple with 0xD935.
    """

    entries: tuple[Entry, ...]
    prefix: bytes = b""
    gap_before_directory: bytes = b""
    gap_after_directory: bytes = b""
    directory_order: tuple[int, ...] | None = None
    zip64_end: bool = False
    saturate_end: bool = False
    comment: bytes = b""
    trailing: bytes = b""
    alignment: int | None = None

    def adding(self, *entries: Entry) -> ZipSpec:
        return dataclasses.replace(self, entries=(*self.entries, *entries))

    def removing(self, *names: str) -> ZipSpec:
        missing = set(names) - {entry.name for entry in self.entries}
        if missing:
            raise KeyError(f"no entries named {sorted(missing)}")
        return dataclasses.replace(self, entries=tuple(e for e in self.entries if e.name not in names))

    def changing(self, name: str, /, **fields) -> ZipSpec:
        """The same archive with ``fields`` of the entry named ``name`` replaced."""
        names = [entry.name for entry in self.entries]
        if name not in names:
            raise KeyError(f"no entry named {name!r}")
        entries = tuple(dataclasses.replace(e, **fields) if e.name == name else e for e in self.entries)
        return dataclasses.replace(self, entries=entries)

    def with_options(self, **options) -> ZipSpec:
        return dataclasses.replace(self, **options)

    def to_bytes(self) -> bytes:
        return self.build().data

    def build(self) -> Archive:
        out = bytearray(self.prefix)
        local_headers, data_spans = [], []
        for entry in self.entries:
            if entry.local_header_offset is not None:
                local_headers.append(entry.local_header_offset)
                data_spans.append(None)
                continue
            local_headers.append(len(out))
            out += entry.local_record(len(out), self.alignment)
            data_spans.append((len(out), len(out) + len(entry.data)))
            out += entry.data + entry.after_data
        out += self.gap_before_directory

        directory_start = len(out)
        central_headers = [0] * len(self.entries)
        order = self.directory_order if self.directory_order is not None else range(len(self.entries))
        if sorted(order) != list(range(len(self.entries))):
            raise ValueError(
                f"directory_order {order} is not a permutation of the {len(self.entries)} entries"
            )
        for index in order:
            central_headers[index] = len(out)
            out += self.entries[index].central_record(local_headers[index])
        directory_end = len(out)
        out += self.gap_after_directory

        count, size = len(central_headers), directory_end - directory_start
        needs_zip64 = count >= U16_MAX or size >= U32_MAX or directory_start >= U32_MAX
        zip64_end = zip64_locator = None
        if self.zip64_end or needs_zip64:
            zip64_end = len(out)
            out += ZIP64_END.pack(
                record_size=ZIP64_END.size - 12,
                version_made_by=VERSION_ZIP64,
                version_needed=VERSION_ZIP64,
                this_disk=0,
                directory_disk=0,
                entries_on_disk=count,
                total_entries=count,
                directory_size=size,
                directory_offset=directory_start,
            )
            zip64_locator = len(out)
            out += ZIP64_LOCATOR.pack(end_disk=0, end_offset=zip64_end, total_disks=1)

        def fit(value: int, maximum: int) -> int:
            saturate = zip64_end is not None and self.saturate_end
            return maximum if saturate or value >= maximum else value

        end = len(out)
        out += END.pack(
            this_disk=0,
            directory_disk=0,
            entries_on_disk=fit(count, U16_MAX),
            total_entries=fit(count, U16_MAX),
            directory_size=fit(size, U32_MAX),
            directory_offset=fit(directory_start, U32_MAX),
            comment_length=len(self.comment),
        )
        out += self.comment + self.trailing
        layout = Layout(
            local_headers=tuple(local_headers),
            data_spans=tuple(data_spans),
            central_headers=tuple(central_headers),
            directory_start=directory_start,
            directory_end=directory_end,
            zip64_end=zip64_end,
            zip64_locator=zip64_locator,
            end=end,
        )
        return Archive(data=bytes(out), layout=layout, names=tuple(entry.name for entry in self.entries))
