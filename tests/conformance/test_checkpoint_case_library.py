"""The checkpoint case library: coverage of the loader rules, well-formed metadata, honest valid cases, every
model family's cases, export."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from weightspec.conformance import (
    VALID,
    CheckpointCase,
    all_checkpoint_cases,
    checkpoint_case_by_id,
    checkpoint_cases_for,
    export_checkpoint_cases,
)
from weightspec.conformance.cases import rejected_by_deep, rejected_by_loader
from weightspec.conformance.checkpoint_cases import CHECKPOINT_MANIFEST
from weightspec.conformance.checkpoint_cases.baseline import write_baseline
from weightspec.conformance.checkpoint_cases.families import CONFIG_FILE, PLAIN, family_named
from weightspec.conformance.harness.adapter import FAMILIES, PLAIN_FAMILY
from weightspec.conformance.tensor_bytes import tensor_sha256, tensors_differ
from weightspec.conformance.torch_models import (
    SAFETENSORS_DTYPES,
    blank_model,
    blank_model_from_config,
    loaded_tensors,
    spec_of,
)
from weightspec.reference import load_torch_model, validate_checkpoint
from weightspec.spec.catalog import load as load_requirements

CASES = all_checkpoint_cases()
# Every family's cases, the plain family's first: what export_checkpoint_cases writes by default.
ALL_CASES = [case for family in FAMILIES for case in checkpoint_cases_for(family)]
VALID_CASES = [case for case in ALL_CASES if case.expected.is_valid]
# What the other families must have at least (task brief): the ways of giving a loader a folder.
EVERY_FAMILY = {
    "valid-sharded-checkpoint",
    "valid-single-file-in-a-directory",
    "valid-pickle-in-a-directory",
    "valid-shard-without-metadata",
    "model-tensor-missing-from-its-shard",
    "index-shard-in-the-parent-directory-that-exists",
    "index-names-a-pickle-shard",
    "tensor-indexed-under-the-wrong-shard",
    "tensor-in-two-shards",
    "index-without-metadata",
}

# MUST loader rules no rejected case can show: a checkpoint-load call sees only the tensors it returns.
NOT_REFUSABLE = {
    "SHARD-LOAD-004": "the order in which shards are read leaves no trace in the tensors a load returns",
    "SHARD-LOAD-005": "it says what a load must do, not refuse: valid-shared-tensors-tied-back checks it",
    "SHARD-LOAD-006": "a refused load returns no model, so whether it was changed first is not visible",
    "SHARD-LOAD-007": "the suite runs on the CPU and checkpoint-load passes no map_location",
    "SHARD-LOAD-010": "it says what a load must do, not refuse: valid-sharded-checkpoint-by-index-file checks it",
    "SHARD-SAVE-015": "it says what a load must accept, not refuse: valid-shards-under-side-names checks it",
}


def _by_id(cases: list[CheckpointCase]) -> dict:
    return {"argvalues": cases, "ids": [_label(case) for case in cases]}


def _label(case: CheckpointCase) -> str:
    return case.id if case.family == PLAIN_FAMILY else f"{case.family}/{case.id}"


def test_every_must_loader_requirement_of_sharding_has_a_rejected_case():
    loader_musts = {
        r.id
        for r in load_requirements().values()
        if r.document == "sharding.md" and r.level == "MUST" and r.scope == "loader"
    }
    rejected = {case.expected.requirement for case in CASES if not case.expected.is_valid}
    assert sorted(loader_musts - rejected) == sorted(NOT_REFUSABLE)
    assert any("SHARD-LOAD-005" in case.requirements for case in VALID_CASES)


def test_case_ids_are_unique_and_resolve():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert all(checkpoint_case_by_id(case_id).id == case_id for case_id in ids)
    with pytest.raises(KeyError, match="no-such-case"):
        checkpoint_case_by_id("no-such-case")


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_has_its_own_cases_in_the_plain_order(family):
    cases = checkpoint_cases_for(family)
    ids = [case.id for case in cases]
    assert all(case.family == family for case in cases)
    assert all(checkpoint_case_by_id(case.id, family=family) is case for case in cases)
    assert ids == [case.id for case in CASES if case.id in ids], "a subset of the plain cases, in their order"
    assert EVERY_FAMILY <= set(ids)
    if family != PLAIN_FAMILY:
        assert all(case.into_model for case in cases), "a non-plain case is there to be loaded into a model"
        assert all(list(case.tensors()) == list(family_named(family).specs) for case in cases)


def test_plain_only_cases_are_not_found_in_other_families_and_unknown_families_are_refused():
    assert checkpoint_cases_for(PLAIN_FAMILY) == CASES
    with pytest.raises(KeyError, match="valid-f16-tensors"):
        checkpoint_case_by_id("valid-f16-tensors", family="transformers-bert")
    with pytest.raises(ValueError, match="unknown model family"):
        checkpoint_cases_for("keras")
    with pytest.raises(ValueError, match="unknown model family"):
        checkpoint_case_by_id("valid-sharded-checkpoint", family="keras")


def test_only_cases_about_the_path_given_are_not_loaded_into_a_model():
    assert [case.id for case in CASES if not case.into_model] == [
        "pickle-loaded-with-safe-true",
        "valid-sharded-checkpoint-by-index-file",
        "valid-single-file",
        "valid-pickle-file",
    ]


@pytest.mark.parametrize("checkpoint_case", **_by_id(ALL_CASES))
def test_case_metadata_names_existing_requirements_of_the_right_scope(checkpoint_case):
    requirements = load_requirements()
    assert [rid for rid in checkpoint_case.requirements if rid not in requirements] == []
    assert checkpoint_case.description.endswith("."), "descriptions are sentences"
    if checkpoint_case.expected.is_valid:
        return
    expected = requirements[checkpoint_case.expected.requirement]
    assert expected.level == "MUST"
    assert (expected.document, expected.scope) in {("sharding.md", "loader"), ("safetensors.md", "reader")}
    assert checkpoint_case.file is not None, "a rejected case says which file the refusal names"


@pytest.mark.parametrize("checkpoint_case", **_by_id(ALL_CASES))
def test_tensors_are_non_zero_and_distinct(checkpoint_case):
    """So that a tensor a load leaves at the blank model's zeros, or fills from another name, is caught."""
    tensors = checkpoint_case.tensors()
    assert all(bool((tensor.to(torch.float32) != 0).all()) for tensor in tensors.values())
    digests = [tensor_sha256(tensor) for tensor in tensors.values()]
    if "SHARD-LOAD-005" not in checkpoint_case.requirements:  # tied names hold the same values on purpose
        assert len(set(digests)) == len(digests)


