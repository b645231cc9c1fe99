"""Property tests: whatever state dict is saved, it loads back bit for bit, and the files are valid.

State dicts are generated over every dtype torch and safetensors share (bf16, float8, bool,
complex, unsigned...), shapes with scalars and zero-size dimensions, tied names (full views of
one storage) and slices that do not cover their storage, with shard limits from one byte up.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from weightspec.reference import load_torch_model, save_torch_state_dict, validate_checkpoint
from weightspec.reference.safetensors.header import read_safetensors_header

from .checkpoint_helpers import Buffers, blank_like, read_json, same_bits

DTYPES = [
    torch.float32,
    torch.float16,
    torch.bfloat16,
    torch.float64,
    torch.float8_e4m3fn,
    torch.float8_e5m2,
    torch.complex64,
    torch.bool,
    torch.int8,
    torch.uint8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint16,
    torch.uint32,
    torch.uint64,
]
EXAMPLES = 30


@st.composite
def tensors(draw) -> torch.Tensor:
    """A tensor of any dtype and a shape of rank 0 to 3 (zero-size dimensions included), random bytes."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.lists(st.integers(0, 4), max_size=3))
    size = math.prod(shape) * dtype.itemsize
    raw = bytearray(draw(st.binary(min_size=size, max_size=size)))
    if dtype == torch.bool:
        raw = bytearray(byte & 1 for byte in raw)  # a bool byte holds 0 or 1
    flat = torch.frombuffer(raw, dtype=torch.uint8) if raw else torch.empty(0, dtype=torch.uint8)
    return flat.view(dtype).reshape(shape).clone()


@st.composite
def state_dicts(draw) -> dict[str, torch.Tensor]:
    """1 to 8 named tensors; some are the same storage under another name, some slices of a larger one."""
    count = draw(st.integers(1, 8))
    names = draw(
        st.lists(st.text("abcxyz_", min_size=1, max_size=4), min_size=count, max_size=count, unique=True)
    )
    state_dict: dict[str, torch.Tensor] = {}
    for name in names:
        shareable = [tensor for tensor in state_dict.values() if tensor.numel() and _covers_storage(tensor)]
        kind = draw(st.sampled_from(["new", "tied", "slice"] if shareable else ["new", "slice"]))
        if kind == "tied":  # another name for a whole storage, as tied weights are
            tensor = draw(st.sampled_from(shareable))
            state_dict["t_" + name] = tensor.view(tensor.shape)
        elif kind == "slice":  # the first half of a storage whose other half is in no state dict
            tensor = draw(tensors())
            state_dict["t_" + name] = torch.stack([tensor, tensor.clone()])[0]
        else:
            state_dict["t_" + name] = draw(tensors())
    return state_dict


def _covers_storage(tensor: torch.Tensor) -> bool:
    return tensor.nbytes == tensor.untyped_storage().nbytes()


def shard_limits():
    return st.one_of(st.integers(1, 600), st.just("5GB"))


@settings(max_examples=EXAMPLES)
@given(state_dict=state_dicts(), max_shard_size=shard_limits())
def test_save_then_load_is_exact_and_valid(state_dict, max_shard_size):
    with tempfile.TemporaryDirectory() as directory:
        save_torch_state_dict(state_dict, directory, max_shard_size=max_shard_size)
        assert validate_checkpoint(directory, deep=True) == []
        _assert_files_account_for_every_name(Path(directory), state_dict)
        model = blank_like(state_dict)
        result = load_torch_model(model, directory, strict=True)
        assert result.missing_keys == [] and result.unexpected_keys == []
        assert all(same_bits(model.get_buffer(name), tensor) for name, tensor in state_dict.items())


def _assert_files_account_for_every_name(directory: Path, state_dict: dict[str, torch.Tensor]) -> None:
    """Each name is in exactly one file or recorded as dropped; total_size is exactly the bytes written."""
    shards = sorted(directory.glob("*.safetensors"))
    headers = [read_safetensors_header(shard) for shard in shards]
    saved = [name for header in headers for name in header.tensors]
    assert len(saved) == len(set(saved))
    dropped = set(state_dict) - set(saved)
    for header in headers:
        assert header.metadata["format"] == "pt"
        assert all(header.metadata.get(name) in saved for name in dropped)
    index_path = directory / "model.safetensors.index.json"
    assert index_path.exists() == (len(shards) > 1)
    if index_path.exists():
        assert read_json(index_path)["metadata"]["total_size"] == sum(h.data_length for h in headers)


@settings(max_examples=EXAMPLES)
@given(state_dict=state_dicts(), max_shard_size=shard_limits())
def test_pickle_save_then_load_is_exact(state_dict, max_shard_size):
    with tempfile.TemporaryDirectory() as directory:
        save_torch_state_dict(state_dict, directory, max_shard_size=max_shard_size, safe_serialization=False)
        model = blank_like(state_dict)
        load_torch_model(model, directory, strict=True, safe=False)
        assert all(same_bits(model.get_buffer(name), tensor) for name, tensor in state_dict.items())


@settings(max_examples=EXAMPLES)
@given(
    first=state_dicts(),
    second=state_dicts(),
    first_limit=shard_limits(),
    second_limit=shard_limits(),
)
def test_a_save_over_an_earlier_one_leaves_only_the_new_checkpoint_and_unrelated_files(
    first, second, first_limit, second_limit
):
    with tempfile.TemporaryDirectory() as directory:
        unrelated = Path(directory, "model.safetensors.backup")
        unrelated.write_bytes(b"keep")
        save_torch_state_dict(first, directory, max_shard_size=first_limit)
        save_torch_state_dict(second, directory, max_shard_size=second_limit)
        assert unrelated.read_bytes() == b"keep"
        with tempfile.TemporaryDirectory() as fresh:
            save_torch_state_dict(second, fresh, max_shard_size=second_limit)
            assert sorted(os.listdir(directory)) == sorted([*os.listdir(fresh), unrelated.name])
        model = blank_like(second)
        load_torch_model(model, directory, strict=True)
        assert all(same_bits(model.get_buffer(name), tensor) for name, tensor in second.items())


@settings(max_examples=EXAMPLES)
@given(state_dict=state_dicts())
def test_the_state_dict_is_unchanged_by_saving(state_dict):
    before = {name: (tensor, tensor.clone(), tensor.stride()) for name, tensor in state_dict.items()}
    with tempfile.TemporaryDirectory() as directory:
        save_torch_state_dict(state_dict, directory, max_shard_size=100)
    assert list(state_dict) == list(before)
    for name, (tensor, values, stride) in before.items():
        assert state_dict[name] is tensor and tensor.stride() == stride and same_bits(tensor, values)


def test_buffers_module_keeps_ties_of_the_state_dict():
    """The helper the properties rely on: a tied name stays tied in the module's state dict."""
    base = torch.ones(3)
    module = Buffers({"a": base, "b": base.view(3)})
    state = module.state_dict()
    assert state["a"].untyped_storage().data_ptr() == state["b"].untyped_storage().data_ptr()
