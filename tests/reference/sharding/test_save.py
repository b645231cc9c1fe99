"""save_torch_state_dict / save_torch_model (reference/sharding/save.py): spec/sharding.md, section 4."""

from __future__ import annotations

import copy
import os

import jsonschema
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from weightspec import spec
from weightspec.reference import (
    InvalidArgumentError,
    load_torch_model,
    save_torch_model,
    save_torch_state_dict,
)
from weightspec.reference.safetensors.header import read_safetensors_header

from .checkpoint_helpers import TiedModel, directory_snapshot, read_json, same_bits


def four_tensors() -> dict[str, torch.Tensor]:
    """Four float32 tensors of 64 bytes each: a 100-byte limit gives one shard per tensor."""
    return {name: torch.full((16,), float(i)) for i, name in enumerate(["a", "b", "c", "d"])}


def header_metadata(path) -> dict[str, str]:
    return read_safetensors_header(path).metadata


def test_one_shard_is_model_safetensors_without_index(tmp_path):
    save_torch_state_dict(four_tensors(), tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]
    assert load_file(tmp_path / "model.safetensors").keys() == {"a", "b", "c", "d"}


def test_sharded_save_writes_numbered_shards_and_a_schema_valid_index(tmp_path):
    """SHARD-SAVE-003: the index exists only when sharded and is valid against the schema."""
    save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100)
    shards = [f"model-0000{i}-of-00004.safetensors" for i in range(1, 5)]
    assert sorted(os.listdir(tmp_path)) == [*shards, "model.safetensors.index.json"]
    index = read_json(tmp_path / "model.safetensors.index.json")
    jsonschema.validate(index, spec.schema("safetensors-index.schema.json"))
    assert index["weight_map"] == dict(zip("abcd", shards, strict=True))
    assert index["metadata"]["total_size"] == 4 * 64
    assert sum(read_safetensors_header(tmp_path / s).data_length for s in shards) == 4 * 64


def test_every_file_holds_format_pt_and_the_callers_metadata(tmp_path):
    """SHARD-SAVE-002 in every shard; the caller's metadata also in the index."""
    save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100, metadata={"author": "me"})
    for shard in sorted(tmp_path.glob("*.safetensors")):
        assert header_metadata(shard) == {"format": "pt", "author": "me"}
    assert read_json(tmp_path / "model.safetensors.index.json")["metadata"] == {
        "total_size": 256,
        "author": "me",
    }


def test_computed_total_size_wins_over_a_callers_key(tmp_path):
    """SHARD-SAVE-008: the index's total_size is always the computed one (and stays schema-valid)."""
    save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100, metadata={"total_size": "huge"})
    assert read_json(tmp_path / "model.safetensors.index.json")["metadata"]["total_size"] == 256


def test_metadata_format_other_than_pt_is_refused(tmp_path):
    with pytest.raises(InvalidArgumentError) as caught:
        save_torch_state_dict(four_tensors(), tmp_path, metadata={"format": "tf"})
    assert caught.value.requirement == "SHARD-SAVE-002"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("metadata", [{"n": 1}, {1: "x"}, ["a"], {"x": None}])
def test_metadata_that_is_not_strings_to_strings_is_refused_before_writing(tmp_path, metadata):
    with pytest.raises(InvalidArgumentError) as caught:
        save_torch_state_dict(four_tensors(), tmp_path, metadata=metadata)
    assert caught.value.requirement == "SHARD-SAVE-007"
    assert os.listdir(tmp_path) == []


class TestSharedTensors:
    """SHARD-SAVE-001 (which name is kept) and SHARD-SAVE-008 (the record of the names dropped)."""

    def test_alphabetically_first_complete_name_is_kept_and_the_others_recorded(self, tmp_path):
        base = torch.arange(12.0)
        state_dict = {"z": base, "b": base.view(3, 4), "m": base[2:5], "other": torch.ones(2)}
        save_torch_state_dict(state_dict, tmp_path)
        path = tmp_path / "model.safetensors"
        assert load_file(path).keys() == {"b", "other"}  # "b" and "z" cover the storage; "m" does not
        assert header_metadata(path) == {"format": "pt", "m": "b", "z": "b"}

    def test_shared_tensors_to_discard_steers_the_choice(self, tmp_path):
        base = torch.arange(4.0)
        save_torch_state_dict({"a": base, "b": base}, tmp_path, shared_tensors_to_discard=["a"])
        assert load_file(tmp_path / "model.safetensors").keys() == {"b"}
        assert header_metadata(tmp_path / "model.safetensors")["a"] == "b"

    def test_the_callers_metadata_key_is_not_overwritten_by_a_record(self, tmp_path):
        base = torch.arange(4.0)
        save_torch_state_dict({"a": base, "b": base}, tmp_path, metadata={"b": "mine"})
        assert header_metadata(tmp_path / "model.safetensors")["b"] == "mine"

    def test_sharded_save_records_dropped_names_in_every_shard_and_in_the_index(self, tmp_path):
        save_torch_model(TiedModel(), tmp_path, max_shard_size=200)
        index = read_json(tmp_path / "model.safetensors.index.json")
        assert index["metadata"]["head.weight"] == "embed.weight"
        assert "head.weight" not in index["weight_map"]
        for shard in set(index["weight_map"].values()):
            assert header_metadata(tmp_path / shard)["head.weight"] == "embed.weight"

    def test_overlapping_views_without_a_complete_one_are_refused(self, tmp_path):
        base = torch.arange(10.0)
        with pytest.raises(InvalidArgumentError) as caught:
            save_torch_state_dict({"x": base[0:6], "y": base[4:10]}, tmp_path)
        assert caught.value.requirement == "SHARD-SAVE-001"
        assert os.listdir(tmp_path) == []

    def test_disjoint_slices_of_one_storage_are_saved_compactly(self, tmp_path):
        """SHARD-SAVE-011: each slice is its own bytes, and total_size counts only those."""
        base = torch.arange(32.0)
        state_dict = {"low": base[:16], "high": base[16:]}
        save_torch_state_dict(state_dict, tmp_path, max_shard_size=64)
        index = read_json(tmp_path / "model.safetensors.index.json")
        assert index["metadata"]["total_size"] == 128
        for name, shard in index["weight_map"].items():
            assert same_bits(load_file(tmp_path / shard)[name], state_dict[name])
            assert read_safetensors_header(tmp_path / shard).data_length == 64


