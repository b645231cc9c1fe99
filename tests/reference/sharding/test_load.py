"""load_torch_model / load_state_dict_from_file (reference/sharding/load.py): spec/sharding.md, section 6."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import torch
from safetensors.torch import load_file, save_file

from weightspec.reference import (
    CorruptedCheckpointError,
    InvalidArgumentError,
    SafetensorsError,
    StrictLoadError,
    UnsupportedDtypeError,
    load_state_dict_from_file,
    load_torch_model,
    save_torch_model,
    save_torch_state_dict,
)
from weightspec.reference.sharding.weights_files import _safetensors_device

from .checkpoint_helpers import Buffers, TiedModel, read_json, same_bits, write_json, write_one_tensor_file


def assert_same_model(a: torch.nn.Module, b: torch.nn.Module) -> None:
    a_state, b_state = a.state_dict(), b.state_dict()
    assert a_state.keys() == b_state.keys()
    assert all(same_bits(a_state[name], b_state[name]) for name in a_state)


@pytest.fixture
def sharded(tmp_path):
    """A TiedModel saved in 4 shards (its tied head.weight dropped and recorded)."""
    save_torch_model(TiedModel(), tmp_path, max_shard_size=300)
    assert len(list(tmp_path.glob("model-*.safetensors"))) > 2
    return tmp_path


class TestRoundTrip:
    def test_sharded_directory_loads_strictly_with_ties_restored(self, sharded):
        """SHARD-LOAD-005: head.weight was dropped on save and is tied back, so strict passes."""
        model = TiedModel(seed=1)
        result = load_torch_model(model, sharded, strict=True)
        assert result.missing_keys == [] and result.unexpected_keys == []
        assert repr(result) == "<All keys matched successfully>"
        assert_same_model(model, TiedModel())

    def test_untied_model_gets_the_kept_tensor_under_the_dropped_name(self, sharded):
        model = TiedModel(seed=1)
        model.head.weight = torch.nn.Parameter(torch.zeros(16, 8))  # no longer shares embed.weight
        load_torch_model(model, sharded, strict=True)
        assert same_bits(model.head.weight, TiedModel().embed.weight)

    def test_a_dropped_partial_view_is_not_tied_with_the_wrong_shape(self, tmp_path):
        """The record 'part: base' is not used for a model expecting 3 elements under 'part'."""
        base = torch.arange(12.0)
        save_torch_state_dict({"base": base, "part": base[2:5]}, tmp_path)
        model = Buffers({"base": torch.zeros(12), "part": torch.zeros(3)})
        result = load_torch_model(model, tmp_path)
        assert result.missing_keys == ["part"] and result.unexpected_keys == []
        assert torch.equal(model.base, base) and not model.part.any()

    def test_single_file_and_its_directory(self, tmp_path):
        save_torch_model(TiedModel(), tmp_path)
        for path in (tmp_path, tmp_path / "model.safetensors"):
            model = TiedModel(seed=1)
            load_torch_model(model, path, strict=True)
            assert_same_model(model, TiedModel())

    def test_non_strict_returns_missing_and_unexpected_keys_sorted(self, tmp_path):
        save_torch_state_dict({"b": torch.ones(2), "z": torch.ones(1), "a": torch.ones(3)}, tmp_path)
        model = Buffers({"b": torch.zeros(2), "y": torch.zeros(1), "x": torch.zeros(1)})
        result = load_torch_model(model, tmp_path)
        assert result.missing_keys == ["x", "y"] and result.unexpected_keys == ["a", "z"]
        assert torch.equal(model.b, torch.ones(2))

    def test_named_pattern_selects_that_checkpoint(self, tmp_path):
        save_torch_model(TiedModel(), tmp_path)
        save_torch_model(TiedModel(seed=2), tmp_path, filename_pattern="model.fp16{suffix}.safetensors")
        model = TiedModel(seed=1)
        load_torch_model(model, tmp_path, filename_pattern="model.fp16{suffix}.safetensors", strict=True)
        assert_same_model(model, TiedModel(seed=2))

    def test_model_safetensors_is_chosen_over_other_safetensors_files(self, tmp_path):
        """SHARD-LOAD-009: the file the pattern names comes before 'the only .safetensors file'."""
        save_torch_model(TiedModel(), tmp_path)
        save_torch_model(TiedModel(seed=2), tmp_path, filename_pattern="model.fp16{suffix}.safetensors")
        model = TiedModel(seed=1)
        load_torch_model(model, tmp_path, strict=True)
        assert_same_model(model, TiedModel())

    def test_the_only_safetensors_file_of_another_name(self, tmp_path):
        save_torch_model(
            TiedModel(), tmp_path, filename_pattern="diffusion_pytorch_model{suffix}.safetensors"
        )
        model = TiedModel(seed=1)
        load_torch_model(model, tmp_path, strict=True)
        assert_same_model(model, TiedModel())


class TestStrict:
    """SHARD-LOAD-006: key mismatches are refused before the model is changed."""

    @pytest.mark.parametrize("change", ["missing", "unexpected"])
    def test_strict_failure_leaves_the_model_unchanged(self, sharded, change):
        model = TiedModel(seed=1)
        if change == "missing":
            model.extra = torch.nn.Linear(2, 2)
        else:
            del model.norm
        before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
        with pytest.raises(RuntimeError, match="SHARD-LOAD-006") as caught:  # a RuntimeError, as in torch
            load_torch_model(model, sharded, strict=True)
        assert isinstance(caught.value, StrictLoadError)
        assert (
            ("Missing key(s)" in str(caught.value))
            == bool(caught.value.missing_keys)
            == (change == "missing")
        )
        assert (
            ("Unexpected key(s)" in str(caught.value))
            == bool(caught.value.unexpected_keys)
            == (change == "unexpected")
        )
        assert all(same_bits(model.state_dict()[name], tensor) for name, tensor in before.items())

    def test_non_strict_loads_what_matches(self, sharded):
        model = TiedModel(seed=1)
        model.extra = torch.nn.Linear(2, 2)
        result = load_torch_model(model, sharded)
        assert result.missing_keys == ["extra.bias", "extra.weight"]
        assert same_bits(model.block.weight, TiedModel().block.weight)


class RecordingModel(TiedModel):
    """A TiedModel that records the keys of every ``load_state_dict`` call."""

    def __init__(self) -> None:
        super().__init__(seed=1)
        self.calls: list[list[str]] = []

    def load_state_dict(self, state_dict, strict=True, assign=False):
        self.calls.append(sorted(state_dict))
        return super().load_state_dict(state_dict, strict=strict, assign=assign)


def test_shards_are_loaded_one_at_a_time_in_sorted_order(sharded):
    """SHARD-LOAD-004: even when the index lists the last shard first."""
    index_path = sharded / "model.safetensors.index.json"
    index = read_json(index_path)
    index["weight_map"] = dict(reversed(list(index["weight_map"].items())))
    write_json(index_path, index)
    model = RecordingModel()
    load_torch_model(model, sharded, strict=True)
    by_shard: dict[str, list[str]] = {}
    for name, shard in index["weight_map"].items():
        by_shard.setdefault(shard, []).append(name)
    expected = [sorted(by_shard[shard]) for shard in sorted(by_shard)]
    # head.weight is tied back in the call of the shard holding embed.weight
    assert [[name for name in call if name != "head.weight"] for call in model.calls] == expected


class TestMapLocation:
    """SHARD-LOAD-007: map_location applies to every shard, device indices kept."""

    @pytest.mark.parametrize("location", [None, "cpu", torch.device("cpu"), "meta"])
    def test_cpu_locations_load_sharded_checkpoints(self, sharded, location):
        model = TiedModel(seed=1)
        load_torch_model(model, sharded, map_location=location, strict=True)
        assert_same_model(model, TiedModel())

    def test_device_index_is_kept_for_safetensors(self, tmp_path):
        assert _safetensors_device("cuda:1", tmp_path) == "cuda:1"
        assert _safetensors_device(torch.device("cuda", 1), tmp_path) == "cuda:1"
        assert _safetensors_device(1, tmp_path) == 1
        assert _safetensors_device(None, tmp_path) == "cpu"

    @pytest.mark.parametrize("location", [{"cuda:0": "cpu"}, "not-a-device"])
    def test_location_that_safetensors_cannot_use_is_refused(self, sharded, location):
        with pytest.raises(InvalidArgumentError) as caught:
            load_torch_model(TiedModel(seed=1), sharded, map_location=location)
        assert caught.value.requirement == "SHARD-LOAD-007"

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
    def test_cuda_location_places_every_shard_on_that_device(self, sharded):
        device = f"cuda:{torch.cuda.device_count() - 1}"
        loaded = load_state_dict_from_file(next(sharded.glob("model-00001-*")), map_location=device)
        assert {tensor.device for tensor in loaded.values()} == {torch.device(device)}
        model = TiedModel(seed=1).to(device)
        load_torch_model(model, sharded, map_location=device, strict=True)
        assert_same_model(model.cpu(), TiedModel())


@dataclass
class Note:
    """An object the weights-only unpickler refuses: not a tensor or a plain container."""

    text: str


class TestPickles:
    def test_safe_loading_refuses_a_pickle_pattern(self, tmp_path):
        """SHARD-PICKLE-002."""
        save_torch_model(TiedModel(), tmp_path, safe_serialization=False)
        with pytest.raises(InvalidArgumentError) as caught:
            load_torch_model(TiedModel(), tmp_path, filename_pattern="pytorch_model{suffix}.bin")
        assert caught.value.requirement == "SHARD-PICKLE-002"

    def test_safe_loading_refuses_a_pickle_file_whatever_its_name(self, tmp_path):
        torch.save(TiedModel().state_dict(), tmp_path / "weights.pt")
        with pytest.raises(InvalidArgumentError) as caught:
            load_torch_model(TiedModel(), tmp_path / "weights.pt")
        assert caught.value.requirement == "SHARD-PICKLE-002"

    def test_safe_loading_of_a_pickle_named_safetensors_is_a_safetensors_error(self, tmp_path):
        torch.save(TiedModel().state_dict(), tmp_path / "model.safetensors")
        with pytest.raises(SafetensorsError):
            load_torch_model(TiedModel(), tmp_path)

    def test_directory_with_only_a_pickle_has_no_safe_checkpoint(self, tmp_path):
        save_torch_model(TiedModel(), tmp_path, safe_serialization=False)
        with pytest.raises(CorruptedCheckpointError) as caught:
            load_torch_model(TiedModel(), tmp_path)
        assert caught.value.requirement == "SHARD-LOAD-009"

    @pytest.mark.parametrize("max_shard_size", ["5GB", 300])
    def test_unsafe_loading_falls_back_to_pickles(self, tmp_path, max_shard_size):
        save_torch_model(TiedModel(), tmp_path, safe_serialization=False, max_shard_size=max_shard_size)
        model = TiedModel(seed=1)
        load_torch_model(model, tmp_path, safe=False, strict=True, mmap=True)
        assert_same_model(model, TiedModel())

    def test_unsafe_loading_still_prefers_safetensors(self, tmp_path):
        save_torch_model(TiedModel(), tmp_path)
        save_torch_model(TiedModel(seed=2), tmp_path, safe_serialization=False)
        model = TiedModel(seed=1)
        load_torch_model(model, tmp_path, safe=False, strict=True)
        assert_same_model(model, TiedModel())

    def test_weights_only_refuses_arbitrary_objects_by_default(self, tmp_path):
        """SHARD-PICKLE-001: a pickle with a non-tensor object needs weights_only=False."""
        torch.save({"w": torch.ones(2), "obj": Note("hello")}, tmp_path / "pytorch_model.bin")
        with pytest.raises(CorruptedCheckpointError) as caught:
            load_state_dict_from_file(tmp_path / "pytorch_model.bin", safe=False)
        assert caught.value.requirement == "SHARD-PICKLE-001"
        loaded = load_state_dict_from_file(tmp_path / "pytorch_model.bin", safe=False, weights_only=False)
        assert loaded["obj"] == Note("hello")

    def test_pickle_that_is_not_a_state_dict_is_refused_for_a_model(self, tmp_path):
        """SHARD-PICKLE-003."""
        torch.save([torch.ones(2)], tmp_path / "pytorch_model.bin")
        with pytest.raises(CorruptedCheckpointError) as caught:
            load_torch_model(TiedModel(), tmp_path, safe=False)
        assert caught.value.requirement == "SHARD-PICKLE-003"
        assert isinstance(load_state_dict_from_file(tmp_path / "pytorch_model.bin", safe=False), list)

    def test_unreadable_pickle_is_a_checkpoint_error(self, tmp_path):
        (tmp_path / "pytorch_model.bin").write_bytes(b"not a pickle at all")
        with pytest.raises(CorruptedCheckpointError) as caught:
            load_torch_model(TiedModel(), tmp_path, safe=False)
        assert caught.value.requirement in ("SHARD-PICKLE-001", "SHARD-PICKLE-003")


class TestFormat:
    """SHARD-LOAD-008: format metadata other than pt / mlx is refused; no format is fine."""

    @pytest.mark.parametrize(
        ("metadata", "loads"), [(None, True), ({"format": "mlx"}, True), ({"format": "tf"}, False)]
    )
    def test_format(self, tmp_path, metadata, loads):
        save_file({"w": torch.ones(2)}, tmp_path / "model.safetensors", metadata=metadata)
        if loads:
            assert torch.equal(load_state_dict_from_file(tmp_path / "model.safetensors")["w"], torch.ones(2))
            return
        with pytest.raises(CorruptedCheckpointError) as caught:
            load_state_dict_from_file(tmp_path / "model.safetensors")
        assert caught.value.requirement == "SHARD-LOAD-008"


class TestDtypes:
    """ST-LOAD-001: the tensors of safetensors.torch.load_file, and a named refusal where torch has no dtype."""

    def test_f4_loads_two_elements_per_byte_and_into_a_model(self, tmp_path):
        write_one_tensor_file(tmp_path / "model.safetensors", "F4", [2, 4], b"\x12\x34\x56\x78")
        loaded = load_state_dict_from_file(tmp_path / "model.safetensors")["w"]
        expected = load_file(tmp_path / "model.safetensors")["w"]
        assert (loaded.dtype, loaded.shape) == (expected.dtype, (2, 2)) == (torch.float4_e2m1fn_x2, (2, 2))
        model = Buffers({"w": torch.zeros(2, 2, dtype=torch.uint8).view(torch.float4_e2m1fn_x2)})
        load_torch_model(model, tmp_path, strict=True)
        assert model.w.view(torch.uint8).flatten().tolist() == [0x12, 0x34, 0x56, 0x78]

    @pytest.mark.parametrize(
        ("dtype", "shape", "data"), [("F6_E2M3", [4], bytes(3)), ("F4", [2, 3], bytes(3))]
    )
    def test_a_tensor_torch_cannot_hold_is_refused_by_name(self, tmp_path, dtype, shape, data):
        write_one_tensor_file(tmp_path / "model.safetensors", dtype, shape, data)
        for load in (
            lambda: load_state_dict_from_file(tmp_path / "model.safetensors"),
            lambda: load_torch_model(Buffers({"w": torch.zeros(1)}), tmp_path),
        ):
            with pytest.raises(UnsupportedDtypeError, match="tensor 'w'") as caught:
                load()
            assert caught.value.requirement == "ST-LOAD-001"
            assert caught.value.path == str(tmp_path / "model.safetensors")


class TestLocating:
    def test_missing_path(self, tmp_path):
        with pytest.raises(FileNotFoundError):
            load_torch_model(TiedModel(), tmp_path / "nothing")
        with pytest.raises(FileNotFoundError):
            load_state_dict_from_file(tmp_path / "nothing.safetensors")
        with pytest.raises(FileNotFoundError):
            load_state_dict_from_file(tmp_path)  # a directory is not a checkpoint file

    @pytest.mark.parametrize("files", [[], ["a.safetensors", "b.safetensors"]])
    def test_directory_without_one_checkpoint(self, tmp_path, files):
        """SHARD-LOAD-009: empty, or several candidates and none named by the pattern."""
        for name in files:
            save_file({"w": torch.ones(1)}, tmp_path / name)
        with pytest.raises(CorruptedCheckpointError) as caught:
            load_torch_model(TiedModel(), tmp_path)
        assert (caught.value.requirement, caught.value.path) == ("SHARD-LOAD-009", os.fspath(tmp_path))

    def test_pattern_without_suffix_is_refused(self, sharded):
        with pytest.raises(InvalidArgumentError) as caught:
            load_torch_model(TiedModel(), sharded, filename_pattern="model.safetensors")
        assert caught.value.requirement == "SHARD-NAME-002"


def test_load_state_dict_from_file_reads_safetensors_whatever_the_name(tmp_path):
    save_file({"w": torch.arange(3.0)}, tmp_path / "weights.bin", metadata={"format": "pt"})
    assert torch.equal(load_state_dict_from_file(tmp_path / "weights.bin")["w"], torch.arange(3.0))
