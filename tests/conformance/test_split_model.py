"""The suite's split oracle (``conformance.split_model``) against spec/sharding.md and two splitters.

Against the spec: the worked example of section 1, the examples of each rule, and the size
examples of section 3. Against ``weightspec.reference`` on generated state dicts, limits and
patterns: the same split, field by field and in order, and the same sizes. Against
huggingface_hub, with which the spec's split agrees (section 1): the same split on generated
state dicts, but with integer limits only, because its size parsing differs where the spec says
it does (section 3: no binary units nor unit-less digit strings, binary floating point, and no
checks of invalid sizes).
"""

from __future__ import annotations

import subprocess
import sys

import huggingface_hub
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from weightspec.conformance.split_model import (
    SplitModelError,
    parse_max_shard_size,
    split_state_dict,
    worked_example,
)
from weightspec.conformance.strategies import (
    SIZE_ERRORS,
    filename_patterns,
    invalid_max_shard_sizes,
    max_shard_sizes,
    state_dicts,
)
from weightspec.reference import parse_size_to_int, split_torch_state_dict_into_shards

LIMITS = st.integers(min_value=1, max_value=600)


def _fields(split) -> tuple:
    """Everything a split holds, orders made visible."""
    return (
        [(file, list(names)) for file, names in split.filename_to_tensors.items()],
        list(split.tensor_to_filename.items()),
        dict(split.metadata),
        split.is_sharded,
    )


def _of_sizes(*sizes: int) -> dict[str, torch.Tensor]:
    """Meta tensors t0, t1, ... of the given sizes in bytes (meta tensors never share storage)."""
    return {f"t{i}": torch.empty(size, dtype=torch.uint8, device="meta") for i, size in enumerate(sizes)}


def _shards(state_dict: dict, limit: object) -> list[list[str]]:
    return list(split_state_dict(state_dict, max_shard_size=limit).filename_to_tensors.values())


# -- against the spec ------------------------------------------------------------------------------


def test_the_worked_example() -> None:
    state_dict, limit = worked_example()
    split = split_state_dict(state_dict, max_shard_size=limit)
    assert split.filename_to_tensors == {
        "model-00001-of-00003.safetensors": ["big"],
        "model-00002-of-00003.safetensors": ["a", "w", "v"],
        "model-00003-of-00003.safetensors": ["b", "c"],
    }
    assert split.metadata == {"total_size": 40}
    assert split.is_sharded
    assert split.tensor_to_filename["v"] == "model-00002-of-00003.safetensors"
    assert "s" not in split.tensor_to_filename


def test_greedy_in_key_order_without_bin_packing() -> None:
    """SHARD-SPLIT-001: [6, 6, 2, 6, 2, 2] with a limit of 10 give [6] [6+2] [6+2+2]."""
    assert _shards(_of_sizes(6, 6, 2, 6, 2, 2), 10) == [["t0"], ["t1", "t2"], ["t3", "t4", "t5"]]


def test_an_oversized_tensor_is_closed_at_once() -> None:
    """SHARD-SPLIT-002, 005: [1, 20, 1] with a limit of 10 give shard 1 = [20], shard 2 = [1, 1]."""
    assert _shards(_of_sizes(1, 20, 1), 10) == [["t1"], ["t0", "t2"]]


def test_a_tensor_of_exactly_the_limit_fits() -> None:
    assert _shards(_of_sizes(10, 1), 10) == [["t0"], ["t1"]]
    assert _shards(_of_sizes(4, 6), 10) == [["t0", "t1"]]


def test_shared_storages_are_grouped_in_the_first_tensors_shard() -> None:
    """SHARD-SPLIT-003, 006: first tensors of the storages in key order, then each storage's others."""
    x, y = torch.zeros(2), torch.zeros(2)
    state_dict = {"x": x, "y": y, "x2": x[1:], "y2": y.view(torch.int32), "x3": x}
    split = split_state_dict(state_dict, max_shard_size=100)
    assert split.filename_to_tensors == {"model.safetensors": ["x", "y", "x2", "x3", "y2"]}
    assert split.metadata == {"total_size": 16}


def test_a_shared_storage_adds_nothing_to_the_shard_it_joins() -> None:
    a, b = torch.zeros(2), torch.zeros(2)  # 8 bytes each
    assert _shards({"a": a, "b": b, "a_again": a, "c": torch.zeros(1)}, 20) == [["a", "b", "c", "a_again"]]


