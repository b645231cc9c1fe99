"""The ``huggingface_hub`` adapter's header-only inspection and loading into a config's model.

It declares ``checkpoint-inspect`` and ``checkpoint-load-into-model`` where the installed hub has
their functions, and not where an older hub lacks ``get_local_safetensors_metadata``; the
inspection reports every parsed file's tensors and maps exactly the documented errors (anything
else is a crash); the plain family's model is built from ``config.json`` and loaded strictly.
"""

from __future__ import annotations

import json
from pathlib import Path

import huggingface_hub
import pytest
import safetensors.torch
import torch

from weightspec.conformance.adapters.huggingface_hub import HuggingfaceHubAdapter
from weightspec.conformance.harness.adapter import (
    CHECKPOINT_INSPECT,
    CHECKPOINT_LOAD_INTO_MODEL,
    TensorSpec,
    call,
)
from weightspec.conformance.harness.outcomes import (
    ACCEPTED,
    CHECKPOINT_ERROR,
    CRASHED,
    FILE_NOT_FOUND,
    REFUSED,
)
from weightspec.conformance.torch_models import model_config, spec_of

TENSORS = {
    "a.weight": torch.arange(6, dtype=torch.int32).reshape(2, 3),
    "b": torch.ones(4, dtype=torch.bfloat16),
}


@pytest.fixture(scope="module")
def adapter() -> HuggingfaceHubAdapter:
    return HuggingfaceHubAdapter()


def _sharded(directory: Path) -> Path:
    """``TENSORS`` in two shards with their index; the directory."""
    weight_map = {}
    for number, (name, tensor) in enumerate(TENSORS.items(), start=1):
        shard = f"model-{number:05d}-of-00002.safetensors"
        safetensors.torch.save_file({name: tensor}, directory / shard)
        weight_map[name] = shard
    index = {"metadata": {"total_size": 40}, "weight_map": weight_map}
    (directory / "model.safetensors.index.json").write_text(json.dumps(index), encoding="utf-8")
    return directory


def test_declares_both_capabilities_where_hub_has_their_functions(adapter):
    assert {CHECKPOINT_INSPECT, CHECKPOINT_LOAD_INTO_MODEL} <= adapter.capabilities


def test_an_older_hub_without_the_inspection_function_gets_not_applicable(monkeypatch):
    lazy = huggingface_hub.__getattr__

    def older_hub(name: str):
        if name == "get_local_safetensors_metadata":
            raise AttributeError(name)
        return lazy(name)

    monkeypatch.setattr(huggingface_hub, "__getattr__", older_hub)
    capabilities = HuggingfaceHubAdapter().capabilities
    assert CHECKPOINT_INSPECT not in capabilities
    assert CHECKPOINT_LOAD_INTO_MODEL in capabilities


def test_inspect_reports_the_tensors_of_every_shard(adapter, tmp_path):
    outcome = call(adapter, CHECKPOINT_INSPECT, _sharded(tmp_path))
    assert outcome.kind == ACCEPTED, outcome.describe()
    assert outcome.value == {"a.weight": TensorSpec("I32", (2, 3)), "b": TensorSpec("BF16", (4,))}


@pytest.mark.parametrize(
    ("write", "given", "category", "error"),
    [
        (lambda d: (d / "model.safetensors").write_bytes(b"\x10" + b"\0" * 7 + b"{}"), "model.safetensors",
         CHECKPOINT_ERROR, "SafetensorsParsingError"),
        (lambda d: None, ".", CHECKPOINT_ERROR, "NotASafetensorsRepoError"),
        (lambda d: None, "missing", FILE_NOT_FOUND, "FileNotFoundError"),
    ],
    ids=["truncated-header", "no-checkpoint-in-the-folder", "missing-path"],
)  # fmt: skip
def test_inspect_refuses_what_get_local_safetensors_metadata_documents(
    adapter, tmp_path, write, given, category, error
):
    write(tmp_path)
    outcome = call(adapter, CHECKPOINT_INSPECT, tmp_path / given)
    assert (outcome.kind, outcome.category) == (REFUSED, category), outcome.describe()
    assert outcome.error_type.endswith(error)


def test_inspect_of_an_index_that_is_not_json_is_a_crash(adapter, tmp_path):
    (tmp_path / "model.safetensors.index.json").write_text("{not json", encoding="utf-8")
    outcome = call(adapter, CHECKPOINT_INSPECT, tmp_path)
    assert (outcome.kind, outcome.error_type) == (CRASHED, "json.decoder.JSONDecodeError"), outcome.describe()


def test_load_into_model_builds_the_plain_model_of_config_json(adapter, tmp_path):
    (_sharded(tmp_path) / "config.json").write_text(
        json.dumps(model_config(spec_of(TENSORS))), encoding="utf-8"
    )
    outcome = call(adapter, CHECKPOINT_LOAD_INTO_MODEL, tmp_path, family="plain")
    assert outcome.kind == ACCEPTED, outcome.describe()
    assert outcome.value.keys() == TENSORS.keys()
    assert all(torch.equal(outcome.value[name], TENSORS[name]) for name in TENSORS)
