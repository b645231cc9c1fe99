"""Deep validation of a DDUF archive: every entry's bytes (DDUF-DEEP-001..003).

Run by ``validate_dduf(..., deep=True)`` after the reader checks, on the entries whose data
lies inside the file. Entries are read in chunks, so memory stays bounded except for ``.json``
entries, which are parsed whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

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


def deep_findings(path: str, entries: Iterable[ScannedEntry]) -> Iterator[Finding]:
    """DDUF-DEEP-001..003 for ``entries``, whose data must lie inside the file.

    Compressed or encrypted entries are skipped: their stored bytes are not their content,
    and DDUF-ENTRY-001/003 already reported them.
    """
    with open(path, "rb") as file:
        buffer = memoryview(bytearray(CHUNK_SIZE))
        for entry in entries:
            if not entry.plain:
                continue
            name, offset, size = entry.name, entry.data_offset, entry.size
            actual = _crc32_of_span(file, offset, size, buffer)
            if actual != entry.crc32:
                message = f"CRC-32 of the data is {actual:08x}; the headers say {entry.crc32:08x}"
                yield Finding("DDUF-DEEP-001", path, message, entry=name, offset=offset)
            # model_index.json was parsed by the reader checks (DDUF-INDEX-002).
            if name.endswith(".json") and name != MODEL_INDEX:
                file.seek(offset)
                yield from _json_findings(file.read(size), path, name, offset)
            elif name.endswith(".safetensors"):
                yield from safetensors_findings(file, start=offset, length=size, path=path, entry=name)


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


def _json_findings(raw: bytes, path: str, name: str, offset: int) -> Iterator[Finding]:
    """DDUF-DEEP-002: UTF-8 JSON as RFC 8259 defines it, so NaN and Infinity are refused."""
    try:
        _strict_json.parse(raw)
    except _strict_json.StrictJSONError as error:
        yield Finding("DDUF-DEEP-002", path, error.message, entry=name, offset=offset + error.offset)
