"""Write DDUF archives: huggingface_hub's export API, held to every DDUF writer requirement.

``export_entries_as_dduf`` and ``export_folder_as_dduf`` take the same first two arguments as
huggingface_hub's and raise the same error classes (``DDUFExportError``, and its subclass
``DDUFInvalidEntryNameError`` for a bad name). Where huggingface_hub writes first and checks
later, this writer never publishes an archive that breaks a reader requirement (DDUF-WRITE-001):

- each name is checked (DDUF-NAME-001..010, DDUF-LIMIT-001/002) before its entry is written;
- ``model_index.json`` is parsed when it arrives (DDUF-INDEX-002, DDUF-LIMIT-003) and the
  pipeline structure (DDUF-INDEX-001..004) is checked after the last entry, before publishing;
- the archive is written to a temporary file beside the destination and renamed into place
  only when complete (DDUF-WRITE-005, see ``_atomic_files``): an error, an exception raised by the
  caller's iterable, or a kill leaves the destination absent or unchanged.

The layout (``zip.records``): STORED entries in the order given, each entry's data at a
multiple of 64 bytes (DDUF-WRITE-003), ZIP64 records where a value needs them (DDUF-WRITE-002),
the same bytes for the same entries (DDUF-WRITE-004). One entry at a time is in memory: files
are copied in chunks (``fast_copy``), so ``entries`` may be a generator producing ``bytes`` one
by one.

Errors carry the destination ``path``, the ``entry`` and the ``requirement`` where one applies.
Exceptions raised by the caller's iterable propagate unchanged; ``OSError`` from reading a
source file or writing the archive becomes ``DDUFExportError`` (with the ``OSError`` as cause).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from .._atomic_files import AtomicFile
from ..errors import DDUFExportError, DDUFInvalidEntryNameError
from .fast_copy import Progress, append_bytes, append_file, write_all
from .folder import collect_folder_entries
from .names import collision_key, duplicate_findings, name_findings
from .structure import MAX_ENTRIES, MAX_MODEL_INDEX_BYTES, MODEL_INDEX, parse_model_index, structure_findings
from .zip.records import CRC32_FIELD_OFFSET, EntryRecord, central_header, end_records, local_header

logger = logging.getLogger(__name__)

Content = str | os.PathLike | bytes


def export_entries_as_dduf(
    dduf_path: str | os.PathLike,
    entries: Iterable[tuple[str, Content]],
    *,
    overwrite: bool = True,
    progress: Progress = None,
    fsync: bool = False,
) -> None:
    """Write the DDUF archive ``dduf_path`` holding ``entries``, in their order.

    ``entries`` yields ``(name, content)``: ``name`` is the entry name (``/``-separated, at most one
    folder); ``content`` is the entry's data as ``bytes`` (or another bytes-like object) or the
    path (``str`` or ``os.PathLike``) of a file to copy. ``progress(n)``, if given, is called
    with the number of data bytes just written; the calls add up to the total size of the
    entries. With ``overwrite=False`` an existing ``dduf_path`` is refused, before any work and
    again atomically when publishing. With ``fsync=True`` the archive is flushed to the disk before
    its rename and the directory after it, so that it survives a power loss whole; off by default,
    as in huggingface_hub, since it ties the export to the disk's write speed: 1.09x the default
    export's time for 512 MiB on a write-caching virtual disk (``benchmarks/bench_durability.py``,
    spec/sharding.md under SHARD-SAVE-016), more on a physical one.

    Raises ``DDUFInvalidEntryNameError`` for a bad entry name and ``DDUFExportError`` for any
    other reason not to publish; in both cases no file is created or changed.
    """
    path = os.fspath(dduf_path)
    logger.info("Exporting DDUF file %s", path)
    with _open_destination(path, overwrite, fsync) as output:
        archive = _ArchiveWriter(output.fd, path=path, progress=progress)
        for name, content in entries:
            archive.add(name, content)
        archive.finish()
        with _os_errors_refused(path, None, "cannot publish the archive"):
            try:
                output.publish()
            except FileExistsError as error:
                raise DDUFExportError("the destination exists and overwrite=False", path=path) from error
    logger.info("Done writing DDUF file %s (%d entries)", path, archive.entry_count)


def export_folder_as_dduf(
    dduf_path: str | os.PathLike,
    folder_path: str | os.PathLike,
    *,
    overwrite: bool = True,
    progress: Progress = None,
    fsync: bool = False,
) -> None:
    """Write the pipeline folder ``folder_path`` as the DDUF archive ``dduf_path``.

    The files ``collect_folder_entries`` selects are written in its order (``model_index.json``
    first, then by name); the files it skips are logged. Unlike huggingface_hub, a file with an
    allowed extension that cannot be included (more than one folder deep, a bad name) is an
    error, never a silent omission. Raises as ``export_entries_as_dduf`` and
    ``collect_folder_entries`` do.
    """
    entries, skipped = collect_folder_entries(folder_path)
    for relative, reason in skipped:
        logger.info("Skipping %s (%s)", relative, reason)
    export_entries_as_dduf(dduf_path, entries, overwrite=overwrite, progress=progress, fsync=fsync)


def _open_destination(path: str, overwrite: bool, fsync: bool) -> AtomicFile:
    try:
        return AtomicFile(path, overwrite=overwrite, fsync=fsync)
    except FileExistsError as error:
        raise DDUFExportError("the destination exists and overwrite=False", path=path) from error
    except OSError as error:
        # The reason alone: the file named in the error is the temporary one, never seen by the caller.
        raise DDUFExportError(f"cannot create the archive: {error.strerror or error}", path=path) from error


@contextmanager
def _os_errors_refused(path: str, entry: str | None, doing: str):
    try:
        yield
    except OSError as error:
        raise DDUFExportError(f"{doing}: {error}", path=path, entry=entry) from error


class _ArchiveWriter:
    """Appends entries to the open file ``fd`` (at offset 0), then the central directory."""

    def __init__(self, fd: int, *, path: str, progress: Progress) -> None:
        self._fd = fd
        self._path = path
        self._progress = progress
        self._position = 0  # where the next local header goes
        self._records: list[EntryRecord] = []
        self._names: list[str] = []
        self._name_by_collision_key: dict[str, str] = {}
        self._model_index: bytes | None = None

    @property
    def entry_count(self) -> int:
        return len(self._records)

    def add(self, name: str, content: Content) -> None:
        """Check ``name`` and write the entry; raise ``DDUFExportError`` and write nothing on a bad one."""
        encoded_name = self._check_name(name)
        if not isinstance(content, (bytes, bytearray, memoryview, str, os.PathLike)):
            raise DDUFExportError(
                f"invalid content type {type(content).__name__}: must be bytes, str or os.PathLike",
                path=self._path,
                entry=name,
            )
        with _os_errors_refused(self._path, name, "cannot add the entry"):
            if name == MODEL_INDEX:
                content = self._check_model_index(content)
            if isinstance(content, (str, os.PathLike)):
                self._copy_file(name, encoded_name, content)
            else:
                self._write_entry(
                    encoded_name,
                    memoryview(content).nbytes,
                    lambda: append_bytes(self._fd, content, self._progress),
                )
        self._names.append(name)

    def finish(self) -> None:
        """Check the pipeline structure (DDUF-INDEX-001..004), then write the central directory and end records."""
        findings = structure_findings(self._model_index, self._names, path=self._path)
        if findings:
            raise DDUFExportError.from_finding(findings[0])
        directory = b"".join(central_header(record) for record in self._records)
        with _os_errors_refused(self._path, None, "cannot write the central directory"):
            write_all(self._fd, directory + end_records(len(self._records), self._position, len(directory)))

    def _check_name(self, name: str) -> bytes:
        """The UTF-8 bytes of a name that breaks no name rule and collides with no earlier name."""
        if not isinstance(name, str):
            raise DDUFInvalidEntryNameError(
                f"entry name {name!r} is a {type(name).__name__}, not a str",
                requirement="DDUF-NAME-001",
                path=self._path,
            )
        findings = name_findings(name, path=self._path)
        if findings:
            raise DDUFInvalidEntryNameError.from_finding(findings[0])
        try:
            encoded_name = name.encode("utf-8")
        except UnicodeEncodeError as error:
            raise DDUFInvalidEntryNameError(
                "entry name is not valid Unicode (it holds a lone surrogate)",
                requirement="DDUF-NAME-001",
                path=self._path,
                entry=name,
            ) from error
        key = collision_key(name)
        earlier = self._name_by_collision_key.get(key)
        if earlier is not None:
            raise DDUFExportError.from_finding(duplicate_findings([earlier, name], path=self._path)[0])
        if len(self._records) >= MAX_ENTRIES:
            raise DDUFExportError(
                f"an archive holds at most {MAX_ENTRIES} entries",
                requirement="DDUF-LIMIT-002",
                path=self._path,
                entry=name,
            )
        self._name_by_collision_key[key] = name
        return encoded_name

    def _check_model_index(self, content: Content) -> bytes:
        """Read and parse ``model_index.json`` (DDUF-INDEX-002, DDUF-LIMIT-003); return its bytes.

        The bytes parsed are the bytes written: a file changed afterwards cannot slip through.
        """
        if isinstance(content, (str, os.PathLike)):
            with open(content, "rb") as source:
                data = source.read(MAX_MODEL_INDEX_BYTES + 1)  # one byte more shows it is too large
        else:
            data = bytes(content)
        _, findings = parse_model_index(data, path=self._path)
        if findings:
            raise DDUFExportError.from_finding(findings[0])
        self._model_index = data
        return data

    def _copy_file(self, name: str, encoded_name: bytes, source_path: str | os.PathLike) -> None:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        source_fd = os.open(
            source_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        )
        with open(source_fd, "rb", buffering=0) as source:
            os.set_blocking(source_fd, True)
            before = os.fstat(source_fd)
            if not stat.S_ISREG(before.st_mode):
                raise DDUFExportError(
                    f"{os.fspath(source_path)!r} is not a regular file",
                    requirement="DDUF-ENTRY-007",
                    path=self._path,
                    entry=name,
                )
            try:
                self._write_entry(
                    encoded_name,
                    before.st_size,
                    lambda: append_file(source, self._fd, before.st_size, self._progress),
                )
            except EOFError as error:
                raise self._changed_error(name, source_path) from error
            after = os.fstat(source_fd)
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                raise self._changed_error(name, source_path)

    def _changed_error(self, name: str, source_path: str | os.PathLike) -> DDUFExportError:
        return DDUFExportError(
            f"{os.fspath(source_path)!r} changed while it was copied; its size and CRC-32 would be wrong",
            requirement="DDUF-WRITE-001",
            path=self._path,
            entry=name,
        )

    def _write_entry(self, encoded_name: bytes, size: int, append_data: Callable[[], int]) -> None:
        """Write the local header, ``append_data()`` (which returns the CRC-32), then patch the CRC in."""
        header_offset = self._position
        header = local_header(EntryRecord(encoded_name, size, crc32=0, header_offset=header_offset))
        write_all(self._fd, header)
        crc = append_data()
        end = header_offset + len(header) + size
        os.lseek(self._fd, header_offset + CRC32_FIELD_OFFSET, os.SEEK_SET)
        write_all(self._fd, crc.to_bytes(4, "little"))
        os.lseek(self._fd, end, os.SEEK_SET)
        self._position = end
        self._records.append(EntryRecord(encoded_name, size, crc, header_offset))
