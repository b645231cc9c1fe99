"""Cases for spec/dduf.md section 1, Container: DDUF-ZIP-001..009."""

from __future__ import annotations

import struct
import zlib

from ..zip_builder import Entry
from ..zip_records import END, U16_MAX, U32_MAX, zip64_extra
from .baseline import (
    SCHEDULER_CONFIG,
    TEXT_ENCODER_WEIGHTS,
    baseline,
    patched,
    reader_case,
    size_patches,
    with_file,
)

ZIP64 = baseline().with_options(zip64_end=True)
HIDDEN = b"bytes no entry accounts for\n"
SCHEDULER_SIZE = len(baseline().entries[1].data)


def _last_entry_past(extra_bytes_from: str) -> bytes:
    """The weights entry's sizes grown so its data ends 1 byte past the directory start or the file end."""
    archive = baseline().build()
    start = archive.layout.data_spans[-1][0]
    limit = archive.layout.directory_start if extra_bytes_from == "directory" else len(archive.data)
    return patched(baseline(), *size_patches(TEXT_ENCODER_WEIGHTS, limit + 1 - start))


def _nested_entry() -> bytes:
    """``readme.txt``'s local record lies inside ``notes.txt``'s data; both are in the directory."""
    inner = Entry("readme.txt", b"hidden inside another entry\n")
    spec = with_file("notes.txt", data=b"outer text\n" + inner.local_record() + inner.data)
    inner_offset = spec.build().layout.data_spans[-1][0] + len(b"outer text\n")
    return spec.adding(Entry(inner.name, inner.data, local_header_offset=inner_offset)).to_bytes()


AMPLIFYING_HEADERS = 64
AMPLIFIED_DATA = bytes(range(256)) * 16


def _many_headers_one_entry(count: int = AMPLIFYING_HEADERS, data: bytes = AMPLIFIED_DATA) -> bytes:
    """Entry a.txt, then ``count`` more central headers pointing at its local header: a directory
    that claims ``count + 1`` times its bytes (a deep validator must read them once)."""
    spec = with_file("a.txt", data=data)
    offset = spec.build().record_offset("local", "a.txt")
    header = Entry("a.txt", data, crc32=zlib.crc32(data), local_header_offset=offset)  # one CRC-32 for all
    return spec.adding(*(header,) * count).to_bytes()


def _directory_size() -> int:
    layout = baseline().build().layout
    return layout.directory_end - layout.directory_start


