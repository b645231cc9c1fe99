"""Conformance reports: the JSON a run writes (and its schema), the Markdown comment and the HTML page.

The HTML page is opened from ``file://`` in headless Chromium (Debian's ``chromium`` package) and
judged by what it shows after its script ran: the DOM that ``--dump-dom`` prints (filters set by
the page's query), and, for real clicks on the filter checkboxes, the page driven over the
DevTools protocol. These tests skip only where no ``chromium`` is on the PATH.
"""

from __future__ import annotations

import copy
import dataclasses
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

import weightspec.spec
from weightspec.conformance.harness.adapter import CAPABILITIES
from weightspec.conformance.harness.render_html import render_html
from weightspec.conformance.harness.render_markdown import escape, heading_anchor, render_markdown
from weightspec.conformance.harness.render_text import render_text
from weightspec.conformance.harness.results import (
    ERROR,
    EXPECTED_FAIL,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    STATUSES,
    UNEXPECTED_PASS,
    Implementation,
    Report,
)
from weightspec.conformance.harness.results import TestResult as Result  # not collected by pytest
from weightspec.conformance.harness.statuses import STYLES, label, style
from weightspec.spec import requirements, schema

SPEC_FOLDER = Path(weightspec.spec.__file__).parent
HOSTILE = "<script>alert('x')</script> & \"quoted\" | piped *starred* `ticked`"
# The sample's requirements. They are data here, not what these tests check, so test functions
# use these names: a requirement ID in a test function's literals would list it as that
# requirement's test (spec/traceability.py).
ZIP = "DDUF-ZIP-001"
NAME = "DDUF-NAME-003"
DEEP = "DDUF-DEEP-001"
WRITE = "DDUF-WRITE-006"
SPLIT = "SHARD-SPLIT-001"
UNKNOWN_REQUIREMENT = "DDUF-GONE-999"


def result(impl: str, test: str, requirement: str, status: str, reason: str = "") -> Result:
    return Result(
        implementation=impl,
        test=test,
        capability=test.split("/")[0],
        requirements=(requirement,),
        status=status,
        reason=reason,
        outcome="accepted" if status in (PASS, UNEXPECTED_PASS) else "refused as corrupt-archive: bad",
        case=test.split("/")[1],
    )


def sample_report() -> Report:
    """Two implementations with every status between them, one unavailable, hostile reasons."""
    return Report(
        suite_version="0.1.0",
        profile="quick",
        seed="1234",
        implementations=[
            Implementation("reference", "0.1.0", CAPABILITIES),
            Implementation(
                "huggingface_hub",
                "2.4.0",
                ("dduf-read", "dduf-write"),
                expectations="conformance/expectations/huggingface_hub.toml",
                expectations_checked_with="2.4.0",
            ),
            Implementation(
                "node-dduf", "unknown", available=False, reason="node not found: install Node.js 18+"
            ),
        ],
        results=[
            result("reference", "dduf-read/zip-comment", ZIP, PASS),
            result("reference", "dduf-read/name-parent-segment", NAME, PASS),
            result("reference", "dduf-write/non-ascii-name", WRITE, FAIL, f"bit 11 clear: {HOSTILE}"),
            result("reference", "dduf-validate-deep/bad-crc", DEEP, PASS),
            result("reference", "checkpoint-split/tied-weights", SPLIT, ERROR, "driver exited"),
            result("reference", "dduf-read/retired", UNKNOWN_REQUIREMENT, PASS),
            result("huggingface_hub", "dduf-read/zip-comment", ZIP, UNEXPECTED_PASS, "listed, passed"),
            result(
                "huggingface_hub",
                "dduf-read/name-parent-segment",
                NAME,
                EXPECTED_FAIL,
                "reads ../x",
            ),
            result("huggingface_hub", "dduf-write/non-ascii-name", WRITE, PASS),
            result("huggingface_hub", "dduf-validate-deep/bad-crc", DEEP, NOT_APPLICABLE),
        ],
    )


# --- statuses ---------------------------------------------------------------------------------


def test_every_status_has_one_style_with_a_distinct_symbol_word_and_colour():
    assert tuple(STYLES) == STATUSES
    for attribute in ("symbol", "word", "colour"):
        assert len({getattr(s, attribute) for s in STYLES.values()}) == len(STATUSES), attribute
    assert label(EXPECTED_FAIL) == "🟡 expected fail"
    with pytest.raises(KeyError, match="unknown status 'skipped'"):
        style("skipped")


# --- JSON and its schema ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_validator() -> jsonschema.Draft202012Validator:
    loaded = schema("conformance-report.schema.json")
    jsonschema.Draft202012Validator.check_schema(loaded)
    return jsonschema.Draft202012Validator(loaded)


