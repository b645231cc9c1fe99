"""The valid checkpoint most cases start from, the writers that build and derive checkpoints, and
the maker of a model family's cases.

The baseline of a family (``families``) is its tensors in the four shards of its groups,
``<stem>-0000{1..4}-of-00004.safetensors``, every shard with ``"format": "pt"``, and the index
``<stem>.safetensors.index.json`` with the computed ``total_size``. For the plain family that is
four F32 tensors ``a`` .. ``d`` of 16 elements, one per shard, ``total_size`` 256: the files and
index that huggingface_hub and the reference save for these tensors with a 100-byte shard limit
(though not byte for byte).

A build or a breakage is a function of the family and a directory. ``checkpoint_case`` makes a
case of a family from one; the case's build also writes the family's ``config.json`` into the
folder that holds the path it returns (the path itself when it is a directory).

Writers use torch, ``safetensors_builder`` and the standard library only, never
``weightspec.reference``, so that the suite can catch a broken reference. Every writer is
deterministic: the same case writes the same bytes each time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch

from ..cases import Verdict, rejected_by_loader
from ..harness.adapter import PLAIN_FAMILY
from ..safetensors_builder import Tensor, buffer_of, encode, header_of
from ..tensor_bytes import raw_bytes
from ..torch_models import SAFETENSORS_DTYPES, model_config, spec_of
from .case import CheckpointCase
from .families import CONFIG_FILE, SHARD_COUNT, Family

# Cases whose refusal names the checkpoint directory, or that need a file beside the checkpoint,
# write the checkpoint into this folder of the case's directory.
CHECKPOINT_FOLDER = "checkpoint"
OUTSIDE_FILE = "outside.safetensors"  # a file beside CHECKPOINT_FOLDER, outside the checkpoint
PT_FORMAT = {"format": "pt"}

Build = Callable[[Family, Path], Path]  # writes a checkpoint into the directory, returns the path to load
Breakage = Callable[[Family, Path], None]  # changes the baseline checkpoint in the directory


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
    laid_out = described(tensors)
    path.write_bytes(encode(header_of(laid_out, dict(metadata) or None), buffer_of(laid_out)))
    return path


def described(tensors: dict[str, torch.Tensor]) -> tuple[Tensor, ...]:
    """``tensors`` as ``safetensors_builder`` lays them out, in the given order."""
    return tuple(
        Tensor(name, SAFETENSORS_DTYPES[tensor.dtype], tuple(tensor.shape), raw_bytes(tensor))
        for name, tensor in tensors.items()
    )


def write_sharded(
    family: Family,
    directory: Path,
    shards: list[dict[str, torch.Tensor]],
    *,
    metadata: dict[str, str] | None = None,
) -> Path:
    """The family's shard ``i`` holding ``shards[i - 1]``, then its index; returns ``directory``.

    Every shard's metadata is ``"format": "pt"`` plus ``metadata``; the index's is the computed
    ``total_size`` plus ``metadata``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    weight_map = {}
    for i, tensors in enumerate(shards, start=1):
        name = family.shard(i, len(shards))
        write_safetensors(directory / name, tensors, {**PT_FORMAT, **(metadata or {})})
        weight_map.update(dict.fromkeys(tensors, name))
    total_size = sum(tensor.nbytes for tensors in shards for tensor in tensors.values())
    write_json(
        directory / family.index,
        {"metadata": {"total_size": total_size, **(metadata or {})}, "weight_map": weight_map},
    )
    return directory


def write_baseline(family: Family, directory: Path) -> Path:
    return write_sharded(family, directory, [family.shard_tensors(i) for i in range(1, SHARD_COUNT + 1)])


def edit_index(family: Family, directory: Path, change: Callable[[dict], None]) -> None:
    index = read_json(directory / family.index)
    change(index)
    write_json(directory / family.index, index)


def rewrite_shard(
    family: Family, directory: Path, i: int, tensors: dict[str, torch.Tensor], **metadata: str
) -> None:
    """Shard ``i`` of the baseline replaced by one holding ``tensors`` (format pt unless ``metadata`` says)."""
    write_safetensors(directory / family.shard(i), tensors, {**PT_FORMAT, **metadata})


def set_shard_of(tensor: str, shard_name: str) -> Breakage:
    """A change: the index maps ``tensor`` to ``shard_name``."""
    return lambda family, directory: edit_index(
        family, directory, lambda index: index["weight_map"].__setitem__(tensor, shard_name)
    )


def set_total_size(value: object) -> Breakage:
    """A change: the index's ``metadata.total_size`` is ``value``."""
    return lambda family, directory: edit_index(
        family, directory, lambda index: index["metadata"].__setitem__("total_size", value)
    )


def changed_baseline(change: Breakage) -> Build:
    """A build: the baseline written into the directory, then ``change`` applied to it."""

    def build(family: Family, directory: Path) -> Path:
        change(family, write_baseline(family, directory))
        return directory

    return build


def checkpoint_case(
    family: Family,
    case_id: str,
    requirements: tuple[str, ...],
    description: str,
    expected: Verdict,
    build: Build,
    *,
    tensors: Callable[[], dict[str, torch.Tensor]] | None = None,
    **options,
) -> CheckpointCase:
    """The case of ``family`` whose checkpoint ``build`` writes, beside the family's config.json.

    ``tensors`` is the model of a plain-only case that holds other tensors than the family's
    (default: ``family.tensors``); the config.json then describes them. ``options`` are the
    other fields of ``CheckpointCase``. Raises ValueError for ``tensors`` with another family,
    whose config.json describes the family's own model.
    """
    if tensors is not None and family.name != PLAIN_FAMILY:
        raise ValueError(
            f"checkpoint case {case_id!r}: only plain cases hold other tensors than the family's"
        )
    model = family.tensors if tensors is None else tensors

    def built(directory: Path) -> Path:
        path = build(family, directory)
        config = family.config if tensors is None else model_config(spec_of(tensors()))
        write_json((path if path.is_dir() else path.parent) / CONFIG_FILE, config)
        return path

    return CheckpointCase(
        case_id, requirements, description, expected, built, model, family=family.name, **options
    )


def broken_case(
    family: Family,
    case_id: str,
    requirement: str,
    description: str,
    breakage: Breakage,
    *,
    file: str,
    entry: str | None = None,
) -> CheckpointCase:
    """The family's baseline broken by ``breakage``, which a loader must refuse naming ``requirement``."""
    return checkpoint_case(
        family,
        case_id,
        (requirement,),
        description,
        rejected_by_loader(requirement),
        changed_baseline(breakage),
        file=file,
        entry=entry,
    )
