"""The spec's tables of divergences between implementations: generated from the expectation files.

Every expectation file shipped in ``conformance/expectations/`` lists what one implementation does
where it breaks the spec. Each spec document that holds the marker lines
``<!-- divergences:begin -->`` and ``<!-- divergences:end -->`` gets, between them, one Markdown
table of the entries that belong to it:

- an entry of a test of a ``dduf-*`` capability belongs to ``dduf.md`` (its ``ST-*`` entries too),
  one of a ``checkpoint-*`` capability to ``sharding.md``;
- an entry without a test (every test of its requirement) to its requirement's document.

Columns: the requirement (linked to its section), the implementation with the version its file
was checked with (and the entry's ``versions``, where it has some), what it does (the entry's
reason) and the tests it covers (their ids when there are at most ``FEW_TESTS``, else how many).
Entries of one requirement and one implementation with the same reason and versions share a row.

Regenerate the tables after changing an expectation file::

    python -m weightspec.spec.divergences --write

``tests/spec/test_divergence_tables.py`` fails when a committed table is not what this module
generates, and when an entry is counted in no table or in two. ``generate()`` raises
``ValueError`` when an entry belongs to a document without the markers, or a document's markers
are missing, repeated or out of order.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from importlib import resources

from weightspec.conformance.harness.expectations import all_builtin_expectations
from weightspec.conformance.harness.render_markdown import escape, heading_anchor
from weightspec.conformance.harness.results import requirement_sort_key
from weightspec.spec import document as read_document
from weightspec.spec import requirements
from weightspec.spec.catalog import DOCUMENTS

BEGIN = "<!-- divergences:begin -->"
END = "<!-- divergences:end -->"
COMMAND = "python -m weightspec.spec.divergences --write"
FEW_TESTS = 3  # more tests than this in a row are counted, not listed
EVERY_TEST = "every test of the requirement"
_DOCUMENT_OF_CAPABILITY = {"dduf": "dduf.md", "checkpoint": "sharding.md"}  # by the capability's first word


@dataclass(frozen=True)
class Row:
    """One line of a table: the entries of one requirement and implementation with one reason."""

    requirement: str
    implementation: str
    checked_with: str | None
    versions: str | None
    reason: str
    tests: tuple[str, ...]  # the entries' tests, sorted; empty for an entry without a test


def document_of(test: str | None, requirement: str) -> str:
    """The spec document whose table lists an entry of ``test`` (or of every test of ``requirement``)."""
    if test is not None:
        document = _DOCUMENT_OF_CAPABILITY.get(test.split("/")[0].split("-")[0])
        if document is not None:
            return document
    found = requirements().get(requirement)
    if found is None:
        raise ValueError(f"an entry of {requirement} (test {test}) belongs to no spec document: unknown ID")
    return found.document


def rows() -> dict[str, list[Row]]:
    """``{document: rows}`` for every entry of every shipped expectation file, rows in requirement order."""
    grouped: dict[tuple, list[str | None]] = {}
    for expectations in all_builtin_expectations():
        for divergence in expectations.divergences:
            key = (
                document_of(divergence.test, divergence.requirement),
                divergence.requirement,
                expectations.implementation,
                expectations.checked_with,
                divergence.versions,
                divergence.reason,
                divergence.test is None,  # an entry for every test is a row of its own
            )
            grouped.setdefault(key, []).append(divergence.test)
    tables: dict[str, list[Row]] = {}
    for key, tests in grouped.items():
        document, requirement, implementation, checked_with, versions, reason, _ = key
        row = Row(
            requirement, implementation, checked_with, versions, reason, tuple(sorted(filter(None, tests)))
        )
        tables.setdefault(document, []).append(row)
    for table in tables.values():
        table.sort(
            key=lambda r: (requirement_sort_key(r.requirement), r.implementation, r.reason, r.versions or "")
        )
    return tables


def render_table(table: list[Row], document: str) -> str:
    """The Markdown between the markers of ``document``: a note that it is generated, and the table."""
    lines = [
        f"<!-- generated from conformance/expectations/ by {COMMAND}: edit those files, not this table -->",
        "",
    ]
    if not table:
        return "\n".join([*lines, "No implementation is known to diverge here."])
    lines += [
        "| requirement | implementation (checked with) | what it does | tests |",
        "|---|---|---|---|",
    ]
    for row in table:
        implementation = escape(" ".join(filter(None, (row.implementation, row.checked_with))))
        if row.versions:
            implementation += f", for versions `{row.versions}`"
        lines.append(
            f"| {_requirement_link(row.requirement, document)} | {implementation} | {escape(row.reason)} "
            f"| {_tests(row)} |"
        )
    return "\n".join(lines)


def _requirement_link(requirement_id: str, document: str) -> str:
    found = requirements().get(requirement_id)
    if found is None:
        return escape(requirement_id)
    target = "" if found.document == document else found.document
    return f"[{requirement_id}]({target}#{heading_anchor(found.section)})"


def _tests(row: Row) -> str:
    if not row.tests:
        return EVERY_TEST
    if len(row.tests) > FEW_TESTS:
        return f"{len(row.tests)} tests"
    return ", ".join(f"`{test}`" for test in row.tests)


def replace_table(text: str, table: str, document: str) -> str:
    """``text`` with what lies between its markers replaced by ``table``. ValueError without one
    pair of markers, in order, each on a line of its own."""
    lines = text.split("\n")
    begins = [number for number, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [number for number, line in enumerate(lines) if line.strip() == END]
    if len(begins) != 1 or len(ends) != 1 or begins[0] > ends[0]:
        raise ValueError(f"spec/{document}: needs one line {BEGIN} and, after it, one line {END}")
    return "\n".join([*lines[: begins[0] + 1], table, *lines[ends[0] :]])


def generate() -> dict[str, str]:
    """``{document: its text with a fresh table}`` for every spec document with markers or entries."""
    tables = rows()
    marked = [name for name in DOCUMENTS if BEGIN in read_document(name)]
    missing = sorted(set(tables) - set(marked))
    if missing:
        raise ValueError(
            f"spec/{missing[0]} has divergences ({len(tables[missing[0]])} rows) but no {BEGIN} ... {END} "
            "lines to put their table between"
        )
    return {
        name: replace_table(read_document(name), render_table(tables.get(name, []), name), name)
        for name in marked
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check or regenerate the divergence tables of the spec from the expectation files.",
        epilog=f"example: {COMMAND}",
    )
    parser.add_argument("--write", action="store_true", help="rewrite the tables in the spec documents")
    args = parser.parse_args(argv)
    stale = []
    for name, text in generate().items():
        target = resources.files(__package__).joinpath(name)
        if target.read_text(encoding="utf-8") == text:
            continue
        if args.write:
            with resources.as_file(target) as path:
                path.write_text(text, encoding="utf-8")
        else:
            stale.append(name)
    for name in stale:
        print(f"the divergence table of spec/{name} is out of date: run {COMMAND}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
