"""Which files of a pipeline folder go into its DDUF archive (DDUF-WRITE-007).

``collect_folder_entries(folder)`` returns the entries to write and the files it skipped, each
with the requirement that decides it. Nothing is left out silently:

- hidden files and folders (a name starting with ``.``, such as ``.cache`` or ``.DS_Store``)
  are skipped; a hidden folder is reported once, as ``"name/"``;
- files whose extension is not allowed (DDUF-NAME-007) are skipped, at any depth;
- a file with an allowed extension that cannot become an entry is an error, not a skip: one
  lying more than one folder deep raises ``DDUFInvalidEntryNameError`` (DDUF-NAME-009, where
  huggingface_hub skips it silently), as does any other bad name; one that is not a regular file
  (a broken symbolic link, a FIFO...) raises ``DDUFExportError`` (DDUF-ENTRY-007);
- symbolic links are followed, so a Hugging Face cache snapshot (made of links to blobs) exports
  the files' content; the archive never holds a link (DDUF-ENTRY-007). Links to folders are
  followed at the root (component folders), not deeper, where they are reported as skipped.

Entries come in a fixed order: ``model_index.json`` first (readers and the writer's structure
check see it first), then the others sorted by name.

``folder_contents(folder)`` makes the same choices without raising for the files that cannot be
included: it lists them as findings, for a validator that reports every one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from ..errors import DDUFExportError, DDUFInvalidEntryNameError, Finding
from .names import name_findings
from .structure import MODEL_INDEX

_HIDDEN = "DDUF-WRITE-007: hidden files and folders are not exported"
_DEEP_FOLDER_LINK = "DDUF-NAME-009: links to folders inside a component folder are not followed"


class FolderContents(NamedTuple):
    """What ``folder_contents`` found: the entries to write, in archive order (entry name, file path);
    the files skipped, with the reason (relative posix path, reason); and the files that cannot be
    included, one finding each (DDUF-NAME-*, DDUF-LIMIT-001, DDUF-ENTRY-007, naming the folder and
    the file's relative path), in the order the folder was walked."""

    entries: list[tuple[str, Path]]
    skipped: list[tuple[str, str]]
    refused: list[Finding]


def collect_folder_entries(
    folder_path: str | os.PathLike,
) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """(entries as (entry name, file path) in archive order, skipped files as (relative posix path, reason)).

    Raises ``DDUFExportError`` when ``folder_path`` is not a folder or a file cannot be included
    (see the module docstring), ``DDUFInvalidEntryNameError`` for a bad name of an allowed file.
    """
    contents = folder_contents(folder_path)
    if contents.refused:
        first = contents.refused[0]
        error = DDUFExportError if first.requirement == "DDUF-ENTRY-007" else DDUFInvalidEntryNameError
        raise error.from_finding(first)
    return contents.entries, contents.skipped


def folder_contents(folder_path: str | os.PathLike) -> FolderContents:
    """The entries, skipped files and refused files of the pipeline folder ``folder_path``.

    Raises ``DDUFExportError`` when ``folder_path`` is not a folder or cannot be listed.
    """
    folder = Path(folder_path)
    if not folder.is_dir():
        raise DDUFExportError("not a folder", path=folder)
    entries: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []
    refused: list[Finding] = []
    try:
        candidates = list(_walk(folder, "", skipped))
    except OSError as error:
        raise DDUFExportError(f"cannot list the folder: {error}", path=folder) from error
    for relative, file_path in candidates:
        findings = name_findings(relative, path=os.fspath(folder))
        extension = [finding for finding in findings if finding.requirement == "DDUF-NAME-007"]
        if extension:
            skipped.append((relative, _reason(extension[0])))
        elif findings:
            refused.append(findings[0])
        elif not file_path.is_file():  # follows links: False for a broken link or a special file
            message = "not a regular file (a broken symbolic link or a special file)"
            refused.append(Finding("DDUF-ENTRY-007", os.fspath(folder), message, entry=relative))
        else:
            entries.append((relative, file_path))
    entries.sort(key=lambda entry: (entry[0] != MODEL_INDEX, entry[0]))
    skipped.sort()
    return FolderContents(entries, skipped, refused)


def _walk(directory: Path, prefix: str, skipped: list[tuple[str, str]]):
    """Yield (relative posix path, path) for every non-hidden non-folder below ``directory``,
    recording hidden names and deep links to folders in ``skipped``.

    Links to folders are followed only at the root (``prefix == ""``), so the walk cannot loop.
    """
    with os.scandir(directory) as items:
        for item in items:
            relative = prefix + item.name
            if item.name.startswith("."):
                skipped.append((relative + "/" if item.is_dir() else relative, _HIDDEN))
            elif item.is_dir(follow_symlinks=not prefix):
                yield from _walk(Path(item.path), relative + "/", skipped)
            elif item.is_dir():
                skipped.append((relative + "/", _DEEP_FOLDER_LINK))
            else:
                yield relative, Path(item.path)


def _reason(finding: Finding) -> str:
    return f"{finding.requirement}: {finding.message}"
