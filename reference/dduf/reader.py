"""Reading and validating DDUF archives: ``read_dduf_file``, ``validate_dduf`` and ``list_dduf_entries``.

All three run one generator of findings over a read-only memory map of the archive.
``read_dduf_file`` raises the first finding as ``DDUFCorruptedFileError``; ``validate_dduf``
collects them all; ``list_dduf_entries`` collects them with every entry it could locate. The checks, in the order they run (so the first finding of a broken archive
names the rule it breaks, e.g. a compressed entry reports DDUF-ENTRY-001, not DDUF-ENTRY-002):

1. the end records (DDUF-ZIP-001..004), see ``zip.directory``, and the entry count they give
   (DDUF-LIMIT-002); a failure here stops the check;
2. per entry, in directory order (see ``zip.entries``): its name (DDUF-NAME-001..009,
   DDUF-LIMIT-001), its directory header (DDUF-ENTRY-001..004, -007, DDUF-ZIP-003/009), its
   local header and data span (DDUF-ENTRY-005/006, DDUF-ZIP-005/009); a directory header
   without its signature or running past the directory (DDUF-ZIP-004) stops the check;
3. the layout: entries tile the file from byte 0 to the directory (DDUF-ZIP-006..008), only
   when every entry's span is known;
4. duplicate names (DDUF-NAME-010);
5. the pipeline structure from ``model_index.json`` (DDUF-INDEX-001..004, DDUF-LIMIT-003), over
   the names that break no name rule: ``../evil.json`` gets DDUF-NAME-003 alone, not findings
   about a folder named ``..``;
6. with ``deep=True``, every entry's bytes (DDUF-DEEP-001..003, see ``deep``).

Each finding is made complete where its rule is checked: requirement, path, entry (where it
concerns one) and the absolute offset of the bytes that break the rule. Only these have no
offset, having no bytes to point at: DDUF-ZIP-001 for a path that is empty or not a regular file,
and the pipeline findings DDUF-INDEX-001 (a missing entry) and DDUF-INDEX-003/004 (a folder).

No entry's data is read except ``model_index.json`` (and, when deep, every entry). Time and
memory grow with the central directory, never with the entries' data. Errors of the operating
system that say nothing about the file's content (``PermissionError``, ``EIO``) propagate as
``OSError``.
"""

from __future__ import annotations

import mmap
import os
import stat
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path

from ..errors import DDUFCorruptedFileError, Finding
from .entry import DDUFEntry
from .names import breaks_a_name_rule, duplicate_findings
from .structure import MAX_ENTRIES, MAX_MODEL_INDEX_BYTES, MODEL_INDEX, structure_findings
from .zip.directory import locate_central_directory
from .zip.entries import Scan, ScannedEntry, layout_findings, scan_entries


def read_dduf_file(dduf_path: str | os.PathLike) -> dict[str, DDUFEntry]:
    """Read a DDUF archive's entries: ``{name: DDUFEntry}`` in central directory order.

    Drop-in for ``huggingface_hub.read_dduf_file``; checks every reader requirement of
    ``spec/dduf.md`` and reads no entry data except ``model_index.json``.

    Raises:
        FileNotFoundError: ``dduf_path`` does not exist.
        DDUFCorruptedFileError: the first broken requirement (``requirement``, ``path``,
            ``entry`` and ``offset`` say which and where), including a path that is a
            directory, an empty file or not a ZIP archive.
    """
    located: list[DDUFEntry] = []
    with closing(_archive_findings(Path(dduf_path), located, deep=False)) as findings:
        for finding in findings:
            raise DDUFCorruptedFileError.from_finding(finding)
    return {entry.filename: entry for entry in located}


def validate_dduf(dduf_path: str | os.PathLike, *, deep: bool = False) -> list[Finding]:
    """Every finding for a DDUF archive; [] when it meets every reader requirement.

    Runs the checks of ``read_dduf_file`` but goes on after a finding, stopping only where
    parsing cannot go on (no end record, no central directory). With ``deep=True`` it also
    reads every entry: CRC-32 (DDUF-DEEP-001), JSON (DDUF-DEEP-002) and safetensors
    (DDUF-DEEP-003). Raises FileNotFoundError when ``dduf_path`` does not exist.
    """
    with closing(_archive_findings(Path(dduf_path), [], deep=deep)) as findings:
        return list(findings)


