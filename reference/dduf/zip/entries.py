"""The second half of the DDUF reader's ZIP layer: the entries, from the central directory on.

- ``scan_entries`` walks the central directory once; for each header it checks the entry's
  name, its directory header and its local header, and records where its bytes lie
  (DDUF-ZIP-003/004/005/007/009, DDUF-ENTRY-001..007, and the rules of ``names``:
  DDUF-NAME-001..009, DDUF-LIMIT-001);
- ``layout_findings`` checks that the entries tile the file from byte 0 up to the central
  directory (DDUF-ZIP-006..008, and DDUF-ENTRY-004 for a data descriptor after an entry).

This is the reader's hot loop (an archive may hold 100,000 entries), so a check that passes
costs one comparison: messages and ``Finding`` objects are built only for broken rules.
"""

from __future__ import annotations

import struct
from collections.abc import Generator, Iterable, Iterator
from typing import NamedTuple

from ...errors import Finding
from ..names import is_good_name, stored_name_findings
from .directory import DirectoryLocation, resolve_zip64
from .layout import (
    CENTRAL_HEADER,
    CENTRAL_HEADER_SIGNATURE,
    DOS_DIRECTORY_ATTRIBUTE,
    EXTRA_HEADER,
    FLAG_DATA_DESCRIPTOR,
    FLAG_ENCRYPTED,
    FLAG_STRONG_ENCRYPTION,
    FLAG_UTF8,
    LOCAL_HEADER,
    LOCAL_HEADER_SIGNATURE,
    U32_MAX,
    UNIX_MODE_HOSTS,
    ZIP64_EXTRA_ID,
)

DATA_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_ENCRYPTION_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION
_CHECKED_FLAGS = _ENCRYPTION_FLAGS | FLAG_DATA_DESCRIPTOR  # the flags DDUF-ENTRY-003/004 forbid
# CENTRAL_HEADER and LOCAL_HEADER without the fields no rule reads (pad bytes ``x`` skip them):
# a shorter tuple to build and unpack, once per entry. Central: version needed, time, date and
# internal attributes; local: version needed, time and date.
_CENTRAL_CHECKED = struct.Struct("<4sH2xHH4xIIIHHHH2xII")
_LOCAL_CHECKED = struct.Struct("<4s2xHH4xIIIHH")
assert _CENTRAL_CHECKED.size == CENTRAL_HEADER.size and _LOCAL_CHECKED.size == LOCAL_HEADER.size
_FILE_TYPE_MASK = 0o170000
_REGULAR_FILE_TYPES = (0, 0o100000)  # unset, or S_IFREG


class ScannedEntry(NamedTuple):
    """One entry as ``scan_entries`` found it.

    ``directory_position`` is the offset of its central directory header; ``header_offset`` that
    of its local header and ``data_offset`` that of its data, both None where they could not be
    established (a finding says why); ``data_offset`` is None too when the data would run past
    the end of the file, so that nothing reads it. ``size`` is the number of bytes stored,
    meaningful when ``data_offset`` is set; ``plain`` True when the stored bytes are the content
    (STORED and not encrypted).
    """

    name: str
    directory_position: int
    header_offset: int | None
    data_offset: int | None
    size: int
    crc32: int
    plain: bool


# ``ScannedEntry(...)`` runs a Python ``__new__``; ``tuple.__new__`` builds the same object in C,
# which keeps scanning 100,000 entries as fast as with plain tuples.
_new_tuple = tuple.__new__


class Scan(NamedTuple):
    """What ``scan_entries`` found: the entries in directory order, and whether they tile the file.

    ``tiled`` is True when, in directory order, the first entry starts at byte 0, each next
    one where the previous one's data ends, and the last one's data ends at the directory:
    then every ``data_offset`` is set and ``layout_findings`` has nothing to report.
    """

    entries: list[ScannedEntry]
    tiled: bool


