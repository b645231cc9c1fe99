"""Validating a pipeline folder as the DDUF archive that ``weightspec pack`` would make of it.

``validate_pipeline_folder(folder)`` reports, under the requirement IDs the reader would give
the archive, what that archive (the entries ``folder.folder_contents`` selects) would break, each
finding naming the folder and, as its ``entry``, the file's path relative to it:

- ``archive_findings``: what a writer given these entries refuses, so what ``weightspec pack``
  checks before it writes anything: each file with an allowed extension that cannot become an
  entry (DDUF-NAME-001..009, DDUF-LIMIT-001, DDUF-ENTRY-007), the entry count (DDUF-LIMIT-002),
  names that collide (DDUF-NAME-010) and the pipeline structure (DDUF-INDEX-001..004,
  DDUF-LIMIT-003), judged on the entries alone (refused and skipped files are no part of it);
- then the weights inside, as ``validate_checkpoint`` judges them: every ``.safetensors`` file
  (the safetensors rules, SHARD-LOAD-008) and every ``*.safetensors.index.json`` with its shards
  (spec/sharding.md sections 5 and 6), each finding naming that file;
- with ``deep=True``, every byte of the weights (SHARD-DEEP-001) and every JSON file but
  model_index.json (DDUF-DEEP-002; its ``offset`` counts from the start of that file).

A shard checked through its index and again as a file gives each finding once.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import Finding
from ..sharding.validate import validate_checkpoint
from .deep import json_findings
from .folder import FolderContents, folder_contents
from .names import duplicate_findings
from .structure import MAX_ENTRIES, MAX_MODEL_INDEX_BYTES, MODEL_INDEX, structure_findings

WEIGHTS_SUFFIX = ".safetensors"
INDEX_SUFFIX = ".safetensors.index.json"


def validate_pipeline_folder(folder_path: str | os.PathLike, *, deep: bool = False) -> list[Finding]:
    """Every finding for the pipeline folder ``folder_path`` (see the module docstring); [] when valid.

    Raises ``DDUFExportError`` when ``folder_path`` is not a folder or cannot be listed; other
    ``OSError``s (an unreadable file) propagate.
    """
    folder = Path(folder_path)
    contents = folder_contents(folder)
    findings = archive_findings(folder, contents)
    for name, file_path in contents.entries:
        if name.endswith((WEIGHTS_SUFFIX, INDEX_SUFFIX)):
            # An index's shards are read for their headers only: their data is read as files.
            findings += validate_checkpoint(file_path, deep=deep and name.endswith(WEIGHTS_SUFFIX))
        elif deep and name.endswith(".json") and name != MODEL_INDEX:
            findings += json_findings(file_path.read_bytes(), os.fspath(folder), name, 0)
    return list(dict.fromkeys(findings))


def archive_findings(folder: Path, contents: FolderContents) -> list[Finding]:
    """What a DDUF writer given ``contents.entries`` of ``folder`` would refuse, and the refused files."""
    path = os.fspath(folder)
    names = [name for name, _ in contents.entries]
    findings = list(contents.refused)
    if len(names) > MAX_ENTRIES:
        message = f"{len(names)} files would become entries; an archive holds at most {MAX_ENTRIES}"
        findings.append(Finding("DDUF-LIMIT-002", path, message))
    findings += duplicate_findings(names, path=path)
    index_bytes = None
    if MODEL_INDEX in names:
        with open(folder / MODEL_INDEX, "rb") as index:
            index_bytes = index.read(MAX_MODEL_INDEX_BYTES + 1)  # one byte more shows it is too large
    findings += structure_findings(index_bytes, names, path=path)
    return findings