def test_schema_is_draft_2020_12_with_the_suites_statuses_and_capabilities(report_validator):
    loaded = report_validator.schema
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["$id"] == "https://weightspec.dev/schemas/conformance-report.schema.json"
    assert tuple(loaded["$defs"]["status"]["enum"]) == STATUSES
    assert tuple(loaded["$defs"]["capability"]["enum"]) == CAPABILITIES


def test_a_report_with_every_status_and_an_unavailable_implementation_is_valid(report_validator):
    report = sample_report()
    data = report.to_json()
    assert {r["status"] for r in data["results"]} == set(STATUSES)
    assert not data["implementations"][2]["available"]
    report_validator.validate(data)
    assert Report.from_json(data).to_json() == data


def broken(change) -> dict:
    data = copy.deepcopy(sample_report().to_json())
    change(data)
    return data


BROKEN_REPORTS = [
    pytest.param(lambda d: d.pop("seed"), id="no seed"),
    pytest.param(lambda d: d["results"][0].pop("reason"), id="result without reason"),
    pytest.param(lambda d: d["implementations"][0].pop("available"), id="implementation without available"),
    pytest.param(lambda d: d["results"][0].update(status="skipped"), id="unknown result status"),
    pytest.param(lambda d: d["matrix"][ZIP].update(reference="passed"), id="unknown matrix status"),
    pytest.param(lambda d: d["results"][0].update(capability="dduf-fly"), id="unknown capability"),
    pytest.param(lambda d: d["results"][0].update(test="zip-comment"), id="test without capability"),
    pytest.param(lambda d: d["matrix"].update({"zip one": {"reference": "pass"}}), id="matrix key not an ID"),
    pytest.param(lambda d: d.update(extra=1), id="unknown top-level key"),
    pytest.param(lambda d: d["results"][0].update(duration=1.5), id="unknown result key"),
    pytest.param(lambda d: d.update(conforms="yes"), id="conforms a string"),
]


@pytest.mark.parametrize("change", BROKEN_REPORTS)
def test_broken_reports_are_rejected(report_validator, change):
    assert not report_validator.is_valid(broken(change))


# --- text -------------------------------------------------------------------------------------

VERSION_NOTE = (
    "    expectations for huggingface_hub were checked with 2.4.0; running 2.5.0: behaviour changes "
    "show as unexpected passes or failures"
)


def with_hub_version(version: str) -> Report:
    report = sample_report()
    report.implementations = [
        dataclasses.replace(impl, version=version) if impl.name == "huggingface_hub" else impl
        for impl in report.implementations
    ]
    return report


def test_text_names_each_implementations_expectation_file_and_the_version_it_was_checked_with():
    lines = render_text(sample_report(), requirements()).splitlines()
    hub = next(line for line in lines if line.startswith("  huggingface_hub 2.4.0: "))
    assert hub.endswith("(expectations: conformance/expectations/huggingface_hub.toml, checked with 2.4.0)")
    assert not any("were checked with" in line for line in lines)


def test_text_matrix_header_gives_each_implementations_version():
    lines = render_text(sample_report(), requirements()).splitlines()
    header = next(line for line in lines if line.startswith("requirement "))
    assert header.split() == ["requirement", "reference", "0.1.0", "huggingface_hub", "2.4.0"]


def test_text_says_when_the_running_version_is_not_the_one_the_expectations_were_checked_with():
    lines = render_text(with_hub_version("2.5.0"), requirements()).splitlines()
    hub = next(number for number, line in enumerate(lines) if line.startswith("  huggingface_hub 2.5.0: "))
    assert lines[hub + 1] == VERSION_NOTE
    assert sum("were checked with" in line for line in lines) == 1


def test_the_same_version_spelled_otherwise_is_no_mismatch():
    assert "were checked with" not in render_text(with_hub_version("2.4"), requirements())


def test_markdown_and_html_show_the_checked_with_version_and_the_mismatch():
    assert "expectations conformance/expectations/huggingface\\_hub.toml (checked with 2.4.0)" in (
        render_markdown(sample_report(), requirements())
    )
    assert "checked with 2.4.0; running 2.5.0" in render_markdown(with_hub_version("2.5.0"), requirements())
    assert '<span class="version">checked with 2.4.0</span>' in render_html(sample_report(), requirements())
    assert "checked with 2.4.0; running 2.5.0" in render_html(with_hub_version("2.5.0"), requirements())