def scan_entries(data, location: DirectoryLocation, path: str) -> Generator[Finding, None, Scan | None]:
    """Check every entry; yield findings and return a ``Scan``, or None.

    None means the directory itself is broken (DDUF-ZIP-004): a header lacks its signature
    or runs past the directory's end. Per entry, findings come in this order: name, directory
    header, local header and data span.
    """
    # Local names for the loop's constants: this loop runs once per entry.
    unpack_central, central_size = _CENTRAL_CHECKED.unpack_from, _CENTRAL_CHECKED.size
    unpack_local, local_size = _LOCAL_CHECKED.unpack_from, _LOCAL_CHECKED.size
    unpack_extra_header = EXTRA_HEADER.unpack_from
    file_size = len(data)
    directory_end = location.offset + location.size
    position = location.offset
    found: list[Finding] = []  # the current entry's findings, yielded when it is done
    entries = []
    covered = 0  # where the entries seen so far end, while they tile the file in directory order
    tiled = True

    def problem(requirement: str, message: str, name: str, offset: int) -> None:
        found.append(Finding(requirement, path, message, entry=name, offset=offset))

    for index in range(location.count):
        if position + central_size > directory_end:
            yield _short_directory(path, index, location.count, position)
            return None
        (
            signature,
            version_made_by,
            flags,
            method,
            crc32,
            compressed_size,
            uncompressed_size,
            name_length,
            extra_length,
            comment_length,
            disk_start,
            external_attributes,
            header_offset,
        ) = unpack_central(data, position)
        if signature != CENTRAL_HEADER_SIGNATURE:
            yield Finding(
                "DDUF-ZIP-004", path, f"central directory header #{index} has no signature", offset=position
            )
            return None
        name_start = position + central_size
        extra_start = name_start + name_length
        next_position = extra_start + extra_length + comment_length
        if next_position > directory_end:
            yield _short_directory(path, index, location.count, position)
            return None
        name_bytes = data[name_start:extra_start]
        name = name_bytes.decode("utf-8", "backslashreplace")

        if not (name_bytes.isascii() and is_good_name(name)):
            found += stored_name_findings(
                name_bytes, utf8_flag=bool(flags & FLAG_UTF8), path=path, offset=position
            )
        # The sizes DDUF-ENTRY-002 compares are those after ZIP64 resolution: a 32-bit field of
        # 0xFFFFFFFF says nothing, its ZIP64 value is the size (DDUF-ZIP-009).
        zip64_error = None
        if (
            extra_length
            or uncompressed_size == U32_MAX
            or compressed_size == U32_MAX
            or header_offset == U32_MAX
        ):
            try:
                uncompressed_size, compressed_size, header_offset = resolve_zip64(
                    data,
                    extra_start,
                    extra_start + extra_length,
                    (uncompressed_size, compressed_size, header_offset),
                )
            except ValueError as error:
                zip64_error, header_offset = error, None
        # The directory header's rules, in one test for the common case where none is broken.
        if (
            method
            or flags & _CHECKED_FLAGS
            or compressed_size != uncompressed_size
            or disk_start
            or external_attributes & DOS_DIRECTORY_ATTRIBUTE
            or zip64_error is not None
            or (
                (external_attributes >> 16) & _FILE_TYPE_MASK not in _REGULAR_FILE_TYPES
                and version_made_by >> 8 in UNIX_MODE_HOSTS
            )
        ):
            _directory_header_findings(
                method,
                flags,
                compressed_size,
                uncompressed_size,
                disk_start,
                external_attributes,
                version_made_by,
                zip64_error,
                name,
                position,
                problem,
            )

        data_offset = None
        # The local header (inline: this runs once per entry): DDUF-ENTRY-005/006, DDUF-ZIP-005/009.
        if header_offset is None:
            pass  # a ZIP64 value is missing: DDUF-ZIP-009 was reported
        elif header_offset + local_size > file_size:
            problem("DDUF-ZIP-005", "the local header lies past the end of the file", name, header_offset)
        else:
            (
                local_signature,
                local_flags,
                local_method,
                local_crc32,
                local_compressed_size,
                local_uncompressed_size,
                local_name_length,
                local_extra_length,
            ) = unpack_local(data, header_offset)
            local_name_start = header_offset + local_size
            local_extra_start = local_name_start + local_name_length
            data_offset = local_extra_start + local_extra_length
            if local_signature != LOCAL_HEADER_SIGNATURE:
                message = "no local file header at the offset the directory gives"
                problem("DDUF-ENTRY-005", message, name, header_offset)
                data_offset = None
            elif data_offset > file_size:
                message = "the local header's name and extra field run past the end of the file"
                problem("DDUF-ZIP-005", message, name, header_offset)
                data_offset = None
            else:
                # The common extra field needs no ZIP64 resolution: one record that is not ZIP64 (the
                # reference writer's alignment padding, on every entry), while no size is saturated.
                only_other_record = False
                saturated = local_uncompressed_size == U32_MAX or local_compressed_size == U32_MAX
                if local_extra_length >= EXTRA_HEADER.size and not saturated:
                    extra_id, extra_size = unpack_extra_header(data, local_extra_start)
                    only_other_record = (
                        extra_size + EXTRA_HEADER.size == local_extra_length and extra_id != ZIP64_EXTRA_ID
                    )
                if not only_other_record and (local_extra_length or saturated):
                    try:
                        local_uncompressed_size, local_compressed_size = resolve_zip64(
                            data,
                            local_extra_start,
                            data_offset,
                            (local_uncompressed_size, local_compressed_size),
                        )
                    except ValueError as error:
                        problem("DDUF-ZIP-009", f"local header: {error}", name, header_offset)
                        local_uncompressed_size = local_compressed_size = None  # unknown, and not compared
                if (
                    local_method != method
                    or local_flags != flags
                    or local_crc32 != crc32
                    or local_uncompressed_size != uncompressed_size
                    or local_compressed_size != compressed_size
                    or data[local_name_start:local_extra_start] != name_bytes
                ):
                    local_sizes = None
                    if local_uncompressed_size is not None:
                        local_sizes = (local_uncompressed_size, local_compressed_size)
                    local = (
                        data[local_name_start:local_extra_start],
                        local_method,
                        local_flags,
                        local_crc32,
                        local_sizes,
                    )
                    central = (name_bytes, method, flags, crc32, (uncompressed_size, compressed_size))
                    _explain_disagreement(local, central, name, header_offset, problem)

        if data_offset is None:
            tiled = False
        else:
            data_end = data_offset + compressed_size
            if data_end > file_size:
                message = f"the entry's data runs past the end of the file (to byte {data_end})"
                problem("DDUF-ZIP-005", message, name, header_offset)
                data_offset, tiled = None, False  # nothing may read it
            elif data_end > location.offset:
                message = f"the entry's data runs into the central directory (to byte {data_end})"
                problem("DDUF-ZIP-007", message, name, header_offset)
                tiled = False
            tiled = tiled and header_offset == covered
            covered = data_end

        plain = method == 0 and not flags & _ENCRYPTION_FLAGS
        entries.append(
            _new_tuple(
                ScannedEntry, (name, position, header_offset, data_offset, compressed_size, crc32, plain)
            )
        )
        if found:
            yield from found
            found.clear()
        position = next_position
    if position != directory_end:
        yield Finding(
            "DDUF-ZIP-004",
            path,
            f"{directory_end - position} bytes follow the last of the {location.count} central directory headers",
            offset=position,
        )
    return Scan(entries, tiled and covered == location.offset)


