"""``weightspec inspect``: list the entries of a DDUF archive with their byte layout.

The input must be a DDUF archive by ``weightspec validate``'s rules (a ``.dduf`` file, or a file
starting with a ZIP signature). It is opened with ``weightspec.reference.read_dduf_file``, so an
archive that breaks a reader requirement is refused with that requirement's ID instead of
being listed.
"""

from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath

from weightspec import reference

from .output import EXIT_OK, EXPECTED_ERRORS, CommandError, format_table, print_json, report_error
from .validate import DDUF, input_kind

ALIGNMENT = 64  # DDUF-WRITE-003: writers align entry data to 64 bytes
KINDS = {".json": "json", ".safetensors": "safetensors", ".model": "tokenizer model", ".txt": "text"}
COLUMNS = ("name", "offset", "length", "alignment", "kind")

NAME = "inspect"
HELP = "list the entries of a DDUF archive: offsets, lengths, alignment"
DESCRIPTION = "List the entries of the DDUF archive FILE, one per line."
EPILOG = """\
columns:
  name       entry name
  offset     absolute byte offset of the entry's data in the archive
  length     size of the entry's data in bytes
  alignment  64 when offset is a multiple of 64 (DDUF-WRITE-003), else the largest
             power of two that divides offset
  kind       json, safetensors, tokenizer model (.model) or text (.txt)

exit codes:
  0  the archive was listed
  1  the archive breaks a DDUF reader requirement (the error names it)
  2  usage or I/O error (missing or unreadable file, a directory, a file that is
     not a DDUF archive by its name or its first bytes; see `weightspec validate -h`)

example:
  weightspec inspect pipeline.dduf --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a DDUF archive")
    parser.add_argument("--json", action="store_true", help="write a JSON list of entries instead of a table")


def alignment(offset: int) -> int:
    """``ALIGNMENT`` if ``offset`` is a multiple of it, else the largest power of two dividing ``offset``."""
    return ALIGNMENT if offset % ALIGNMENT == 0 else offset & -offset


def entry_kind(name: str) -> str:
    """What an entry holds, judged by the extension of its name (DDUF-NAME-007 lists the allowed ones)."""
    return KINDS.get(PurePosixPath(name).suffix, "other")


def run(args: argparse.Namespace) -> int:
    try:
        if input_kind(Path(args.file)) != DDUF:
            raise CommandError(f"{args.file}: not a DDUF archive")
        entries = reference.read_dduf_file(args.file)
    except EXPECTED_ERRORS as error:
        return report_error(error)
    rows = [
        {
            "name": entry.filename,
            "offset": entry.offset,
            "length": entry.length,
            "alignment": alignment(entry.offset),
            "kind": entry_kind(entry.filename),
        }
        for entry in entries.values()
    ]
    if args.json:
        print_json(rows)
    else:
        print(format_table(rows, COLUMNS, right=("offset", "length", "alignment")))
    return EXIT_OK
