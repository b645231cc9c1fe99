"""A conformance report as one self-contained HTML page, to open from disk or attach to a CI run.

``render_html(report, requirements)`` returns the page. It has no external resource (no URL, no
``src``; every ``href`` is an in-page ``#anchor``), so it opens from ``file://`` without a server.
It shows the run's metadata, each implementation's version, expectation file (with the version
it was checked with, and a note when that is not the running one) and counts per status, the
requirement x implementation matrix (a colour, a symbol and a word per cell), every result that
is neither a pass nor not applicable with its reason, and the full text of each requirement of
the matrix (``#req-<ID>``; ``requirements`` is ``weightspec.spec.requirements()``).

Filters: a checkbox per implementation hides its column and its results; a checkbox per status
hides its results and every matrix row whose visible cells all have hidden statuses. The query
``?hide-impl=NAME,...&hide-status=STATUS,...`` (each also repeatable) unchecks boxes at load; the
page then filters through the same function a click calls. Everything taken from the report is
HTML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from string import Template

from .results import Implementation, Report, TestResult
from .statuses import STYLES, label

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
$style
</style>
</head>
<body>
<header>
<h1>$title</h1>
$metadata
</header>
<main>
<section id="implementations">
<h2>Implementations</h2>
$implementations
</section>
<section id="matrix-section">
<h2>Requirements × implementations</h2>
<form id="filters">
$filters
</form>
<p id="shown" aria-live="polite"></p>
$matrix
</section>
<section id="not-passing">
<h2>Not passing</h2>
$not_passing
</section>
<section id="requirements">
<h2>Requirement texts</h2>
$requirement_texts
</section>
</main>
<script>
$script
</script>
</body>
</html>
""")

_STYLE = """\
:root { color-scheme: light; --border: #d0d7de; --muted: #59636e; }
body { font: 15px/1.45 system-ui, sans-serif; color: #1f2328; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; }
[hidden] { display: none !important; }
h1 { font-size: 1.6rem; margin-bottom: 0.5rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--border); }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.15rem 1rem; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.verdict { font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid var(--border); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
.version, .unavailable { color: var(--muted); }
.version-note { color: #9a6700; }
.badge { display: inline-block; border-radius: 1rem; padding: 0 0.5rem; margin: 0.1rem 0; white-space: nowrap; }
td.status, th.status { white-space: nowrap; }
#filters { display: flex; flex-wrap: wrap; gap: 1rem; }
#filters fieldset { border: 1px solid var(--border); border-radius: 6px; }
#filters label { margin-right: 0.8rem; white-space: nowrap; }
#shown { color: var(--muted); }
code { font-family: ui-monospace, monospace; font-size: 0.9em; }
.requirement { border: 1px solid var(--border); border-radius: 6px; padding: 0.2rem 1rem; margin: 0.8rem 0; }
.requirement:target { outline: 3px solid #0969da; }
.requirement dl { display: grid; grid-template-columns: max-content auto; gap: 0 1rem; }
.requirement dt { color: var(--muted); }
.requirement dd { margin: 0; }
"""

_SCRIPT = """\
(function () {
  "use strict";
  const form = document.getElementById("filters");
  const matrix = document.getElementById("matrix");
  const results = document.querySelectorAll("#not-passing-results tbody tr");
  const shown = document.getElementById("shown");

  function boxes(name) {
    return form.querySelectorAll("input[name='" + name + "']");
  }

  function uncheckedValues(name) {
    return new Set(Array.from(boxes(name)).filter((box) => !box.checked).map((box) => box.value));
  }

  function applyFilters() {
    const hiddenImpls = uncheckedValues("impl");
    const hiddenStatuses = uncheckedValues("status");
    for (const cell of matrix.querySelectorAll("[data-impl]")) {
      cell.hidden = hiddenImpls.has(cell.dataset.impl);
    }
    const rows = Array.from(matrix.tBodies[0].rows);
    for (const row of rows) {
      const visible = Array.from(row.querySelectorAll("td[data-status]")).filter((cell) => !cell.hidden);
      row.hidden = visible.every((cell) => hiddenStatuses.has(cell.dataset.status));
    }
    for (const row of results) {
      row.hidden = hiddenImpls.has(row.dataset.impl) || hiddenStatuses.has(row.dataset.status);
    }
    const rowsShown = rows.filter((row) => !row.hidden).length;
    const resultsShown = Array.from(results).filter((row) => !row.hidden).length;
    shown.textContent = "Showing " + rowsShown + " of " + rows.length + " requirements and " +
      resultsShown + " of " + results.length + " non-passing results.";
  }

  const query = new URLSearchParams(window.location.search);
  for (const [parameter, name] of [["hide-impl", "impl"], ["hide-status", "status"]]) {
    const hidden = new Set(query.getAll(parameter).flatMap((value) => value.split(",")));
    for (const box of boxes(name)) {
      if (hidden.has(box.value)) box.checked = false;
    }
  }
  form.addEventListener("change", applyFilters);
  applyFilters();
})();
"""

