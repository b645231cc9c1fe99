"""Interoperability with huggingface_hub: each loads what the other saves, and both write the same files."""

from __future__ import annotations

import inspect

import huggingface_hub
import pytest
import torch

from weightspec import reference
from weightspec.reference.safetensors.header import read_safetensors_header

from .checkpoint_helpers import TiedModel, directory_snapshot, read_json, same_bits

SHARD_LIMITS = ["5GB", 300]  # one file; four shards


def assert_same_model(a: torch.nn.Module, b: torch.nn.Module) -> None:
    assert all(same_bits(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def hub_save(model: torch.nn.Module, directory, **kwargs) -> None:
    """huggingface_hub.save_torch_model, into a directory it needs to exist."""
    directory.mkdir(parents=True, exist_ok=True)
    huggingface_hub.save_torch_model(model, directory, **kwargs)


class UntiedModel(torch.nn.Module):
    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.first = torch.nn.Linear(8, 8)
        self.second = torch.nn.Linear(8, 4)
        self.register_buffer("steps", torch.tensor(seed, dtype=torch.int64))


@pytest.mark.parametrize("max_shard_size", SHARD_LIMITS)
def test_reference_loads_what_huggingface_hub_saves_with_ties_restored(tmp_path, max_shard_size):
    hub_save(TiedModel(), tmp_path, max_shard_size=max_shard_size)
    model = TiedModel(seed=1)
    result = reference.load_torch_model(model, tmp_path, strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert_same_model(model, TiedModel())


@pytest.mark.parametrize("max_shard_size", SHARD_LIMITS)
def test_huggingface_hub_loads_what_the_reference_saves(tmp_path, max_shard_size):
    reference.save_torch_model(TiedModel(), tmp_path, max_shard_size=max_shard_size)
    model = TiedModel(seed=1)
    result = huggingface_hub.load_torch_model(model, tmp_path)
    assert list(result.missing_keys) == ["head.weight"]  # huggingface_hub does not tie back
    assert_same_model(model, TiedModel())  # ... but the model's own tie fills it
    untied = UntiedModel(seed=1)
    reference.save_torch_model(UntiedModel(), tmp_path / "untied", max_shard_size=max_shard_size)
    huggingface_hub.load_torch_model(untied, tmp_path / "untied", strict=True)
    assert_same_model(untied, UntiedModel())


@pytest.mark.parametrize("max_shard_size", SHARD_LIMITS)
def test_pickle_checkpoints_load_both_ways(tmp_path, max_shard_size):
    hub_save(UntiedModel(), tmp_path / "hub", max_shard_size=max_shard_size, safe_serialization=False)
    reference.save_torch_model(
        UntiedModel(), tmp_path / "ref", max_shard_size=max_shard_size, safe_serialization=False
    )
    assert sorted(p.name for p in (tmp_path / "hub").iterdir()) == sorted(
        p.name for p in (tmp_path / "ref").iterdir()
    )
    for loader, directory in [(reference.load_torch_model, "hub"), (huggingface_hub.load_torch_model, "ref")]:
        model = UntiedModel(seed=1)
        loader(model, tmp_path / directory, strict=True, safe=False)
        assert_same_model(model, UntiedModel())


@pytest.mark.parametrize("max_shard_size", SHARD_LIMITS)
def test_without_shared_tensors_the_files_are_byte_identical(tmp_path, max_shard_size):
    hub_save(UntiedModel(), tmp_path / "hub", max_shard_size=max_shard_size)
    reference.save_torch_model(UntiedModel(), tmp_path / "ref", max_shard_size=max_shard_size)
    assert directory_snapshot(tmp_path / "hub") == directory_snapshot(tmp_path / "ref")


def test_single_file_with_shared_tensors_has_the_same_header_and_data(tmp_path):
    """The record of dropped names (SHARD-SAVE-008) is huggingface_hub's.

    Not byte for byte: the safetensors library writes metadata entries in a random order.
    """
    hub_save(TiedModel(), tmp_path / "hub", metadata={"k": "v"})
    reference.save_torch_model(TiedModel(), tmp_path / "ref", metadata={"k": "v"})
    hub_file, ref_file = tmp_path / "hub" / "model.safetensors", tmp_path / "ref" / "model.safetensors"
    hub_header, ref_header = read_safetensors_header(hub_file), read_safetensors_header(ref_file)
    assert (
        ref_header.metadata
        == hub_header.metadata
        == {"format": "pt", "k": "v", "head.weight": "embed.weight"}
    )
    assert ref_header.tensors == hub_header.tensors
    assert ref_file.read_bytes()[ref_header.data_start :] == hub_file.read_bytes()[hub_header.data_start :]


def test_sharded_index_with_shared_tensors_is_byte_identical(tmp_path):
    """Shards differ only by the record in their metadata (SHARD-SAVE-008); the index is the same."""
    hub_save(TiedModel(), tmp_path / "hub", max_shard_size=300)
    reference.save_torch_model(TiedModel(), tmp_path / "ref", max_shard_size=300)
    index = "model.safetensors.index.json"
    assert (tmp_path / "hub" / index).read_bytes() == (tmp_path / "ref" / index).read_bytes()
    weight_map = read_json(tmp_path / "ref" / index)["weight_map"]
    for shard in set(weight_map.values()):
        hub_shard = huggingface_hub.load_state_dict_from_file(tmp_path / "hub" / shard)
        ref_shard = reference.load_state_dict_from_file(tmp_path / "ref" / shard)
        assert hub_shard.keys() == ref_shard.keys()
        assert all(same_bits(hub_shard[name], ref_shard[name]) for name in hub_shard)


def test_validate_accepts_checkpoints_of_both(tmp_path):
    hub_save(TiedModel(), tmp_path / "hub", max_shard_size=300)
    reference.save_torch_model(TiedModel(), tmp_path / "ref", max_shard_size=300)
    assert reference.validate_checkpoint(tmp_path / "hub") == []
    assert reference.validate_checkpoint(tmp_path / "ref") == []


@pytest.mark.parametrize(
    "name", ["save_torch_model", "save_torch_state_dict", "load_torch_model", "load_state_dict_from_file"]
)
def test_same_parameters_and_defaults_as_huggingface_hub(name):
    """huggingface_hub's parameters, in order; the saves add ``fsync`` (SHARD-SAVE-016) after them, keyword-only."""
    ours = list(inspect.signature(getattr(reference, name)).parameters.values())
    theirs = inspect.signature(getattr(huggingface_hub, name)).parameters.values()
    added = [(p.name, p.kind, p.default) for p in ours[len(theirs) :]]
    assert added == ([("fsync", inspect.Parameter.KEYWORD_ONLY, False)] if name.startswith("save") else [])
    assert [(p.name, p.kind, p.default) for p in ours[: len(theirs)]] == [
        (p.name, p.kind, p.default) for p in theirs
    ]
