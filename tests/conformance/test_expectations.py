"""Expectation files (``harness/expectations.py``): which versions an entry holds for, ``checked-with``,
and what a rerun of ``--write-expectations`` keeps of the file it replaces."""

from __future__ import annotations

import pytest

from weightspec.conformance.harness.errors import ExpectationsError
from weightspec.conformance.harness.expectations import (
    Divergence,
    Expectations,
    all_builtin_expectations,
    builtin_expectations,
    parse_expectations,
    render_expectations,
)
from weightspec.conformance.harness.results import (
    EXPECTED_FAIL,
    FAIL,
    NOT_APPLICABLE,
    PASS,
)
from weightspec.conformance.harness.results import TestResult as Result  # not collected by pytest

# Requirement IDs are data here (see report_samples.py): named constants keep them out of the
# traceability of these test functions.
NAME = "DDUF-NAME-003"
ZIP = "DDUF-ZIP-001"
INDEX = "SHARD-INDEX-001"
IMPL = "accelerate"


def result(test: str, requirement: str, status: str, reason: str = "") -> Result:
    return Result(IMPL, test, test.split("/")[0], (requirement,), status, reason)


def expectations(body: str, header: str = f'implementation = "{IMPL}"\n'):
    return parse_expectations(header + body, "mine.toml")


def entry(test: str, requirement: str, reason: str, versions: str | None = None) -> str:
    line = f'\n[[divergence]]\ntest = "{test}"\nrequirement = "{requirement}"\nreason = "{reason}"\n'
    return line + (f'versions = "{versions}"\n' if versions else "")


# --- versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("versions", "version", "holds"),
    [
        (None, "1.15.0", True),
        (None, "not-a-version", True),
        (">=1.0,<1.16", "1.15.0", True),
        (">=1.0,<1.16", "1.16.0", False),
        ("<1.16", "not-a-version", False),  # an unparsable version is in no specifier
    ],
)
def test_an_entry_holds_for_the_versions_its_specifier_names(versions, version, holds):
    loaded = expectations(entry("dduf-read/name-parent-segment", NAME, "reads ../x", versions))
    found = loaded.lookup("dduf-read/name-parent-segment", (NAME,), version)
    assert (found is not None) is holds
    assert loaded.divergences[0].holds_for(version) is holds


def test_lookup_takes_the_entry_of_the_running_version():
    loaded = expectations(
        entry("dduf-read/zip-comment", ZIP, "old reason", "<1.16")
        + entry("dduf-read/zip-comment", ZIP, "new reason", ">=1.16")
    )
    assert loaded.lookup("dduf-read/zip-comment", (ZIP,), "1.15.0").reason == "old reason"
    assert loaded.lookup("dduf-read/zip-comment", (ZIP,), "1.16.1").reason == "new reason"


# --- checked-with -----------------------------------------------------------------------------


def test_checked_with_is_read_and_is_optional():
    assert expectations("", f'implementation = "{IMPL}"\nchecked-with = "1.15.0"\n').checked_with == "1.15.0"
    assert expectations("").checked_with is None


@pytest.mark.parametrize("value", ["1", '""', "[1]"])
def test_checked_with_must_be_a_version_string(value):
    with pytest.raises(ExpectationsError, match=r"mine\.toml: checked-with must be a version string"):
        expectations("", f'implementation = "{IMPL}"\nchecked-with = {value}\n')


def test_the_shipped_files_say_which_version_they_were_checked_with():
    shipped = {e.implementation: e for e in all_builtin_expectations()}
    assert shipped["huggingface_hub"].checked_with == "2.4.0"
    assert shipped["huggingface.js"].checked_with == "0.0.2"
    assert builtin_expectations("huggingface_hub") == shipped["huggingface_hub"]
    assert all(e.source == f"expectations/{e.implementation}.toml" for e in shipped.values())


def test_a_written_file_reads_back_with_its_version_and_every_failing_test():
    results = [
        result("dduf-read/name-parent-segment", NAME, FAIL, "accepts ../x\nsecond line"),
        result("dduf-read/zip-comment", ZIP, PASS),
        result("checkpoint-load/total-size", INDEX, EXPECTED_FAIL, "total_size is a string"),
        result("dduf-write/zip-comment", ZIP, NOT_APPLICABLE, "no dduf-write"),
    ]
    text = render_expectations(IMPL, "1.15.0", results)
    assert text.startswith(f"# Known divergences of {IMPL} from the spec, written by --write-expectations.\n")
    written = parse_expectations(text, "written.toml")
    assert (written.implementation, written.checked_with) == (IMPL, "1.15.0")
    assert written.divergences == (
        Divergence(INDEX, "total_size is a string", "checkpoint-load/total-size"),
        Divergence(NAME, "accepts ../x", "dduf-read/name-parent-segment"),
    )


# --- a rerun over an existing file ----------------------------------------------------------

PREVIOUS = (
    "# accelerate's divergences, reviewed by hand.\n"
    "#\n"
    "# Second paragraph of the introduction.\n\n"
    f'implementation = "{IMPL}"\n'
    'checked-with = "1.15.0"\n'
    + entry("dduf-read/name-parent-segment", NAME, "hand-written: reads ../x")
    + entry("dduf-read/zip-comment", ZIP, "fixed in 1.16")
    + entry("dduf-read/zip-trailing-bytes", ZIP, "only before 1.16", "<1.16")
    + entry("checkpoint-load/total-size", INDEX, "not run this time")
)


