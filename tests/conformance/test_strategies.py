"""The suite's hypothesis strategies draw what they promise: valid inputs, and the interesting cases.

``reached`` looks for one example with a property among the first 200 a strategy draws, as
``hypothesis.find`` does but stopping at the first one instead of shrinking it (shrinking DDUF
entries takes seconds): each ``test_reaches_*`` test fails when a strategy no longer produces that case, or
too rarely, which would leave the property tests blind to it.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from weightspec import spec
from weightspec.conformance.split_model import (
    SplitModelError,
    parse_max_shard_size,
    split_state_dict,
    storage_key,
    storage_size,
)
from weightspec.conformance.strategies import (
    MAX_NAME_BYTES,
    MODEL_INDEX,
    collision_key,
    dduf_entries,
    filename_patterns,
    invalid_max_shard_sizes,
    max_shard_sizes,
    state_dicts,
)
from weightspec.reference import (
    InvalidArgumentError,
    export_entries_as_dduf,
    parse_size_to_int,
    split_torch_state_dict_into_shards,
    validate_dduf,
)


class _Found(Exception):
    """Stops the search at the first example with the property."""


def reached(strategy: st.SearchStrategy, condition) -> None:
    """Fail unless one of the first 200 examples of ``strategy`` meets ``condition``."""

    @settings(max_examples=200, database=None, phases=[Phase.generate])
    @given(strategy)
    def draw(example):
        if condition(example):
            raise _Found

    with pytest.raises(_Found):
        draw()


def _tensors(state_dict: dict) -> list[torch.Tensor]:
    return [value for value in state_dict.values() if isinstance(value, torch.Tensor)]


def _shares_storage(state_dict: dict) -> bool:
    keys = [
        storage_key(t) for t in _tensors(state_dict) if storage_key(t) is not None and storage_size(t) > 0
    ]
    return len(keys) != len(set(keys))


# -- the interesting cases are reached -------------------------------------------------------------


def test_reaches_shared_storage() -> None:
    reached(state_dicts(), _shares_storage)


def test_reaches_partial_views() -> None:
    def has_slice(state_dict):
        return any(
            t.numel() > 0 and t.nbytes < storage_size(t) for t in _tensors(state_dict) if not t.is_meta
        )

    reached(state_dicts(), has_slice)


def test_reaches_a_tensor_larger_than_the_limit() -> None:
    def oversized(example):
        state_dict, limit = example
        return any(
            storage_size(t) > parse_max_shard_size(limit) for t in _tensors(state_dict) if not t.is_meta
        )

    reached(st.tuples(state_dicts(), max_shard_sizes(max_bytes=600)), oversized)


def test_reaches_strings() -> None:
    reached(state_dicts(), lambda sd: any(isinstance(v, str) for v in sd.values()))


def test_reaches_empty_tensors() -> None:
    reached(state_dicts(), lambda sd: any(t.numel() == 0 and not t.is_meta for t in _tensors(sd)))


def test_reaches_0_rank_tensors() -> None:
    reached(state_dicts(), lambda sd: any(t.dim() == 0 for t in _tensors(sd)))


def test_reaches_meta_tensors() -> None:
    reached(state_dicts(), lambda sd: any(t.is_meta for t in _tensors(sd)))


def test_reaches_more_than_one_shard() -> None:
    def sharded(example):
        state_dict, limit = example
        return split_state_dict(state_dict, max_shard_size=limit).is_sharded

    reached(st.tuples(state_dicts(), max_shard_sizes(max_bytes=600)), sharded)


def test_reaches_a_zero_length_dduf_entry() -> None:
    reached(dduf_entries(), lambda entries: any(data == b"" for _, data in entries))


def test_reaches_non_ascii_and_longest_dduf_names() -> None:
    reached(dduf_entries(), lambda entries: any(not name.isascii() for name, _ in entries))
    reached(dduf_entries(), lambda entries: any(len(n.encode()) == MAX_NAME_BYTES for n, _ in entries))


def test_reaches_every_form_of_size() -> None:
    for form in (int, float, str):
        reached(max_shard_sizes(), lambda size, form=form: type(size) is form)
    reached(max_shard_sizes(), lambda size: isinstance(size, str) and "i" in size.lower())  # KiB, ...
    reached(max_shard_sizes(), lambda size: isinstance(size, str) and " " in size)
    reached(max_shard_sizes(), lambda size: isinstance(size, str) and size.startswith((".", "+.")))


# -- what is drawn is valid ------------------------------------------------------------------------


@given(entries=dduf_entries())
def test_dduf_entries_are_valid(entries, tmp_path_factory) -> None:
    names = [name for name, _ in entries]
    assert len({collision_key(name) for name in names}) == len(names)
    index = json.loads(dict(entries)[MODEL_INDEX])
    jsonschema.validate(index, spec.schema("model_index.schema.json"))
    path = tmp_path_factory.mktemp("entries") / "drawn.dduf"
    export_entries_as_dduf(path, entries)
    assert validate_dduf(path, deep=True) == []


@given(size=max_shard_sizes(min_bytes=7, max_bytes=5 * 2**40))
def test_max_shard_sizes_mean_what_they_were_drawn_for(size) -> None:
    assert 7 <= parse_max_shard_size(size) <= 5 * 2**40
    assert parse_size_to_int(size) == parse_max_shard_size(size)


@given(size=invalid_max_shard_sizes())
def test_invalid_max_shard_sizes_are_invalid(size) -> None:
    with pytest.raises(SplitModelError, match="SHARD-SIZE-002"):
        parse_max_shard_size(size)
    with pytest.raises(InvalidArgumentError):
        parse_size_to_int(size)


@given(pattern=filename_patterns())
def test_filename_patterns_are_valid(pattern) -> None:
    split = split_torch_state_dict_into_shards({"a": torch.zeros(1)}, filename_pattern=pattern)
    assert list(split.filename_to_tensors) == [pattern.format(suffix="")]


@given(state_dict=state_dicts(min_tensors=2, views=False, strings=False, meta=False))
def test_savable_state_dicts_hold_whole_tensors_only(state_dict) -> None:
    tensors = _tensors(state_dict)
    assert len(tensors) == len(state_dict) >= 2
    assert all(not t.is_meta and t.nbytes == storage_size(t) for t in tensors)


_DRAW_PAYLOADS = """
import hashlib
from hypothesis import Phase, given, settings
from weightspec.conformance.strategies import safetensors_payloads
drawn = []
@settings(max_examples=100, derandomize=True, database=None, phases=[Phase.generate])
@given(safetensors_payloads())
def draw(payload):
    drawn.append(payload)
draw()
print(hashlib.sha256(b"".join(drawn)).hexdigest())
"""


def test_the_same_draws_give_the_same_payload_bytes_in_every_process():
    """A replayed example (a reproducer, the example database) must be the archive that failed:
    nothing in a payload may depend on the process (safetensors writes metadata in hash order)."""
    import subprocess
    import sys

    digests = {
        subprocess.run(
            [sys.executable, "-c", _DRAW_PAYLOADS], capture_output=True, text=True, check=True, timeout=300
        ).stdout
        for _ in range(3)
    }
    assert len(digests) == 1, digests
