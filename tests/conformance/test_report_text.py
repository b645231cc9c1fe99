"""Conformance reports as text, and the expectations' checked-with version in every format."""

from __future__ import annotations

import dataclasses

from report_samples import sample_report

from weightspec.conformance.harness.render_html import render_html
from weightspec.conformance.harness.render_markdown import render_markdown
from weightspec.conformance.harness.render_text import render_text
from weightspec.conformance.harness.results import Report
from weightspec.spec import requirements

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