CASES = (
    # DDUF-ZIP-001: the end record is the last 22 bytes, without a comment
    reader_case(
        "zip-archive-comment",
        "DDUF-ZIP-001",
        "The end record has an archive comment.",
        lambda: baseline().with_options(comment=b"made by a conformance case").to_bytes(),
    ),
    reader_case(
        "zip-trailing-bytes",
        "DDUF-ZIP-001",
        "Bytes follow the end record (as when a signature block is appended).",
        lambda: baseline().with_options(trailing=HIDDEN).to_bytes(),
    ),
    reader_case(
        "zip-comment-hides-second-end-record",
        "DDUF-ZIP-004",
        "The archive comment is itself an end record of an empty archive, so the last 22 bytes "
        "describe a directory of 0 entries at offset 0, which does not end where that record begins.",
        lambda: baseline().with_options(comment=END.pack(**{name: 0 for name, _ in END.fields})).to_bytes(),
        also=("DDUF-ZIP-001",),
    ),
    # DDUF-ZIP-002: ZIP64 end records where a value is saturated; they agree with the end record
    reader_case(
        "zip64-locator-missing-count-saturated",
        "DDUF-ZIP-002",
        "The end record's entry counts are 0xFFFF but there is no ZIP64 locator or end record.",
        lambda: patched(baseline(), ("end", "entries_on_disk", U16_MAX), ("end", "total_entries", U16_MAX)),
    ),
    reader_case(
        "zip64-locator-missing-offset-saturated",
        "DDUF-ZIP-002",
        "The end record's directory offset is 0xFFFFFFFF but there is no ZIP64 locator or end record.",
        lambda: patched(baseline(), ("end", "directory_offset", U32_MAX)),
    ),
    reader_case(
        "zip64-locator-points-elsewhere",
        "DDUF-ZIP-002",
        "The ZIP64 locator points at byte 0 instead of the ZIP64 end record right before it.",
        lambda: patched(ZIP64, ("zip64_locator", "end_offset", 0)),
    ),
    reader_case(
        "zip64-end-record-disagrees",
        "DDUF-ZIP-002",
        "The end record counts 3 entries (unsaturated) while the ZIP64 end record and the directory hold 4.",
        lambda: patched(ZIP64, ("end", "entries_on_disk", 3), ("end", "total_entries", 3)),
    ),
    # DDUF-ZIP-003: one disk
    reader_case(
        "zip-end-disk-number-nonzero",
        "DDUF-ZIP-003",
        "The end record says this is disk 1.",
        lambda: patched(baseline(), ("end", "this_disk", 1)),
    ),
    reader_case(
        "zip-entries-on-disk-differs",
        "DDUF-ZIP-003",
        "The end record counts 3 entries on this disk and 4 in total.",
        lambda: patched(baseline(), ("end", "entries_on_disk", 3)),
    ),
    reader_case(
        "zip-central-disk-start-nonzero",
        "DDUF-ZIP-003",
        "A central directory header says its entry starts on disk 1.",
        lambda: patched(baseline(), ("central", "disk_start", 1, SCHEDULER_CONFIG)),
    ),
    reader_case(
        "zip64-locator-total-disks",
        "DDUF-ZIP-003",
        "The ZIP64 locator counts 2 disks.",
        lambda: patched(ZIP64, ("zip64_locator", "total_disks", 2)),
    ),
    reader_case(
        "zip64-end-directory-disk-nonzero",
        "DDUF-ZIP-003",
        "The ZIP64 end record says the central directory starts on disk 1.",
        lambda: patched(ZIP64, ("zip64_end", "directory_disk", 1)),
    ),
    # DDUF-ZIP-004: the directory is exactly where and what the end record says
    reader_case(
        "zip-directory-offset-wrong",
        "DDUF-ZIP-004",
        "The end record's directory offset is 1 byte past the real start of the central directory.",
        lambda: patched(
            baseline(), ("end", "directory_offset", baseline().build().layout.directory_start + 1)
        ),
    ),
    reader_case(
        "zip-directory-size-too-small",
        "DDUF-ZIP-004",
        "The end record's directory size is 1 byte short.",
        lambda: patched(baseline(), ("end", "directory_size", _directory_size() - 1)),
    ),
    reader_case(
        "zip-directory-count-too-large",
        "DDUF-ZIP-004",
        "The end record counts 5 entries; the directory holds 4 headers.",
        lambda: patched(baseline(), ("end", "entries_on_disk", 5), ("end", "total_entries", 5)),
    ),
    reader_case(
        "zip-bytes-between-directory-and-end",
        "DDUF-ZIP-004",
        "Bytes lie between the central directory and the end record.",
        lambda: baseline().with_options(gap_after_directory=HIDDEN).to_bytes(),
    ),
    reader_case(
        "zip64-bytes-between-directory-and-zip64-end",
        "DDUF-ZIP-004",
        "Bytes lie between the central directory and the ZIP64 end record.",
        lambda: ZIP64.with_options(gap_after_directory=HIDDEN).to_bytes(),
    ),
    # DDUF-ZIP-005: everything inside the file
    reader_case(
        "zip-entry-data-past-end-of-file",
        "DDUF-ZIP-005",
        "The last entry's sizes (in both headers) make its data end 1 byte past the end of the file.",
        lambda: _last_entry_past("file"),
    ),
    # DDUF-ZIP-006: nothing before the first local header
    reader_case(
        "zip-prefix-stub",
        "DDUF-ZIP-006",
        "A shell-script stub precedes the first local header (offsets are absolute and correct).",
        lambda: baseline().with_options(prefix=b"#!/bin/sh\necho self-extracting stub\nexit 0\n").to_bytes(),
    ),
    # DDUF-ZIP-007: no overlaps, no data inside the directory
    reader_case(
        "zip-entry-data-into-central-directory",
        "DDUF-ZIP-007",
        "The last entry's sizes (in both headers) make its data end 1 byte inside the central directory.",
        lambda: _last_entry_past("directory"),
    ),
    reader_case(
        "zip-entry-nested-in-another",
        "DDUF-ZIP-007",
        "Entry readme.txt (local header and data) lies inside the data of entry notes.txt.",
        _nested_entry,
    ),
    reader_case(
        "zip-entry-data-overlaps-next-header",
        "DDUF-ZIP-007",
        "The scheduler config's sizes (in both headers) run 4 bytes into the next local header.",
        lambda: patched(baseline(), *size_patches(SCHEDULER_CONFIG, SCHEDULER_SIZE + 4)),
    ),
    reader_case(
        "zip-many-headers-one-local-header",
        "DDUF-ZIP-007",
        f"{AMPLIFYING_HEADERS} more central headers point at the local header of the 4 KiB entry a.txt.",
        _many_headers_one_entry,
        also=("DDUF-NAME-010",),
    ),
    # DDUF-ZIP-008: no unaccounted bytes
    reader_case(
        "zip-gap-between-entries",
        "DDUF-ZIP-008",
        "Bytes lie between the scheduler config's data and the next local header.",
        lambda: baseline().changing(SCHEDULER_CONFIG, after_data=HIDDEN).to_bytes(),
    ),
    reader_case(
        "zip-gap-before-central-directory",
        "DDUF-ZIP-008",
        "Bytes lie between the last entry's data and the central directory.",
        lambda: baseline().with_options(gap_before_directory=HIDDEN).to_bytes(),
    ),
    # DDUF-ZIP-009: well-formed extra fields, ZIP64 extra records where values are saturated
    reader_case(
        "zip-local-extra-record-overruns",
        "DDUF-ZIP-009",
        "A local extra record declares 16 bytes of data but the extra field holds 3.",
        lambda: (
            baseline()
            .changing(SCHEDULER_CONFIG, local_extra=struct.pack("<HH", 0x9999, 16) + b"abc")
            .to_bytes()
        ),
    ),
    reader_case(
        "zip-central-extra-record-overruns",
        "DDUF-ZIP-009",
        "A central extra record declares 16 bytes of data but the extra field holds 3.",
        lambda: (
            baseline()
            .changing(SCHEDULER_CONFIG, central_extra=struct.pack("<HH", 0x9999, 16) + b"abc")
            .to_bytes()
        ),
    ),
    reader_case(
        "zip-extra-field-ends-inside-record-header",
        "DDUF-ZIP-009",
        "A local extra field is 2 bytes long, too short for one record header.",
        lambda: baseline().changing(SCHEDULER_CONFIG, local_extra=b"\x99\x99").to_bytes(),
    ),
    reader_case(
        "zip64-extra-missing-for-saturated-size",
        "DDUF-ZIP-009",
        "A local header's sizes are 0xFFFFFFFF but it has no ZIP64 extra record.",
        lambda: patched(baseline(), *size_patches(SCHEDULER_CONFIG, U32_MAX, ("local",))),
    ),
    reader_case(
        "zip64-local-extra-wrong-size",
        "DDUF-ZIP-009",
        "A local header saturates both sizes but its ZIP64 extra record holds 3 values (24 bytes).",
        lambda: patched(
            baseline().changing(SCHEDULER_CONFIG, local_extra=zip64_extra(SCHEDULER_SIZE, SCHEDULER_SIZE, 0)),
            *size_patches(SCHEDULER_CONFIG, U32_MAX, ("local",)),
        ),
    ),
    reader_case(
        "zip64-central-extra-too-short",
        "DDUF-ZIP-009",
        "A central header saturates both sizes but its ZIP64 extra record holds 1 value (8 bytes).",
        lambda: patched(
            baseline().changing(SCHEDULER_CONFIG, central_extra=zip64_extra(SCHEDULER_SIZE)),
            *size_patches(SCHEDULER_CONFIG, U32_MAX, ("central",)),
        ),
    ),
)
