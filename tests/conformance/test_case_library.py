"""The case library itself: coverage of the spec, well-formed metadata, honest valid cases, export."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import textwrap
import zipfile

import pytest
from huggingface_hub import read_dduf_file as hub_read_dduf_file

from weightspec.conformance import VALID, Case, Verdict, all_cases, case_by_id, export_cases, load_cases
from weightspec.spec.catalog import load as load_requirements

CASES = all_cases()


def _must(document: str, scopes: tuple[str, ...]) -> list[str]:
    return sorted(
        r.id
        for r in load_requirements().values()
        if r.document == document and r.level == "MUST" and r.scope in scopes
    )


def _expected_requirements() -> set[str]:
    return {case.expected.requirement for case in CASES if not case.expected.is_valid}


def test_every_must_reader_and_deep_requirement_of_dduf_has_a_rejected_case():
    covered = _expected_requirements() | {
        "DDUF-DEEP-003"
        for case in CASES
        if "DDUF-DEEP-003" in case.requirements and not case.expected.is_valid
    }
    missing = [rid for rid in _must("dduf.md", ("reader", "deep")) if rid not in covered]
    assert missing == [], f"requirements without a case that expects them: {missing}"


def test_every_safetensors_reader_requirement_has_a_case_inside_a_dduf_entry():
    inside_dduf = {
        case.expected.requirement
        for case in CASES
        if case.expected.scope == "deep" and "DDUF-DEEP-003" in case.requirements
    }
    missing = [rid for rid in _must("safetensors.md", ("reader",)) if rid not in inside_dduf]
    assert missing == [], f"safetensors requirements without a DDUF-DEEP-003 case: {missing}"


def test_case_ids_are_unique_and_resolve():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert all(case_by_id(case_id).id == case_id for case_id in ids)
    with pytest.raises(KeyError, match="no-such-case"):
        case_by_id("no-such-case")


def test_case_metadata_names_existing_requirements_of_the_right_scope(case: Case):
    requirements = load_requirements()
    unknown = [rid for rid in case.requirements if rid not in requirements]
    assert unknown == [], f"{case.id} lists unknown requirement IDs {unknown}"
    assert case.description.endswith("."), "descriptions are sentences"
    if case.expected.is_valid:
        return
    expected = requirements[case.expected.requirement]
    assert expected.level == "MUST"
    if case.expected.scope == "reader":
        assert expected.scope == "reader" and expected.document == "dduf.md"
    elif expected.document == "safetensors.md":
        assert expected.scope == "reader" and "DDUF-DEEP-003" in case.requirements
    else:
        assert expected.scope == "deep"


def test_builds_are_deterministic_and_every_case_is_a_different_archive():
    digests = {}
    for case in CASES:
        data = case.build()
        assert case.build() == data, f"{case.id} builds different bytes each time"
        digest = hashlib.sha256(data).hexdigest()
        assert digest not in digests, f"{case.id} builds the same archive as {digests.get(digest)}"
        digests[digest] = case.id


def test_valid_case_passes_zipfile_testzip(valid_case: Case):
    with zipfile.ZipFile(io.BytesIO(valid_case.build())) as archive:
        assert archive.testzip() is None
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())


def test_valid_case_is_read_by_huggingface_hub_at_the_right_offsets(
    valid_case: Case, write_case, assert_entries_are_zipfiles
):
    path = write_case(valid_case)
    assert_entries_are_zipfiles(path, hub_read_dduf_file(path))


def test_verdict_and_case_reject_inconsistent_metadata():
    with pytest.raises(ValueError):
        Verdict("rejected")
    with pytest.raises(ValueError):
        Verdict("valid", "DDUF-ZIP-001", "reader")
    with pytest.raises(ValueError):
        Verdict("rejected", "DDUF-ZIP-001", "writer")
    with pytest.raises(ValueError, match="lower-case"):
        Case("Bad_Id", ("DDUF-ZIP-001",), "x.", VALID, bytes)
    with pytest.raises(ValueError, match="does not list"):
        Case("bad-case", ("DDUF-ZIP-001",), "x.", Verdict("rejected", "DDUF-ZIP-002", "reader"), bytes)


def test_export_writes_a_manifest_that_round_trips(tmp_path):
    manifest_path = export_cases(tmp_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert [item["id"] for item in manifest] == [case.id for case in CASES]
    for item in manifest:
        assert set(item) == {"id", "file", "sha256", "requirements", "description", "expected"}
        assert set(item["expected"]) == {"verdict", "requirement", "scope"}
    loaded = load_cases(tmp_path)
    for original, copy in zip(CASES, loaded, strict=True):
        assert (copy.id, copy.requirements, copy.description, copy.expected) == (
            original.id,
            original.requirements,
            original.description,
            original.expected,
        )
        assert copy.build() == original.build()


def test_load_cases_refuses_a_file_that_does_not_match_its_manifest(tmp_path):
    case = case_by_id("valid-minimal-pipeline")
    export_cases(tmp_path, [case])
    path = tmp_path / f"{case.id}.dduf"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="sha256"):
        load_cases(tmp_path)


def test_case_library_is_independent_of_the_reference(tmp_path):
    """The suite must be able to catch a broken reference, so building cases (DDUF archives and
    checkpoints, each into a folder of its own) never imports it."""
    code = textwrap.dedent(
        """
        import pathlib, sys
        from weightspec.conformance import all_cases, all_checkpoint_cases
        for case in all_cases():
            if case.id != "limit-too-many-entries":
                case.build()
        for case in all_checkpoint_cases():
            folder = pathlib.Path(sys.argv[1]) / case.id
            folder.mkdir()
            case.build(folder)
            case.tensors()
        print(sorted(name for name in sys.modules if name.startswith("weightspec.reference")))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
