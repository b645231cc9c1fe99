"""validate_checkpoint (reference/sharding/validate.py): what it accepts, and what it finds.

Broken checkpoints, one per rule, are in test_load_broken_checkpoints.py.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import huggingface_hub
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from safetensors.torch import save_file

from weightspec import spec
from weightspec.reference import save_torch_model, save_torch_state_dict, validate_checkpoint
from weightspec.reference.safetensors.header import SafetensorsHeader, TensorInfo
from weightspec.reference.sharding.index_file import index_findings, shard_name_problem
from weightspec.reference.sharding.validate import _unreadable_data_findings

from .checkpoint_helpers import TiedModel


def requirements(findings) -> set[str]:
    return {finding.requirement for finding in findings}


@pytest.mark.parametrize("max_shard_size", ["5GB", 300])
@pytest.mark.parametrize("writer", ["weightspec", "huggingface_hub"])
def test_saved_checkpoints_are_valid_as_directory_index_and_file(tmp_path, max_shard_size, writer):
    save = save_torch_model if writer == "weightspec" else huggingface_hub.save_torch_model
    save(TiedModel(), tmp_path, max_shard_size=max_shard_size)
    paths = [tmp_path, *sorted(tmp_path.iterdir())]
    assert len(paths) >= 2
    for path in paths:
        for deep in (False, True):
            assert validate_checkpoint(path, deep=deep) == [], path


def test_missing_path_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        validate_checkpoint(tmp_path / "missing.safetensors")


@pytest.mark.parametrize("files", [[], ["a.safetensors", "b.safetensors"], ["pytorch_model.bin"]])
def test_directory_without_a_safetensors_checkpoint(tmp_path, files):
    for name in files:
        save_file({"w": torch.ones(1)}, tmp_path / name)
    findings = validate_checkpoint(tmp_path)
    assert [(f.requirement, f.path) for f in findings] == [("SHARD-LOAD-009", os.fspath(tmp_path))]


def test_directory_with_one_safetensors_file_of_any_name(tmp_path):
    save_file(
        {"w": torch.ones(1)}, tmp_path / "diffusion_pytorch_model.safetensors", metadata={"format": "tf"}
    )
    assert requirements(validate_checkpoint(tmp_path)) == {"SHARD-LOAD-008"}


def test_every_index_of_a_directory_is_checked(tmp_path):
    save_torch_model(TiedModel(), tmp_path, max_shard_size=300)
    save_torch_model(
        TiedModel(), tmp_path, max_shard_size=300, filename_pattern="model.fp16{suffix}.safetensors"
    )
    removed = next(tmp_path.glob("model.fp16-00001-*.safetensors"))
    os.remove(removed)
    findings = validate_checkpoint(tmp_path)
    assert [(f.requirement, Path(f.path).name) for f in findings] == [("SHARD-LOAD-001", removed.name)]


def test_pickle_index_is_checked_without_unpickling(tmp_path):
    """A validator never runs pickles: a .bin index's shards are checked for presence only."""
    save_torch_model(TiedModel(), tmp_path, max_shard_size=300, safe_serialization=False)
    index = tmp_path / "pytorch_model.bin.index.json"
    assert validate_checkpoint(index) == []
    first = next(tmp_path.glob("pytorch_model-00001-*.bin"))
    first.write_bytes(b"garbage that is never unpickled")
    assert validate_checkpoint(index) == []
    os.remove(first)
    assert requirements(validate_checkpoint(index)) == {"SHARD-LOAD-001"}


def test_single_file_with_header_findings_lists_them_all(tmp_path):
    path = tmp_path / "model.safetensors"
    save_torch_state_dict({"a": torch.ones(4), "b": torch.ones(4)}, tmp_path)
    data = bytearray(path.read_bytes())
    data[8:] = data[8:].replace(b'"F32"', b'"X99"')
    path.write_bytes(bytes(data))
    findings = validate_checkpoint(path)
    assert [f.requirement for f in findings].count("ST-TENSOR-002") == 2


