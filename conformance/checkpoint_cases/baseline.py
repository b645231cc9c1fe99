"""The valid checkpoint most cases start from, and the writers that build and derive checkpoints.

The baseline is four F32 tensors ``a`` .. ``d`` of 16 elements (64 bytes each; values 1 to 64,
so no two tensors are alike and none is zero) in four shards ``model-0000{1..4}-of-00004.safetensors``
of one tensor each, every shard with ``"format": "pt"``, and the index
``model.safetensors.index.json`` with ``total_size`` 256: the files and index that huggingface_hub
and the reference save for these tensors with a 100-byte shard limit (though not byte for byte).

Writers use torch, ``safetensors_builder`` and the standard library only, never
``weightspec.reference``, so that the suite can catch a broken reference. Every writer is
deterministic: the same case writes the same bytes each time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch

from ..cases import rejected_by_loader
from ..safetensors_builder import Tensor, buffer_of, encode, header_of
from ..tensor_bytes import raw_bytes
from ..torch_models import SAFETENSORS_DTYPES
from .case import CheckpointCase

INDEX = "model.safetensors.index.json"
SINGLE_FILE = "model.safetensors"
PICKLE_FILE = "pytorch_model.bin"
# Cases whose refusal names the checkpoint directory, or that need a file beside the checkpoint,
# write the checkpoint into this folder of the case's directory.
CHECKPOINT_FOLDER = "checkpoint"
PT_FORMAT = {"format": "pt"}


def shard(i: int, count: int = 4) -> str:
    """The name of shard ``i`` (from 1) of ``count``, as SHARD-NAME-001 names it."""
    return f"model-{i:05d}-of-{count:05d}.safetensors"


def baseline_tensors() -> dict[str, torch.Tensor]:
    return {name: torch.arange(1, 17, dtype=torch.float32) + 16 * i for i, name in enumerate("abcd")}


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, document: object) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_safetensors(
    path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] = PT_FORMAT
) -> Path:
    """``tensors`` in one safetensors file, in the given order, with ``metadata`` (none when empty).

    Written by ``safetensors_builder`` rather than the safetensors library, whose metadata order
    changes from run to run: a case must write the same bytes each time.
    """
    described = tuple(
        Tensor(name, SAFETENSORS_DTYPES[tensor.dtype], tuple(tensor.shape), raw_bytes(tensor))
        for name, tensor in tensors.items()
    )
    path.write_bytes(encode(header_of(described, dict(metadata) or None), buffer_of(described)))
    return path


def write_sharded(
    directory: Path, shards: list[dict[str, torch.Tensor]], *, metadata: dict[str, str] | None = None
) -> Path:
    """Shard ``i`` holding ``shards[i - 1]``, then the index; returns ``directory``.

    Every shard's metadata is ``"format": "pt"`` plus ``metadata``; the index's is the computed
    ``total_size`` plus ``metadata``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    weight_map = {}
    for i, tensors in enumerate(shards, start=1):
        name = shard(i, len(shards))
        write_safetensors(directory / name, tensors, {**PT_FORMAT, **(metadata or {})})
        weight_map.update(dict.fromkeys(tensors, name))
    total_size = sum(tensor.nbytes for tensors in shards for tensor in tensors.values())
    write_json(
        directory / INDEX,
        {"metadata": {"total_size": total_size, **(metadata or {})}, "weight_map": weight_map},
    )
    return directory


def write_baseline(directory: Path) -> Path:
    return write_sharded(directory, [{name: tensor} for name, tensor in baseline_tensors().items()])


def edit_index(directory: Path, change: Callable[[dict], None]) -> None:
    index = read_json(directory / INDEX)
    change(index)
    write_json(directory / INDEX, index)


def rewrite_shard(directory: Path, i: int, tensors: dict[str, torch.Tensor], **metadata: str) -> None:
    """Shard ``i`` of the baseline replaced by one holding ``tensors`` (format pt unless ``metadata`` says)."""
    write_safetensors(directory / shard(i), tensors, {**PT_FORMAT, **metadata})


def set_shard_of(tensor: str, shard_name: str) -> Callable[[Path], None]:
    """A change: the index maps ``tensor`` to ``shard_name``."""
    return lambda directory: edit_index(
        directory, lambda index: index["weight_map"].__setitem__(tensor, shard_name)
    )


def set_total_size(value: object) -> Callable[[Path], None]:
    """A change: the index's ``metadata.total_size`` is ``value``."""
    return lambda directory: edit_index(
        directory, lambda index: index["metadata"].__setitem__("total_size", value)
    )


def changed_baseline(change: Callable[[Path], None]) -> Callable[[Path], Path]:
    """A build: the baseline written into the directory, then ``change`` applied to it."""

    def build(directory: Path) -> Path:
        change(write_baseline(directory))
        return directory

    return build


def broken_case(
    case_id: str,
    requirement: str,
    description: str,
    breakage: Callable[[Path], None],
    *,
    file: str,
    entry: str | None = None,
) -> CheckpointCase:
    """A baseline checkpoint broken by ``breakage``, which a loader must refuse naming ``requirement``."""
    return CheckpointCase(
        case_id,
        (requirement,),
        description,
        rejected_by_loader(requirement),
        changed_baseline(breakage),
        baseline_tensors,
        file=file,
        entry=entry,
    )
