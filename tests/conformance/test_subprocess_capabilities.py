"""Every capability through ``SubprocessAdapter`` and a driver that runs the reference in another
process (drivers/python_driver.py): the adapter sends valid requests, passes binary data as
files, and gives back what the reference gives in process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
import safetensors.torch
import torch

from weightspec import reference
from weightspec.conformance import all_cases, case_by_id
from weightspec.conformance.adapters.reference import ReferenceAdapter
from weightspec.conformance.adapters.subprocess_driver import SubprocessAdapter
from weightspec.conformance.harness.adapter import (
    CHECKPOINT_INSPECT,
    CHECKPOINT_LOAD_INTO_MODEL,
    CHECKPOINT_SPLIT,
    CHECKPOINT_VALIDATE,
    DDUF_VALIDATE_DEEP,
    DDUF_WRITE,
    EntryInfo,
    Finding,
    SplitResult,
    TensorSpec,
    call,
)
from weightspec.conformance.harness.outcomes import ACCEPTED, REFUSED
from weightspec.conformance.torch_models import model_config, spec_of
from weightspec.spec import schema

PYTHON_DRIVER = Path(__file__).resolve().parent / "drivers" / "python_driver.py"
REQUESTS = jsonschema.Draft202012Validator(schema("protocol-request.schema.json"))


@pytest.fixture(scope="module")
def driver():
    # A generous timeout: the driver imports torch on its first checkpoint call.
    with SubprocessAdapter([sys.executable, str(PYTHON_DRIVER)], timeout=120) as adapter:
        yield adapter


@pytest.fixture
def adapter(driver):
    """The module's adapter; after each test, every request the driver received in it is valid."""
    log = driver.scratch / "requests.jsonl"
    seen = len(log.read_text("utf-8").splitlines())
    yield driver
    for line in log.read_text("utf-8").splitlines()[seen:]:
        REQUESTS.validate(json.loads(line))


def as_findings(found) -> list[Finding]:
    return [Finding(f.requirement, f.message) for f in found]


def test_dduf_read_gives_the_entries_in_directory_order(adapter, tmp_path):
    path = tmp_path / "a.dduf"
    path.write_bytes(case_by_id("valid-minimal-pipeline").build())
    expected = [EntryInfo(e.filename, e.offset, e.length) for e in reference.read_dduf_file(path).values()]
    assert adapter.dduf_read(path) == expected


def test_dduf_write_passes_bytes_and_files_as_files(adapter, tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"a": 1}')
    output = tmp_path / "out.dduf"
    entries = [
        ("model_index.json", b'{"_class_name": "P", "unet": ["diffusers", "UNet2DModel"]}'),
        ("unet/config.json", config),
    ]
    assert call(adapter, DDUF_WRITE, entries, output).kind == ACCEPTED
    read = reference.read_dduf_file(output)
    assert list(read) == ["model_index.json", "unet/config.json"]
    data = output.read_bytes()
    assert [data[e.offset : e.offset + e.length] for e in read.values()] == [
        entries[0][1],
        config.read_bytes(),
    ]
    assert not list(adapter.scratch.glob("call-*")), "the call's files are removed"


def test_dduf_write_refusal_names_the_category(adapter, tmp_path):
    outcome = call(adapter, DDUF_WRITE, [("../escape.json", b"{}")], tmp_path / "out.dduf")
    assert (outcome.kind, outcome.category) == (REFUSED, "invalid-entry-name")


def test_dduf_validate_deep_gives_the_findings(adapter, tmp_path):
    case = next(case for case in all_cases() if case.expected.scope == "deep")
    path = tmp_path / f"{case.id}.dduf"
    path.write_bytes(case.build())
    findings = adapter.dduf_validate_deep(path)
    assert findings == as_findings(reference.validate_dduf(path, deep=True))
    outcome = call(adapter, DDUF_VALIDATE_DEEP, path)
    assert (outcome.kind, outcome.category) == (REFUSED, "corrupt-archive")
    assert case.expected.requirement in outcome.requirements


def sharing_state_dict() -> dict:
    """Keys out of alphabetical order, a view sharing storage, a string, meta tensors, an oversized tensor."""
    weight = torch.arange(4, dtype=torch.float32)
    return {
        "z": torch.zeros(2, dtype=torch.float32),
        "w": weight,
        "big": torch.zeros(12, dtype=torch.float64),
        "s": "bitsandbytes leaves strings",
        "v": weight[1:],
        "m1": torch.empty(2, device="meta"),
        "m2": torch.empty(2, device="meta"),
        "a": torch.ones(3, dtype=torch.bfloat16),
    }


def test_checkpoint_split_keeps_order_sharing_strings_and_meta_tensors(adapter):
    state_dict = sharing_state_dict()
    split = adapter.checkpoint_split(
        state_dict, max_shard_size=24, filename_pattern="model{suffix}.safetensors"
    )
    expected = reference.split_torch_state_dict_into_shards(
        state_dict, max_shard_size=24, filename_pattern="model{suffix}.safetensors"
    )
    assert isinstance(split, SplitResult)
    assert split == SplitResult(
        expected.filename_to_tensors, expected.tensor_to_filename, expected.metadata, expected.is_sharded
    )
    assert split.is_sharded


def test_checkpoint_split_of_a_value_that_is_no_tensor_is_refused_naming_it(adapter):
    outcome = call(
        adapter,
        CHECKPOINT_SPLIT,
        {"a": torch.zeros(1), "n": 3},
        max_shard_size=100,
        filename_pattern="m{suffix}.st",
    )
    assert (outcome.kind, outcome.category, outcome.requirements) == (
        REFUSED,
        "checkpoint-error",
        ("SHARD-SPLIT-007",),
    )


