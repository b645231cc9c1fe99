"""``weightspec conformance``: run the conformance suite against implementations, print the matrix.

A thin front end over pytest and the ``weightspec.conformance`` plugin: it runs
``pytest --pyargs weightspec.conformance.suite`` in an isolated configuration (no project's
``pytest.ini`` or cache is read or written) with the options below passed on, and maps pytest's
exit status to this command's exit codes. Anything pytest can do with the suite (``-k`` by
requirement ID, ``-n`` for pytest-xdist workers) works the same way here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .output import EXIT_ERROR, EXIT_INVALID, EXIT_OK, print_error

NAME = "conformance"
HELP = "run the conformance suite against implementations and print the requirement matrix"
DESCRIPTION = (
    "Run the conformance suite against one or more implementations and print the matrix of "
    "requirement IDs against implementations, with the reason for every test that did not pass. "
    "Known divergences listed in an implementation's expectation file are expected failures; any "
    "other failure, and any pass of a listed divergence, fails the run."
)
EPILOG = """\
implementations (--impl, repeatable; default: reference):
  reference          this project's reference implementation
  huggingface_hub    the installed huggingface_hub
  huggingface.js     @huggingface/dduf under Node (installed with npm on first use)
  huggingface.js-hub @huggingface/hub under Node (installed with npm on first use)
  accelerate         accelerate's load_checkpoint_in_model (its default strict=False)
  accelerate.strict  the same with strict=True
  transformers       transformers' AutoModel.from_pretrained of a small BertModel
  diffusers          diffusers' UNet2DModel.from_pretrained of a small UNet
  all                every built-in implementation available here, side by side
  module:factory     your own Python adapter: module.factory() returns an Adapter
--impl-cmd "CMD ARGS" runs any driver that speaks the subprocess protocol (spec/protocol.md).

exit codes:
  0  every implementation behaves as its expectation file says
  1  a test failed, errored or passed unexpectedly (the matrix says which and why)
  2  usage error: an unknown or unavailable implementation, an unreadable expectation file

examples:
  weightspec conformance -k DDUF-NAME-003
  weightspec conformance
  weightspec conformance --impl all --report report.html
  weightspec conformance --impl huggingface_hub -k DDUF-NAME-003
  weightspec conformance --impl-cmd "node my-driver.mjs" --write-expectations mine.toml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--impl", action="append", default=[], metavar="NAME", help="implementation to test")
    parser.add_argument(
        "--impl-cmd", action="append", default=[], metavar="CMD", help="a subprocess-protocol driver to test"
    )
    parser.add_argument(
        "--expectations", action="append", default=[], metavar="FILE", help="an expectation file (TOML)"
    )
    parser.add_argument(
        "--write-expectations", metavar="FILE", help="write an expectation file from this run"
    )
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FILE",
        help="write the report: FILE.json, .md or .html",
    )
    parser.add_argument(
        "--profile", choices=("dev", "ci", "thorough"), default="dev", help="depth of the property tests"
    )
    parser.add_argument("-n", dest="workers", metavar="N", help="run on N pytest-xdist workers (or 'auto')")
    parser.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="only tests matching EXPR (a requirement ID, a case id)"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="limit for one call of an implementation"
    )
    parser.add_argument(
        "--json", action="store_true", help="write the report as JSON to stdout (progress goes to stderr)"
    )


def pytest_arguments(args: argparse.Namespace, *, config: Path, report: Path | None) -> list[str]:
    """The pytest command line for ``args``; ``config`` is an empty ini file that isolates the run."""
    argv = ["--pyargs", "weightspec.conformance.suite", "-c", str(config), "--rootdir", str(config.parent)]
    argv += [
        "-p",
        "no:cacheprovider",
        "-q",
        "--tb=no",
        "-rN",
        "--no-header",
        "-o",
        "console_output_style=progress",
    ]
    for option, values in (
        ("--impl", args.impl),
        ("--impl-cmd", args.impl_cmd),
        ("--expectations", args.expectations),
        ("--conformance-report", [*args.report, *([str(report)] if report else [])]),
    ):
        for value in values:
            argv += [option, value]
    argv += ["--conformance-profile", args.profile]
    for option, value in (
        ("--write-expectations", args.write_expectations),
        ("-n", args.workers),
        ("-k", args.keyword),
        ("--call-timeout", None if args.timeout is None else str(args.timeout)),
    ):
        if value is not None:
            argv += [option, value]
    return argv


def run(args: argparse.Namespace) -> int:
    import contextlib
    import tempfile

    try:
        import pytest
    except ImportError:
        print_error(
            "the conformance suite needs pytest and hypothesis: pip install 'weightspec[conformance]'"
        )
        return EXIT_ERROR
    with tempfile.TemporaryDirectory(prefix="weightspec-conformance-") as scratch:
        config = Path(scratch) / "pytest.ini"
        config.write_text("[pytest]\n", encoding="utf-8")
        report = Path(scratch) / "report.json" if args.json else None
        argv = pytest_arguments(args, config=config, report=report)
        # With --json the document is the only thing on stdout; pytest's progress and matrix go to stderr.
        with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
            status = pytest.main(argv)
        if report is not None and report.is_file():
            sys.stdout.write(report.read_text(encoding="utf-8"))
    if status == pytest.ExitCode.OK:
        return EXIT_OK
    if status == pytest.ExitCode.TESTS_FAILED:
        return EXIT_INVALID
    if status == pytest.ExitCode.NO_TESTS_COLLECTED:
        print_error("no conformance test was selected (check -k and the implementations' capabilities)")
    return EXIT_ERROR
