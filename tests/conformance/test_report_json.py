"""Conformance reports: the statuses they use, and the JSON a run writes checked against its schema."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from report_samples import ZIP, sample_report

from weightspec.conformance.harness.adapter import CAPABILITIES
from weightspec.conformance.harness.results import EXPECTED_FAIL, STATUSES, Report
from weightspec.conformance.harness.statuses import STYLES, label, style
from weightspec.spec import schema

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
