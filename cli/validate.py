"""``weightspec validate``: check DDUF archives, pipeline folders and safetensors checkpoints against the spec.

Each input is judged by its kind (``kinds``) and checked by the reference's validator for that
kind (``file_reports``); every finding is reported, not only the first. This module holds the
command's help and arguments; the checking code is imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys

from .output import EXIT_ERROR, EXIT_INVALID, EXIT_OK, print_error, print_json, write

NAME = "validate"
HELP = "check DDUF archives, pipeline folders and safetensors checkpoints against the spec"
DESCRIPTION = "Check each FILE against the spec and report every requirement it breaks."
EPILOG = """\
kinds of input:
  DDUF archive            a .dduf file, or any file starting with a ZIP signature
  pipeline folder         a folder holding model_index.json, judged as the archive
                          `weightspec pack` makes of it (the same requirement IDs), with the
                          safetensors files and checkpoints inside
  safetensors checkpoint  a .safetensors or *.index.json file, a file starting with a
                          safetensors header, or a folder holding .safetensors or
                          *.index.json files
  stdin                   -: copied to a temporary file, judged by its first bytes,
                          reported as <stdin>
  anything else, folder or file, is a usage error (exit 2): there is nothing to validate

output:
  one line per finding:  REQUIREMENT-ID path [entry] @offset: message
  under the first finding of a requirement that producers often break, how to fix it:
                         fix: ...
  then one line per file: path: valid | path: N findings
  --json writes one document instead:
    {"files": [{"path", "kind", "valid", "findings": [{"requirement", "path", "entry",
     "offset", "message", "hint"}], "error"}], "valid"}
  where "kind" is "dduf", "pipeline", "checkpoint" or null (not known), "hint" is null
  or how to fix the finding, and "error" is null or the usage or I/O error that kept the
  file from being checked.

exit codes:
  0  every file is valid
  1  some file breaks a requirement
  2  usage or I/O error (missing or unreadable file, a file or folder that is none of the
     kinds above); takes precedence over 1

examples:
  weightspec validate examples/tiny-pipeline
  weightspec validate --deep examples/tiny-pipeline/text_encoder --json
  cat examples/tiny-pipeline/text_encoder/model.safetensors | weightspec validate -
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a DDUF archive, pipeline folder, safetensors file, index file or checkpoint folder; - for stdin",
    )
    parser.add_argument(
        "--deep", action="store_true", help="also read every byte: CRC-32s, JSON entries, tensor data"
    )
    parser.add_argument(
        "--json", action="store_true", help="write one JSON document to stdout instead of text"
    )


def run(args: argparse.Namespace) -> int:
    from .file_reports import STDIN, check_file
    from .findings import print_findings, summary

    if args.files.count(STDIN) > 1:
        print_error(f"{STDIN} (stdin) can be given once")
        return EXIT_ERROR
    reports = [check_file(path, deep=args.deep) for path in args.files]
    if args.json:
        for report in reports:
            if report.error is not None:
                print_error(report.error)
        print_json(
            {"files": [report.to_json() for report in reports], "valid": all(r.valid for r in reports)}
        )
    else:
        for report in reports:
            if report.error is not None:
                print_error(report.error)
                continue
            print_findings(report.findings)
            write(summary(report.path, len(report.findings)) + "\n")
        named = next((f.requirement for r in reports for f in r.findings), None)
        if named is not None:
            print(f"hint: weightspec explain {named} says what a requirement means and why", file=sys.stderr)
    if any(report.error is not None for report in reports):
        return EXIT_ERROR
    return EXIT_OK if all(report.valid for report in reports) else EXIT_INVALID
