"""The traceability table: up to date with the code, and complete for every MUST requirement."""

from __future__ import annotations

import json
import re

import pytest

from weightspec.cli.explain import explanation
from weightspec.spec import document, requirements, traceability

UNOBSERVABLE = re.compile(r"^- \*\*(?P<id>[A-Z0-9-]+)\*\*: (?P<why>.+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def table() -> dict:
    return traceability.load()


def unobservable() -> dict[str, str]:
    return {m["id"]: m["why"] for m in UNOBSERVABLE.finditer(document("conformance.md"))}


def test_the_table_is_what_the_code_generates():
    """Stale after a change to the reference, the cases or the tests: regenerate it."""
    generated = traceability.generate(traceability.checkout_root())
    assert traceability.load() == json.loads(traceability.render(generated))["requirements"], (
        "spec/traceability.json is stale: run python -m weightspec.spec.traceability --write"
    )


def test_every_requirement_has_a_row_naming_its_document_and_section(table):
    assert set(table) == set(requirements())
    assert all(
        table[rid]["document"] == r.document and table[rid]["section"] == r.section
        for rid, r in requirements().items()
    )


def test_every_must_requirement_is_checked_by_the_reference(table):
    unchecked = [rid for rid, r in requirements().items() if r.level == "MUST" and not table[rid]["checks"]]
    assert unchecked == [], "MUST requirements that no reference function names"


def test_every_observable_must_requirement_has_a_case_or_a_conformance_test(table):
    exempt = unobservable()
    uncovered = [
        rid
        for rid, r in requirements().items()
        if r.level == "MUST"
        and rid not in exempt
        and not table[rid]["cases"]
        and not any(test.startswith("conformance ") for test in table[rid]["tests"])
    ]
    assert uncovered == [], (
        "MUST requirements the suite never exercises; add a case or list them in conformance.md"
    )


def test_requirements_called_unobservable_are_real_musts_without_a_conformance_test(table):
    for rid, why in unobservable().items():
        assert requirements()[rid].level == "MUST", rid
        assert why.strip().endswith("."), rid
        assert not any(test.startswith("conformance ") for test in table[rid]["tests"]), (
            f"{rid} is listed as unobservable but a conformance test checks it: remove it from conformance.md"
        )


@pytest.mark.parametrize("rid", ["DDUF-NAME-003", "ST-TENSOR-005", "SHARD-INDEX-002"])
def test_explain_gets_from_an_id_to_its_text_checks_cases_and_tests_in_one_hop(rid):
    found = explanation(rid)
    assert found["summary"] == requirements()[rid].summary
    assert found["checks"] and all(check.startswith("reference/") for check in found["checks"])
    assert found["cases"] and found["tests"]
