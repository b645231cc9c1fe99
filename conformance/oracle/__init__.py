"""The layout oracle: where a DDUF archive's entries lie, decoded by the parser that Kaitai Struct
generates from the formal layout ``spec/dduf.ksy``; the suite's answer, independent of the
reference and of Python's ``zipfile``, to "which entries must a reader return?".

- ``decode_entries(data)`` (or ``decode_file(path)``): for each central directory header, in directory order, the entry's
  name, the absolute offset of its data (from its local header: DDUF-ENTRY-006) and its length
  (the compressed size, ZIP64 values resolved: DDUF-ZIP-009).
- ``dduf_layout``: the generated parser, byte for byte the compiler's output; ``regenerate``
  remakes it (``python -m weightspec.conformance.oracle.regenerate [--check]``).

Layout only: names, folders and ``model_index.json`` are not checked here, nor whether entries
leave gaps or overlap; the suite compares what the oracle decodes with what a reader returns.
"""

from __future__ import annotations

import io
import os

from kaitaistruct import KaitaiStream, KaitaiStructError

from ..harness.adapter import EntryInfo
from .dduf_layout import Dduf


class OracleError(Exception):
    """The bytes do not decode as the DDUF layout: truncated, a wrong signature, a field the
    layout fixes with another value, a name that is not UTF-8, or a pointer out of range."""


def decode_entries(data: bytes) -> list[EntryInfo]:
    """The entries of the archive ``data`` (see the module docstring); raises ``OracleError``."""
    return _decoded(KaitaiStream(io.BytesIO(data)))


def decode_file(path: str | os.PathLike) -> list[EntryInfo]:
    """``decode_entries`` of the archive at ``path``, reading only its records (not the data, so
    an archive of many GiB costs no more than a small one)."""
    with open(path, "rb") as file:
        return _decoded(KaitaiStream(file))


def _decoded(stream: KaitaiStream) -> list[EntryInfo]:
    size = stream.size()
    try:
        headers = Dduf(stream).central_directory.headers
        entries = [EntryInfo(h.name, h.local_header.data_offset, h.compressed_size_64) for h in headers]
    except (KaitaiStructError, UnicodeDecodeError) as error:
        raise OracleError(f"the layout does not decode: {error}") from None
    for entry in entries:
        if entry.offset + entry.length > size:  # DDUF-ZIP-005
            raise OracleError(
                f"the data of {entry.name!r} ({entry.length} bytes at byte {entry.offset}) "
                f"ends past the end of the file ({size} bytes)"
            )
    return entries