def test_non_contiguous_tensor_without_force_contiguous_is_refused(tmp_path):
    """SHARD-SAVE-010, naming the tensor, before anything is written."""
    with pytest.raises(InvalidArgumentError) as caught:
        save_torch_state_dict({"t": torch.ones(3, 4).t()}, tmp_path, force_contiguous=False)
    assert (caught.value.requirement, caught.value.entry) == ("SHARD-SAVE-010", "t")
    assert os.listdir(tmp_path) == []


def test_force_contiguous_saves_the_transposed_values(tmp_path):
    transposed = torch.arange(12.0).reshape(3, 4).t()
    save_torch_state_dict({"t": transposed}, tmp_path)
    assert torch.equal(load_file(tmp_path / "model.safetensors")["t"], transposed)


@pytest.mark.parametrize("state_dict", [{}, {"quant_state": "bitsandbytes"}])
def test_empty_state_dict_is_refused_and_the_directory_left_as_it_was(tmp_path, state_dict):
    """SHARD-SAVE-005: a state dict with no tensor (strings are skipped) writes and removes nothing."""
    save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100)
    before = directory_snapshot(tmp_path)
    with pytest.raises(InvalidArgumentError) as caught:
        save_torch_state_dict(state_dict, tmp_path)
    assert caught.value.requirement == "SHARD-SAVE-005"
    assert directory_snapshot(tmp_path) == before


def test_string_values_are_skipped(tmp_path):
    save_torch_state_dict({"w": torch.ones(2), "quant_state": "bitsandbytes"}, tmp_path)
    assert load_file(tmp_path / "model.safetensors").keys() == {"w"}


def test_a_value_that_is_neither_tensor_nor_string_is_refused_naming_it(tmp_path):
    with pytest.raises(InvalidArgumentError) as caught:
        save_torch_state_dict({"w": torch.ones(2), "step": 3}, tmp_path)
    assert (caught.value.requirement, caught.value.entry) == ("SHARD-SPLIT-007", "step")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("pattern", ["model.safetensors", "sub/model{suffix}.safetensors"])
def test_bad_filename_pattern_is_refused_before_writing(tmp_path, pattern):
    with pytest.raises(InvalidArgumentError) as caught:
        save_torch_state_dict(four_tensors(), tmp_path, filename_pattern=pattern)
    assert caught.value.requirement in ("SHARD-NAME-002", "SHARD-NAME-005")
    assert os.listdir(tmp_path) == []


def test_callers_state_dict_and_metadata_are_not_mutated(tmp_path):
    """SHARD-SAVE-006: same keys, same tensor objects, same values, same metadata."""
    base = torch.arange(6.0)
    state_dict = {"a": base, "b": base, "c": torch.ones(2, 3).t(), "s": "kept"}
    metadata = {"note": "x"}
    tensors_before = dict(state_dict)
    values_before = {k: v.clone() for k, v in state_dict.items() if isinstance(v, torch.Tensor)}
    metadata_before = copy.deepcopy(metadata)
    save_torch_state_dict(state_dict, tmp_path, metadata=metadata, max_shard_size=30)
    assert list(state_dict) == list(tensors_before)
    assert all(state_dict[k] is tensors_before[k] for k in state_dict)
    assert all(same_bits(state_dict[k], v) for k, v in values_before.items())
    assert state_dict["c"].stride() == (1, 3)
    assert metadata == metadata_before


