"""A conformance report as Markdown, for a pull-request comment or a CI job summary.

``render_markdown(report, requirements)`` gives, in order:

1. a heading with the verdict, a line with the suite version, profile and seed, and one line per
   implementation (its version, how many tests ended in each status and its expectation file with
   the version that file was checked with, or why it is unavailable);
2. the matrix: one row per requirement (its ID linked to its text in the spec, and its level), one
   column per available implementation, each cell a symbol and a word (``✅ pass``);
3. "Not passing": every result that is neither a pass nor not applicable, with its reason.

``requirements`` is ``weightspec.spec.requirements()``. A requirement ID that it lacks (a report
of another spec version) is shown without a link. Links point at ``<spec_base><document>#<anchor>``:
the default ``spec/`` works from the repository root (a job summary, a file in the tree); a comment
needs an absolute base such as ``https://github.com/<owner>/<repo>/blob/<commit>/spec/``.
Text taken from the report is escaped, so a reason holding ``|``, ``<`` or ``*`` shows as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .results import Implementation, Report, TestResult
from .statuses import label

# Characters that CommonMark or GitHub's tables would read as syntax inside a line of text.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]<>&|~])")


def render_markdown(report: Report, requirements: Mapping, *, spec_base: str = "spec/") -> str:
    sections = [
        _summary(report),
        _matrix(report, requirements, spec_base),
        _not_passing(report.non_passing()),
    ]
    return "\n\n".join(sections) + "\n"


def heading_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, each space a hyphen
    (``"1. Container"`` -> ``"1-container"``). Repeated titles, which GitHub numbers, are not handled:
    each requirement's section title is unique in its document."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def escape(text: str) -> str:
    """``text`` as one line of literal Markdown: syntax characters backslash-escaped, line breaks
    folded into spaces."""
    return _MARKDOWN_SYNTAX.sub(r"\\\1", " ".join(text.split()))


def _summary(report: Report) -> str:
    verdict = (
        "✅ conforms to its expectations" if report.conforms else "❌ does not conform to its expectations"
    )
    lines = [
        f"## weightspec conformance: {verdict}",
        "",
        f"Suite {escape(report.suite_version)} · profile {escape(report.profile)} · seed {escape(report.seed)}",
        "",
    ]
    for implementation in report.implementations:
        name = f"**{escape(implementation.name)}**"
        if not implementation.available:
            lines.append(f"- {name}: unavailable: {escape(implementation.reason)}")
            continue
        counts = report.counts(implementation.name)
        tally = " · ".join(f"{label(status)} {count}" for status, count in counts.items() if count)
        lines.append(
            f"- {name} {escape(implementation.version)}: {tally or 'no test ran'}{_expectations(implementation)}"
        )
    return "\n".join(lines)


def _expectations(implementation: Implementation) -> str:
    if not implementation.expectations:
        return ""
    checked = implementation.expectations_checked_with
    text = f" · expectations {escape(implementation.expectations)}"
    text += f" (checked with {escape(checked)})" if checked else ""
    return text + (f". ⚠️ {escape(implementation.version_note)}" if implementation.version_note else "")


def _matrix(report: Report, requirements: Mapping, spec_base: str) -> str:
    columns = [impl.name for impl in report.implementations if impl.available]
    lines = [
        _row(["Requirement", "Level", *(escape(name) for name in columns)]),
        _row(["---"] * (2 + len(columns))),
    ]
    for requirement_id, cells in report.matrix().items():
        requirement = requirements.get(requirement_id)
        if requirement is None:
            heading = [f"{escape(requirement_id)} (not in this spec)", ""]
        else:
            link = f"{spec_base}{requirement.document}#{heading_anchor(requirement.section)}"
            heading = [f"[{requirement_id}]({link})", requirement.level]
        lines.append(_row([*heading, *(label(cells[name]) if name in cells else "" for name in columns)]))
    return "\n".join(lines)


def _not_passing(results: list[TestResult]) -> str:
    if not results:
        return "### Not passing\n\nEvery applicable test passed."
    lines = ["### Not passing", ""]
    for result in results:
        requirements = f" ({escape(', '.join(result.requirements))})" if result.requirements else ""
        reason = f": {escape(result.reason)}" if result.reason else ""
        lines.append(
            f"- {label(result.status)} · **{escape(result.implementation)}** · "
            f"{escape(result.test)}{requirements}{reason}"
        )
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


__all__ = ["escape", "heading_anchor", "render_markdown"]
