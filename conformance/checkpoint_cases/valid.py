"""Valid checkpoint cases: every load must succeed and give back exactly ``tensors()``.

They cover the ways a loader is given a checkpoint (its directory, its index file, its single
weights file), what SHARD-LOAD-009 lets a directory hold, names tied back from the records of
shared tensors (SHARD-LOAD-005), half-precision and 8-bit dtypes, what the loader rules allow
(a link inside the directory, no ``format`` key, a small ``total_size``) and pickles loaded with
``safe=False``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch

from ..cases import VALID
from .baseline import (
    INDEX,
    SINGLE_FILE,
    baseline_tensors,
    changed_baseline,
    set_total_size,
    shard,
    write_baseline,
    write_safetensors,
    write_sharded,
)
from .case import CheckpointCase
from .pickles import defaultdict_of, pickled

BLOB = "blobs/shard-2"  # where the linked-shard case keeps the second shard, inside the directory


def _valid(
    case_id: str,
    requirements: tuple[str, ...],
    description: str,
    build: Callable[[Path], Path],
    tensors: Callable[[], dict[str, torch.Tensor]] = baseline_tensors,
    **options,
) -> CheckpointCase:
    return CheckpointCase(case_id, requirements, description, VALID, build, tensors, **options)


def _single_file(name: str, tensors: Callable[[], dict[str, torch.Tensor]], *, give_file: bool):
    """A build: ``tensors()`` in one safetensors file ``name``; the file or its directory is loaded."""

    def build(directory: Path) -> Path:
        path = write_safetensors(directory / name, tensors())
        return path if give_file else directory

    return build


def _build_by_index_file(directory: Path) -> Path:
    return write_baseline(directory) / INDEX


def _build_model_file_beside_another(directory: Path) -> Path:
    write_safetensors(directory / SINGLE_FILE, baseline_tensors())
    # Other weights: a loader that picks this file loads different values.
    write_safetensors(
        directory / "model.fp16.safetensors", {name: (-t).half() for name, t in baseline_tensors().items()}
    )
    return directory


def _tied_tensors() -> dict[str, torch.Tensor]:
    embed = torch.arange(1, 17, dtype=torch.float32).reshape(4, 4)
    return {
        "embed.weight": embed,
        "head.weight": embed,
        "norm.weight": torch.arange(17, 21, dtype=torch.float32),
    }


def _build_tied(directory: Path) -> Path:
    """As SHARD-SAVE-001 and 008 save them: ``head.weight`` (a tie of ``embed.weight``) dropped, and
    the record ``head.weight: embed.weight`` in every shard and in the index."""
    tensors = _tied_tensors()
    shards = [{"embed.weight": tensors["embed.weight"]}, {"norm.weight": tensors["norm.weight"]}]
    return write_sharded(directory, shards, metadata={"head.weight": "embed.weight"})


def _dtype_tensors(dtype: torch.dtype) -> Callable[[], dict[str, torch.Tensor]]:
    # Integers 1 to 12 are exact in F16, BF16 and F8_E4M3.
    return lambda: {
        "w": torch.arange(1, 9, dtype=torch.float32).reshape(2, 4).to(dtype),
        "b": torch.arange(9, 13, dtype=torch.float32).to(dtype),
    }


def _shard_3_metadata(metadata: dict[str, str]) -> Callable[[Path], None]:
    """A change: shard 3 rewritten with ``metadata`` (none at all when empty)."""
    return lambda d: write_safetensors(d / shard(3), {"c": baseline_tensors()["c"]}, metadata=metadata)


def _shard_2_linked_inside(directory: Path) -> None:
    (directory / BLOB).parent.mkdir()
    os.replace(directory / shard(2), directory / BLOB)
    os.symlink(BLOB, directory / shard(2))


def _pickle_in_directory(directory: Path) -> Path:
    return pickled(baseline_tensors)(directory).parent


CASES = (
    _valid(
        "valid-sharded-checkpoint",
        ("SHARD-LOAD-002", "SHARD-LOAD-003"),
        "Four tensors in four shards with their index, loaded from the directory.",
        write_baseline,
    ),
    _valid(
        "valid-sharded-checkpoint-by-index-file",
        ("SHARD-LOAD-010", "SHARD-INDEX-001"),
        "The four-shard checkpoint, loaded from the path of its index file.",
        _build_by_index_file,
    ),
    _valid(
        "valid-single-file",
        ("ST-LOAD-001",),
        "One model.safetensors file, loaded from its path.",
        _single_file(SINGLE_FILE, baseline_tensors, give_file=True),
    ),
    _valid(
        "valid-single-file-in-a-directory",
        ("SHARD-LOAD-009",),
        "A directory holding only model.safetensors, loaded from the directory.",
        _single_file(SINGLE_FILE, baseline_tensors, give_file=False),
    ),
    _valid(
        "valid-model-file-beside-another-safetensors-file",
        ("SHARD-LOAD-009",),
        "A directory holding model.safetensors and model.fp16.safetensors loads model.safetensors.",
        _build_model_file_beside_another,
    ),
    _valid(
        "valid-only-safetensors-file-in-a-directory",
        ("SHARD-LOAD-009",),
        "A directory whose only weights file is diffusion_pytorch_model.safetensors loads it.",
        _single_file("diffusion_pytorch_model.safetensors", baseline_tensors, give_file=False),
    ),
    _valid(
        "valid-shared-tensors-tied-back",
        ("SHARD-LOAD-005", "SHARD-SAVE-008"),
        "A checkpoint saved without head.weight, recorded as tied to embed.weight, loads both names.",
        _build_tied,
        _tied_tensors,
    ),
    _valid(
        "valid-f16-tensors",
        ("ST-LOAD-001",),
        "F16 tensors load as torch.float16 with their exact bits.",
        _single_file(SINGLE_FILE, _dtype_tensors(torch.float16), give_file=True),
        _dtype_tensors(torch.float16),
    ),
    _valid(
        "valid-bf16-tensors",
        ("ST-LOAD-001",),
        "BF16 tensors load as torch.bfloat16 with their exact bits.",
        _single_file(SINGLE_FILE, _dtype_tensors(torch.bfloat16), give_file=True),
        _dtype_tensors(torch.bfloat16),
    ),
    _valid(
        "valid-f8-e4m3-tensors",
        ("ST-LOAD-001",),
        "F8_E4M3 tensors load as torch.float8_e4m3fn with their exact bits.",
        _single_file(SINGLE_FILE, _dtype_tensors(torch.float8_e4m3fn), give_file=True),
        _dtype_tensors(torch.float8_e4m3fn),
    ),
    _valid(
        "valid-shard-without-metadata",
        ("SHARD-LOAD-008",),
        "The third shard's header has no __metadata__, so no format key, which SHARD-LOAD-008 allows.",
        changed_baseline(_shard_3_metadata({})),
    ),
    _valid(
        "valid-shard-metadata-without-format",
        ("SHARD-LOAD-008",),
        "The third shard's metadata holds a producer key but no format key, which SHARD-LOAD-008 allows.",
        changed_baseline(_shard_3_metadata({"producer": "weightspec conformance"})),
    ),
    _valid(
        "valid-shard-linked-inside-the-directory",
        ("SHARD-LOAD-001",),
        "The second shard is a relative symbolic link to a file inside the checkpoint directory.",
        changed_baseline(_shard_2_linked_inside),
    ),
    _valid(
        "valid-total-size-below-the-shards",
        ("SHARD-INDEX-003",),
        "The index's total_size is 200, less than the 256 bytes of the shards, which SHARD-INDEX-003 allows.",
        changed_baseline(set_total_size(200)),
    ),
    _valid(
        "valid-pickle-file",
        ("SHARD-PICKLE-001",),
        "A pickle of a dict of tensors loads with safe=False and the default weights_only=True.",
        pickled(baseline_tensors),
        safe=False,
        validated=False,
    ),
    _valid(
        "valid-pickle-in-a-directory",
        ("SHARD-LOAD-009",),
        "A directory holding only pytorch_model.bin loads it with safe=False.",
        _pickle_in_directory,
        safe=False,
        validated=False,
    ),
    _valid(
        "valid-pickle-needing-weights-only-false",
        ("SHARD-PICKLE-001",),
        "A pickle of a defaultdict of tensors loads with safe=False and weights_only=False.",
        pickled(lambda: defaultdict_of(baseline_tensors())),
        safe=False,
        weights_only=False,
        validated=False,
    ),
)