@pytest.fixture
def rerun() -> Expectations:
    """A run of 1.16.0 that selected the DDUF tests only: one still fails, one is fixed, one is new."""
    results = [
        result(
            "dduf-read/name-parent-segment", NAME, EXPECTED_FAIL, "accepts ../config.json [expected: ...]"
        ),
        result("dduf-read/zip-comment", ZIP, PASS),
        result("dduf-read/zip-trailing-bytes", ZIP, PASS),
        result("dduf-read/name-backslash", NAME, FAIL, "accepts a\\b"),
        result("checkpoint-load/total-size", INDEX, NOT_APPLICABLE, "not selected"),
    ]
    return parse_expectations(render_expectations(IMPL, "1.16.0", results, previous=PREVIOUS), "rerun.toml")


def test_a_rerun_keeps_the_hand_written_reason_of_a_test_that_still_fails(rerun):
    assert (
        rerun.lookup("dduf-read/name-parent-segment", (NAME,), "1.16.0").reason == "hand-written: reads ../x"
    )


def test_a_rerun_keeps_the_entries_of_other_versions_and_of_tests_it_did_not_run(rerun):
    assert rerun.lookup("dduf-read/zip-trailing-bytes", (ZIP,), "1.15.0").reason == "only before 1.16"
    assert rerun.lookup("checkpoint-load/total-size", (INDEX,), "1.16.0").reason == "not run this time"


def test_a_rerun_drops_what_is_fixed_adds_what_is_new_and_records_the_version(rerun):
    assert rerun.checked_with == "1.16.0"
    tests = [d.test for d in rerun.divergences]
    assert tests == [
        "checkpoint-load/total-size",
        "dduf-read/name-backslash",
        "dduf-read/name-parent-segment",
        "dduf-read/zip-trailing-bytes",
    ]
    assert rerun.lookup("dduf-read/name-backslash", (NAME,), "1.16.0").reason == "accepts a\\b"


def test_a_rerun_keeps_the_files_introduction():
    text = render_expectations(IMPL, "1.16.0", [], previous=PREVIOUS)
    assert text.startswith(
        "# accelerate's divergences, reviewed by hand.\n#\n# Second paragraph of the introduction.\n"
        f'implementation = "{IMPL}"\n'
    )


def test_an_entry_for_every_test_of_a_requirement_covers_its_failures_on_a_rerun():
    previous = (
        f'implementation = "{IMPL}"\n\n[[divergence]]\nrequirement = "{NAME}"\nreason = "all of them"\n'
    )
    results = [result("dduf-read/name-parent-segment", NAME, FAIL, "x"), result("dduf-read/b", NAME, PASS)]
    rerun = parse_expectations(render_expectations(IMPL, "2", results, previous=previous), "rerun.toml")
    assert rerun.divergences == (Divergence(NAME, "all of them"),)


def test_a_rerun_refuses_to_replace_another_implementations_file():
    with pytest.raises(ExpectationsError, match="is for 'huggingface_hub', not 'accelerate'"):
        render_expectations(IMPL, "1.16.0", [], previous='implementation = "huggingface_hub"\n')


# --- entries per requirement for a property test ---------------------------------------------

PROPERTY = "dduf-read/corrupt-input-is-refused-or-read-exactly"
PROPERTY_TAGS = (ZIP, NAME, "DDUF-ENTRY-005")
# A failure of the property on an example that breaks DDUF-ENTRY-005 only.
SIGNATURE_FAILURE = Result(
    IMPL, PROPERTY, "dduf-read", PROPERTY_TAGS, FAIL, "accepts a bad signature", breaks=("DDUF-ENTRY-005",)
)
PER_REQUIREMENT = expectations(
    entry(PROPERTY, ZIP, "crashes on truncation") + entry(PROPERTY, NAME, "reads ../x")
)


def test_a_property_may_fail_on_every_listed_requirement_and_on_no_other():
    assert PER_REQUIREMENT.listed(PROPERTY, PROPERTY_TAGS, "1.0") == {ZIP, NAME}
    assert PER_REQUIREMENT.lookup(PROPERTY, PROPERTY_TAGS, "1.0", breaks=(NAME,)).reason == "reads ../x"
    assert PER_REQUIREMENT.lookup(PROPERTY, PROPERTY_TAGS, "1.0", breaks=("DDUF-ENTRY-005",)) is None
    # An archive that breaks no rule but was misread: no entry can cover that.
    assert PER_REQUIREMENT.lookup(PROPERTY, PROPERTY_TAGS, "1.0", breaks=()) is None
    # A pass says nothing about which requirement: any entry of the test makes it unexpected.
    assert PER_REQUIREMENT.lookup(PROPERTY, PROPERTY_TAGS, "1.0") is not None


def test_a_property_failure_counts_in_the_matrix_for_the_requirements_it_breaks_only():
    from weightspec.conformance.harness.results import Report

    failed = SIGNATURE_FAILURE
    matrix = Report("0", "dev", "0", results=[failed]).matrix()
    assert matrix == {ZIP: {IMPL: PASS}, NAME: {IMPL: PASS}, "DDUF-ENTRY-005": {IMPL: FAIL}}
    assert Result.from_json(failed.to_json()) == failed


def test_a_rerun_adds_an_entry_for_the_requirement_a_new_property_failure_breaks():
    previous = f'implementation = "{IMPL}"\n' + entry(PROPERTY, ZIP, "crashes on truncation")
    new = SIGNATURE_FAILURE
    written = parse_expectations(render_expectations(IMPL, "1.0", [new], previous=previous), "rerun.toml")
    assert [(d.requirement, d.reason) for d in written.divergences] == [
        ("DDUF-ENTRY-005", "accepts a bad signature"),
        (ZIP, "crashes on truncation"),
    ]
