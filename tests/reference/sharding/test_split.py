"""The split rules (spec/sharding.md sections 1 and 2) on hand-made state dicts, against hand-computed
expectations and against huggingface_hub's split of the same state dict."""

from __future__ import annotations

import copy
import inspect

import huggingface_hub
import pytest
import torch
from huggingface_hub.serialization import _base as hub_base

from weightspec.reference import (
    InvalidArgumentError,
    StateDictSplit,
    split_state_dict_into_shards_factory,
    split_torch_state_dict_into_shards,
)

from .split_helpers import split_fields


def by_size(state_dict_sizes: dict[str, int], limit: int, **kwargs) -> StateDictSplit:
    """The framework-free split of {name: size in bytes}, nothing shared."""
    return split_state_dict_into_shards_factory(
        state_dict_sizes,
        get_storage_size=lambda size: size,
        filename_pattern="model{suffix}.safetensors",
        max_shard_size=limit,
        **kwargs,
    )


def shard_lists(split: StateDictSplit) -> list[list[str]]:
    return list(split.filename_to_tensors.values())


def test_signatures_and_defaults_are_huggingface_hubs():
    for ours, theirs in (
        (split_torch_state_dict_into_shards, huggingface_hub.split_torch_state_dict_into_shards),
        (split_state_dict_into_shards_factory, hub_base.split_state_dict_into_shards_factory),
    ):
        ours_parameters = inspect.signature(ours).parameters
        theirs_parameters = inspect.signature(theirs).parameters
        assert list(ours_parameters) == list(theirs_parameters)
        for name, parameter in ours_parameters.items():
            assert parameter.kind == theirs_parameters[name].kind, name
            if name != "get_storage_id":  # both default to a lambda returning None
                assert parameter.default == theirs_parameters[name].default, name
    assert inspect.signature(split_torch_state_dict_into_shards).parameters["max_shard_size"].default == "5GB"


def test_greedy_in_key_order_without_bin_packing():
    """SHARD-SPLIT-001, the spec's example: [6, 6, 2, 6, 2, 2] with a limit of 10 -> [6] [6+2] [6+2+2]."""
    sizes = dict(zip("abcdef", [6, 6, 2, 6, 2, 2], strict=True))
    split = by_size(sizes, 10)
    assert shard_lists(split) == [["a"], ["b", "c"], ["d", "e", "f"]]
    assert split.metadata == {"total_size": 24}
    assert split_fields(split) == split_fields(
        hub_base.split_state_dict_into_shards_factory(
            sizes,
            get_storage_size=lambda size: size,
            filename_pattern="model{suffix}.safetensors",
            max_shard_size=10,
        )
    )


def test_a_tensor_that_reaches_the_limit_exactly_shares_no_shard_it_does_not_fit():
    assert shard_lists(by_size({"a": 10, "b": 1}, 10)) == [["a"], ["b"]]
    assert shard_lists(by_size({"a": 9, "b": 1, "c": 1}, 10)) == [["a", "b"], ["c"]]


def test_an_oversized_tensor_gets_its_own_shard_numbered_before_the_open_one():
    """SHARD-SPLIT-002 and 005: [1, 20, 1] with a limit of 10 -> shard 1 = [20], shard 2 = [1, 1]."""
    split = by_size({"a": 1, "big": 20, "c": 1}, 10)
    assert split.filename_to_tensors == {
        "model-00001-of-00002.safetensors": ["big"],
        "model-00002-of-00002.safetensors": ["a", "c"],
    }
    assert split.metadata == {"total_size": 22}


