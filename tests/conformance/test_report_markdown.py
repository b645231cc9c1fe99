"""Conformance reports as Markdown (the pull-request comment), read as GitHub's parser reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from report_samples import DEEP, NAME, SPLIT, UNKNOWN_REQUIREMENT, WRITE, ZIP, result, sample_report

import weightspec.spec
from weightspec.conformance.harness.adapter import CAPABILITIES
from weightspec.conformance.harness.render_markdown import escape, heading_anchor, render_markdown
from weightspec.conformance.harness.results import PASS, Implementation, Report
from weightspec.conformance.harness.statuses import label
from weightspec.spec import requirements

SPEC_FOLDER = Path(weightspec.spec.__file__).parent


@pytest.fixture(scope="module")
def markdown() -> str:
    return render_markdown(sample_report(), requirements())


def markdown_tokens(text: str) -> list:
    return MarkdownIt("commonmark").enable("table").parse(text)


def table_rows(text: str) -> list[list[str]]:
    """The cells of the first table of ``text`` as a CommonMark + GFM-table parser reads them."""
    rows, row, in_table = [], None, False
    for token in markdown_tokens(text):
        if token.type == "table_open":
            in_table = True
        elif token.type == "table_close":
            break
        elif in_table and token.type == "tr_open":
            row = []
        elif in_table and token.type == "tr_close":
            rows.append(row)
        elif in_table and token.type == "inline":
            row.append(
                "".join(child.content for child in token.children if child.type in ("text", "code_inline"))
            )
    return rows


def test_markdown_header_names_the_run_and_each_implementation(markdown):
    assert markdown.startswith("## weightspec conformance: ❌ does not conform to its expectations\n")
    assert "Suite 0.1.0 · profile quick · seed 1234" in markdown
    assert "- **reference** 0.1.0: ✅ pass 4 · ❌ fail 1 · ⚠️ error 1\n" in markdown
    assert (
        "- **huggingface\\_hub** 2.4.0: ✅ pass 1 · 🟡 expected fail 1 · ❗ unexpected pass 1 · — n/a 1"
        " · expectations conformance/expectations/huggingface\\_hub.toml (checked with 2.4.0)\n" in markdown
    )
    assert "- **node-dduf**: unavailable: node not found: install Node.js 18+\n" in markdown


def test_markdown_matrix_is_a_table_of_requirements_by_available_implementation(markdown):
    header, *rows = table_rows(markdown)
    assert header == ["Requirement", "Level", "reference", "huggingface_hub"]
    assert {row[0]: row[1:] for row in rows} == {
        ZIP: ["MUST", "✅ pass", "❗ unexpected pass"],
        NAME: ["MUST", "✅ pass", "🟡 expected fail"],
        DEEP: ["MUST", "✅ pass", "— n/a"],
        WRITE: ["MUST", "❌ fail", "✅ pass"],
        f"{UNKNOWN_REQUIREMENT} (not in this spec)": ["", "✅ pass", ""],
        SPLIT: ["MUST", "⚠️ error", ""],
    }


def test_markdown_lists_every_non_pass_with_its_reason_as_written(markdown):
    section = markdown.split("### Not passing\n", 1)[1]
    items = [line for line in section.splitlines() if line.startswith("- ")]
    report = sample_report()
    assert len(items) == len(report.non_passing()) == 4
    rendered = MarkdownIt("commonmark").render(section)
    for item, non_pass in zip(items, report.non_passing(), strict=True):
        assert item.startswith(f"- {label(non_pass.status)} · **{escape(non_pass.implementation)}** · ")
        assert f"{escape(non_pass.test)} ({non_pass.requirements[0]})" in item
    # The hostile reason shows literally: no tag, emphasis or code span is made of it.
    assert (
        "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;quoted&quot; | piped *starred* `ticked`"
        in rendered
    )
    assert "<script>" not in rendered and "<em>" not in rendered and "<code>" not in rendered


def test_markdown_links_resolve_to_a_heading_of_an_existing_spec_document(markdown):
    links = [
        child.attrs["href"]
        for token in markdown_tokens(markdown)
        if token.type == "inline"
        for child in token.children
        if child.type == "link_open"
    ]
    assert len(links) == 5  # every row of the matrix but the unknown requirement
    for link in links:
        path, anchor = link.split("#")
        assert path.startswith("spec/")
        document = SPEC_FOLDER / path.removeprefix("spec/")
        assert document.is_file(), link
        tokens = markdown_tokens(document.read_text("utf-8"))
        headings = [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"]
        assert [heading_anchor(h) for h in headings].count(anchor) == 1, link


def test_markdown_links_can_start_with_an_absolute_base():
    base = "https://github.com/example/weightspec/blob/abc123/spec/"
    assert f"[{ZIP}]({base}dduf.md#1-container)" in render_markdown(
        sample_report(), requirements(), spec_base=base
    )


@pytest.mark.parametrize(
    ("title", "anchor"),  # what github.com gives these headings
    [
        ("1. Container", "1-container"),
        ("3. Loading into PyTorch", "3-loading-into-pytorch"),
        ("Differences from the safetensors library", "differences-from-the-safetensors-library"),
        ("What's new?", "whats-new"),
        ("A — B", "a--b"),
        ("snake_case and `code`", "snake_case-and-code"),
    ],
)
def test_heading_anchor_is_githubs(title, anchor):
    assert heading_anchor(title) == anchor


def test_a_report_where_everything_passed_says_so():
    report = Report("0.1.0", "quick", "1", [Implementation("reference", "0.1.0", CAPABILITIES)])
    report.results.append(result("reference", "dduf-read/zip-comment", ZIP, PASS))
    markdown = render_markdown(report, requirements())
    assert markdown.startswith("## weightspec conformance: ✅ conforms to its expectations\n")
    assert markdown.endswith("### Not passing\n\nEvery applicable test passed.\n")
