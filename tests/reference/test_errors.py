"""The error taxonomy of ``weightspec.reference.errors``: one tree, one ID per error.

- the tree drawn in the module's docstring is the class hierarchy, and names every class;
- Python's bases keep callers' ``except ValueError`` / ``except RuntimeError`` working;
- one raise per kind of fault, through the public API;
- no error can be raised without a requirement ID: the constructors require one (only
  ``DDUFExportError`` may name none), and every construction in ``reference/`` passes one.
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest
import torch

import weightspec.reference
from weightspec.reference import (
    CheckpointError,
    CorruptedCheckpointError,
    DDUFExportError,
    InvalidArgumentError,
    SafetensorsError,
    StrictLoadError,
    UnsupportedDtypeError,
    WeightspecError,
    errors,
    load_state_dict_from_file,
    load_torch_model,
    parse_size_to_int,
    save_torch_model,
)

from .sharding.checkpoint_helpers import TiedModel, write_one_tensor_file

CLASSES = {
    name: value
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, WeightspecError)
}
# The module docstring's one exception: an export refused for a reason no requirement covers.
MAY_NAME_NO_REQUIREMENT = {"DDUFExportError", "DDUFInvalidEntryNameError"}
REFERENCE = Path(weightspec.reference.__file__).parent


def drawn_tree() -> dict[str, str | None]:
    """``{class name: parent name}`` as the module docstring draws the tree (the root's parent None)."""
    parents: dict[str, str | None] = {}
    ancestors: list[str] = []
    for line in errors.__doc__.splitlines():
        match = re.fullmatch(r" {4}((?:[│ ] {3})*)(?:[├└]── )?(\w+Error)\b.*", line)
        if match is None:
            continue
        depth = len(match[1]) // 4 + (1 if "──" in line else 0)
        ancestors[depth:] = [match[2]]
        parents[match[2]] = ancestors[depth - 1] if depth else None
    return parents


def test_the_docstring_tree_is_the_class_hierarchy_and_names_every_class():
    tree = drawn_tree()
    assert tree.keys() == CLASSES.keys()
    for name, parent in tree.items():
        weightspec_bases = [
            base.__name__ for base in CLASSES[name].__bases__ if issubclass(base, WeightspecError)
        ]
        assert weightspec_bases == ([] if parent is None else [parent]), name


@pytest.mark.parametrize(
    ("error", "python_base"),
    [
        (SafetensorsError, ValueError),
        (CheckpointError, ValueError),
        (CorruptedCheckpointError, ValueError),
        (InvalidArgumentError, ValueError),
        (UnsupportedDtypeError, ValueError),
        (StrictLoadError, RuntimeError),
    ],
)
def test_python_bases_keep_existing_except_clauses_working(error, python_base):
    assert issubclass(error, python_base)


def test_the_kinds_of_fault_are_apart():
    """The file is bad / the call is impossible / the loader falls short / the keys differ."""
    assert issubclass(CorruptedCheckpointError, CheckpointError)
    assert not issubclass(InvalidArgumentError, CheckpointError)
    assert not issubclass(UnsupportedDtypeError, SafetensorsError)
    assert not issubclass(StrictLoadError, ValueError)


def test_an_impossible_size_is_an_invalid_argument():
    with pytest.raises(ValueError, match="parsecs") as caught:  # as huggingface_hub raises
        parse_size_to_int("5 parsecs")
    assert type(caught.value) is InvalidArgumentError
    assert caught.value.requirement == "SHARD-SIZE-002"


def test_a_broken_index_is_a_corrupted_checkpoint(tmp_path):
    (tmp_path / "model.safetensors.index.json").write_bytes(b"not json")
    with pytest.raises(CorruptedCheckpointError) as caught:
        load_torch_model(TiedModel(), tmp_path)
    assert (caught.value.requirement, caught.value.path) == (
        "SHARD-INDEX-001",
        str(tmp_path / "model.safetensors.index.json"),
    )


def test_a_dtype_torch_lacks_is_an_unsupported_dtype(tmp_path):
    path = tmp_path / "model.safetensors"
    write_one_tensor_file(path, "F6_E3M2", [4], bytes(3))
    with pytest.raises(UnsupportedDtypeError, match="F6_E3M2") as caught:
        load_state_dict_from_file(path)
    assert (caught.value.requirement, caught.value.path) == ("ST-LOAD-001", str(path))


def test_a_strict_key_mismatch_is_a_strict_load_error_caught_as_runtime_error(tmp_path):
    save_torch_model(TiedModel(), tmp_path)
    model = TiedModel()
    model.extra = torch.nn.Linear(2, 2)
    with pytest.raises(RuntimeError) as caught:  # as torch's and huggingface_hub's strict loads raise
        load_torch_model(model, tmp_path, strict=True)
    assert isinstance(caught.value, StrictLoadError)
    assert (caught.value.missing_keys, caught.value.unexpected_keys) == (["extra.bias", "extra.weight"], [])
    assert str(caught.value).startswith(
        f"[SHARD-LOAD-006] {tmp_path}: Error(s) in loading state_dict for TiedModel"
    )


@pytest.mark.parametrize("name", sorted(CLASSES.keys() - MAY_NAME_NO_REQUIREMENT))
def test_an_error_cannot_be_made_without_a_requirement(name):
    extra = {"missing_keys": [], "unexpected_keys": []} if name == "StrictLoadError" else {}
    with pytest.raises(TypeError, match="requirement"):
        CLASSES[name]("a message", **extra)


def test_an_error_without_a_requirement_is_no_finding():
    error = DDUFExportError("the destination exists and overwrite=False", path="out.dduf")
    with pytest.raises(ValueError, match="names no requirement"):
        error.to_finding()


def test_an_error_becomes_a_finding_with_everything_it_knows():
    error = CorruptedCheckpointError("is bad", requirement="SHARD-LOAD-002", path="a.safetensors", entry="w")
    finding = error.to_finding()
    assert (finding.requirement, finding.path, finding.entry, finding.message) == (
        "SHARD-LOAD-002",
        "a.safetensors",
        "w",
        "is bad",
    )


@pytest.mark.parametrize(
    "error",
    [
        InvalidArgumentError("too small", requirement="SHARD-SIZE-002", entry="w"),
        StrictLoadError(
            "Error(s)", missing_keys=["b", "a"], unexpected_keys=[], requirement="SHARD-LOAD-006"
        ),
        DDUFExportError("cannot create the archive", path="x.dduf"),
    ],
    ids=type,
)
def test_errors_survive_pickling_with_their_keyword_arguments(error):
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), vars(copy)) == (type(error), str(error), vars(error))


