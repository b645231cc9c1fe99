"""What every subcommand shares: exit codes, error lines, JSON documents and text tables.

Results go to stdout; errors go to stderr as one line ``weightspec: error: ...``, never as a
traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from weightspec.reference.errors import CheckpointError, DDUFError, SafetensorsError, WeightspecError

EXIT_OK = 0
EXIT_INVALID = 1  # the input breaks a requirement of the spec
EXIT_ERROR = 2  # a usage or I/O error, or a request that cannot be met: the input could not be checked

# The errors that say the input is bad (see the tree in weightspec.reference.errors).
INPUT_FAULTS = (DDUFError, SafetensorsError, CheckpointError)


class CommandError(Exception):
    """A usage or I/O problem (missing file, wrong kind of input, existing destination).

    The command prints ``str(error)`` on stderr and exits with ``EXIT_ERROR``.
    """


def describe_os_error(error: OSError) -> str:
    """``path: reason`` for an ``OSError``, without Python's ``[Errno N]`` prefix."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename is not None else reason


def print_error(message: str) -> None:
    print(f"weightspec: error: {message}", file=sys.stderr)


EXPECTED_ERRORS = (CommandError, OSError, WeightspecError)


def report_error(error: CommandError | OSError | WeightspecError) -> int:
    """Print ``error`` on stderr as one line and return the exit code it calls for.

    ``EXIT_INVALID`` for an error of ``INPUT_FAULTS`` that names a requirement: a verdict on
    the input. ``EXIT_ERROR`` for the rest: usage and I/O problems, including a
    ``DDUFExportError`` that names no requirement (the DDUF writer wraps ``OSError`` so), and the
    errors that blame the request rather than the input (``InvalidArgumentError``: the caller
    asked for something impossible; ``UnsupportedDtypeError``, ``StrictLoadError``), whose
    message still names the requirement.
    """
    if isinstance(error, OSError):
        print_error(describe_os_error(error))
        return EXIT_ERROR
    print_error(str(error))
    return EXIT_INVALID if isinstance(error, INPUT_FAULTS) and error.requirement else EXIT_ERROR


def print_json(document: object) -> None:
    """Write ``document`` to stdout as one indented JSON document."""
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def format_table(
    rows: Sequence[dict[str, object]], columns: Sequence[str], *, right: Sequence[str] = ()
) -> str:
    """An aligned plain-text table: a header line, then one line per row.

    ``columns`` are the keys shown, in order, with the key as header; columns named in
    ``right`` are right-aligned (numbers). No colours or box drawing, so the output is the
    same in a terminal, a pipe or a file.
    """
    cells = [list(columns), *([str(row[column]) for column in columns] for row in rows)]
    widths = [max(len(line[index]) for line in cells) for index in range(len(columns))]

    def render(line: list[str]) -> str:
        padded = (
            cell.rjust(width) if column in right else cell.ljust(width)
            for cell, width, column in zip(line, widths, columns, strict=True)
        )
        return "  ".join(padded).rstrip()

    return "\n".join(render(line) for line in cells)