class TestDeep:
    """SHARD-DEEP-001: a deep validation reads every data buffer; a short read is a finding."""

    def test_short_read_names_the_tensor_and_offset(self, tmp_path):
        path = tmp_path / "model.safetensors"
        path.write_bytes(b"\0" * 100)
        tensors = {
            "first": TensorInfo("first", "U8", (40,), 0, 40),
            "second": TensorInfo("second", "U8", (80,), 40, 120),
        }
        header = SafetensorsHeader(
            header_length=12, data_start=20, data_length=120, metadata={}, tensors=tensors
        )
        findings = _unreadable_data_findings(path, header)
        assert [(f.requirement, f.entry, f.offset) for f in findings] == [("SHARD-DEEP-001", "second", 100)]

    def test_complete_buffer_has_no_finding(self, tmp_path):
        path = tmp_path / "model.safetensors"
        path.write_bytes(b"\0" * 140)
        tensors = {"t": TensorInfo("t", "U8", (120,), 0, 120)}
        header = SafetensorsHeader(
            header_length=12, data_start=20, data_length=120, metadata={}, tensors=tensors
        )
        assert _unreadable_data_findings(path, header) == []


@given(st.text(max_size=12) | st.sampled_from(["", ".", "..", "a/b", "a\\b", "C:x", ".x", "x\x1f", "x\x7f"]))
def test_shard_name_rule_in_words_agrees_with_the_schema_pattern(name):
    """SHARD-INDEX-002: the loader's explanation and the schema's shardFileName reject the same names."""
    pattern = re.compile(spec.schema("safetensors-index.schema.json")["$defs"]["shardFileName"]["pattern"])
    assert (shard_name_problem(name) is None) == bool(pattern.search(name))


def numbered(*shards: str) -> dict[str, str]:
    """A weight_map giving tensor t<i> to the i-th shard name."""
    return {f"t{i}": shard for i, shard in enumerate(shards)}


@pytest.mark.parametrize(
    ("weight_map", "broken"),
    [
        (numbered("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"), []),
        (numbered("model-00001-of-00002.safetensors", "model-00003-of-00002.safetensors"), ["t1"]),
        (numbered("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors"), ["t0", "t1"]),
        (numbered("model-00000-of-00001.safetensors"), ["t0"]),
        (numbered("model-000001-of-000001.safetensors"), []),  # wider numbers, as past 99,999 shards
        (numbered("model.safetensors", "extra.safetensors"), []),  # not numbered
        (numbered("a-00001-of-00002.safetensors", "b-00002-of-00002.safetensors"), []),
        (
            numbered("model-00001-of-00002.safetensors", *["model-00002-of-00002.safetensors"] * 3),
            [],
        ),  # shards are counted once, whatever the number of their tensors
        (numbered("../model-00009-of-00001.safetensors"), []),  # SHARD-INDEX-002 only
        (numbered("model-00009-of-00001.bin"), []),  # SHARD-INDEX-005 only
    ],
)
def test_a_shard_is_numbered_within_the_count_of_shards(tmp_path, weight_map, broken):
    index = tmp_path / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {"total_size": 0}, "weight_map": weight_map}))
    _, findings = index_findings(index, extension=".safetensors")
    assert [f.entry for f in findings if f.requirement == "SHARD-INDEX-007"] == broken
    assert all(f.path == str(index) for f in findings)


def test_the_issue_s_three_of_two_is_reported_beside_the_missing_file(tmp_path):
    save_file({"a": torch.ones(2)}, tmp_path / "model-00001-of-00002.safetensors")
    weight_map = {"a": "model-00001-of-00002.safetensors", "b": "model-00003-of-00002.safetensors"}
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 8}, "weight_map": weight_map})
    )
    assert requirements(validate_checkpoint(tmp_path)) == {"SHARD-INDEX-007", "SHARD-LOAD-001"}
