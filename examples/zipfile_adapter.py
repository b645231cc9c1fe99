"""An example third-party adapter: Python's own ``zipfile`` as a DDUF reader.

Run the suite against it from this folder::

    weightspec conformance --impl zipfile_adapter:ZipfileReader

``zipfile`` is not a DDUF reader (it accepts comments, prefixes, deflated entries, ...), so the
run fails and the matrix shows where; ``--write-expectations zipfile.toml`` records today's
divergences as a starting point.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from weightspec.conformance.harness.adapter import DDUF_READ, Adapter, EntryInfo, refusing
from weightspec.conformance.harness.outcomes import CORRUPT_ARCHIVE


class ZipfileReader(Adapter):
    name = "zipfile"
    version = "stdlib"
    capabilities = frozenset({DDUF_READ})

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        with refusing({zipfile.BadZipFile: CORRUPT_ARCHIVE}), zipfile.ZipFile(path) as archive:
            data = path.read_bytes()
            entries = []
            for info in archive.infolist():
                name_length = int.from_bytes(
                    data[info.header_offset + 26 : info.header_offset + 28], "little"
                )
                extra_length = int.from_bytes(
                    data[info.header_offset + 28 : info.header_offset + 30], "little"
                )
                start = info.header_offset + 30 + name_length + extra_length
                entries.append(EntryInfo(info.filename, start, info.file_size))
            return entries
