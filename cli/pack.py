"""``weightspec pack``: turn a pipeline folder into a DDUF archive.

Files are gathered with ``weightspec.reference.dduf.folder.folder_contents`` (which says what
it leaves out and why), and checked with ``pipeline_folder.archive_findings`` before anything is
written: a folder the archive could not be made of is refused naming the folder, not OUT. They
are then written with ``export_entries_as_dduf``, which checks every name and the pipeline
structure again (DDUF-WRITE-001) and publishes atomically (DDUF-WRITE-005): a refused export
leaves nothing behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .output import EXIT_OK, CommandError, expected_errors, report_error, write

NAME = "pack"
HELP = "write a pipeline folder as a DDUF archive"
DESCRIPTION = "Write the pipeline folder FOLDER as the DDUF archive OUT."
EPILOG = """\
Files that a DDUF archive may not hold (other extensions, hidden files) are skipped, one
line each with the reason. A progress bar is shown on stderr when it is a terminal.
`weightspec validate FOLDER` reports every problem of a folder at once, before packing.

exit codes:
  0  the archive was written
  1  the folder breaks a DDUF requirement (the error names its ID and the folder, with how
     to fix it where producers often get it wrong); nothing was written
  2  usage or I/O error (FOLDER is not a folder, OUT exists and --force is not given, the
     folder OUT goes into does not exist, a file cannot be read or written)

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
    when the folder cannot become an archive or the export is refused.
    """
    from tqdm import tqdm

    from weightspec.reference.dduf.folder import folder_contents
    from weightspec.reference.dduf.pipeline_folder import archive_findings
    from weightspec.reference.dduf.writer import export_entries_as_dduf
    from weightspec.reference.errors import DDUFExportError

    if not folder.is_dir():
        raise CommandError(f"{folder}: not a folder")
    if out.exists() and not force:
        raise CommandError(f"{out}: already exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise CommandError(
            f"{out}: the folder {out.parent} does not exist; create it first (mkdir -p {out.parent})"
        )
    contents = folder_contents(folder)
    for name, reason in contents.skipped:
        write(f"skipped {name}: {reason}\n")
    findings = archive_findings(folder, contents)
    if findings:
        raise DDUFExportError.from_finding(findings[0])
    total_bytes = sum(source.stat().st_size for _, source in contents.entries)
    with tqdm(
        total=total_bytes,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=out.name,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
    ) as progress:
        export_entries_as_dduf(out, contents.entries, overwrite=force, progress=progress.update)
    return len(contents.entries)


def run(args: argparse.Namespace) -> int:
    try:
        count = pack(args.folder, args.out, force=args.force)
    except expected_errors() as error:
        return report_error(error)
    write(f"wrote {args.out} ({count} entries, {args.out.stat().st_size} bytes)\n")
    return EXIT_OK