@pytest.mark.parametrize("checkpoint_case", **_by_id(VALID_CASES))
def test_valid_case_loads_with_the_reference_exactly_and_validates(checkpoint_case, tmp_path):
    path = checkpoint_case.build(tmp_path)
    model = blank_model(spec_of(checkpoint_case.tensors()))
    load_torch_model(
        model,
        path,
        strict=True,
        safe=checkpoint_case.safe,
        weights_only=checkpoint_case.weights_only,
        filename_pattern=family_named(checkpoint_case.family).filename_pattern,
    )
    assert tensors_differ(checkpoint_case.tensors(), loaded_tensors(model)) is None
    # The validator takes no filename pattern; the suite validates the plain cases only.
    if checkpoint_case.validated and checkpoint_case.family == PLAIN_FAMILY:
        assert validate_checkpoint(path, deep=True) == []


@pytest.mark.parametrize(
    "case_id", ["index-shard-in-the-parent-directory-that-exists", "index-names-a-pickle-shard"]
)
@pytest.mark.parametrize("family", FAMILIES)
def test_a_file_the_index_must_not_name_holds_what_it_is_named_for(family, case_id, tmp_path):
    """So that a loader that follows the name loads the model, rather than failing for another reason."""
    case = checkpoint_case_by_id(case_id, family=family)
    checkpoint = case.build(tmp_path)
    weight_map = json.loads((checkpoint / family_named(family).index).read_text(encoding="utf-8"))[
        "weight_map"
    ]
    followed = {}
    for name in sorted(set(weight_map.values())):
        path = checkpoint / name
        followed.update(torch.load(path, weights_only=True) if name.endswith(".bin") else load_file(path))
    assert tensors_differ(case.tensors(), followed) is None


@pytest.mark.parametrize("family", FAMILIES)
def test_the_tensor_missing_from_its_shard_is_a_weight_of_the_model(family, tmp_path):
    case = checkpoint_case_by_id("model-tensor-missing-from-its-shard", family=family)
    checkpoint = case.build(tmp_path)
    index = json.loads((checkpoint / family_named(family).index).read_text(encoding="utf-8"))
    assert case.entry in case.tensors() and index["weight_map"][case.entry] == case.file
    assert case.entry not in load_file(checkpoint / case.file)


def test_tensors_differ_names_a_silent_wrong_load():
    expected = PLAIN.tensors()
    assert tensors_differ(expected, expected) is None
    kept_zeros = {**expected, "b": torch.zeros(16)}
    assert tensors_differ(expected, kept_zeros) == "silent wrong load: b kept its initial values"
    other = {**expected, "c": -expected["c"]}
    assert tensors_differ(expected, other) == "silent wrong load: c holds different bytes than the checkpoint"
    nan_bits = torch.tensor([float("nan")]).view(torch.int32)
    assert tensors_differ({"n": nan_bits.view(torch.float32)}, {"n": (nan_bits + 1).view(torch.float32)})
    assert "has no tensor 'd'" in tensors_differ(expected, {name: expected[name] for name in "abc"})
    assert "torch.float16" in tensors_differ(expected, {**expected, "a": expected["a"].half()})


def test_case_refuses_inconsistent_metadata():
    def case(case_id="good-id", expected=VALID, **fields):
        return CheckpointCase(
            case_id,
            ("SHARD-LOAD-001",),
            "x.",
            expected,
            lambda d: write_baseline(PLAIN, d),
            PLAIN.tensors,
            **fields,
        )

    assert case().validated
    with pytest.raises(ValueError, match="lower-case"):
        case("Bad_Id")
    with pytest.raises(ValueError, match="does not list"):
        case(expected=rejected_by_loader("SHARD-LOAD-002"))
    with pytest.raises(ValueError, match="not 'loader'"):
        case(expected=rejected_by_deep("SHARD-LOAD-001"))
    with pytest.raises(ValueError, match="is valid"):
        case(file="model.safetensors")
    with pytest.raises(ValueError, match="unknown model family"):
        case(family="keras")


