"""Known divergences of a property test, one entry per requirement: the corruption property
against the real huggingface_hub searches on past the failures its expectation file lists and
fails on any other, naming the requirement that example breaks.

The simplest corruption of each kind, which every run tries first, makes this deterministic:
hub crashes on the empty truncation (DDUF-ZIP-001) and opens an archive whose local header has a
bad signature (DDUF-ENTRY-005), among others.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("huggingface_hub", reason="needs huggingface_hub: pip install 'weightspec[hub]'")
pytest.importorskip("torch", reason="the corruption properties need torch: pip install 'weightspec[torch]'")

from weightspec.conformance.harness.expectations import builtin_expectations

PROPERTY = "dduf-read/corrupt-input-is-refused-or-read-exactly"
TRUNCATION = "DDUF-ZIP-001"


def _run(tmp_path: Path, expectations: Path) -> dict:
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "weightspec.conformance.suite", "-p", "no:cacheprovider",
         "-q", "--impl", "huggingface_hub", "-k", "corrupt_input_is_refused", "--conformance-profile", "dev",
         "--hypothesis-seed", "0", "--expectations", str(expectations), "--conformance-report", str(report)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    (result,) = [r for r in json.loads(report.read_text())["results"] if r["test"] == PROPERTY]
    return result


def test_a_failure_on_an_unlisted_requirement_fails_and_names_it(tmp_path):
    only_truncation = tmp_path / "hub.toml"
    only_truncation.write_text(
        'implementation = "huggingface_hub"\n\n[[divergence]]\n'
        f'test = "{PROPERTY}"\nrequirement = "{TRUNCATION}"\nreason = "crashes on truncated archives"\n'
    )
    result = _run(tmp_path, only_truncation)
    assert result["status"] == "fail", result
    assert result["breaks"] and TRUNCATION not in result["breaks"], result
    assert "accepts an input that breaks" in result["reason"] or "crashed" in result["reason"], result


def test_with_its_shipped_file_every_failure_is_a_listed_one(tmp_path):
    shipped = builtin_expectations("huggingface_hub")
    listed = shipped.listed(PROPERTY, (), "0")
    result = _run(tmp_path, _shipped_path())
    assert result["status"] == "expected-fail", result
    assert TRUNCATION in result["breaks"] and set(result["breaks"]) <= listed, result
    assert result["reason"].startswith("fails only where its expectations say: "), result


def _shipped_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("weightspec.conformance").joinpath("expectations/huggingface_hub.toml")))
