"""Deep validation of a DDUF archive: every entry's bytes (DDUF-DEEP-001..003).

Run by ``validate_dduf(..., deep=True)`` after the reader checks, on the entries whose data
lies inside the file. Entries are read in chunks, so memory stays bounded except for ``.json``
entries, which are parsed whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .. import _strict_json
from ..errors import Finding
from ..safetensors.header import safetensors_findings
from .structure import MODEL_INDEX
from .zip.entries import ScannedEntry

try:  # ISA-L's CRC-32 is several times faster than zlib's
    from isal.isal_zlib import crc32
except ImportError:  # pragma: no cover - isal is an optional dependency (weightspec[fast])
    from zlib import crc32

CHUNK_SIZE = 8 << 20


def deep_findings(path: str, entries: Sequence[ScannedEntry]) -> Iterator[Finding]:
    """DDUF-DEEP-001..003 for ``entries``, whose data must lie inside the file.

    Compressed or encrypted entries are skipped: their stored bytes are not their content,
    and DDUF-ENTRY-001/003 already reported them. So is every entry whose data overlaps the data
    of one checked before it: the reader checks have refused that archive already (DDUF-ZIP-007,
    or a finding that kept the layout from being judged), and checking each byte at most once
    bounds the work by the file's size, whatever the directory claims.
    """
    overlapping = _overlapping(entries)
    with open(path, "rb") as file:
        buffer = memoryview(bytearray(CHUNK_SIZE))
        for index, entry in enumerate(entries):
            if not entry.plain or index in overlapping:
                continue
            name, offset, size = entry.name, entry.data_offset, entry.size
            actual = _crc32_of_span(file, offset, size, buffer)
            if actual != entry.crc32:
                message = f"CRC-32 of the data is {actual:08x}; the headers say {entry.crc32:08x}"
                yield Finding("DDUF-DEEP-001", path, message, entry=name, offset=offset)
            # model_index.json was parsed by the reader checks (DDUF-INDEX-002).
            if name.endswith(".json") and name != MODEL_INDEX:
                file.seek(offset)
                yield from json_findings(file.read(size), path, name, offset)
            elif name.endswith(".safetensors"):
                yield from safetensors_findings(file, start=offset, length=size, path=path, entry=name)


def _overlapping(entries: Sequence[ScannedEntry]) -> set[int]:
    """Indices of the entries whose data overlaps that of an entry earlier in file order.

    The others' data spans are disjoint, so reading them reads each byte of the file at most once.
    Empty entries overlap nothing.
    """
    by_start = sorted(range(len(entries)), key=lambda index: entries[index].data_offset)
    overlapping = set()
    covered = 0  # where the data of the entries kept so far ends, at the furthest
    for index in by_start:
        entry = entries[index]
        if entry.size == 0:
            continue
        if entry.data_offset < covered:
            overlapping.add(index)
        else:
            covered = entry.data_offset + entry.size
    return overlapping


def _crc32_of_span(file, offset: int, length: int, buffer: memoryview) -> int:
    file.seek(offset)
    value = 0
    remaining = length
    while remaining > 0:
        read = file.readinto(buffer[: min(remaining, len(buffer))])
        if not read:
            break  # the file shrank while being read; the CRC-32 then differs
        value = crc32(buffer[:read], value)
        remaining -= read
    return value


def json_findings(raw: bytes, path: str, name: str, offset: int) -> Iterator[Finding]:
    """DDUF-DEEP-002: UTF-8 JSON as RFC 8259 defines it, so NaN and Infinity are refused."""
    try:
        _strict_json.parse(raw)
    except _strict_json.StrictJSONError as error:
        yield Finding("DDUF-DEEP-002", path, error.message, entry=name, offset=offset + error.offset)
