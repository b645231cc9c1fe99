"""Entries that use a ZIP feature DDUF forbids: a compression method (``compression``,
DDUF-ENTRY-001), encryption (``encryption``, DDUF-ENTRY-003), a data descriptor
(``data-descriptor``, DDUF-ENTRY-004), or a file type other than a regular file
(``not-a-regular-file``, DDUF-ENTRY-007)."""

from __future__ import annotations

import zlib

from hypothesis import strategies as st

from ..zip_builder import ZipSpec
from ..zip_records import (
    FLAG_DATA_DESCRIPTOR,
    FLAG_ENCRYPTED,
    FLAG_STRONG_ENCRYPTION,
    HOST_UNIX,
    METHOD_DEFLATED,
    VERSION_DEFAULT,
)
from ._core import _kind, _Mutation
from ._fields import _changed_entry, _default_flags, _entry_choice, _label, _with_value

_METHODS = (METHOD_DEFLATED, 1, 6, 9, 12, 14, 93, 95, 99)  # DEFLATE, then others APPNOTE names


@_kind("compression")
def _compression(draw, spec: ZipSpec) -> _Mutation:
    """An entry compressed with DEFLATE (really), or marked with another method (DDUF-ENTRY-001)."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    method = draw(st.sampled_from(_METHODS))
    if method == METHOD_DEFLATED:
        compressor = zlib.compressobj(draw(st.integers(0, 9)), zlib.DEFLATED, -15)
        deflated = compressor.compress(entry.data) + compressor.flush()
        fields = {"data": deflated, "crc32": zlib.crc32(entry.data), "uncompressed_size": len(entry.data)}
    else:
        fields = {}
    compressed = _changed_entry(spec, index, method=method, **fields)
    description = f"entry {_label(entry.name)} has compression method {method} in both headers"
    return _Mutation(f"method-{method}", ("DDUF-ENTRY-001",), description, compressed.to_bytes(), archive)


@_kind("encryption")
def _encryption(draw, spec: ZipSpec) -> _Mutation:
    """An entry flagged as encrypted (bit 0) or strongly encrypted (bit 6) in both headers."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    bits = draw(
        st.sampled_from([FLAG_ENCRYPTED, FLAG_STRONG_ENCRYPTION, FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION])
    )
    flags = _default_flags(archive, index) | bits
    encrypted = _changed_entry(spec, index, flags=flags)
    description = f"entry {_label(archive.names[index])} has flags {flags:#06x} in both headers"
    return _Mutation(f"flags-{bits:#x}", ("DDUF-ENTRY-003",), description, encrypted.to_bytes(), archive)


_DESCRIPTOR_VARIANTS = (
    "flag",
    "signed-descriptor",
    "unsigned-descriptor",
    "streamed",
    "unflagged-descriptor",
)


@_kind("data-descriptor")
def _data_descriptor(draw, spec: ZipSpec) -> _Mutation:
    """An entry written as a streaming writer does (DDUF-ENTRY-004): flag bit 3 in both headers,
    with a data descriptor after the data or not, with zero local CRC-32 and sizes or not; or a
    descriptor after the data without the flag."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    variant = draw(st.sampled_from(_DESCRIPTOR_VARIANTS))
    descriptor = entry.data_descriptor()
    flags = _default_flags(archive, index) | (
        0 if variant == "unflagged-descriptor" else FLAG_DATA_DESCRIPTOR
    )
    after = {"flag": b"", "unsigned-descriptor": descriptor[4:]}.get(variant, descriptor)
    changed = _changed_entry(spec, index, flags=flags, after_data=after, local_zip64=False).build()
    breaks = ("DDUF-ENTRY-004",) if variant == "flag" else ("DDUF-ENTRY-004", "DDUF-ZIP-008")
    if variant == "streamed":
        for field in ("crc32", "compressed_size", "uncompressed_size"):
            changed = _with_value(changed, "local", field, 0, index)
    description = (
        f"entry {_label(entry.name)}: flags {flags:#06x}, {len(after)} descriptor bytes after its data"
    )
    return _Mutation(variant, breaks, description, changed.data, archive)


_UNIX_MODES = {
    "unix-directory": 0o040755,
    "unix-symlink": 0o120777,
    "unix-character-device": 0o020644,
    "unix-block-device": 0o060644,
    "unix-fifo": 0o010644,
    "unix-socket": 0o140755,
}


@_kind("not-a-regular-file")
def _not_a_regular_file(draw, spec: ZipSpec) -> _Mutation:
    """An entry that is a directory by its MS-DOS attribute, or by its Unix mode any file type but
    a regular file (DDUF-ENTRY-007)."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    variant = draw(st.sampled_from(["dos-directory", *_UNIX_MODES]))
    if variant == "dos-directory":
        fields = {"external_attributes": 0x10}
    else:
        fields = {
            "version_made_by": (HOST_UNIX << 8) | VERSION_DEFAULT,
            "external_attributes": _UNIX_MODES[variant] << 16,
        }
    changed = _changed_entry(spec, index, **fields)
    description = (
        f"entry {_label(archive.names[index])} has external attributes {fields['external_attributes']:#x}"
    )
    return _Mutation(variant, ("DDUF-ENTRY-007",), description, changed.to_bytes(), archive)
