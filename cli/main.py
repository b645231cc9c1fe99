"""The ``weightspec`` command: argument parsing and dispatch to one module per subcommand.

Each subcommand module (``validate``, ``inspect``, ``pack``, ``conformance``, ``explain``)
declares its ``NAME``, ``HELP`` (one line in ``weightspec --help``), ``DESCRIPTION`` and
``EPILOG`` (exit codes and an example that works on ``examples/tiny-pipeline``), and has
``add_arguments(parser)`` and ``run(args)``, which returns the exit code. A subcommand module
imports what its ``run`` needs inside ``run``, so that parsing a command line imports nothing but
argparse and these modules; ``weightspec --version`` alone is answered before even those load.

Exit codes, for every subcommand: 0 success; 1 an input breaks a requirement of the spec; 2 a
usage or I/O error, which includes an input that is no kind of thing the command takes (a folder
or a file that is neither a pipeline folder, a checkpoint nor a DDUF archive: nothing to check).
A reader of stdout that goes away (``weightspec validate ... | head -1``) changes nothing: the
exit code is still the verdict (see ``output.write``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import ModuleType

from . import __version__
from .output import EXIT_ERROR, EXIT_OK, drop_stdout, flush_stdout, write

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    import argparse

EPILOG = """\
exit codes (every subcommand):
  0  success: every input is valid / listed / written
  1  an input breaks a requirement of the spec; the output names its requirement ID
  2  usage or I/O error, or a request that cannot be met (an argument the spec refuses);
     also an input that is no kind of thing the command takes: a folder or a file that is
     neither a pipeline folder, a checkpoint nor a DDUF archive has nothing to check
  A closed stdout (`weightspec validate ... | head -1`) does not change the exit code.

example:
  weightspec pack examples/tiny-pipeline tiny.dduf && weightspec validate --deep tiny.dduf

Run `weightspec COMMAND --help` for the details of a command.
"""


def subcommands() -> tuple[ModuleType, ...]:
    """The subcommand modules, in the order ``weightspec --help`` lists them."""
    from . import conformance, explain, inspect, pack, validate

    return (validate, inspect, pack, conformance, explain)


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="weightspec",
        description="Validate, inspect and write DDUF archives and safetensors checkpoints.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for subcommand in subcommands():
        subparser = commands.add_parser(
            subcommand.NAME,
            help=subcommand.HELP,
            description=subcommand.DESCRIPTION,
            epilog=subcommand.EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        subcommand.add_arguments(subparser)
        subparser.set_defaults(run=subcommand.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``weightspec`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:  # what the parser would print, without importing it
        write(f"weightspec {__version__}\n")
        flush_stdout()
        return EXIT_OK
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help, --version, or a usage error (code 2)
        code = int(exit_request.code or 0)
    else:
        try:
            code = args.run(args)
        except BrokenPipeError:  # written by code that is not ours: pytest's report, under `conformance`
            drop_stdout()
            return EXIT_ERROR
    flush_stdout()
    return code