# A `code span` of the spec's Markdown, found after escaping (escaping leaves backticks alone).
_CODE_SPAN = re.compile(r"`([^`]+)`")


def render_html(report: Report, requirements: Mapping) -> str:
    columns = [impl for impl in report.implementations if impl.available]
    matrix = report.matrix()
    return _PAGE.substitute(
        title="weightspec conformance report",
        style=_STYLE + _status_colours(),
        metadata=_metadata(report),
        implementations=_implementations(report),
        filters=_filters(columns),
        matrix=_matrix(matrix, columns, requirements),
        not_passing=_not_passing(report.non_passing(), requirements),
        requirement_texts=_requirement_texts(matrix, requirements),
        script=_SCRIPT,
    )


def _e(text: object) -> str:
    """Text from the report or the spec, escaped for element content and quoted attributes."""
    return escape(str(text), quote=True)


def _status_colours() -> str:
    return "".join(f".status-{s.status} {{ background: {s.colour}; }}\n" for s in STYLES.values())


def _status_cell(status: str, **attributes: str) -> str:
    """A ``<td>`` coloured by ``status``, with ``data-<name>`` for each of ``attributes``."""
    data = "".join(f' data-{name}="{_e(value)}"' for name, value in attributes.items())
    return f'<td class="status status-{_e(status)}" data-status="{_e(status)}"{data}>{_e(label(status))}</td>'


def _metadata(report: Report) -> str:
    verdict = "conforms to its expectations" if report.conforms else "does not conform to its expectations"
    status = "pass" if report.conforms else "fail"
    return f"""<dl class="meta">
<dt>Verdict</dt><dd class="verdict status-{status}">{verdict}</dd>
<dt>Suite version</dt><dd>{_e(report.suite_version)}</dd>
<dt>Profile</dt><dd>{_e(report.profile)}</dd>
<dt>Seed</dt><dd>{_e(report.seed)}</dd>
</dl>"""


def _implementations(report: Report) -> str:
    rows = "\n".join(_implementation_row(report, impl) for impl in report.implementations)
    return f"""<table id="implementations-table">
<thead><tr><th>Implementation</th><th>Version</th><th>Capabilities</th><th>Expectations</th><th>Results</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>"""


def _implementation_row(report: Report, impl: Implementation) -> str:
    if impl.available:
        counts = report.counts(impl.name)
        badges = " ".join(
            f'<span class="badge status-{status}">{_e(label(status))} {count}</span>'
            for status, count in counts.items()
            if count
        )
        results = badges or "no test ran"
    else:
        results = f'<span class="unavailable">unavailable: {_e(impl.reason)}</span>'
    capabilities = ", ".join(f"<code>{_e(capability)}</code>" for capability in impl.capabilities)
    expectations = f"<code>{_e(impl.expectations)}</code>" if impl.expectations else "none"
    if impl.expectations_checked_with:
        expectations += f' <span class="version">checked with {_e(impl.expectations_checked_with)}</span>'
    if impl.version_note:
        expectations += f'<br><span class="version-note">{_e(impl.version_note)}</span>'
    return (
        f'<tr data-impl="{_e(impl.name)}"><th scope="row">{_e(impl.name)}</th><td>{_e(impl.version)}</td>'
        f"<td>{capabilities}</td><td>{expectations}</td><td>{results}</td></tr>"
    )


