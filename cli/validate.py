"""``weightspec validate``: check DDUF archives and safetensors checkpoints against the spec.

Each input is dispatched by its kind (see ``input_kind``) to
``weightspec.reference.validate_dduf`` or ``weightspec.reference.validate_checkpoint``; every
finding is reported, not only the first.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from weightspec import reference
from weightspec.reference.errors import Finding, WeightspecError

from .output import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
    describe_os_error,
    print_error,
    print_json,
)

DDUF = "dduf"
CHECKPOINT = "checkpoint"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a local header, or the end record of an empty archive
# Looked up by name so that the reference modules (and their dependencies) load only when used.
VALIDATORS = {DDUF: "validate_dduf", CHECKPOINT: "validate_checkpoint"}

NAME = "validate"
HELP = "check DDUF archives and safetensors checkpoints against the spec"
DESCRIPTION = "Check each FILE against the spec and report every requirement it breaks."
EPILOG = """\
kinds of input:
  a .dduf file, or any file starting with a ZIP signature   DDUF archive
  a .safetensors file, an *.index.json file or a directory   safetensors checkpoint

output:
  one line per finding:  REQUIREMENT-ID path [entry] @offset: message
  then one line per file: path: valid | path: N findings
  --json writes one document instead:
    {"files": [{"path", "kind", "valid", "findings": [{"requirement", "path", "entry",
     "offset", "message"}], "error"}], "valid"}
  where "kind" is "dduf", "checkpoint" or null (not known), and "error" is null or the
  usage or I/O error that kept the file from being checked.

exit codes:
  0  every file is valid
  1  some file breaks a requirement
  2  usage or I/O error (missing or unreadable file, unknown kind of input);
     takes precedence over 1

example:
  weightspec validate pipeline.dduf model.safetensors.index.json --deep
"""


@dataclass
class FileReport:
    """The outcome for one input: its findings, or the error that kept it from being checked."""

    path: str
    kind: str | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and not self.findings

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "kind": self.kind,
            "valid": self.valid,
            "findings": [finding.to_json() for finding in self.findings],
            "error": self.error,
        }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a DDUF archive, safetensors file, index file or checkpoint directory",
    )
    parser.add_argument(
        "--deep", action="store_true", help="also read every byte: CRC-32s, JSON entries, tensor data"
    )
    parser.add_argument(
        "--json", action="store_true", help="write one JSON document to stdout instead of text"
    )


def input_kind(path: Path) -> str:
    """``DDUF`` or ``CHECKPOINT`` for ``path``; raises ``CommandError`` or ``OSError`` when it is neither."""
    if not path.exists():
        raise CommandError(f"{path}: no such file or directory")
    if path.is_dir():
        if path.suffix == ".dduf":
            raise CommandError(f"{path}: is a directory, but a DDUF archive is a file")
        return CHECKPOINT
    if path.suffix == ".dduf":
        return DDUF
    if path.suffix == ".safetensors" or path.name.endswith(".index.json"):
        return CHECKPOINT
    with path.open("rb") as file:
        if file.read(4) in ZIP_SIGNATURES:
            return DDUF
    raise CommandError(
        f"{path}: cannot tell what this is; expected a .dduf archive (or a ZIP file), "
        "a .safetensors file, an *.index.json file or a checkpoint directory"
    )


def check_file(path: str, *, deep: bool) -> FileReport:
    """Validate one input. Usage and I/O problems land in ``error``; spec violations in ``findings``."""
    report = FileReport(path=path)
    try:
        report.kind = input_kind(Path(path))
        validator = getattr(reference, VALIDATORS[report.kind])
        report.findings = validator(path, deep=deep)
    except CommandError as error:
        report.error = str(error)
    except OSError as error:
        report.error = describe_os_error(error)
    except WeightspecError as error:  # a validator that stops at a problem instead of listing it
        report.findings = [error.to_finding()]
    return report


def print_text(report: FileReport) -> None:
    if report.error is not None:
        print_error(report.error)
        return
    for finding in report.findings:
        print(finding)
    count = len(report.findings)
    print(f"{report.path}: valid" if count == 0 else f"{report.path}: {count} finding{'s' * (count != 1)}")


def run(args: argparse.Namespace) -> int:
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
            print_text(report)
        named = next((f.requirement for r in reports for f in r.findings), None)
        if named is not None:
            print(f"hint: weightspec explain {named} says what a requirement means and why", file=sys.stderr)
    if any(report.error is not None for report in reports):
        return EXIT_ERROR
    return EXIT_OK if all(report.valid for report in reports) else EXIT_INVALID