class TestReSave:
    """SHARD-SAVE-004: files of an earlier save are removed after the new ones, and only those."""

    UNRELATED = (
        "model.safetensors.backup",
        "model.fp16.safetensors",
        "README.md",
        "pytorch_model.bin",
        "model-1-of-2.safetensors",
        "model.safetensors.index.json.old",
    )

    def test_sharded_then_single_removes_old_shards_and_index_only(self, tmp_path):
        for name in self.UNRELATED:
            (tmp_path / name).write_bytes(b"keep me")
        save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100)
        save_torch_state_dict({"only": torch.ones(2)}, tmp_path)
        assert sorted(os.listdir(tmp_path)) == sorted([*self.UNRELATED, "model.safetensors"])
        assert all((tmp_path / name).read_bytes() == b"keep me" for name in self.UNRELATED)

    def test_single_then_sharded_removes_the_single_file(self, tmp_path):
        save_torch_state_dict({"only": torch.ones(2)}, tmp_path)
        save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100)
        assert "model.safetensors" not in os.listdir(tmp_path)
        assert len(list(tmp_path.glob("model-*-of-00004.safetensors"))) == 4

    def test_fewer_shards_remove_the_extra_old_shards(self, tmp_path):
        save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100)
        save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=130)
        assert sorted(os.listdir(tmp_path)) == [
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "model.safetensors.index.json",
        ]

    def test_other_pattern_leaves_the_default_checkpoint_alone(self, tmp_path):
        save_torch_state_dict(four_tensors(), tmp_path)
        before = directory_snapshot(tmp_path)
        save_torch_state_dict(four_tensors(), tmp_path, filename_pattern="model.fp16{suffix}.safetensors")
        assert directory_snapshot(tmp_path).items() >= before.items()

    def test_not_main_process_leaves_earlier_files(self, tmp_path):
        save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100)
        save_torch_state_dict({"only": torch.ones(2)}, tmp_path, is_main_process=False)
        assert len(os.listdir(tmp_path)) == 6  # 4 old shards, old index, new single file

    def test_no_temporary_file_is_left(self, tmp_path):
        save_torch_state_dict(four_tensors(), tmp_path, max_shard_size=100)
        assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_failure_while_writing_removes_temporary_files_and_keeps_the_earlier_checkpoint(tmp_path):
    """A shard that cannot be written (a meta tensor has no data) aborts the save cleanly."""
    save_torch_model(TiedModel(), tmp_path)
    before = directory_snapshot(tmp_path)
    state_dict = {"a": torch.ones(16), "b": torch.empty(16, device="meta")}
    with pytest.raises(Exception):  # noqa: B017 - safetensors' own error for a tensor without data
        save_torch_state_dict(state_dict, tmp_path, max_shard_size=64)
    assert directory_snapshot(tmp_path) == before
    model = TiedModel(seed=1)
    load_torch_model(model, tmp_path, strict=True)
    assert same_bits(model.block.weight, TiedModel().block.weight)


def test_missing_directory_is_created(tmp_path):
    save_torch_state_dict(four_tensors(), tmp_path / "new" / "dir")
    assert os.listdir(tmp_path / "new" / "dir") == ["model.safetensors"]


def test_save_torch_model_saves_the_models_state_dict(tmp_path):
    model = TiedModel()
    save_torch_model(model, tmp_path / "model")
    save_torch_state_dict(model.state_dict(), tmp_path / "state_dict")
    assert os.listdir(tmp_path / "model") == os.listdir(tmp_path / "state_dict") == ["model.safetensors"]
    first, second = (
        read_safetensors_header(tmp_path / d / "model.safetensors") for d in ("model", "state_dict")
    )
    assert first == second  # the bytes may differ: safetensors writes metadata in a random order


class TestPickle:
    """safe_serialization=False: torch.save shards named pytorch_model{suffix}.bin, as huggingface_hub."""

    def test_sharded_pickle_save_loads_back(self, tmp_path):
        save_torch_state_dict(four_tensors(), tmp_path, safe_serialization=False, max_shard_size=100)
        names = sorted(os.listdir(tmp_path))
        assert names[-1] == "pytorch_model.bin.index.json"
        assert names[0] == "pytorch_model-00001-of-00004.bin"
        shard = torch.load(tmp_path / names[0], weights_only=True)
        assert same_bits(shard["a"], four_tensors()["a"])

    def test_pickle_keeps_shared_tensors_shared_in_one_shard(self, tmp_path):
        base = torch.arange(4.0)
        save_torch_state_dict({"a": base, "b": base}, tmp_path, safe_serialization=False)
        loaded = torch.load(tmp_path / "pytorch_model.bin", weights_only=True)
        assert loaded["a"].untyped_storage().data_ptr() == loaded["b"].untyped_storage().data_ptr()

    def test_pickle_index_holds_the_callers_metadata(self, tmp_path):
        save_torch_state_dict(
            four_tensors(), tmp_path, safe_serialization=False, max_shard_size=100, metadata={"k": "v"}
        )
        assert read_json(tmp_path / "pytorch_model.bin.index.json")["metadata"] == {
            "total_size": 256,
            "k": "v",
        }


def test_safetensors_files_open_with_the_safetensors_library(tmp_path):
    save_torch_state_dict(four_tensors(), tmp_path, metadata={"k": "v"})
    with safe_open(tmp_path / "model.safetensors", framework="pt") as file:
        assert file.metadata() == {"format": "pt", "k": "v"}
