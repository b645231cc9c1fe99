"""The index file schema (spec/schemas/safetensors-index.schema.json, SHARD-INDEX-001 and 002): it is a
valid Draft 2020-12 schema, accepts the index files that huggingface_hub and transformers write, and
refuses one crafted bad index per rule."""

from __future__ import annotations

import json

import huggingface_hub
import jsonschema
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from weightspec import spec
from weightspec.reference import InvalidArgumentError, split_torch_state_dict_into_shards
from weightspec.reference.sharding.split import check_filename_pattern

SCHEMA = spec.schema("safetensors-index.schema.json")
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def tiny_state_dict() -> dict[str, torch.Tensor]:
    embedding = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    return {
        "embed.weight": embedding,
        "layer.0.weight": torch.ones(4, 4),
        "layer.0.bias": torch.zeros(4),
        "head.weight": embedding,
    }


def good_index(**changes) -> dict:
    index = {
        "metadata": {"total_size": 100},
        "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"},
    }
    index.update(changes)
    return index


def test_the_schema_is_a_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://weightspec.dev/schemas/safetensors-index.schema.json"


def test_an_index_written_by_huggingface_hub_is_valid(tmp_path):
    huggingface_hub.save_torch_state_dict(
        tiny_state_dict(), tmp_path, max_shard_size=40, metadata={"origin": "test"}
    )
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) > 1
    assert (
        index["metadata"]["origin"] == "test"
    )  # huggingface_hub copies the caller's metadata into the index
    VALIDATOR.validate(index)


def test_an_index_written_as_transformers_writes_it_is_valid():
    """transformers' save_pretrained: total_parameters first, sorted keys, two-space indent, final newline."""
    state_dict = tiny_state_dict()
    split = split_torch_state_dict_into_shards(state_dict, max_shard_size=40)
    assert split.is_sharded
    index = {
        "metadata": {
            "total_parameters": sum(tensor.numel() for tensor in state_dict.values()),
            **split.metadata,
        },
        "weight_map": split.tensor_to_filename,
    }
    text = json.dumps(index, indent=2, sort_keys=True) + "\n"
    VALIDATOR.validate(json.loads(text))


@pytest.mark.parametrize(
    "index",
    [
        good_index(metadata={"total_size": 0}),
        good_index(metadata={"total_size": 13476839424.0}),  # an integer with a zero fraction is an integer
        good_index(metadata={"total_size": 10, "total_parameters": 0}),
        good_index(metadata={"total_size": 10, "mergekit_version": "0.0.4.1", "format": "pt"}),
        good_index(extra={"written_by": "another tool"}),
        good_index(weight_map={"": "model.safetensors"}),  # tensor names are not constrained
        good_index(weight_map={"a": "pytorch_model-00001-of-00002.bin"}),
        good_index(weight_map={"a": "modèle..safetensors"}),
    ],
    ids=[
        "zero-size",
        "integral-float",
        "total-parameters",
        "extra-metadata",
        "extra-key",
        "empty-tensor-name",
        "bin",
        "unicode",
    ],
)
def test_index_files_of_other_tools_are_valid(index):
    VALIDATOR.validate(index)


@pytest.mark.parametrize(
    "index",
    [
        ["not", "an", "object"],
        {"weight_map": {"a": "model.safetensors"}},
        good_index(metadata=None),
        good_index(metadata=[]),
        good_index(metadata={}),
        good_index(metadata={"total_size": -1}),
        good_index(metadata={"total_size": 1.5}),
        good_index(metadata={"total_size": "100"}),
        good_index(metadata={"total_size": True}),
        good_index(metadata={"total_size": None}),
        good_index(metadata={"total_size": 1, "total_parameters": -1}),
        good_index(metadata={"total_size": 1, "total_parameters": "7B"}),
        {"metadata": {"total_size": 1}},
        good_index(weight_map=[["a", "model.safetensors"]]),
        good_index(weight_map={}),
        good_index(weight_map={"a": 1}),
        good_index(weight_map={"a": None}),
        good_index(weight_map={"a": ["model.safetensors"]}),
        good_index(weight_map={"a": ""}),
        good_index(weight_map={"a": "/etc/passwd"}),
        good_index(weight_map={"a": "sub/model.safetensors"}),
        good_index(weight_map={"a": "sub\\model.safetensors"}),
        good_index(weight_map={"a": "C:model.safetensors"}),
        good_index(weight_map={"a": "model.safetensors:stream"}),
        good_index(weight_map={"a": "."}),
        good_index(weight_map={"a": ".."}),
        good_index(weight_map={"a": ".hidden.safetensors"}),
        good_index(weight_map={"a": "model\x00.safetensors"}),
        good_index(weight_map={"a": "model.safetensors\n"}),
    ],
    ids=[
        "not-an-object",
        "no-metadata",
        "metadata-null",
        "metadata-list",
        "no-total-size",
        "negative-total-size",
        "fractional-total-size",
        "string-total-size",
        "bool-total-size",
        "null-total-size",
        "negative-total-parameters",
        "string-total-parameters",
        "no-weight-map",
        "weight-map-list",
        "empty-weight-map",
        "int-file",
        "null-file",
        "list-file",
        "empty-file",
        "absolute",
        "slash",
        "backslash",
        "drive",
        "colon",
        "dot",
        "dot-dot",
        "hidden",
        "nul",
        "final-newline",
    ],
)
def test_crafted_bad_index_files_are_invalid(index):
    assert not VALIDATOR.is_valid(index)


names_without_fields = st.text(st.characters(exclude_characters="{}", codec="utf-8"), max_size=12)


@given(name=names_without_fields)
def test_a_filename_pattern_is_accepted_exactly_when_its_names_are_valid_in_an_index(name):
    """SHARD-NAME-005 uses the schema's file-name rule: a writer never names a shard that an index refuses."""
    pattern = name + "{suffix}.safetensors"
    names_valid = all(
        VALIDATOR.is_valid(good_index(weight_map={"a": pattern.format(suffix=suffix)}))
        for suffix in ("", "-00001-of-00002")
    )
    try:
        check_filename_pattern(pattern)
    except InvalidArgumentError as error:
        assert error.requirement == "SHARD-NAME-005"
        assert not names_valid
    else:
        assert names_valid
