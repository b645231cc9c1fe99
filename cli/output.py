"""What every subcommand shares: exit codes, error lines, JSON documents and text tables.

Results go to stdout; errors go to stderr as one line ``weightspec: error: ...`` (and a
``hint:`` line where ``fix_hints`` has one), never as a traceback.

Everything written to stdout goes through ``write``: when its reader goes away (``weightspec
validate ... | head -1``), the rest of the output is dropped and the command still ends with
the exit code of its verdict, as command-line tools do.

Nothing here imports the reference (its errors are imported when an error is reported), nor more
of the standard library than starting the command needs: ``findings`` prints findings.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .fix_hints import HINTS

EXIT_OK = 0
EXIT_INVALID = 1  # the input breaks a requirement of the spec
EXIT_ERROR = 2  # a usage or I/O error, or a request that cannot be met: the input could not be checked


class CommandError(Exception):
    """A usage or I/O problem (missing file, wrong kind of input, existing destination).

    The command prints ``str(error)`` on stderr and exits with ``EXIT_ERROR``.
    """


def expected_errors() -> tuple[type[Exception], ...]:
    """The errors a subcommand reports with ``report_error``: ``except expected_errors() as error``."""
    from weightspec.reference.errors import WeightspecError

    return (CommandError, OSError, WeightspecError)


def describe_os_error(error: OSError) -> str:
    """``path: reason`` for an ``OSError``, without Python's ``[Errno N]`` prefix."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename is not None else reason


def print_error(message: str) -> None:
    print(f"weightspec: error: {message}", file=sys.stderr)


def report_error(error: Exception) -> int:
    """Print ``error``, one of ``expected_errors()``, on stderr as one line (then its fix hint, if any)
    and return the exit code it calls for.

    ``EXIT_INVALID`` for an error that says the input is bad (``DDUFError``, ``SafetensorsError``,
    ``CheckpointError``) and names a requirement: a verdict on the input. ``EXIT_ERROR`` for the
    rest: usage and I/O problems, including a ``DDUFExportError`` that names no requirement (the
    DDUF writer wraps ``OSError`` so), and the errors that blame the request rather than the
    input (``InvalidArgumentError``: the caller asked for something impossible;
    ``UnsupportedDtypeError``, ``StrictLoadError``), whose message still names the requirement.
    """
    if isinstance(error, OSError):
        print_error(describe_os_error(error))
        return EXIT_ERROR
    print_error(str(error))
    if isinstance(error, CommandError):
        return EXIT_ERROR
    from weightspec.reference.errors import CheckpointError, DDUFError, SafetensorsError

    if error.requirement in HINTS:
        print(f"hint: {HINTS[error.requirement]}", file=sys.stderr)
    input_fault = isinstance(error, (DDUFError, SafetensorsError, CheckpointError))
    return EXIT_INVALID if input_fault and error.requirement else EXIT_ERROR


def write(text: str) -> None:
    """Write ``text`` to stdout; once its reader has gone away, drop it and all later output."""
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        drop_stdout()


def flush_stdout() -> None:
    """Flush stdout before the command returns, so that a reader gone away is noticed by ``write``'s
    rule rather than by the interpreter's last flush (which would print a traceback and exit 120)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        drop_stdout()


def drop_stdout() -> None:
    # Later writes, and the flush of what is still buffered, go to /dev/null.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def print_json(document: object) -> None:
    """Write ``document`` to stdout as one indented JSON document."""
    import json

    write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


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