def test_empty_storages_are_one_storage_and_meta_tensors_share_none() -> None:
    """SHARD-SPLIT-009."""
    empties = {"e1": torch.zeros(0), "big": torch.zeros(4), "e2": torch.zeros(0, 3, dtype=torch.float64)}
    assert _shards(empties, 5) == [["big"], ["e1", "e2"]]
    metas = {"m1": torch.empty(4, device="meta"), "m2": torch.empty(4, device="meta")}
    assert split_state_dict(metas, max_shard_size=100).metadata == {"total_size": 32}


def test_a_view_counts_its_whole_storage() -> None:
    """SHARD-SIZE-005."""
    base = torch.zeros(10, dtype=torch.uint8)
    assert split_state_dict({"slice": base[:2]}, max_shard_size=100).metadata == {"total_size": 10}


def test_strings_are_skipped_and_other_values_refused_by_key() -> None:
    """SHARD-SPLIT-004, 007."""
    assert _shards({"s": "nf4", "t": torch.zeros(1)}, 10) == [["t"]]
    for value in (7, None, torch.zeros(2).to_sparse()):
        with pytest.raises(SplitModelError, match=r"SHARD-SPLIT-007: .*'bad'"):
            split_state_dict({"t": torch.zeros(1), "bad": value}, max_shard_size=10)


def test_file_names() -> None:
    """SHARD-NAME-001, 003."""
    three = split_state_dict(_of_sizes(5, 5, 5), max_shard_size=5, filename_pattern="w{suffix}.bin")
    assert list(three.filename_to_tensors) == [
        "w-00001-of-00003.bin",
        "w-00002-of-00003.bin",
        "w-00003-of-00003.bin",
    ]
    one = split_state_dict(_of_sizes(5), max_shard_size=5)
    assert list(one.filename_to_tensors) == ["model.safetensors"]
    assert not one.is_sharded


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("5GB", 5_000_000_000),
        ("5 gb", 5_000_000_000),
        ("5GiB", 5_368_709_120),
        ("1.5KB", 1_500),
        ("0.0015KB", 1),
        ("2.01MB", 2_010_000),
        ("1000", 1_000),
        (1000, 1_000),
        (1000.0, 1_000),
        (".5MB", 500_000),
        ("+2 TiB", 2 * 2**40),
    ],
)
def test_the_size_examples(size, expected) -> None:
    assert parse_max_shard_size(size) == expected


@pytest.mark.parametrize("size", SIZE_ERRORS, ids=repr)
def test_the_size_error_examples(size) -> None:
    with pytest.raises(SplitModelError, match="SHARD-SIZE-002"):
        parse_max_shard_size(size)


def test_the_model_does_not_import_the_reference() -> None:
    """Independence: the suite must be able to catch a broken reference."""
    program = (
        "import sys, weightspec.conformance.split_model, weightspec.conformance.strategies; "
        "sys.exit(any(name.startswith('weightspec.reference') for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", program], check=False).returncode == 0


# -- against the reference and huggingface_hub -----------------------------------------------------


@given(state_dict=state_dicts(), limit=LIMITS, pattern=filename_patterns())
def test_the_reference_splits_the_same(state_dict, limit, pattern) -> None:
    ours = split_state_dict(state_dict, max_shard_size=limit, filename_pattern=pattern)
    theirs = split_torch_state_dict_into_shards(state_dict, max_shard_size=limit, filename_pattern=pattern)
    assert _fields(ours) == _fields(theirs)


@given(size=max_shard_sizes())
def test_the_reference_reads_sizes_the_same(size) -> None:
    assert parse_max_shard_size(size) == parse_size_to_int(size)


@given(size=invalid_max_shard_sizes())
def test_the_reference_refuses_the_same_sizes(size) -> None:
    with pytest.raises(SplitModelError):
        parse_max_shard_size(size)
    with pytest.raises(ValueError):
        parse_size_to_int(size)


@given(state_dict=state_dicts(), limit=LIMITS, pattern=filename_patterns())
def test_huggingface_hub_splits_the_same_with_integer_limits(state_dict, limit, pattern) -> None:
    ours = split_state_dict(state_dict, max_shard_size=limit, filename_pattern=pattern)
    theirs = huggingface_hub.split_torch_state_dict_into_shards(
        state_dict, max_shard_size=limit, filename_pattern=pattern
    )
    assert _fields(ours) == _fields(theirs)


def test_huggingface_hub_splits_the_worked_example_the_same() -> None:
    state_dict, limit = worked_example()
    ours = split_state_dict(state_dict, max_shard_size=limit)
    assert _fields(ours) == _fields(
        huggingface_hub.split_torch_state_dict_into_shards(state_dict, max_shard_size=limit)
    )
