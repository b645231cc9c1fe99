"""Conformance reports as an HTML page: the file itself, and what the page shows in a browser.

The page is opened from ``file://`` in headless Chromium and judged by what it shows after its
script ran: the DOM that ``--dump-dom`` prints (filters set by the page's query), and, for real
clicks on the filter checkboxes, the page driven over the DevTools protocol. The Chromium tests
skip only where no ``chromium`` is on the PATH.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chromium_page import DevToolsPage, Element, dump_dom, needs_chromium
from report_samples import DEEP, HOSTILE, NAME, SPLIT, UNKNOWN_REQUIREMENT, WRITE, ZIP, sample_report

from weightspec.conformance.harness.render_html import render_html
from weightspec.conformance.harness.results import ERROR, EXPECTED_FAIL, FAIL, UNEXPECTED_PASS
from weightspec.spec import requirements

# --- HTML: the file itself --------------------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(sample_report(), requirements())


def test_html_is_self_contained(page):
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"\bsrc\s*=", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    hrefs = re.findall(r"\bhref\s*=\s*\"([^\"]*)\"", page, re.IGNORECASE)
    assert hrefs and all(href.startswith("#") for href in hrefs)
    for href in hrefs:
        assert f'id="{href[1:]}"' in page, href


def test_html_escapes_report_text(page):
    assert page.count("<script>") == 1  # the page's own
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;" in page


# --- HTML: what Chromium shows ----------------------------------------------------------------


def page_uri(tmp_path: Path) -> str:
    path = tmp_path / "report.html"
    path.write_text(render_html(sample_report(), requirements()), encoding="utf-8")
    return path.as_uri()


def shown_page(tmp_path: Path, query: str = "") -> Element:
    """The DOM of the report page after its script ran in headless Chromium, opened from file://."""
    return dump_dom(tmp_path / "profile", page_uri(tmp_path) + query)


def matrix_state(dom: Element) -> dict[str, bool]:
    """{requirement ID: whether its matrix row shows}."""
    rows = [row for row in dom.by_id("matrix").find_all("tr") if "data-requirement" in row.attrs]
    return {row.attrs["data-requirement"]: row.shown for row in rows}


def shown_results(dom: Element) -> list[tuple[str, str]]:
    rows = dom.by_id("not-passing-results").find_all("tr")
    return [
        (row.attrs["data-impl"], row.attrs["data-status"])
        for row in rows
        if "data-impl" in row.attrs and row.shown
    ]


@needs_chromium
def test_chromium_shows_metadata_matrix_results_and_requirement_texts(tmp_path):
    dom = shown_page(tmp_path)
    shown = dom.text(shown_only=True)
    assert "Suite version 0.1.0 Profile quick Seed 1234" in shown
    assert "does not conform to its expectations" in shown
    assert "unavailable: node not found: install Node.js 18+" in shown
    assert dom.by_id("shown").text() == "Showing 6 of 6 requirements and 4 of 4 non-passing results."
    matrix = dom.by_id("matrix")
    assert [th.text() for th in matrix.find_all("th", scope="col")] == [
        "Requirement",
        "Level",
        "reference 0.1.0",
        "huggingface_hub 2.4.0",
    ]
    (row,) = matrix.find_all("tr", data_requirement=NAME)
    assert row.text() == f"{NAME} MUST ✅ pass 🟡 expected fail"
    assert all(element.shown for element in matrix.find_all())
    assert f"bit 11 clear: {HOSTILE}" in dom.by_id("not-passing-results").text()
    assert len(dom.find_all("script")) == 1
    (link,) = row.find_all("a")
    assert link.attrs["href"] == f"#req-{NAME}"
    text = dom.by_id(f"req-{NAME}").text()
    catalog = requirements()[NAME]
    for part in ("MUST", "reader", "dduf.md", catalog.section, "Why: ../config.json escapes the extraction"):
        assert part in text
    assert "No name has a . or .. segment." in text
    codes = [code.text() for code in dom.by_id(f"req-{NAME}").find_all("code")]
    assert codes == [".", "..", "../config.json"]  # the spec's `code spans`, shown as code


@needs_chromium
def test_chromium_hides_an_implementations_column_and_rows_of_hidden_statuses(tmp_path):
    dom = shown_page(tmp_path, "?hide-impl=huggingface_hub&hide-status=pass")
    matrix = dom.by_id("matrix")
    columns = {
        cell.attrs["data-impl"] for cell in matrix.find_all() if "data-impl" in cell.attrs and cell.shown
    }
    assert columns == {"reference"}
    assert not [cell for cell in matrix.find_all(data_impl="huggingface_hub") if cell.shown]
    assert matrix_state(dom) == {
        ZIP: False,
        NAME: False,
        DEEP: False,
        WRITE: True,
        SPLIT: True,
        UNKNOWN_REQUIREMENT: False,
    }
    assert shown_results(dom) == [("reference", FAIL), ("reference", ERROR)]
    assert dom.by_id("shown").text() == "Showing 2 of 6 requirements and 2 of 4 non-passing results."


@needs_chromium
def test_chromium_keeps_a_row_while_one_visible_cell_has_a_shown_status(tmp_path):
    dom = shown_page(tmp_path, "?hide-status=pass,not-applicable&hide-status=fail")
    assert matrix_state(dom) == {
        ZIP: True,  # huggingface_hub: unexpected pass
        NAME: True,  # huggingface_hub: expected fail
        DEEP: False,  # pass and n/a
        WRITE: False,  # fail and pass
        SPLIT: True,  # error
        UNKNOWN_REQUIREMENT: False,
    }
    assert shown_results(dom) == [
        ("reference", ERROR),
        ("huggingface_hub", UNEXPECTED_PASS),
        ("huggingface_hub", EXPECTED_FAIL),
    ]


# What the page shows, read with the browser's own checkVisibility() (rendered, not just attributes).
SHOWN_STATE = """(() => {
  const shown = (selector) => Array.from(document.querySelectorAll(selector)).filter((e) => e.checkVisibility());
  return {
    columns: shown("#matrix thead th[data-impl]").map((e) => e.dataset.impl),
    rows: shown("#matrix tbody tr").map((e) => e.dataset.requirement),
    results: shown("#not-passing-results tbody tr").map((e) => e.dataset.impl + " " + e.dataset.status),
  };
})()"""


def click(box: str) -> str:
    return f'document.querySelector("#filters input[{box}]").click()'


@needs_chromium
def test_clicking_the_checkboxes_filters_the_page(tmp_path):
    page = DevToolsPage(tmp_path / "profile")
    try:
        page.open(page_uri(tmp_path))
        everything = page.evaluate(SHOWN_STATE)
        assert everything["columns"] == ["reference", "huggingface_hub"]
        assert len(everything["rows"]) == 6 and len(everything["results"]) == 4

        page.evaluate(click("name=impl][value=huggingface_hub"))
        page.evaluate(click("name=status][value=pass"))
        assert page.evaluate(SHOWN_STATE) == {
            "columns": ["reference"],
            "rows": [WRITE, SPLIT],
            "results": ["reference fail", "reference error"],
        }

        page.evaluate(click("name=impl][value=huggingface_hub"))
        shown = page.evaluate(SHOWN_STATE)
        # The unknown requirement has only a pass: hidden; DEEP shows again for its n/a cell.
        assert shown["rows"] == [
            DEEP,
            NAME,
            WRITE,
            ZIP,
            SPLIT,
        ]
        assert shown["results"] == everything["results"]
        page.evaluate(click("name=status][value=pass"))
        assert page.evaluate(SHOWN_STATE) == everything
    finally:
        page.close()