def _directory_header_findings(
    method: int,
    flags: int,
    compressed_size: int,
    uncompressed_size: int,
    disk_start: int,
    external_attributes: int,
    version_made_by: int,
    zip64_error: ValueError | None,
    name: str,
    position: int,
    problem,
) -> None:
    """DDUF-ENTRY-001..004, -007, DDUF-ZIP-003 and -009 on a directory header, in that order.

    The sizes are those after ZIP64 resolution; they are not compared where it failed
    (``zip64_error``, reported as DDUF-ZIP-009), nor for an encrypted entry.
    """
    if method != 0:
        problem("DDUF-ENTRY-001", f"compression method {method}; only STORED (0) is allowed", name, position)
    elif compressed_size != uncompressed_size and not flags & _ENCRYPTION_FLAGS and zip64_error is None:
        message = f"compressed size {compressed_size} differs from size {uncompressed_size}"
        problem("DDUF-ENTRY-002", message, name, position)
    if flags & _ENCRYPTION_FLAGS:
        problem("DDUF-ENTRY-003", "the entry is encrypted", name, position)
    if flags & FLAG_DATA_DESCRIPTOR:
        problem("DDUF-ENTRY-004", "flag bit 3 (data descriptor) is set", name, position)
    if external_attributes & DOS_DIRECTORY_ATTRIBUTE or (
        version_made_by >> 8 in UNIX_MODE_HOSTS
        and (external_attributes >> 16) & _FILE_TYPE_MASK not in _REGULAR_FILE_TYPES
    ):
        message = "the entry is not a regular file (directory or symbolic link attributes)"
        problem("DDUF-ENTRY-007", message, name, position)
    if disk_start != 0:
        problem("DDUF-ZIP-003", "the entry starts on another disk", name, position)
    if zip64_error is not None:
        problem("DDUF-ZIP-009", f"central directory header: {zip64_error}", name, position)