def test_the_worked_example_of_the_spec():
    """Section 1's table: a=4, w=4, big=24, b=4, s (string), v (view of w), c=4; limit 10."""
    w = torch.zeros(1, dtype=torch.float32)
    state_dict = {
        "a": torch.zeros(1),
        "w": w,
        "big": torch.zeros(6),
        "b": torch.zeros(1),
        "s": "bitsandbytes",
        "v": w.view(1, 1),
        "c": torch.zeros(1),
    }
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=10)
    assert split.filename_to_tensors == {
        "model-00001-of-00003.safetensors": ["big"],
        "model-00002-of-00003.safetensors": ["a", "w", "v"],
        "model-00003-of-00003.safetensors": ["b", "c"],
    }
    assert split.metadata == {"total_size": 40}
    assert split.is_sharded
    assert split_fields(split) == split_fields(
        huggingface_hub.split_torch_state_dict_into_shards(state_dict, max_shard_size=10)
    )


def test_shared_storage_follows_its_first_tensor_and_counts_once():
    """SHARD-SPLIT-003 and 006: followers are listed after the shard's first tensors, grouped by storage."""
    p = torch.zeros(2)  # 8 bytes
    q = torch.zeros(2)
    state_dict = {
        "p": p,
        "q": q,
        "x": torch.zeros(2),
        "q2": q[1:],
        "p2": p.view(2, 1),
        "p3": p,
        "y": torch.zeros(1),
    }
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=16)
    assert shard_lists(split) == [["p", "q", "p2", "p3", "q2"], ["x", "y"]]
    assert split.metadata == {"total_size": 8 + 8 + 8 + 4}
    assert split_fields(split) == split_fields(
        huggingface_hub.split_torch_state_dict_into_shards(state_dict, max_shard_size=16)
    )


def test_a_view_counts_its_whole_storage():
    """SHARD-SIZE-005: a 1-element slice of a 100-element storage weighs 400 bytes."""
    state_dict = {"slice": torch.zeros(100)[:1], "next": torch.zeros(1)}
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=402)
    assert shard_lists(split) == [["slice"], ["next"]]
    assert split.metadata == {"total_size": 404}


def test_empty_tensors_count_as_one_storage_as_in_huggingface_hub():
    """SHARD-SPLIT-009: every empty CPU storage has address 0, so all follow the first empty tensor."""
    state_dict = {"e1": torch.empty(0), "big": torch.zeros(10), "x": torch.zeros(3), "e2": torch.empty(0, 5)}
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=12)
    assert shard_lists(split) == [["big"], ["e1", "x", "e2"]]
    assert split_fields(split) == split_fields(
        huggingface_hub.split_torch_state_dict_into_shards(state_dict, max_shard_size=12)
    )


def test_meta_tensors_share_nothing_and_count_their_storage():
    base = torch.empty(4, device="meta")
    state_dict = {"m": base, "m_view": base[:2], "n": torch.empty(1, device="meta")}
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=16)
    assert shard_lists(split) == [["m"], ["m_view"], ["n"]]
    assert split.metadata == {"total_size": 16 + 16 + 4}


def test_strings_are_skipped_in_every_shard_count():
    """SHARD-SPLIT-004, also with a single shard (huggingface_hub 0.36 listed strings there)."""
    state_dict = {"s0": "x", "a": torch.zeros(1), "s1": "y"}
    split = split_torch_state_dict_into_shards(state_dict)
    assert split.filename_to_tensors == {"model.safetensors": ["a"]}
    assert split.tensor_to_filename == {"a": "model.safetensors"}
    assert not split.is_sharded


def test_single_shard_is_named_without_suffix():
    """SHARD-NAME-003."""
    split = split_torch_state_dict_into_shards(
        {"a": torch.zeros(2), "b": torch.zeros(2)}, filename_pattern="w{suffix}.bin"
    )
    assert split.filename_to_tensors == {"w.bin": ["a", "b"]}
    assert split.tensor_to_filename == {"a": "w.bin", "b": "w.bin"}
    assert split.metadata == {"total_size": 16}


