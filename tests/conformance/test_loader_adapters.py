"""The in-process loader adapters (accelerate, accelerate.strict, transformers, diffusers) against
checkpoints that each project writes itself: a valid one loads back byte for byte, a missing
shard is refused, a tensor deleted from its shard gives what the project does today (pinned
here), and an error the project does not document is a crash. Tiny models keep it fast.
"""

# ruff: noqa: E402  (the imports below need torch, which the importorskip checks first)

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the loader adapters need torch: pip install 'weightspec[torch]'")
safetensors_torch = pytest.importorskip("safetensors.torch", reason="the loader adapters read safetensors")

from weightspec.conformance.adapters import make_adapter
from weightspec.conformance.harness.adapter import (
    BERT_FAMILY,
    CHECKPOINT_LOAD,
    CHECKPOINT_LOAD_INTO_MODEL,
    UNET_FAMILY,
    Adapter,
    call,
)
from weightspec.conformance.harness.outcomes import (
    ACCEPTED,
    CHECKPOINT_ERROR,
    CRASHED,
    FILE_NOT_FOUND,
    REFUSED,
    Outcome,
)
from weightspec.conformance.tensor_bytes import raw_bytes
from weightspec.conformance.torch_models import spec_of

# What each project does today with a tensor that the index names but its shard lacks.
REFUSED_AS_REPORTED = "refused, reported"
LEFT_AT_ZEROS = "accepted, left at the blank model's zeros"
LEFT_ON_META = "accepted, left on meta"


