"""Where a ZIP archive's entries lie, as Python's ``zipfile`` finds them: the suite's independent
answer to "which entries must a reader return?" for archives that readers must open.

For each entry of the central directory, in directory order: its name, the absolute offset of
its data (the local header's offset + 30 + the local name and extra lengths, read from the local
header itself, not from the central one) and its length (the central size).
"""

from __future__ import annotations

import io
import struct
import zipfile

from .harness.adapter import EntryInfo

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then name and extra lengths at offset 26


def located_entries(data: bytes) -> list[EntryInfo]:
    """The entries of ``data`` as zipfile locates them. Raises ``zipfile.BadZipFile`` (or
    ``ValueError``) when zipfile cannot read the archive."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, info.header_offset)
            if signature != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"no local header at {info.header_offset} for {info.filename!r}")
            start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
            entries.append(EntryInfo(info.filename, start, info.file_size))
    return entries


def entries_differ(expected: list[EntryInfo], got: list[EntryInfo]) -> str | None:
    """One sentence saying how ``got`` differs from ``expected``, or None when they are equal."""
    got = [EntryInfo(*entry) for entry in got]
    if got == expected:
        return None
    expected_names, got_names = [e.name for e in expected], [e.name for e in got]
    if expected_names != got_names:
        missing = [n for n in expected_names if n not in got_names]
        extra = [n for n in got_names if n not in expected_names]
        if missing or extra:
            return f"returned the wrong entries: missing {missing}, unexpected {extra}"
        return f"returned the entries in another order: {got_names}, expected {expected_names}"
    wrong = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    e, g = wrong[0]
    return (
        f"{len(wrong)} entr{'y' if len(wrong) == 1 else 'ies'} located wrongly, first {e.name!r}: "
        f"offset {g.offset} length {g.length}, expected offset {e.offset} length {e.length}"
    )
