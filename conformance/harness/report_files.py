"""Writing a run's files: the report in the format its suffix names, and any text atomically.

- ``REPORT_SUFFIXES``: ``.json`` (valid against ``spec/schemas/conformance-report.schema.json``),
  ``.md`` (``render_markdown``) and ``.html``/``.htm`` (``render_html``);
- ``write_report(path, report)``: raises ``ValueError`` for another suffix, before writing;
- ``write_atomically(path, text)``: through a temporary file beside ``path``, so that a failed
  run never leaves half a report or expectation file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .results import Report

REPORT_SUFFIXES = (".json", ".md", ".html", ".htm")


def write_report(path: Path, report: Report) -> None:
    from weightspec.spec import requirements

    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(f"{path}: the suffix must be .json, .md or .html")
    if suffix == ".json":
        text = json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    elif suffix == ".md":
        from .render_markdown import render_markdown

        text = render_markdown(report, requirements())
    else:
        from .render_html import render_html

        text = render_html(report, requirements())
    write_atomically(path, text)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
