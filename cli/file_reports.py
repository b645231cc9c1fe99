"""Checking one input of ``weightspec validate``: its kind, then its findings, or the error that
kept it from being checked.

Each kind (``kinds.input_kind``) has its validator in the reference, imported when an input of
that kind is checked, so that validating a DDUF archive never imports the checkpoint code:

- ``dduf``: ``reference.dduf.reader.validate_dduf``;
- ``pipeline``: ``reference.dduf.pipeline_folder.validate_pipeline_folder``, the folder judged as
  the archive ``weightspec pack`` would make of it, and the weights inside;
- ``checkpoint``: ``reference.sharding.validate.validate_checkpoint``.

The input ``-`` is stdin: it is copied to a temporary file, judged by its first bytes (a DDUF
archive or a safetensors file), validated, and reported as ``<stdin>``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from weightspec.reference.errors import Finding, WeightspecError

from .findings import finding_json
from .kinds import CHECKPOINT, DDUF, PIPELINE, input_kind
from .output import CommandError, describe_os_error

STDIN = "-"
STDIN_NAME = "<stdin>"  # how findings and reports name the input read from stdin
VALIDATORS = {
    DDUF: ("weightspec.reference.dduf.reader", "validate_dduf"),
    PIPELINE: ("weightspec.reference.dduf.pipeline_folder", "validate_pipeline_folder"),
    CHECKPOINT: ("weightspec.reference.sharding.validate", "validate_checkpoint"),
}


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
            "findings": [finding_json(finding) for finding in self.findings],
            "error": self.error,
        }


def check_file(path: str, *, deep: bool) -> FileReport:
    """Validate one input (``-`` for stdin). Usage and I/O problems land in ``error``; spec violations in ``findings``."""
    if path == STDIN:
        report = FileReport(path=STDIN_NAME)
        try:
            with _spooled_stdin() as spooled:
                _check(report, spooled, deep=deep)
                # The findings about the copy are about stdin.
                report.findings = [
                    dataclasses.replace(finding, path=STDIN_NAME) if finding.path == str(spooled) else finding
                    for finding in report.findings
                ]
        except CommandError as error:
            report.error = str(error)
        return report
    report = FileReport(path=path)
    _check(report, Path(path), deep=deep)
    return report


def _check(report: FileReport, path: Path, *, deep: bool) -> None:
    """Fill ``report`` for the input at ``path``."""
    try:
        report.kind = input_kind(path)
        if report.kind is None:
            raise CommandError(_unknown_kind(report.path, path.is_dir()))
        module, name = VALIDATORS[report.kind]
        report.findings = getattr(importlib.import_module(module), name)(path, deep=deep)
    except CommandError as error:
        report.error = str(error)
    except OSError as error:
        report.error = describe_os_error(error)
    except WeightspecError as error:  # a validator that stops at a problem instead of listing it
        if error.requirement:
            report.findings = [error.to_finding()]
        else:
            report.error = str(error)


def _unknown_kind(path: str, is_folder: bool) -> str:
    if is_folder:
        return (
            f"{path}: nothing to validate: a folder without model_index.json (a pipeline folder) "
            "and without .safetensors or *.index.json files (a checkpoint)"
        )
    return (
        f"{path}: cannot tell what this is; expected a .dduf archive (or a ZIP file), a pipeline folder "
        "(with model_index.json), a .safetensors file, an *.index.json file or a checkpoint directory"
    )


@contextlib.contextmanager
def _spooled_stdin() -> Iterator[Path]:
    """A temporary file holding all of stdin, removed afterwards."""
    import shutil
    import tempfile

    if sys.stdin.isatty():
        raise CommandError(
            f"{STDIN}: stdin is a terminal; pipe a file in, e.g. curl -sL URL | weightspec validate -"
        )
    with tempfile.TemporaryDirectory(prefix="weightspec-stdin-") as scratch:
        spooled = Path(scratch) / "stdin"
        with open(spooled, "wb") as copy:
            shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 20)
        yield spooled
