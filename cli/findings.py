"""How ``weightspec validate`` and ``inspect`` show findings: one line each, with how to fix the
mistakes producers often make (``fix_hints``), and one summary line per input."""

from __future__ import annotations

from collections.abc import Iterable

from weightspec.reference.errors import Finding

from .fix_hints import HINTS
from .output import write


def finding_json(finding: Finding) -> dict:
    """A finding as JSON: ``Finding.to_json()`` and ``hint`` (its requirement's fix hint, or null)."""
    return {**finding.to_json(), "hint": HINTS.get(finding.requirement)}


def print_findings(findings: Iterable[Finding]) -> None:
    """One line per finding, with a requirement's fix hint (``  fix: ...``) under its first finding."""
    hinted = set()
    for finding in findings:
        write(f"{finding}\n")
        if finding.requirement in HINTS and finding.requirement not in hinted:
            hinted.add(finding.requirement)
            write(f"  fix: {HINTS[finding.requirement]}\n")


def summary(path: str, count: int) -> str:
    """The last line about one input: ``path: valid`` or ``path: N findings``."""
    return f"{path}: valid" if count == 0 else f"{path}: {count} finding{'s' * (count != 1)}"