def constructions_without_requirement(source: str) -> list[str]:
    """``line: class`` of every call of an error class in ``source`` that passes no ``requirement=``.

    ``X.from_finding(finding)`` is no such call: a finding always has its ID. Classes that may
    name no requirement are not checked.
    """
    missing = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
        if name not in CLASSES or name in MAY_NAME_NO_REQUIREMENT:
            continue
        if not any(keyword.arg in ("requirement", None) for keyword in node.keywords):  # None: **kwargs
            missing.append(f"{node.lineno}: {name}")
    return missing


def test_the_scan_finds_a_construction_without_requirement():
    source = "raise CheckpointError('x', path=p)\nraise SafetensorsError.from_finding(f)\nok = StrictLoadError('x', requirement='SHARD-LOAD-006')\n"
    assert constructions_without_requirement(source) == ["1: CheckpointError"]


def test_every_error_the_reference_constructs_names_its_requirement():
    """A raise that forgot its ID fails here, even on a path that no other test reaches."""
    sources = {path: path.read_text(encoding="utf-8") for path in REFERENCE.rglob("*.py")}
    constructed = sum(
        len(re.findall(r"\b(?:" + "|".join(CLASSES) + r")\(", text)) for text in sources.values()
    )
    assert constructed > 30  # the scan sees the raise sites
    missing = {
        str(path.relative_to(REFERENCE)): found
        for path, text in sources.items()
        if (found := constructions_without_requirement(text))
    }
    assert missing == {}
