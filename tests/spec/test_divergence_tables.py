"""The divergence tables of the spec (``spec/divergences.py``): what the expectation files say, each
entry in exactly one table, and the rules by which entries become rows."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from markdown_it import MarkdownIt

from weightspec.conformance.harness.expectations import (
    Divergence,
    Expectations,
    all_builtin_expectations,
)
from weightspec.spec import divergences, document

# Requirement IDs are data here: kept out of test functions' literals (see spec/traceability.py).
ENTRY = "DDUF-ENTRY-003"
NAME = "DDUF-NAME-003"
TENSOR = "ST-TENSOR-005"
INDEX = "SHARD-INDEX-001"
COUNTED = re.compile(r"^(?P<count>\d+) tests$")


@dataclass(frozen=True)
class CommittedRow:
    document: str
    requirement: str
    implementation: str  # the name, without the version it was checked with
    reason: str
    tests: str  # the cell as a reader sees it


def committed_rows(name: str) -> list[CommittedRow]:
    """The rows of the table between the markers of ``spec/<name>``, as a CommonMark + GFM parser reads them."""
    text = document(name)
    table = text[text.index(divergences.BEGIN) : text.index(divergences.END)]
    cells, rows, in_body = [], [], False
    for token in MarkdownIt("commonmark").enable("table").parse(table):
        if token.type == "tbody_open":
            in_body = True
        elif in_body and token.type == "inline":
            cells.append(
                "".join(child.content for child in token.children if child.type in ("text", "code_inline"))
            )
        elif in_body and token.type == "tr_close":
            requirement, implementation, reason, tests = cells
            rows.append(CommittedRow(name, requirement, implementation.split()[0], reason, tests))
            cells = []
    return rows


def entries_of(row: CommittedRow) -> int:
    counted = COUNTED.match(row.tests)
    if counted:
        return int(counted["count"])
    return 1 if row.tests == divergences.EVERY_TEST else len(row.tests.split(", "))


def covers(row: CommittedRow, implementation: str, divergence: Divergence) -> bool:
    if (row.requirement, row.implementation, row.reason) != (
        divergence.requirement,
        implementation,
        divergence.reason,
    ):
        return False
    if divergence.test is None:
        return row.tests == divergences.EVERY_TEST
    return COUNTED.match(row.tests) is not None or divergence.test in row.tests.split(", ")


def test_the_committed_tables_are_what_the_expectation_files_generate():
    for name, text in divergences.generate().items():
        assert document(name) == text, (
            f"the divergence table of spec/{name} is stale: run python -m weightspec.spec.divergences --write"
        )


def test_dduf_and_sharding_have_a_table():
    assert set(divergences.generate()) == {"dduf.md", "sharding.md"}


def test_every_expectation_entry_is_in_exactly_one_table_row():
    rows = [row for name in divergences.generate() for row in committed_rows(name)]
    matched = dict.fromkeys(rows, 0)
    for expectations in all_builtin_expectations():
        for divergence in expectations.divergences:
            found = [row for row in rows if covers(row, expectations.implementation, divergence)]
            assert len(found) == 1, (expectations.source, divergence, found)
            matched[found[0]] += 1
    assert all(matched[row] == entries_of(row) for row in rows), [
        r for r in rows if matched[r] != entries_of(r)
    ]


def test_dduf_tests_go_to_dduf_md_checkpoint_tests_to_sharding_md_and_the_rest_by_requirement():
    assert divergences.document_of("dduf-read/x", TENSOR) == "dduf.md"
    assert divergences.document_of("checkpoint-load/x", TENSOR) == "sharding.md"
    assert divergences.document_of(None, INDEX) == "sharding.md"
    assert divergences.document_of(None, TENSOR) == "safetensors.md"
    with pytest.raises(ValueError, match="belongs to no spec document"):
        divergences.document_of(None, "DDUF-GONE-999")


@pytest.fixture
def sample(monkeypatch) -> dict[str, str]:
    """The tables of two made-up expectation files, by document."""
    shared = [Divergence(NAME, "reads ../x", f"dduf-read/case-{n}") for n in range(5)]
    files = [
        Expectations(
            "accelerate",
            (
                *shared,
                Divergence(ENTRY, "a | b <c>", "dduf-read/flags", ">=1.16"),
                Divergence(TENSOR, "dtype", "dduf-read/dtype"),
                Divergence(TENSOR, "dtype", "dduf-read/dtype-2"),
                Divergence(INDEX, "every index"),
            ),
            "expectations/accelerate.toml",
            "1.15.0",
        ),
        Expectations("no-version", (Divergence(NAME, "reads ../x", "dduf-read/case-0"),), "x.toml"),
    ]
    monkeypatch.setattr(divergences, "all_builtin_expectations", lambda: files)
    return {name: divergences.render_table(rows, name) for name, rows in divergences.rows().items()}


def test_entries_of_one_requirement_implementation_and_reason_share_a_row_that_counts_many_tests(sample):
    rows = [line for line in sample["dduf.md"].splitlines() if line.startswith("| [")]
    assert rows == [
        f"| [{ENTRY}](#2-entries) | accelerate 1.15.0, for versions `>=1.16` | a \\| b \\<c\\> | `dduf-read/flags` |",
        f"| [{NAME}](#3-entry-names) | accelerate 1.15.0 | reads ../x | 5 tests |",
        f"| [{NAME}](#3-entry-names) | no-version | reads ../x | `dduf-read/case-0` |",
        f"| [{TENSOR}](safetensors.md#2-tensors) | accelerate 1.15.0 | dtype | `dduf-read/dtype`, `dduf-read/dtype-2` |",
    ]
    assert sample["sharding.md"].splitlines()[-1] == (
        f"| [{INDEX}](#5-index-file) | accelerate 1.15.0 | every index | every test of the requirement |"
    )


def test_a_table_is_replaced_between_its_markers_only():
    text = f"before\n{divergences.BEGIN}\nold\n{divergences.END}\nafter\n"
    assert (
        divergences.replace_table(text, "new", "x.md")
        == f"before\n{divergences.BEGIN}\nnew\n{divergences.END}\nafter\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "no markers\n",
        f"{divergences.END}\n{divergences.BEGIN}\n",
        f"{divergences.BEGIN}\n{divergences.BEGIN}\n{divergences.END}\n",
    ],
)
def test_missing_repeated_or_reversed_markers_are_an_error_naming_the_document(text):
    with pytest.raises(ValueError, match=r"spec/x\.md: needs one line"):
        divergences.replace_table(text, "new", "x.md")


def test_the_command_reports_a_stale_table_and_exits_1(monkeypatch, capsys):
    monkeypatch.setattr(divergences, "render_table", lambda rows, name: "changed")
    assert divergences.main([]) == 1
    assert (
        "spec/dduf.md is out of date: run python -m weightspec.spec.divergences --write"
        in capsys.readouterr().out
    )