def test_checkpoint_save_writes_what_the_reference_writes(adapter, tmp_path):
    state_dict = {"z": torch.zeros(4), "b": torch.arange(4.0), "s": "skipped", "a": torch.ones(4)}
    adapter.checkpoint_save(state_dict, tmp_path / "driver", max_shard_size=20)
    reference.save_torch_state_dict(state_dict, tmp_path / "direct", max_shard_size=20)
    index = "model.safetensors.index.json"
    names = sorted(path.name for path in (tmp_path / "direct").iterdir())
    assert sorted(path.name for path in (tmp_path / "driver").iterdir()) == names
    assert json.loads((tmp_path / "driver" / index).read_text()) == json.loads(
        (tmp_path / "direct" / index).read_text()
    )
    for name in names:
        if name != index:
            saved = safetensors.torch.load_file(tmp_path / "driver" / name)
            direct = safetensors.torch.load_file(tmp_path / "direct" / name)
            assert saved.keys() == direct.keys()
            assert all(torch.equal(saved[key], direct[key]) for key in saved)


def test_checkpoint_load_gives_back_the_loaded_tensors(adapter, tmp_path):
    tensors = {
        "a": torch.arange(6, dtype=torch.int32).reshape(2, 3),
        "b": torch.ones(2, dtype=torch.bfloat16),
    }
    path = tmp_path / "model.safetensors"
    safetensors.torch.save_file(tensors, path)
    model = {"a": TensorSpec("I32", (2, 3)), "b": TensorSpec("BF16", (2,))}
    loaded = adapter.checkpoint_load(path, model=model)
    assert loaded.keys() == tensors.keys()
    assert all(torch.equal(loaded[name], tensors[name]) for name in tensors)


def test_checkpoint_load_of_a_missing_file_is_refused_as_file_not_found(adapter, tmp_path):
    outcome = call(adapter, "checkpoint-load", tmp_path / "missing.safetensors", model={})
    assert (outcome.kind, outcome.category) == (REFUSED, "file-not-found")


def test_checkpoint_load_into_model_gives_back_the_model_the_config_describes(adapter, tmp_path):
    tensors = {
        "layer.weight": torch.arange(6, dtype=torch.int32).reshape(2, 3),
        "bias": torch.ones(2, dtype=torch.bfloat16),
    }
    safetensors.torch.save_file(tensors, tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(json.dumps(model_config(spec_of(tensors))), encoding="utf-8")
    loaded = adapter.checkpoint_load_into_model(tmp_path, family="plain")
    assert loaded.keys() == tensors.keys()
    assert all(torch.equal(loaded[name], tensors[name]) for name in tensors)


def test_checkpoint_load_into_model_refusal_is_the_one_in_process(adapter, tmp_path):
    safetensors.torch.save_file({"a": torch.zeros(2)}, tmp_path / "model.safetensors")
    model = {"a": TensorSpec("F32", (2,)), "missing": TensorSpec("F32", (1,))}
    (tmp_path / "config.json").write_text(json.dumps(model_config(model)), encoding="utf-8")
    outcome = call(adapter, CHECKPOINT_LOAD_INTO_MODEL, tmp_path, family="plain")
    direct = call(ReferenceAdapter(), CHECKPOINT_LOAD_INTO_MODEL, tmp_path, family="plain")
    assert (outcome.kind, outcome.category) == (REFUSED, "checkpoint-error")
    assert (outcome.requirements, outcome.message) == (direct.requirements, direct.message)
    assert "SHARD-LOAD-006" in outcome.message


def test_checkpoint_inspect_gives_what_the_reference_gives_in_process(adapter, tmp_path):
    state_dict = {"z": torch.zeros(4), "b": torch.arange(4.0), "i": torch.ones(2, 2, dtype=torch.int64)}
    reference.save_torch_state_dict(state_dict, tmp_path, max_shard_size=20)
    inspected = adapter.checkpoint_inspect(tmp_path)
    assert inspected == ReferenceAdapter().checkpoint_inspect(tmp_path)
    assert inspected == {
        "z": TensorSpec("F32", (4,)),
        "b": TensorSpec("F32", (4,)),
        "i": TensorSpec("I64", (2, 2)),
    }


def test_checkpoint_inspect_refusal_names_the_requirement(adapter, tmp_path):
    path = tmp_path / "model.safetensors"
    safetensors.torch.save_file({"a": torch.zeros(4)}, path)
    path.write_bytes(path.read_bytes()[:-3])
    outcome = call(adapter, CHECKPOINT_INSPECT, path)
    assert (outcome.kind, outcome.category, outcome.requirements) == (
        REFUSED,
        "checkpoint-error",
        ("ST-TENSOR-005",),
    )
    missing = call(adapter, CHECKPOINT_INSPECT, tmp_path / "missing.safetensors")
    assert (missing.kind, missing.category) == (REFUSED, "file-not-found")


def test_checkpoint_validate_gives_the_findings(adapter, tmp_path):
    path = tmp_path / "model.safetensors"
    safetensors.torch.save_file({"a": torch.zeros(4)}, path)
    assert adapter.checkpoint_validate(path) == []
    path.write_bytes(path.read_bytes()[:-3])
    findings = adapter.checkpoint_validate(path)
    assert findings == as_findings(reference.validate_checkpoint(path))
    assert findings
    assert call(adapter, CHECKPOINT_VALIDATE, path).category == "checkpoint-error"
