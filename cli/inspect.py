"""``weightspec inspect``: list the entries of a DDUF archive with their byte layout, and its findings.

The input must be a DDUF archive by ``kinds``' rules (a ``.dduf`` file, or a file starting with
a ZIP signature). It is read with ``weightspec.reference.dduf.reader.list_dduf_entries``, so a
broken archive is listed too: every entry whose data could be located, each marked with the
requirements its findings name, and every finding under the table. That is the archive one most
needs to look into.
"""

from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath

from .kinds import CHECKPOINT, DDUF, PIPELINE, input_kind
from .output import (
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
    expected_errors,
    format_table,
    print_json,
    report_error,
    write,
)

ALIGNMENT = 64  # DDUF-WRITE-003: writers align entry data to 64 bytes
KINDS = {".json": "json", ".safetensors": "safetensors", ".model": "tokenizer model", ".txt": "text"}
COLUMNS = ("name", "offset", "length", "alignment", "kind", "findings")

NAME = "inspect"
HELP = "list the entries of a DDUF archive (offsets, lengths, alignment) and its findings"
DESCRIPTION = "List the entries of the DDUF archive FILE, one per line, and what it breaks."
EPILOG = """\
columns:
  name       entry name
  offset     absolute byte offset of the entry's data in the archive
  length     size of the entry's data in bytes
  alignment  64 when offset is a multiple of 64 (DDUF-WRITE-003), else the largest
             power of two that divides offset
  kind       json, safetensors, tokenizer model (.model), text (.txt) or other
  findings   the requirement IDs the entry breaks, comma-separated; - for none

An archive that breaks requirements is listed too: every entry whose data can be located
(none when its central directory cannot be found), then one line per finding, as
`weightspec validate` prints them (with how to fix what producers often get wrong), then
`FILE: N findings`.

--json writes one document instead:
  {"path", "entries": [{"name", "offset", "length", "alignment", "kind",
   "findings": [requirement IDs]}], "findings": [{"requirement", "path", "entry",
   "offset", "message", "hint"}], "valid"}

exit codes:
  0  the archive was listed and breaks no requirement
  1  the archive was listed, and breaks a requirement (its findings say which)
  2  usage or I/O error (missing or unreadable file, a folder, a file that is not a DDUF
     archive by its name or its first bytes)

examples:
  weightspec pack examples/tiny-pipeline tiny.dduf
  weightspec inspect tiny.dduf
  weightspec inspect tiny.dduf --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a DDUF archive")
    parser.add_argument("--json", action="store_true", help="write one JSON document instead of a table")


def alignment(offset: int) -> int:
    """``ALIGNMENT`` if ``offset`` is a multiple of it, else the largest power of two dividing ``offset``."""
    return ALIGNMENT if offset % ALIGNMENT == 0 else offset & -offset


def entry_kind(name: str) -> str:
    """What an entry holds, judged by the extension of its name (DDUF-NAME-007 lists the allowed ones)."""
    return KINDS.get(PurePosixPath(name).suffix, "other")


def not_an_archive(path: Path, kind: str | None) -> str:
    """Why ``path``, of ``kinds.input_kind`` ``kind``, cannot be inspected, and what to run instead."""
    if kind == PIPELINE:
        return (
            f"{path}: a pipeline folder, not a DDUF archive; `weightspec validate {path}` checks it, "
            f"`weightspec pack {path} OUT.dduf` makes an archive of it"
        )
    if kind == CHECKPOINT:
        return f"{path}: a safetensors checkpoint, not a DDUF archive; `weightspec validate {path}` checks it"
    return (
        f"{path}: not a DDUF archive: inspect lists a .dduf file or a file starting with a ZIP "
        "signature, and this is neither"
    )


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        kind = input_kind(path)
        if kind != DDUF:
            raise CommandError(not_an_archive(path, kind))
        from weightspec.reference.dduf.reader import list_dduf_entries

        entries, findings = list_dduf_entries(path)
    except expected_errors() as error:
        return report_error(error)
    from .findings import finding_json, print_findings, summary

    broken: dict[str, list[str]] = {}
    for finding in findings:
        if finding.entry is not None and finding.requirement not in broken.setdefault(finding.entry, []):
            broken[finding.entry].append(finding.requirement)
    rows = [
        {
            "name": entry.filename,
            "offset": entry.offset,
            "length": entry.length,
            "alignment": alignment(entry.offset),
            "kind": entry_kind(entry.filename),
            "findings": broken.get(entry.filename, []),
        }
        for entry in entries
    ]
    if args.json:
        print_json(
            {
                "path": args.file,
                "entries": rows,
                "findings": [finding_json(finding) for finding in findings],
                "valid": not findings,
            }
        )
    else:
        shown = [{**row, "findings": ",".join(row["findings"]) or "-"} for row in rows]
        write(format_table(shown, COLUMNS, right=("offset", "length", "alignment")) + "\n")
        if findings:
            write("\n")
            print_findings(findings)
            write(summary(args.file, len(findings)) + "\n")
    return EXIT_INVALID if findings else EXIT_OK