def _snapshot(directory: Path) -> dict[str, str]:
    """Every path under ``directory``: a link's target, a file's SHA-256, or 'folder'."""
    snapshot = {}
    for root, folders, files in os.walk(directory):
        for name in folders + files:
            path = Path(root, name)
            key = path.relative_to(directory).as_posix()
            if path.is_symlink():
                snapshot[key] = "link to " + os.readlink(path)
            elif path.is_dir():
                snapshot[key] = "folder"
            else:
                snapshot[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("export")
    export_checkpoint_cases(directory)
    return directory


def test_export_writes_a_folder_per_case_and_a_manifest_that_describes_it(exported):
    manifest = json.loads((exported / CHECKPOINT_MANIFEST).read_text(encoding="utf-8"))
    assert [(item["family"], item["id"]) for item in manifest] == [
        (case.family, case.id) for case in ALL_CASES
    ]
    for item, case in zip(manifest, ALL_CASES, strict=True):
        assert (exported / item["path"]).exists() or (exported / item["path"]).is_symlink()
        assert item["path"].startswith(_label(case) + "/") or item["path"] == _label(case)
        assert item["into_model"] == case.into_model
        assert item["expected"] == case.expected.to_json()
        assert item["options"] == {"safe": case.safe, "weights_only": case.weights_only, "strict": True}
        assert (item["validated"], item["file"], item["entry"]) == (case.validated, case.file, case.entry)
        tensors = case.tensors()
        assert [(t["name"], t["dtype"], t["shape"]) for t in item["tensors"]] == [
            (name, SAFETENSORS_DTYPES[tensor.dtype], list(tensor.shape)) for name, tensor in tensors.items()
        ]
        digests = [tensor_sha256(tensor) if case.expected.is_valid else None for tensor in tensors.values()]
        assert [t["sha256"] for t in item["tensors"]] == digests


@pytest.mark.parametrize("checkpoint_case", **_by_id(ALL_CASES))
def test_the_folder_of_the_path_to_load_holds_the_config_of_the_case_model(checkpoint_case, exported):
    """The folder that checkpoint-load-into-model is given: for the plain family a description of
    the case's tensors, for the others the config of the family's model."""
    item = _manifest(exported)[(checkpoint_case.family, checkpoint_case.id)]
    path = exported / item["path"]
    config = json.loads(((path if path.is_dir() else path.parent) / CONFIG_FILE).read_text(encoding="utf-8"))
    if checkpoint_case.family == PLAIN_FAMILY:
        assert spec_of(blank_model_from_config(config).state_dict()) == spec_of(checkpoint_case.tensors())
    else:
        assert config == family_named(checkpoint_case.family).config


def _manifest(exported: Path) -> dict[tuple[str, str], dict]:
    manifest = json.loads((exported / CHECKPOINT_MANIFEST).read_text(encoding="utf-8"))
    return {(item["family"], item["id"]): item for item in manifest}


def test_exported_links_are_relative_and_resolve_as_the_case_means(exported):
    outside = (
        exported / "shard-linked-outside-the-directory" / "checkpoint" / "model-00002-of-00004.safetensors"
    )
    inside = exported / "valid-shard-linked-inside-the-directory" / "model-00002-of-00004.safetensors"
    for link in (outside, inside):
        assert link.is_symlink() and not os.path.isabs(os.readlink(link)) and link.resolve().is_file()
    assert not outside.resolve().is_relative_to(outside.parent.resolve())
    assert inside.resolve().is_relative_to(inside.parent.resolve())


def test_a_second_export_is_byte_identical(exported, tmp_path):
    export_checkpoint_cases(tmp_path)
    assert _snapshot(tmp_path) == _snapshot(exported)


def test_building_every_family_s_cases_needs_neither_the_reference_nor_the_model_libraries(tmp_path):
    """The suite must be able to catch a broken reference, and the library must build where
    transformers and diffusers are not installed: building never imports them."""
    code = textwrap.dedent(
        """
        import pathlib, sys
        from weightspec.conformance import checkpoint_cases_for
        from weightspec.conformance.harness.adapter import FAMILIES
        for family in FAMILIES:
            for case in checkpoint_cases_for(family):
                folder = pathlib.Path(sys.argv[1]) / family / case.id
                folder.mkdir(parents=True)
                case.build(folder)
                case.tensors()
        prefixes = ("weightspec.reference", "transformers", "diffusers")
        print(sorted(name for name in sys.modules if name.startswith(prefixes)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_export_refuses_a_case_folder_that_is_not_empty(tmp_path):
    case = checkpoint_case_by_id("valid-single-file")
    (tmp_path / case.id).mkdir()
    (tmp_path / case.id / "stray").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        export_checkpoint_cases(tmp_path, [case])