# --- Markdown ---------------------------------------------------------------------------------


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
    for item, result in zip(items, report.non_passing(), strict=True):
        assert item.startswith(f"- {label(result.status)} · **{escape(result.implementation)}** · ")
        assert f"{escape(result.test)} ({result.requirements[0]})" in item
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

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)"
)
VOID_ELEMENTS = {"meta", "link", "input", "br", "hr", "img", "col", "wbr", "source", "area", "base"}


@dataclass
class Element:
    tag: str
    attrs: dict
    parent: Element | None = None
    children: list = field(default_factory=list)  # Elements and text strings

    @property
    def shown(self) -> bool:
        """Neither it nor an ancestor has the ``hidden`` attribute."""
        return "hidden" not in self.attrs and (self.parent is None or self.parent.shown)

    def text(self, *, shown_only: bool = False) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not shown_only or "hidden" not in child.attrs:
                parts.append(child.text(shown_only=shown_only))
        return " ".join(" ".join(parts).split())

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                wanted = tag in (None, child.tag) and all(
                    child.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items()
                )
                found.extend([child] if wanted else [])
                found.extend(child.find_all(tag, **attrs))
        return found

    def by_id(self, element_id: str) -> Element:
        (found,) = self.find_all(id=element_id)
        return found


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def chromium(profile: Path, *arguments: str) -> list[str]:
    """A headless Chromium command line that reaches no network service."""
    flags = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
    return [
        CHROMIUM,
        *flags.split(),
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *arguments,
    ]


def page_uri(tmp_path: Path) -> str:
    path = tmp_path / "report.html"
    path.write_text(render_html(sample_report(), requirements()), encoding="utf-8")
    return path.as_uri()


def shown_page(tmp_path: Path, query: str = "") -> Element:
    """The DOM of the report page after its script ran in headless Chromium, opened from file://."""
    command = chromium(tmp_path / "profile", "--dump-dom", page_uri(tmp_path) + query)
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    builder = _TreeBuilder()
    builder.feed(done.stdout)
    return builder.root


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


class DevToolsPage:
    """A page of headless Chromium driven over the DevTools protocol on a pipe: with
    ``--remote-debugging-pipe`` Chromium reads commands (JSON, each ended by a NUL byte) on file
    descriptor 3 and writes answers and events on 4."""

    TIMEOUT = 60.0

    def __init__(self, profile: Path) -> None:
        commands_end, self._commands = os.pipe()
        self._answers, answers_end = os.pipe()
        # Above 4, so that bash's `3<&` and `4>&` cannot overwrite one end with the other.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_end, answers_end)]
        # bash moves the two ends to descriptors 3 and 4, then becomes Chromium.
        wiring = ["bash", "-c", 'exec 3<&"$0" 4>&"$1"; exec "${@:2}"', *map(str, ends)]
        self._process = subprocess.Popen(
            [*wiring, *chromium(profile, "--remote-debugging-pipe", "about:blank")],
            pass_fds=ends,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (commands_end, answers_end, *ends):
            os.close(fd)
        self._received: list[dict] = []
        self._buffer = b""
        self._last_id = 0
        try:
            targets = self._send("Target.getTargets")["targetInfos"]
            page = next(target for target in targets if target["type"] == "page")
            attached = self._send("Target.attachToTarget", targetId=page["targetId"], flatten=True)
            self._session = attached["sessionId"]
            self._send("Page.enable", session=True)
        except BaseException:
            self.close()
            raise

    def open(self, url: str) -> None:
        self._send("Page.navigate", session=True, url=url)
        self._receive(lambda message: message.get("method") == "Page.loadEventFired")

    def evaluate(self, expression: str):
        answer = self._send("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def close(self) -> None:
        self._process.kill()
        self._process.wait()
        os.close(self._commands)
        os.close(self._answers)

    def _send(self, method: str, *, session: bool = False, **params) -> dict:
        self._last_id += 1
        command = {"id": self._last_id, "method": method, "params": params}
        if session:
            command["sessionId"] = self._session
        os.write(self._commands, json.dumps(command).encode() + b"\0")
        answer = self._receive(lambda message, wanted=self._last_id: message.get("id") == wanted)
        assert "error" not in answer, answer
        return answer["result"]

    def _receive(self, wanted) -> dict:
        """The first message, received or still to come, for which ``wanted`` is true."""
        deadline = time.monotonic() + self.TIMEOUT
        while True:
            for message in self._received:
                if wanted(message):
                    self._received.remove(message)
                    return message
            if not select.select([self._answers], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise TimeoutError(f"Chromium sent no expected message within {self.TIMEOUT} s")
            chunk = os.read(self._answers, 1 << 16)
            assert chunk, "Chromium closed the DevTools pipe"
            *complete, self._buffer = (self._buffer + chunk).split(b"\0")
            self._received.extend(json.loads(message) for message in complete)


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