def _short_directory(path: str, index: int, count: int, position: int) -> Finding:
    message = f"the central directory ends inside header #{index} of the {count} it counts"
    return Finding("DDUF-ZIP-004", path, message, offset=position)


_AGREEMENT_FIELDS = ("name", "compression method", "flags", "CRC-32", "sizes")
_UNDEFERRED_FIELDS = 3  # with a data descriptor the local CRC-32 and sizes are legitimately zero


def _explain_disagreement(local: tuple, central: tuple, name: str, position: int, problem) -> None:
    """DDUF-ENTRY-006 for the ``_AGREEMENT_FIELDS`` in which ``local`` and ``central`` differ.

    The local CRC-32 and sizes are not compared when the local flags announce a data descriptor
    (DDUF-ENTRY-004 covers that), nor the sizes when the local ZIP64 record is broken
    (``local[-1]`` None; DDUF-ZIP-009 covers that).
    """
    compared = _UNDEFERRED_FIELDS if local[2] & FLAG_DATA_DESCRIPTOR else len(_AGREEMENT_FIELDS)
    differences = [
        field
        for field, mine, theirs in zip(_AGREEMENT_FIELDS[:compared], local, central, strict=False)
        if mine != theirs and mine is not None
    ]
    if differences:
        message = f"the local header disagrees with the central directory on {', '.join(differences)}"
        problem("DDUF-ENTRY-006", message, name, position)


def layout_findings(
    data, spans: Iterable[tuple[int, int, str]], directory_offset: int, path: str
) -> Iterator[Finding]:
    """DDUF-ZIP-006..008 (and DDUF-ENTRY-004): the spans tile ``[0, directory_offset)``.

    ``spans`` holds one ``(start, end, name)`` per entry: its local header's offset, the end of
    its data, and its name. An archive without entries must have its directory at byte 0.
    Overlaps with the directory (DDUF-ZIP-007 too) are reported by ``scan_entries``.
    """
    furthest = None  # the name of the entry whose span reaches furthest so far
    covered = 0  # where that span ends
    for start, end, name in sorted(spans):
        if furthest is None and start != 0:
            yield Finding(
                "DDUF-ZIP-006", path, f"{start} bytes precede the first local header", entry=name, offset=0
            )
        elif furthest is not None and start < covered:
            yield Finding(
                "DDUF-ZIP-007", path, f"the entry overlaps entry {furthest!r}", entry=name, offset=start
            )
        elif furthest is not None and start > covered:
            yield _gap_finding(data, covered, start, furthest, path)
        if furthest is None or end > covered:
            covered, furthest = end, name
    if furthest is None and directory_offset != 0:
        yield Finding(
            "DDUF-ZIP-006", path, f"{directory_offset} bytes precede the central directory", offset=0
        )
    elif furthest is not None and covered < directory_offset:
        yield _gap_finding(data, covered, directory_offset, furthest, path)


def _gap_finding(data, start: int, end: int, after: str, path: str) -> Finding:
    if data[start : start + 4] == DATA_DESCRIPTOR_SIGNATURE:
        return Finding(
            "DDUF-ENTRY-004", path, "a data descriptor follows the entry's data", entry=after, offset=start
        )
    message = f"{end - start} unaccounted bytes follow the entry's data"
    return Finding("DDUF-ZIP-008", path, message, entry=after, offset=start)
