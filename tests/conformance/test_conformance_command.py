"""``weightspec conformance`` end to end, in a subprocess as a user runs it: the matrix, the gate
(unexpected failures and passes fail the run), expectation files, broken and unavailable
implementations, and every usage error with its message.

The mutants of ``mutants/`` are reached with ``--impl mutants:NAME``; ``PYTHONPATH`` points at
this folder for that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from weightspec.conformance.adapters import BUILTIN

HERE = Path(__file__).resolve().parent
WEIGHTSPEC = Path(sys.executable).with_name("weightspec")


def conformance(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(HERE), **(env or {})}
    return subprocess.run(
        [str(WEIGHTSPEC), "conformance", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=600,
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory) -> dict:
    """The default run (the reference, every test), as its JSON report."""
    report = tmp_path_factory.mktemp("reference") / "report.json"
    result = conformance("--report", str(report), cwd=report.parent)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "verdict: every implementation behaves as its expectations say" in result.stdout
    return json.loads(report.read_text())


def test_the_reference_passes_every_applicable_test(reference_report):
    statuses = {result["status"] for result in reference_report["results"]}
    assert statuses == {"pass"}, [r for r in reference_report["results"] if r["status"] != "pass"][:5]
    assert reference_report["conforms"] is True
    (impl,) = reference_report["implementations"]
    assert impl["name"] == "reference" and impl["available"]


def test_every_case_of_the_library_is_run_for_read_and_deep_validation(reference_report):
    from weightspec.conformance import all_cases

    tests = {result["test"] for result in reference_report["results"]}
    for case in all_cases():
        assert {f"dduf-read/{case.id}", f"dduf-validate-deep/{case.id}"} <= tests


def test_a_broken_reader_fails_for_the_right_requirement_and_says_why(tmp_path):
    report = tmp_path / "report.json"
    result = conformance(
        # Not the corruption properties: this mutant fails them too, when they draw bytes after the end.
        "--impl",
        "mutants:accepts_trailing_bytes",
        "-k",
        "dduf-read and not corrupt",
        "--report",
        str(report),
    )
    assert result.returncode == 1, result.stderr
    data = json.loads(report.read_text())
    failed = {r["test"]: r for r in data["results"] if r["status"] == "fail"}
    assert sorted(failed) == ["dduf-read/zip-trailing-bytes"]
    assert failed["dduf-read/zip-trailing-bytes"]["requirements"][0] == "DDUF-ZIP-001"
    assert "accepts an input that breaks DDUF-ZIP-001" in failed["dduf-read/zip-trailing-bytes"]["reason"]
    assert data["matrix"]["DDUF-ZIP-001"] == {"accepts-trailing-bytes": "fail"}
    assert "FAIL   accepts-trailing-bytes  dduf-read/zip-trailing-bytes" in result.stdout


def test_wrong_offsets_fail_every_case_a_reader_must_open(tmp_path):
    report = tmp_path / "report.json"
    result = conformance("--impl", "mutants:off_by_one_offsets", "-k", "dduf-read", "--report", str(report))
    assert result.returncode == 1
    results = json.loads(report.read_text())["results"]
    failed = [r for r in results if r["status"] == "fail"]
    assert failed and all("located wrongly" in r["reason"] for r in failed)
    assert all(r["status"] == "pass" for r in results if r not in failed)  # refusals are still right


def test_an_undocumented_exception_is_a_crash_and_the_run_goes_on(tmp_path):
    report = tmp_path / "report.json"
    result = conformance(
        "--impl", "mutants:crashes_on_empty_entries", "-k", "dduf-read", "--report", str(report)
    )
    assert result.returncode == 1
    results = json.loads(report.read_text())["results"]
    crashed = [r for r in results if "IndexError" in r["reason"]]
    assert crashed and all(r["status"] == "fail" for r in crashed)
    assert sum(r["status"] == "pass" for r in results) > 100  # later cases still ran


def _failures(report: Path) -> dict[str, dict]:
    return {r["test"]: r for r in json.loads(report.read_text())["results"] if r["status"] == "fail"}


def test_a_load_that_keeps_initial_values_is_reported_as_a_silent_wrong_load(tmp_path):
    report = tmp_path / "report.json"
    result = conformance(
        "--impl",
        "mutants:keeps_initial_values",
        "-k",
        "model-tensor-missing-from-its-shard",
        "--report",
        str(report),
    )
    assert result.returncode == 1, result.stderr
    failed = _failures(report)
    assert sorted(failed) == ["checkpoint-load/model-tensor-missing-from-its-shard"]
    reason = failed["checkpoint-load/model-tensor-missing-from-its-shard"]["reason"]
    assert reason.startswith(
        "accepts an input that breaks SHARD-LOAD-002, with a silent wrong load: a kept its initial values: "
    )


def test_a_weight_left_on_meta_is_a_silent_wrong_load_not_a_pass(tmp_path):
    report = tmp_path / "report.json"
    result = conformance(
        "--impl", "mutants:leaves_a_weight_on_meta", "-k", "valid-sharded-checkpoint", "--report", str(report)
    )
    assert result.returncode == 1, result.stderr
    failed = _failures(report)
    assert sorted(failed) == ["checkpoint-load-into-model/valid-sharded-checkpoint"]
    reason = failed["checkpoint-load-into-model/valid-sharded-checkpoint"]["reason"]
    assert reason == "silent wrong load: d was left on the meta device (never loaded)"


def test_an_expectation_file_turns_a_known_divergence_into_an_expected_failure(tmp_path):
    expectations = write(
        tmp_path / "mine.toml",
        'implementation = "accepts-trailing-bytes"\n\n[[divergence]]\ntest = "dduf-read/zip-trailing-bytes"\n'
        'requirement = "DDUF-ZIP-001"\nreason = "cuts bytes after the end record off"\n',
    )
    report = tmp_path / "report.json"
    result = conformance(
        "--impl", "mutants:accepts_trailing_bytes", "-k", "DDUF-ZIP-001 and not corrupt", "--expectations", str(expectations),
        "--report", str(report),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    statuses = {r["test"]: r["status"] for r in json.loads(report.read_text())["results"]}
    assert statuses["dduf-read/zip-trailing-bytes"] == "expected-fail"
    assert statuses["dduf-read/zip-archive-comment"] == "pass"


def test_a_divergence_that_no_longer_fails_is_an_unexpected_pass(tmp_path):
    expectations = write(
        tmp_path / "stale.toml",
        'implementation = "reference"\n\n[[divergence]]\ntest = "dduf-read/zip-archive-comment"\n'
        'requirement = "DDUF-ZIP-001"\nreason = "used to accept comments"\n',
    )
    result = conformance("-k", "zip-archive-comment", "--expectations", str(expectations))
    assert result.returncode == 1
    assert "XPASS  reference  dduf-read/zip-archive-comment" in result.stdout


def test_write_expectations_starts_a_file_that_makes_the_next_run_pass(tmp_path):
    written = tmp_path / "written.toml"
    first = conformance(
        "--impl",
        "mutants:off_by_one_offsets",
        "-k",
        "dduf-read and valid",
        "--write-expectations",
        str(written),
    )
    assert first.returncode == 1
    text = written.read_text()
    assert 'implementation = "off-by-one-offsets"' in text and "located wrongly" in text
    assert f'checked-with = "{version("weightspec")}"' in text
    second = conformance(
        "--impl", "mutants:off_by_one_offsets", "-k", "dduf-read and valid", "--expectations", str(written)
    )
    assert second.returncode == 0, second.stdout[-2000:]


def test_rewriting_an_expectation_file_keeps_its_hand_edited_reasons(tmp_path):
    target = write(
        tmp_path / "mine.toml",
        '# Reviewed by hand.\nimplementation = "accepts-trailing-bytes"\nchecked-with = "0.0.1"\n\n'
        '[[divergence]]\ntest = "dduf-read/zip-trailing-bytes"\nrequirement = "DDUF-ZIP-001"\n'
        'reason = "cuts what follows the end record off"\n',
    )
    result = conformance(
        "--impl", "mutants:accepts_trailing_bytes", "-k", "DDUF-ZIP-001 and not corrupt", "--expectations", str(target),
        "--write-expectations", str(target),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert "expectations for accepts-trailing-bytes were checked with 0.0.1; running" in result.stdout
    text = target.read_text()
    assert text.startswith("# Reviewed by hand.\n") and f'checked-with = "{version("weightspec")}"' in text
    assert 'reason = "cuts what follows the end record off"' in text and text.count("[[divergence]]") == 1


def test_write_expectations_refuses_to_replace_another_implementations_file(tmp_path):
    target = write(tmp_path / "hub.toml", 'implementation = "huggingface_hub"\n')
    result = conformance("-k", "zip-archive-comment", "--write-expectations", str(target))
    assert result.returncode == 2
    assert f"{target}: is for implementation 'huggingface_hub'" in result.stdout + result.stderr
    assert target.read_text() == 'implementation = "huggingface_hub"\n'


def test_capabilities_an_implementation_lacks_are_not_applicable(tmp_path):
    report = tmp_path / "report.json"
    result = conformance(
        "--impl", "mutants:reader_only", "-k", "valid-minimal-pipeline", "--report", str(report)
    )
    assert result.returncode == 0
    statuses = {r["test"]: r["status"] for r in json.loads(report.read_text())["results"]}
    assert statuses["dduf-read/valid-minimal-pipeline"] == "pass"
    assert statuses["dduf-validate-deep/valid-minimal-pipeline"] == "not-applicable"


def test_k_selects_the_tests_of_one_requirement(tmp_path):
    report = tmp_path / "report.json"
    assert conformance("-k", "DDUF-ZIP-007", "--report", str(report)).returncode == 0
    results = json.loads(report.read_text())["results"]
    assert results and all("DDUF-ZIP-007" in r["requirements"] for r in results)


def test_pytest_runs_the_suite_directly_from_any_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "weightspec.conformance.suite", "-p", "no:cacheprovider",
         "-q", "--impl", "reference", "-k", "valid-minimal-pipeline"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert "weightspec conformance" in result.stdout and "2 passed" in result.stdout


def test_xdist_workers_give_the_same_results(tmp_path, reference_report):
    report = tmp_path / "report.json"
    result = conformance("-n", "2", "-k", "dduf", "--report", str(report))
    assert result.returncode == 0, result.stdout[-2000:]
    parallel = {(r["test"], r["status"]) for r in json.loads(report.read_text())["results"]}
    serial = {(r["test"], r["status"]) for r in reference_report["results"] if r["test"].startswith("dduf")}
    assert parallel == serial


def test_json_output_is_the_report_alone_on_stdout():
    result = conformance("-k", "valid-minimal-pipeline", "--json")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert {r["test"] for r in document["results"]} == {
        "dduf-read/valid-minimal-pipeline",
        "dduf-validate-deep/valid-minimal-pipeline",
    }
    assert "weightspec conformance" in result.stderr  # the matrix went to stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--impl", "no-such-impl"], "unknown implementation 'no-such-impl'"),
        (["--impl", "no_such_module:factory"], "cannot import 'no_such_module'"),
        (["--impl", "mutants:no_such_factory"], "has no 'no_such_factory'"),
        (["--impl", "mutants:not_an_adapter"], "not an Adapter"),
        (["--expectations", "/no/such/file.toml"], "/no/such/file.toml: cannot read the expectation file"),
    ],
)
def test_usage_errors_exit_2_with_a_message(args, message):
    result = conformance(*args)
    assert result.returncode == 2
    assert message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("implementation = [", "not valid TOML"),
        ('[[divergence]]\ntest = "x"\n', 'needs a top-level implementation = "NAME"'),
        (
            'implementation = "reference"\n[[divergence]]\ntest = "x"\n',
            "needs a non-empty string 'requirement'",
        ),
        (
            'implementation = "reference"\n[[divergence]]\nrequirement = "X"\nreason = "y"\nversion = "1"\n',
            "unknown keys ['version']",
        ),
        (
            'implementation = "someone-else"\n',
            "is for implementation 'someone-else', which this run does not test",
        ),
    ],
)
def test_malformed_expectation_files_exit_2_naming_the_file(tmp_path, text, message):
    path = write(tmp_path / "bad.toml", text)
    result = conformance("--expectations", str(path))
    assert result.returncode == 2
    assert str(path) in result.stderr + result.stdout and message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_an_unavailable_implementation_asked_for_by_name_is_a_usage_error(tmp_path):
    result = conformance("--impl", "huggingface.js", env={"PATH": str(tmp_path)})
    assert result.returncode == 2
    assert "node" in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_all_reports_unavailable_implementations_in_the_matrix_and_goes_on(tmp_path):
    report = tmp_path / "report.json"
    result = conformance(
        "--impl", "all", "-k", "valid-minimal-pipeline", "--report", str(report), env={"PATH": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout[-2000:]
    implementations = {i["name"]: i for i in json.loads(report.read_text())["implementations"]}
    assert implementations["huggingface.js"]["available"] is False
    assert "node" in implementations["huggingface.js"]["reason"]
    assert "huggingface.js: unavailable:" in result.stdout


def test_the_readme_example_adapter_runs_from_its_folder(tmp_path):
    """examples/zipfile_adapter.py, as the README shows it: zipfile reads valid archives right but
    accepts an archive comment, which DDUF forbids."""
    examples = HERE.parents[1] / "examples"
    report = tmp_path / "report.json"
    result = conformance(
        "--impl", "zipfile_adapter:ZipfileReader", "-k", "valid-minimal-pipeline or zip-archive-comment",
        "--report", str(report), cwd=examples,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-2000:]
    statuses = {r["test"]: r["status"] for r in json.loads(report.read_text())["results"]}
    assert statuses["dduf-read/valid-minimal-pipeline"] == "pass"
    assert statuses["dduf-read/zip-archive-comment"] == "fail"
    assert statuses["dduf-validate-deep/valid-minimal-pipeline"] == "not-applicable"


def test_reports_are_written_in_every_format_and_the_json_one_meets_its_schema(tmp_path, reference_report):
    import jsonschema

    from weightspec.spec import schema

    jsonschema.validate(reference_report, schema("conformance-report.schema.json"))
    paths = [tmp_path / name for name in ("r.json", "r.md", "r.html")]
    args = [arg for path in paths for arg in ("--report", str(path))]
    assert conformance("-k", "zip-archive-comment", *args).returncode == 0
    assert json.loads(paths[0].read_text())["results"]
    assert "| DDUF-ZIP-001" in paths[1].read_text() or "DDUF-ZIP-001" in paths[1].read_text()
    assert paths[2].read_text().startswith("<!DOCTYPE html>")


def test_an_unknown_report_suffix_is_a_usage_error(tmp_path):
    result = conformance("-k", "zip-archive-comment", "--report", str(tmp_path / "report.pdf"))
    assert result.returncode == 2 and "must be .json, .md or .html" in result.stdout + result.stderr


def test_every_built_in_implementation_behaves_as_its_expectation_file_says(tmp_path):
    """The gate CI relies on: every built-in implementation (the reference, huggingface_hub,
    huggingface.js, the model loaders), every test, side by side; any divergence that appears or
    disappears fails this test, naming the test and why."""
    report = tmp_path / "report.json"
    result = conformance("--impl", "all", "--report", str(report), "-n", "2")
    assert result.returncode == 0, result.stdout[-4000:]
    data = json.loads(report.read_text())
    implementations = {impl["name"]: impl for impl in data["implementations"]}
    assert set(implementations) == set(BUILTIN)
    assert all(impl["available"] for impl in implementations.values()), implementations
    statuses = {(r["implementation"], r["status"]) for r in data["results"]}
    for name in set(BUILTIN) - {"reference"}:
        assert (name, "expected-fail") in statuses, f"{name} diverges nowhere: is its expectation file read?"
    assert not {s for impl, s in statuses if impl == "reference"} - {"pass"}
