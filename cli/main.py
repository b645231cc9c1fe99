"""The ``weightspec`` command: argument parsing and dispatch to one module per subcommand.

Each subcommand module (``validate``, ``inspect``, ``pack``) declares its ``NAME``, ``HELP`` (one
line in ``weightspec --help``), ``DESCRIPTION`` and ``EPILOG`` (exit codes and an example), and
has ``add_arguments(parser)`` and ``run(args)``, which returns the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version

from . import conformance, explain, inspect, pack, validate
from .output import EXIT_ERROR

SUBCOMMANDS = (validate, inspect, pack, conformance, explain)

EPILOG = """\
exit codes (every subcommand):
  0  success: every input is valid / listed / written
  1  an input breaks a requirement of the spec; the output names its requirement ID
  2  usage or I/O error, or a request that cannot be met (an argument the spec refuses)

example:
  weightspec pack examples/tiny-pipeline tiny.dduf && weightspec validate --deep tiny.dduf

Run `weightspec COMMAND --help` for the details of a command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weightspec",
        description="Validate, inspect and write DDUF archives and safetensors checkpoints.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('weightspec')}")
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for subcommand in SUBCOMMANDS:
        subparser = subcommands.add_parser(
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
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help, --version, or a usage error (code 2)
        return int(exit_request.code or 0)
    try:
        return args.run(args)
    except BrokenPipeError:  # the reader of stdout went away (`weightspec validate ... | head`)
        # Point stdout at /dev/null so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