def test_many_shards_are_numbered_with_five_digits_and_more_when_needed():
    """SHARD-NAME-001."""
    split = by_size({f"t{i}": 1 for i in range(12)}, 1)
    assert list(split.filename_to_tensors)[10] == "model-00011-of-00012.safetensors"
    assert split.tensor_to_filename["t11"] == "model-00012-of-00012.safetensors"
    wide = by_size({f"t{i}": 1 for i in range(100_000)}, 1)
    assert list(wide.filename_to_tensors)[-1] == "model-100000-of-100000.safetensors"


def test_empty_and_string_only_state_dicts_give_an_empty_split_as_in_huggingface_hub():
    for state_dict in ({}, {"s": "only a string"}):
        split = split_torch_state_dict_into_shards(state_dict)
        assert split_fields(split) == (False, {"total_size": 0}, [], [])
        assert split_fields(split) == split_fields(
            huggingface_hub.split_torch_state_dict_into_shards(state_dict)
        )


def test_the_state_dict_is_not_changed():
    """SHARD-SPLIT-008: keys, their order, the tensor objects and their values are unchanged."""
    shared = torch.arange(6, dtype=torch.float32)
    state_dict = {
        "b": shared,
        "a": shared[2:],
        "s": "x",
        "c": torch.ones(3),
        "m": torch.empty(2, device="meta"),
    }
    before_items = list(state_dict.items())
    before_values = {
        name: value.clone() for name, value in state_dict.items() if isinstance(value, torch.Tensor)
    }
    split_torch_state_dict_into_shards(state_dict, max_shard_size=8)
    assert list(state_dict.items()) == before_items  # same keys, same order, same objects
    for name, value in before_values.items():
        assert state_dict[name].device == value.device and state_dict[name].shape == value.shape
        if value.device.type != "meta":
            assert torch.equal(state_dict[name], value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (5, "int"),
        (None, "NoneType"),
        ([torch.zeros(1)], "list"),
        (torch.zeros(3).to_sparse(), "no storage"),
    ],
)
def test_a_value_that_is_not_a_tensor_with_storage_is_refused_by_name(value, kind):
    """SHARD-SPLIT-007: the error names the key (huggingface_hub fails with AttributeError or NotImplementedError)."""
    state_dict = {"fine": torch.zeros(1), "the.bad.one": value}
    with pytest.raises(InvalidArgumentError) as caught:
        split_torch_state_dict_into_shards(state_dict)
    assert caught.value.requirement == "SHARD-SPLIT-007"
    assert caught.value.entry == "the.bad.one"
    assert kind in str(caught.value)
    assert "the.bad.one" in str(caught.value)


@pytest.mark.parametrize(
    "pattern",
    [
        "model.safetensors",
        "model{{suffix}}.safetensors",
        "model{}.safetensors",
        "model{0}.safetensors",
        "model{suffix[0]}.safetensors",
        "model{suffix.upper}.safetensors",
        "",
    ],
)
def test_a_pattern_without_suffix_is_refused(pattern):
    """SHARD-NAME-002. Difference: huggingface_hub accepts "model.safetensors" and names every shard alike."""
    with pytest.raises(InvalidArgumentError) as caught:
        split_torch_state_dict_into_shards({"a": torch.zeros(1)}, filename_pattern=pattern)
    assert caught.value.requirement == "SHARD-NAME-002"
    assert repr(pattern) in str(caught.value)


def test_huggingface_hub_names_every_shard_alike_without_suffix():
    """The difference above, shown: two shards, one file name, the first shard lost."""
    state_dict = {"a": torch.zeros(2), "b": torch.zeros(2)}
    hub_split = huggingface_hub.split_torch_state_dict_into_shards(
        state_dict, filename_pattern="model.safetensors", max_shard_size=8
    )
    assert hub_split.filename_to_tensors == {"model.safetensors": ["b"]}
    assert hub_split.tensor_to_filename == {"a": "model.safetensors", "b": "model.safetensors"}


