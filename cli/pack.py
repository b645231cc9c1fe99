"""``weightspec pack``: turn a pipeline folder into a DDUF archive.

Files are gathered with ``weightspec.reference.collect_folder_entries`` (which says
what it leaves out and why) and written with ``export_entries_as_dduf``, which checks every
name and the pipeline structure first (DDUF-WRITE-001) and publishes atomically
(DDUF-WRITE-005): a refused export leaves nothing behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from weightspec.reference import collect_folder_entries, export_entries_as_dduf

from .output import EXIT_OK, EXPECTED_ERRORS, CommandError, report_error

NAME = "pack"
HELP = "write a pipeline folder as a DDUF archive"
DESCRIPTION = "Write the pipeline folder FOLDER as the DDUF archive OUT."
EPILOG = """\
Files that a DDUF archive may not hold (other extensions, folders nested too deep) are
skipped, one line each with the reason. A progress bar is shown on stderr when it is a
terminal.

exit codes:
  0  the archive was written
  1  the export was refused because the folder breaks a DDUF requirement (the error
     names its ID); nothing was written
  2  usage or I/O error (FOLDER is not a folder, OUT exists and --force is not given,
     a file cannot be read or written)

example:
  weightspec pack examples/tiny-pipeline tiny.dduf
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder", metavar="FOLDER", type=Path, help="a diffusers pipeline folder (holding model_index.json)"
    )
    parser.add_argument("out", metavar="OUT", type=Path, help="the DDUF archive to write, e.g. pipeline.dduf")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def pack(folder: Path, out: Path, *, force: bool) -> int:
    """Write ``folder`` to ``out``; return the number of entries written.

    Raises ``CommandError`` for a usage problem, ``OSError`` for an I/O problem and ``DDUFError``
    when the export is refused.
    """
    if not folder.is_dir():
        raise CommandError(f"{folder}: not a folder")
    if out.exists() and not force:
        raise CommandError(f"{out}: already exists; pass --force to replace it")
    entries, skipped = collect_folder_entries(folder)
    for name, reason in skipped:
        print(f"skipped {name}: {reason}")
    total_bytes = sum(source.stat().st_size for _, source in entries)
    with tqdm(
        total=total_bytes,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=out.name,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
    ) as progress:
        export_entries_as_dduf(out, entries, overwrite=force, progress=progress.update)
    return len(entries)


def run(args: argparse.Namespace) -> int:
    try:
        count = pack(args.folder, args.out, force=args.force)
    except EXPECTED_ERRORS as error:
        return report_error(error)
    print(f"wrote {args.out} ({count} entries, {args.out.stat().st_size} bytes)")
    return EXIT_OK
