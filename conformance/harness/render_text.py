"""The terminal form of a report: implementations, the requirement x implementation matrix, and
one line per test that did not pass, with its reason.

Each implementation's line gives its version, its counts and its expectation file with the
version that file was checked with; when that is not the running version, the next line says so.
The matrix has one column per available implementation, headed by its name and version.

``render_text(report, requirements, color=False) -> str``; ``requirements`` is
``weightspec.spec.requirements()`` (used for each row's level). With ``color`` the cells are
coloured with ANSI escapes.
"""

from __future__ import annotations

from .results import ERROR, FAIL, NOT_APPLICABLE, UNEXPECTED_PASS, Implementation, Report
from .statuses import style


def render_text(report: Report, requirements: dict, *, color: bool = False) -> str:
    def paint(text: str, status: str, width: int = 0) -> str:
        padded = text.ljust(width)
        return f"\x1b[{style(status).ansi}m{padded}\x1b[0m" if color else padded

    names = [impl.name for impl in report.implementations if impl.available]
    lines = [f"suite {report.suite_version}, profile {report.profile}, seed {report.seed}", ""]
    for impl in report.implementations:
        if not impl.available:
            lines.append(f"  {impl.name}: unavailable: {impl.reason}")
            continue
        counts = report.counts(impl.name)
        summary = ", ".join(f"{count} {style(status).short}" for status, count in counts.items() if count)
        lines.append(f"  {impl.name} {impl.version}: {summary or 'no tests'}{_expectations(impl)}")
        if impl.version_note:
            lines.append(f"    {impl.version_note}")
    matrix = report.matrix()
    if matrix and names:
        first = max(len(requirement) for requirement in matrix) + 12
        headers = [f"{impl.name} {impl.version}" for impl in report.implementations if impl.available]
        widths = [max(len(header), 5) + 2 for header in headers]
        header = "requirement".ljust(first) + "".join(
            h.ljust(w) for h, w in zip(headers, widths, strict=True)
        )
        lines += ["", header.rstrip()]
        for requirement, cells in matrix.items():
            level = getattr(requirements.get(requirement), "level", "?")
            row = f"{requirement} ({level})".ljust(first)
            for name, width in zip(names, widths, strict=True):
                status = cells.get(name, NOT_APPLICABLE)
                row += paint(style(status).short, status, width)
            lines.append(row.rstrip())
    not_passing = report.non_passing()
    if not_passing:
        lines += ["", f"not passing ({len(not_passing)}):"]
        for result in not_passing:
            reason = " ".join(result.reason.split())
            lines.append(
                f"  {paint(style(result.status).short, result.status, 6)} {result.implementation}  {result.test}: {reason}"
            )
    unexpected = sum(1 for r in report.results if r.status in (FAIL, ERROR, UNEXPECTED_PASS))
    verdict = (
        "every implementation behaves as its expectations say"
        if report.conforms
        else f"{unexpected} unexpected result{'s' * (unexpected != 1)}: fix the implementation, or record the "
        "divergence in its expectation file (--write-expectations FILE starts one)"
    )
    lines += ["", f"verdict: {verdict}", ""]
    return "\n".join(lines)


def _expectations(impl: Implementation) -> str:
    if not impl.expectations:
        return ""
    checked = f", checked with {impl.expectations_checked_with}" if impl.expectations_checked_with else ""
    return f" (expectations: {impl.expectations}{checked})"