@pytest.mark.parametrize(
    "pattern",
    [
        "sub/model{suffix}.safetensors",
        "sub\\model{suffix}.safetensors",
        "C:model{suffix}.safetensors",
        "/abs/model{suffix}.safetensors",
        ".model{suffix}.safetensors",
        "{suffix}",  # one shard would be named ""
        "{suffix}..",  # one shard would be named ".."
        "model\n{suffix}.safetensors",
        "model{suffix}{other}.safetensors",
        "model{suffix:{width}}.safetensors",
        "model{suffix.safetensors",
        "model}{suffix}.safetensors",
    ],
)
def test_a_pattern_that_cannot_name_plain_files_is_refused(pattern):
    """SHARD-NAME-005. Difference: huggingface_hub accepts the path-like patterns and writes an index that
    loaders refuse (SHARD-INDEX-002), and fails with KeyError or ValueError on the others."""
    with pytest.raises(InvalidArgumentError) as caught:
        split_torch_state_dict_into_shards({"a": torch.zeros(1)}, filename_pattern=pattern)
    assert caught.value.requirement == "SHARD-NAME-005"


def test_a_pattern_that_is_not_a_string_is_refused():
    with pytest.raises(InvalidArgumentError) as caught:
        split_torch_state_dict_into_shards(
            {"a": torch.zeros(1)}, filename_pattern=b"model{suffix}.safetensors"
        )
    assert caught.value.requirement == "SHARD-NAME-005"


@pytest.mark.parametrize(
    "pattern", ["model{suffix}.safetensors", "x{suffix}{suffix}", "ü {suffix}.h5", "a{suffix!s}"]
)
def test_patterns_with_only_suffix_fields_are_accepted(pattern):
    split = split_torch_state_dict_into_shards(
        {"a": torch.zeros(1), "b": torch.zeros(1)}, filename_pattern=pattern, max_shard_size=4
    )
    assert list(split.filename_to_tensors) == [pattern.format(suffix=f"-0000{i}-of-00002") for i in (1, 2)]


def test_a_bad_size_is_refused_before_any_tensor_is_looked_at():
    """SHARD-SIZE-002 (the sizes themselves are tested in test_sizes.py)."""
    with pytest.raises(InvalidArgumentError) as caught:
        split_torch_state_dict_into_shards({"bad": 5}, max_shard_size="0GB")
    assert caught.value.requirement == "SHARD-SIZE-002"


def test_split_equals_huggingface_hub_on_a_small_model():
    model = torch.nn.Sequential(torch.nn.Embedding(50, 8), torch.nn.Linear(8, 8), torch.nn.Linear(8, 50))
    model[2].weight = model[0].weight  # tied weights
    state_dict = model.state_dict()
    for limit in (1, 100, 1_000, 2_000, "5GB"):
        ours = split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
        theirs = huggingface_hub.split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
        assert split_fields(ours) == split_fields(theirs)


def test_a_custom_storage_id_groups_with_the_generic_factory():
    """The factory is framework-free: any values, any hashable storage id."""
    values = {"a": ("s1", 3), "b": ("s2", 3), "c": ("s1", 3), "d": (None, 3), "e": (None, 3)}
    kwargs = {"get_storage_size": lambda value: value[1], "get_storage_id": lambda value: value[0]}
    ours = split_state_dict_into_shards_factory(
        values, filename_pattern="f{suffix}", max_shard_size=6, **kwargs
    )
    assert shard_lists(ours) == [["a", "b", "c"], ["d", "e"]]
    theirs = hub_base.split_state_dict_into_shards_factory(
        values, filename_pattern="f{suffix}", max_shard_size=6, **kwargs
    )
    assert split_fields(ours) == split_fields(theirs)


def test_state_dict_split_is_a_dataclass_like_huggingface_hubs():
    split = StateDictSplit(
        metadata={"total_size": 1}, filename_to_tensors={"a": ["x"], "b": ["y"]}, tensor_to_filename={}
    )
    assert split.is_sharded
    assert copy.deepcopy(split) == split
    with pytest.raises(TypeError):
        StateDictSplit(is_sharded=True, metadata={}, filename_to_tensors={}, tensor_to_filename={})
