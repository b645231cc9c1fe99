"""Property tests of the split: generated state dicts and limits, the invariants of spec/sharding.md
section 1, and equality with huggingface_hub's split of the same input."""

from __future__ import annotations

import itertools

import huggingface_hub
import jsonschema
import torch
from huggingface_hub.serialization import _base as hub_base
from huggingface_hub.serialization._torch import get_torch_storage_id as hub_storage_id
from hypothesis import given
from hypothesis import strategies as st

from weightspec import spec
from weightspec.reference import split_state_dict_into_shards_factory, split_torch_state_dict_into_shards

from .split_helpers import split_fields, storage_bytes, torch_state_dicts

limits = st.integers(min_value=1, max_value=400)


def storage_groups(state_dict: dict) -> dict[str, list[str]]:
    """{first name of a storage: all its names, in key order}, by huggingface_hub's storage identity."""
    first_name_of: dict = {}
    groups: dict[str, list[str]] = {}
    for name, tensor in state_dict.items():
        if isinstance(tensor, str):
            continue
        storage_id = hub_storage_id(tensor)
        if storage_id is None or storage_id not in first_name_of:
            groups[name] = [name]
            if storage_id is not None:
                first_name_of[storage_id] = name
        else:
            groups[first_name_of[storage_id]].append(name)
    return groups


@given(state_dict=torch_state_dicts(), limit=limits)
def test_split_invariants(state_dict, limit):
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
    groups = storage_groups(state_dict)
    key_order = {name: position for position, name in enumerate(state_dict)}
    shards = list(split.filename_to_tensors.values())

    # Every tensor in exactly one shard, strings in none (SHARD-SPLIT-004), and the two maps agree.
    listed = [name for names in shards for name in names]
    assert sorted(listed) == sorted(name for name, value in state_dict.items() if not isinstance(value, str))
    assert split.tensor_to_filename == {
        name: file for file, names in split.filename_to_tensors.items() for name in names
    }

    # Every storage in the shard of its first tensor, which lists the storages' first tensors in key
    # order, then the others grouped by storage (SHARD-SPLIT-003, 006).
    sizes = {}
    for names in shards:
        firsts = [name for name in names if name in groups]
        assert firsts == sorted(firsts, key=key_order.__getitem__)
        assert names == firsts + [other for first in firsts for other in groups[first][1:]]
        sizes[tuple(names)] = [storage_bytes(state_dict[first]) for first in firsts]

    # No shard over the limit unless it holds one storage, which is then over the limit (SHARD-SPLIT-002);
    # total_size counts each storage once (SHARD-SPLIT-003).
    for storage_sizes in sizes.values():
        assert sum(storage_sizes) <= limit or (len(storage_sizes) == 1 and storage_sizes[0] > limit)
    assert split.metadata == {"total_size": sum(storage_bytes(state_dict[first]) for first in groups)}

    # Shards that are not single oversized storages hold consecutive runs of the key order, and a shard
    # was closed only because its successor's first storage did not fit (SHARD-SPLIT-001, no bin-packing).
    filled = {names: storage_sizes for names, storage_sizes in sizes.items() if sum(storage_sizes) <= limit}
    filled_firsts = [name for names in filled for name in names if name in groups]
    assert filled_firsts == sorted(filled_firsts, key=key_order.__getitem__)
    for before, after in itertools.pairwise(filled.values()):
        assert sum(before) + after[0] > limit

    # SHARD-NAME-001, 003.
    count = len(shards)
    expected_names = (
        ["model.safetensors"]
        if count == 1
        else [f"model-{i:05d}-of-{count:05d}.safetensors" for i in range(1, count + 1)]
    )
    assert list(split.filename_to_tensors) == expected_names
    assert split.is_sharded == (count > 1)


@given(state_dict=torch_state_dicts(), limit=limits)
def test_split_equals_huggingface_hubs(state_dict, limit):
    ours = split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
    theirs = huggingface_hub.split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
    assert split_fields(ours) == split_fields(theirs)


@given(state_dict=torch_state_dicts(), limit=limits)
def test_the_state_dict_is_not_changed(state_dict, limit):
    """SHARD-SPLIT-008."""
    before = list(state_dict.items())
    split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
    assert list(state_dict.items()) == before


@given(state_dict=torch_state_dicts(), limit=limits)
def test_the_index_of_a_split_is_valid(state_dict, limit):
    """What a writer makes of a split is valid against the index schema (SHARD-INDEX-001)."""
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
    if split.is_sharded:
        index = {"metadata": split.metadata, "weight_map": split.tensor_to_filename}
        jsonschema.validate(index, spec.schema("safetensors-index.schema.json"))


# Framework-free: values are (storage id or None, size) pairs, so that sharing and sizes are drawn freely.
abstract_values = st.one_of(
    st.tuples(st.none() | st.integers(0, 5), st.integers(0, 50)),
    st.just("a string"),
)


@given(
    values=st.dictionaries(st.text("abc012", min_size=1, max_size=4), abstract_values, max_size=30),
    limit=st.integers(1, 120),
)
def test_the_generic_factory_equals_huggingface_hubs(values, limit):
    kwargs = {
        "get_storage_size": lambda value: value[1],
        "get_storage_id": lambda value: value[0],
        "filename_pattern": "shard{suffix}.bin",
        "max_shard_size": limit,
    }
    ours = split_state_dict_into_shards_factory(values, **kwargs)
    theirs = hub_base.split_state_dict_into_shards_factory(values, **kwargs)
    assert split_fields(ours) == split_fields(theirs)


def test_the_generated_state_dicts_hold_what_the_properties_are_about():
    """The strategy does produce shared storages, meta tensors, Parameters, strings and empty tensors."""
    seen = set()

    @given(torch_state_dicts())
    def collect(state_dict):
        groups = storage_groups(state_dict)
        seen.update(
            kind
            for kind, present in {
                "shared": any(len(names) > 1 for names in groups.values()),
                "meta": any(getattr(v, "is_meta", False) for v in state_dict.values()),
                "parameter": any(isinstance(v, torch.nn.Parameter) for v in state_dict.values()),
                "string": any(isinstance(v, str) for v in state_dict.values()),
                "empty": any(isinstance(v, torch.Tensor) and v.numel() == 0 for v in state_dict.values()),
            }.items()
            if present
        )

    collect()
    assert seen == {"shared", "meta", "parameter", "string", "empty"}