def list_dduf_entries(dduf_path: str | os.PathLike) -> tuple[list[DDUFEntry], list[Finding]]:
    """(every entry whose data lies in the file, every finding) for a DDUF archive, broken or not.

    The entries come in central directory order, duplicates included; they are those the
    checks could locate, so none when the central directory cannot be found. The findings are
    ``validate_dduf``'s (not deep). Raises FileNotFoundError when ``dduf_path`` does not exist.
    """
    located: list[DDUFEntry] = []
    with closing(_archive_findings(Path(dduf_path), located, deep=False)) as findings:
        return located, list(findings)


def _archive_findings(dduf_path: Path, located: list[DDUFEntry], *, deep: bool) -> Iterator[Finding]:
    """Yield the archive's findings in check order; then fill ``located`` (if the checks got that far)."""
    path = os.fspath(dduf_path)
    status = os.stat(dduf_path)  # FileNotFoundError propagates
    if not stat.S_ISREG(status.st_mode):
        yield Finding("DDUF-ZIP-001", path, "not a regular file (a directory or a device)")
        return
    if status.st_size == 0:
        yield Finding("DDUF-ZIP-001", path, "the file is empty")
        return
    with open(dduf_path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        yield from _mapped_findings(data, dduf_path, located, deep=deep)


def _mapped_findings(
    data: mmap.mmap, dduf_path: Path, located: list[DDUFEntry], *, deep: bool
) -> Iterator[Finding]:
    """The checks 1 to 6 on the mapped archive ``data``; ``located`` gets every entry whose data lies in it."""
    path = os.fspath(dduf_path)
    location = yield from locate_central_directory(data, path)
    if location is None:
        return
    if location.count > MAX_ENTRIES:
        message = f"{location.count} entries; at most {MAX_ENTRIES} are allowed"
        # The record giving the count (end record, or ZIP64 end record) begins where the directory ends.
        yield Finding("DDUF-LIMIT-002", path, message, offset=location.offset + location.size)
        return
    broken_names: set[str] = set()
    scan = yield from _noting_broken_names(scan_entries(data, location, path), broken_names)
    if scan is None:
        return
    scanned = scan.entries
    # The entries whose data lies in the file, those with a data offset (all of them when they tile it).
    readable = scanned if scan.tiled else [entry for entry in scanned if entry.data_offset is not None]
    if not scan.tiled and len(readable) == len(scanned):  # tiling can be judged only with every span
        spans = [(entry.header_offset, entry.data_offset + entry.size, entry.name) for entry in readable]
        yield from layout_findings(data, spans, location.offset, path)
    names = [entry.name for entry in scanned]
    positions = [entry.directory_position for entry in scanned]
    yield from duplicate_findings(names, path=path, offsets=positions)
    yield from _structure_findings(data, scanned, names, broken_names, path)
    if deep:
        from .deep import deep_findings  # imported only when asked: it reads every byte

        yield from deep_findings(path, readable)
    located.extend(DDUFEntry(entry.name, entry.size, entry.data_offset, dduf_path) for entry in readable)


def _noting_broken_names(
    findings: Generator[Finding, None, Scan | None], broken_names: set[str]
) -> Generator[Finding, None, Scan | None]:
    """Pass on the findings of ``scan_entries`` and its result, adding to ``broken_names`` each
    entry name that breaks a name rule (``names.breaks_a_name_rule``)."""
    while True:
        try:
            finding = next(findings)
        except StopIteration as done:
            return done.value
        if breaks_a_name_rule(finding):
            broken_names.add(finding.entry)
        yield finding


def _structure_findings(
    data: mmap.mmap, scanned: list[ScannedEntry], names: list[str], broken_names: set[str], path: str
) -> Iterator[Finding]:
    """DDUF-INDEX-001..004 and DDUF-LIMIT-003 for ``names`` (those of ``scanned``) less ``broken_names``,
    unless model_index.json's bytes cannot be read."""
    pipeline_names = [name for name in names if name not in broken_names] if broken_names else names
    if MODEL_INDEX not in names:
        yield from structure_findings(None, pipeline_names, path=path)  # no index bytes, so no index offset
        return
    index = scanned[names.index(MODEL_INDEX)]
    offset = index.data_offset
    if offset is None:
        return  # its header or span is broken, and was reported
    # One byte past the limit is enough for structure_findings to see DDUF-LIMIT-003.
    index_bytes = data[offset : offset + min(index.size, MAX_MODEL_INDEX_BYTES + 1)]
    yield from structure_findings(index_bytes, pipeline_names, path=path, index_offset=offset)