def _filters(columns: list[Implementation]) -> str:
    implementations = "\n".join(
        f'<label><input type="checkbox" name="impl" value="{_e(impl.name)}" checked> {_e(impl.name)}</label>'
        for impl in columns
    )
    statuses = "\n".join(
        f'<label class="badge status-{status}"><input type="checkbox" name="status" value="{status}" checked> '
        f"{_e(label(status))}</label>"
        for status in STYLES
    )
    return f"""<fieldset><legend>Implementations</legend>
{implementations}
</fieldset>
<fieldset><legend>Statuses</legend>
{statuses}
</fieldset>"""


def _matrix(matrix: dict[str, dict[str, str]], columns: list[Implementation], requirements: Mapping) -> str:
    header = "".join(
        f'<th scope="col" data-impl="{_e(impl.name)}">{_e(impl.name)} <span class="version">{_e(impl.version)}</span></th>'
        for impl in columns
    )
    rows = []
    for requirement_id, cells in matrix.items():
        requirement = requirements.get(requirement_id)
        level = _e(requirement.level) if requirement else ""
        row = [f'<tr data-requirement="{_e(requirement_id)}">']
        row.append(f'<th scope="row">{_requirement_link(requirement_id, requirements)}</th><td>{level}</td>')
        for impl in columns:
            status = cells.get(impl.name)
            row.append(
                _status_cell(status, impl=impl.name) if status else f'<td data-impl="{_e(impl.name)}"></td>'
            )
        row.append("</tr>")
        rows.append("".join(row))
    body = "\n".join(rows)
    return f"""<table id="matrix">
<thead><tr><th scope="col">Requirement</th><th scope="col">Level</th>{header}</tr></thead>
<tbody>
{body}
</tbody>
</table>"""


def _requirement_link(requirement_id: str, requirements: Mapping) -> str:
    if requirement_id not in requirements:
        return f'{_e(requirement_id)} <span class="version">(not in this spec)</span>'
    return f'<a href="#req-{_e(requirement_id)}">{_e(requirement_id)}</a>'


def _not_passing(results: list[TestResult], requirements: Mapping) -> str:
    if not results:
        return "<p>Every applicable test passed.</p>"
    rows = "\n".join(
        f'<tr data-impl="{_e(result.implementation)}" data-status="{_e(result.status)}">'
        f"<td>{_e(result.implementation)}</td><td><code>{_e(result.test)}</code></td>"
        f"{_status_cell(result.status)}"
        f"<td>{', '.join(_requirement_link(rid, requirements) for rid in result.requirements)}</td>"
        f"<td>{_e(result.reason)}</td><td>{_e(result.outcome)}</td></tr>"
        for result in results
    )
    return f"""<table id="not-passing-results">
<thead><tr><th>Implementation</th><th>Test</th><th>Status</th><th>Requirements</th><th>Reason</th><th>Outcome</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>"""


def _requirement_texts(matrix: dict[str, dict[str, str]], requirements: Mapping) -> str:
    articles = []
    for requirement_id in matrix:
        requirement = requirements.get(requirement_id)
        if requirement is None:
            continue
        articles.append(f"""<article class="requirement" id="req-{_e(requirement.id)}">
<h3>{_e(requirement.id)}</h3>
<dl>
<dt>Level</dt><dd>{_e(requirement.level)}</dd>
<dt>Scope</dt><dd>{_e(requirement.scope)}</dd>
<dt>Document</dt><dd>{_e(requirement.document)}</dd>
<dt>Section</dt><dd>{_e(requirement.section)}</dd>
</dl>
<p class="summary">{_spec_text(requirement.summary)}</p>
<p class="rationale"><strong>Why:</strong> {_spec_text(requirement.rationale)}</p>
</article>""")
    return "\n".join(articles) or "<p>No requirement was tested.</p>"


def _spec_text(text: str) -> str:
    """A sentence of the spec's Markdown: escaped, with its `code spans` shown as code."""
    return _CODE_SPAN.sub(r"<code>\1</code>", _e(text))


__all__ = ["render_html"]