def _distinct_values(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Give every tensor of ``module`` non-zero values that no initialisation gives; its state dict."""
    with torch.no_grad():
        for index, tensor in enumerate(module.state_dict().values()):
            if tensor.is_floating_point():
                tensor.copy_(torch.arange(1, tensor.numel() + 1).reshape(tensor.shape) / 64 + index)
    return {name: tensor.clone() for name, tensor in module.state_dict().items()}


def _write_with_accelerate(directory: Path) -> dict[str, torch.Tensor]:
    from accelerate import Accelerator

    module = torch.nn.Module()
    module.first = torch.nn.Linear(4, 3)
    module.second = torch.nn.Linear(3, 2)
    tensors = _distinct_values(module)
    Accelerator(cpu=True).save_model(module, directory, max_shard_size=40)
    return tensors


def _write_with_transformers(directory: Path) -> dict[str, torch.Tensor]:
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=16,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=8,
        max_position_embeddings=8,
        type_vocab_size=1,
    )
    model = BertModel(config)
    tensors = _distinct_values(model)
    model.save_pretrained(directory, max_shard_size="1KB")
    return tensors


def _write_with_diffusers(directory: Path) -> dict[str, torch.Tensor]:
    from diffusers import UNet2DModel

    model = UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        layers_per_block=1,
        block_out_channels=(4, 8),
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        norm_num_groups=2,
    )
    tensors = _distinct_values(model)
    model.save_pretrained(directory, max_shard_size="8KB")
    return tensors


def _load_into_blank(adapter: Adapter, directory: Path, tensors: dict[str, torch.Tensor]) -> Outcome:
    return call(adapter, CHECKPOINT_LOAD, directory, model=spec_of(tensors))


def _load_into_model(family: str) -> Callable[[Adapter, Path, dict[str, torch.Tensor]], Outcome]:
    def load(adapter: Adapter, directory: Path, tensors: dict[str, torch.Tensor]) -> Outcome:
        return call(adapter, CHECKPOINT_LOAD_INTO_MODEL, directory, family=family)

    return load


@dataclass(frozen=True)
class Project:
    adapter: str  # the built-in adapter's name
    package: str
    logger: str  # the project's root logger, whose handlers a call must leave as they were
    write: Callable[[Path], dict[str, torch.Tensor]]  # a sharded checkpoint in the folder; its tensors
    load: Callable[[Adapter, Path, dict[str, torch.Tensor]], Outcome]
    deleted_tensor: str  # what a load does today with a tensor deleted from its shard

    def __str__(self) -> str:
        return self.adapter


PROJECTS = (
    # load_checkpoint_in_model neither lists nor reports missing keys: it loads shard by shard
    # and torch's set_model_state_dict fills in the model's own tensors for the keys a shard
    # lacks, so even strict=True catches unexpected keys only.
    Project(
        "accelerate", "accelerate", "accelerate", _write_with_accelerate, _load_into_blank, LEFT_AT_ZEROS
    ),
    Project(
        "accelerate.strict",
        "accelerate",
        "accelerate",
        _write_with_accelerate,
        _load_into_blank,
        LEFT_AT_ZEROS,
    ),
    # transformers lists the key as missing in its loading info (and its LOAD REPORT).
    Project(
        "transformers",
        "transformers",
        "transformers",
        _write_with_transformers,
        _load_into_model(BERT_FAMILY),
        REFUSED_AS_REPORTED,
    ),
    # diffusers takes the keys of a sharded checkpoint from the index's weight_map, so nothing is
    # missing to it; the model was built on meta (low_cpu_mem_usage) and the tensor stays there.
    Project(
        "diffusers",
        "diffusers",
        "diffusers",
        _write_with_diffusers,
        _load_into_model(UNET_FAMILY),
        LEFT_ON_META,
    ),
)


@pytest.fixture(params=PROJECTS, ids=str)
def project(request) -> Project:
    pytest.importorskip(
        request.param.package, reason=f"the {request.param} adapter needs {request.param.package}"
    )
    return request.param


@pytest.fixture
def adapter(project: Project) -> Adapter:
    return make_adapter(project.adapter)


def _second_shard(directory: Path) -> Path:
    (index,) = directory.glob("*.index.json")
    shards = sorted(set(json.loads(index.read_text("utf-8"))["weight_map"].values()))
    assert len(shards) > 1, "the checkpoint must be sharded"
    return directory / shards[1]


def test_a_valid_checkpoint_loads_back_byte_for_byte(project, adapter, tmp_path, capfd):
    tensors = project.write(tmp_path)
    capfd.readouterr()
    handlers = list(logging.getLogger(project.logger).handlers)
    outcome = project.load(adapter, tmp_path, tensors)
    assert outcome.kind == ACCEPTED, outcome.describe()
    assert sorted(outcome.value) == sorted(tensors)
    for name, expected in tensors.items():
        loaded = outcome.value[name]
        assert (loaded.dtype, loaded.shape) == (expected.dtype, expected.shape), name
        assert raw_bytes(loaded) == raw_bytes(expected), name
    assert capfd.readouterr() == ("", ""), "the call printed its library's logs or progress bars"
    assert logging.getLogger(project.logger).handlers == handlers


def test_a_missing_shard_is_refused(project, adapter, tmp_path):
    tensors = project.write(tmp_path)
    _second_shard(tmp_path).unlink()
    outcome = project.load(adapter, tmp_path, tensors)
    assert outcome.kind == REFUSED, outcome.describe()
    assert outcome.category in (CHECKPOINT_ERROR, FILE_NOT_FOUND)


def test_a_tensor_deleted_from_its_shard_gives_what_the_project_does_today(project, adapter, tmp_path):
    tensors = project.write(tmp_path)
    shard = _second_shard(tmp_path)
    kept = safetensors_torch.load_file(shard)
    deleted = sorted(kept)[0]
    del kept[deleted]
    safetensors_torch.save_file(kept, shard, metadata={"format": "pt"})
    outcome = project.load(adapter, tmp_path, tensors)
    if project.deleted_tensor == REFUSED_AS_REPORTED:
        assert outcome.kind == REFUSED, outcome.describe()
        assert outcome.category == CHECKPOINT_ERROR
        assert outcome.message.startswith("reported missing keys") and deleted in outcome.message
        return
    assert outcome.kind == ACCEPTED, outcome.describe()
    left = outcome.value[deleted]
    if project.deleted_tensor == LEFT_ON_META:
        assert left.is_meta
    else:
        assert not left.is_meta and not left.any()
    assert all(
        raw_bytes(outcome.value[name]) == raw_bytes(t) for name, t in tensors.items() if name != deleted
    )


def test_an_undocumented_error_is_a_crash(project, adapter, tmp_path):
    tensors = project.write(tmp_path)
    (index,) = tmp_path.glob("*.index.json")
    # An index without its weight_map: today each project fails on it with an error it does not
    # document (accelerate a TypeError, transformers and diffusers a KeyError).
    index.write_text(json.dumps({"metadata": {}}), "utf-8")
    outcome = project.load(adapter, tmp_path, tensors)
    assert outcome.kind == CRASHED, outcome.describe()
    assert outcome.error_type in ("builtins.TypeError", "builtins.KeyError")


def test_accelerate_warning_of_unused_weights_is_a_refusal(tmp_path):
    pytest.importorskip("accelerate", reason="the accelerate adapter needs accelerate")
    tensors = _write_with_accelerate(tmp_path)
    del tensors["second.bias"]
    outcome = _load_into_blank(make_adapter("accelerate"), tmp_path, tensors)
    assert outcome.kind == REFUSED, outcome.describe()
    assert outcome.message.startswith("warned: Some weights of the model checkpoint")
    assert "second.bias" in outcome.message


def test_accelerate_loads_a_weights_file_given_as_a_path(tmp_path):
    # load_checkpoint_in_model itself fails on a Path to a file; the adapter passes a str.
    pytest.importorskip("accelerate", reason="the accelerate adapter needs accelerate")
    tensors = {"weight": torch.arange(1, 7, dtype=torch.float32).reshape(2, 3)}
    path = tmp_path / "model.safetensors"
    safetensors_torch.save_file(tensors, path, metadata={"format": "pt"})
    outcome = _load_into_blank(make_adapter("accelerate"), path, tensors)
    assert outcome.kind == ACCEPTED, outcome.describe()
    assert raw_bytes(outcome.value["weight"]) == raw_bytes(tensors["weight"])
