"""Crafted broken checkpoints, one per loader rule: refused by load_torch_model AND reported by validate_checkpoint.

Each case starts from a valid checkpoint of four 64-byte tensors ``a`` .. ``d`` in four shards
(``model-0000{1..4}-of-00004.safetensors``) and breaks one thing. The loader must raise the
rule's requirement ID, naming the file (and the tensor, where one is concerned), before it
changes the model; the validator must list a finding with the same ID, file and tensor.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from checkpoint_helpers import blank_like, read_json, same_bits, write_json
from safetensors.torch import save_file

from weightspec.reference import WeightspecError, load_torch_model, save_torch_state_dict, validate_checkpoint

INDEX = "model.safetensors.index.json"
TENSORS = {name: torch.full((16,), float(i + 1)) for i, name in enumerate("abcd")}


def shard(i: int) -> str:
    return f"model-0000{i}-of-00004.safetensors"


def edit_index(directory: Path, change: Callable[[dict], None]) -> None:
    index = read_json(directory / INDEX)
    change(index)
    write_json(directory / INDEX, index)


def rewrite_shard(directory: Path, i: int, tensors: dict[str, torch.Tensor], **metadata: str) -> None:
    save_file(tensors, directory / shard(i), metadata={"format": "pt", **metadata})


def set_shard_of(tensor: str, shard_name: str) -> Callable[[Path], None]:
    return lambda d: edit_index(d, lambda index: index["weight_map"].__setitem__(tensor, shard_name))


def replace_with_outside_link(directory: Path) -> None:
    outside = directory.parent / "outside.safetensors"
    shutil.move(directory / shard(2), outside)
    os.symlink(outside, directory / shard(2))


def replace_with_directory(directory: Path) -> None:
    os.remove(directory / shard(2))
    os.mkdir(directory / shard(2))


def oversized_index(directory: Path) -> None:
    text = (directory / INDEX).read_text()
    (directory / INDEX).write_text(text + " " * (10 * 1024 * 1024))


def duplicate_key(directory: Path) -> None:
    text = (directory / INDEX).read_text()
    (directory / INDEX).write_text(text.replace('"weight_map": {', f'"weight_map": {{"b": "{shard(1)}",', 1))


def truncate_last_shard(directory: Path) -> None:
    path = directory / shard(4)
    path.write_bytes(path.read_bytes()[:-4])


@dataclass(frozen=True)
class Case:
    breakage: Callable[[Path], None]
    requirement: str
    file: str  # the file the error names
    entry: str | None = None  # the tensor it names


CASES = {
    "index not JSON": Case(lambda d: (d / INDEX).write_text("{not json"), "SHARD-INDEX-001", INDEX),
    "index not UTF-8": Case(lambda d: (d / INDEX).write_bytes(b'{"\xff": 1}'), "SHARD-INDEX-001", INDEX),
    "index without weight_map": Case(
        lambda d: edit_index(d, lambda index: index.pop("weight_map")), "SHARD-INDEX-001", INDEX
    ),
    "total_size not an integer": Case(
        lambda d: edit_index(d, lambda index: index["metadata"].__setitem__("total_size", "256")),
        "SHARD-INDEX-001",
        INDEX,
    ),
    "parent directory": Case(set_shard_of("a", f"../{shard(1)}"), "SHARD-INDEX-002", INDEX, "a"),
    "absolute path": Case(set_shard_of("a", "/etc/model.safetensors"), "SHARD-INDEX-002", INDEX, "a"),
    "drive letter": Case(set_shard_of("a", f"C:{shard(1)}"), "SHARD-INDEX-002", INDEX, "a"),
    "backslash": Case(set_shard_of("a", f"..\\{shard(1)}"), "SHARD-INDEX-002", INDEX, "a"),
    "dot-dot": Case(set_shard_of("a", ".."), "SHARD-INDEX-002", INDEX, "a"),
    "total_size too large": Case(
        lambda d: edit_index(d, lambda index: index["metadata"].__setitem__("total_size", 257)),
        "SHARD-INDEX-003",
        INDEX,
    ),
    "index over 10 MiB": Case(oversized_index, "SHARD-INDEX-004", INDEX),
    "pickle shard in a safetensors index": Case(
        set_shard_of("a", "model-00001-of-00004.bin"), "SHARD-INDEX-005", INDEX, "a"
    ),
    "duplicate key": Case(duplicate_key, "SHARD-INDEX-006", INDEX, "b"),
    "missing shard": Case(lambda d: os.remove(d / shard(2)), "SHARD-LOAD-001", shard(2)),
    "link outside the directory": Case(replace_with_outside_link, "SHARD-LOAD-001", shard(2)),
    "shard is a directory": Case(replace_with_directory, "SHARD-LOAD-001", shard(2)),
    "indexed tensor absent from its shard": Case(
        set_shard_of("ghost", shard(1)), "SHARD-LOAD-002", shard(1), "ghost"
    ),
    "indexed under the wrong shard": Case(set_shard_of("a", shard(2)), "SHARD-LOAD-002", shard(2), "a"),
    "tensor missing from the index": Case(
        lambda d: rewrite_shard(d, 1, {"a": TENSORS["a"], "extra": torch.ones(2)}),
        "SHARD-LOAD-003",
        shard(1),
        "extra",
    ),
    "tensor in two shards": Case(
        lambda d: rewrite_shard(d, 2, {"b": TENSORS["b"], "a": TENSORS["a"]}), "SHARD-LOAD-003", shard(2), "a"
    ),
    "tensorflow format": Case(
        lambda d: rewrite_shard(d, 3, {"c": TENSORS["c"]}, format="tf"), "SHARD-LOAD-008", shard(3)
    ),
    "truncated shard": Case(truncate_last_shard, "ST-TENSOR-005", shard(4)),
}


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    directory = tmp_path / "checkpoint"
    save_torch_state_dict(TENSORS, directory, max_shard_size=100)
    assert sorted(os.listdir(directory)) == [*(shard(i) for i in range(1, 5)), INDEX]
    return directory


def test_the_unbroken_checkpoint_is_valid_and_loads(checkpoint):
    assert validate_checkpoint(checkpoint, deep=True) == []
    model = blank_like(TENSORS)
    load_torch_model(model, checkpoint, strict=True)
    assert all(same_bits(model.get_buffer(name), tensor) for name, tensor in TENSORS.items())


@pytest.mark.parametrize("name", CASES)
def test_loader_refuses_before_changing_the_model(checkpoint, name):
    case = CASES[name]
    case.breakage(checkpoint)
    model = blank_like(TENSORS)
    with pytest.raises(WeightspecError) as caught:
        load_torch_model(model, checkpoint)
    error = caught.value
    assert error.requirement == case.requirement, str(error)
    assert Path(error.path).name == case.file
    assert error.entry == case.entry
    assert all(not model.get_buffer(name).any() for name in TENSORS), "the model was changed"


@pytest.mark.parametrize("deep", [False, True])
@pytest.mark.parametrize("name", CASES)
def test_validator_reports_the_rule(checkpoint, name, deep):
    case = CASES[name]
    case.breakage(checkpoint)
    findings = validate_checkpoint(checkpoint, deep=deep)
    assert (case.requirement, case.file, case.entry) in {
        (finding.requirement, Path(finding.path).name, finding.entry) for finding in findings
    }, findings


def test_validator_reports_every_broken_shard_not_only_the_first(checkpoint):
    os.remove(checkpoint / shard(1))
    rewrite_shard(checkpoint, 3, {"c": TENSORS["c"]}, format="tf")
    truncate_last_shard(checkpoint)
    findings = validate_checkpoint(checkpoint / INDEX)
    assert {(f.requirement, Path(f.path).name) for f in findings} == {
        ("SHARD-LOAD-001", shard(1)),
        ("SHARD-LOAD-008", shard(3)),
        ("ST-TENSOR-005", shard(4)),
    }
