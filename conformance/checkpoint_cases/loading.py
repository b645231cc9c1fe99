"""Checkpoint cases of spec/sharding.md section 6 (safetensors checkpoints) that a loader must refuse.

Most are the baseline checkpoint with one shard or the index changed; the refusal names the
shard at fault. A broken shard header breaks a reader rule of spec/safetensors.md, and the case
expects that ST- requirement, the most specific one.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..cases import rejected_by_loader
from ..safetensors_builder import encode
from ..tensor_bytes import raw_bytes
from .baseline import (
    CHECKPOINT_FOLDER,
    baseline_tensors,
    broken_case,
    rewrite_shard,
    set_shard_of,
    shard,
    write_baseline,
    write_safetensors,
)
from .case import CheckpointCase

OUTSIDE_FILE = "outside.safetensors"


def _remove_shard_2(directory: Path) -> None:
    os.remove(directory / shard(2))


def _shard_2_as_directory(directory: Path) -> None:
    os.remove(directory / shard(2))
    os.mkdir(directory / shard(2))


def _truncate_last_shard(directory: Path) -> None:
    path = directory / shard(4)
    path.write_bytes(path.read_bytes()[:-4])


def _shard_2_offsets_past_its_buffer(directory: Path) -> None:
    data = raw_bytes(baseline_tensors()["b"])
    header = {
        "__metadata__": {"format": "pt"},
        "b": {"dtype": "F32", "shape": [16], "data_offsets": [len(data), 2 * len(data)]},
    }
    (directory / shard(2)).write_bytes(encode(header, data))


def _build_with_shard_2_linked_outside(directory: Path) -> Path:
    checkpoint = write_baseline(directory / CHECKPOINT_FOLDER)
    os.replace(checkpoint / shard(2), directory / OUTSIDE_FILE)
    os.symlink(Path("..") / OUTSIDE_FILE, checkpoint / shard(2))
    return checkpoint


def _build_two_candidate_files(directory: Path) -> Path:
    checkpoint = directory / CHECKPOINT_FOLDER
    checkpoint.mkdir()
    tensors = baseline_tensors()
    write_safetensors(checkpoint / "model.fp16.safetensors", {name: t.half() for name, t in tensors.items()})
    write_safetensors(checkpoint / "model.fp32.safetensors", tensors)
    return checkpoint


CASES = (
    broken_case(
        "shard-missing",
        "SHARD-LOAD-001",
        "The second of four shards named by the index does not exist.",
        _remove_shard_2,
        file=shard(2),
    ),
    CheckpointCase(
        "shard-linked-outside-the-directory",
        ("SHARD-LOAD-001",),
        "The second shard is a symbolic link to a file outside the checkpoint directory.",
        rejected_by_loader("SHARD-LOAD-001"),
        _build_with_shard_2_linked_outside,
        baseline_tensors,
        file=shard(2),
    ),
    broken_case(
        "shard-is-a-directory",
        "SHARD-LOAD-001",
        "The second shard's name is a directory, not a regular file.",
        _shard_2_as_directory,
        file=shard(2),
    ),
    broken_case(
        "indexed-tensor-absent-from-its-shard",
        "SHARD-LOAD-002",
        "The index lists a tensor 'ghost' in the first shard, which does not hold it.",
        set_shard_of("ghost", shard(1)),
        file=shard(1),
        entry="ghost",
    ),
    broken_case(
        "tensor-indexed-under-the-wrong-shard",
        "SHARD-LOAD-002",
        "The index lists tensor a under the second shard, but the first shard holds it.",
        set_shard_of("a", shard(2)),
        file=shard(2),
        entry="a",
    ),
    broken_case(
        "shard-tensor-missing-from-the-index",
        "SHARD-LOAD-003",
        "The first shard holds a tensor 'extra' that the index does not list.",
        lambda d: rewrite_shard(d, 1, {"a": baseline_tensors()["a"], "extra": torch.full((2,), 7.0)}),
        file=shard(1),
        entry="extra",
    ),
    broken_case(
        "tensor-in-two-shards",
        "SHARD-LOAD-003",
        "Tensor a is in the first shard, as the index says, and also in the second.",
        lambda d: rewrite_shard(d, 2, {"b": baseline_tensors()["b"], "a": baseline_tensors()["a"]}),
        file=shard(2),
        entry="a",
    ),
    broken_case(
        "shard-tensorflow-format",
        "SHARD-LOAD-008",
        "The third shard's metadata says format 'tf'.",
        lambda d: rewrite_shard(d, 3, {"c": baseline_tensors()["c"]}, format="tf"),
        file=shard(3),
    ),
    broken_case(
        "shard-truncated",
        "ST-TENSOR-005",
        "The last shard ends 4 bytes before the end of its last tensor.",
        _truncate_last_shard,
        file=shard(4),
    ),
    broken_case(
        "shard-header-offsets-past-the-buffer",
        "ST-TENSOR-005",
        "The second shard's header puts tensor b at bytes 64 to 128 of a 64-byte data buffer.",
        _shard_2_offsets_past_its_buffer,
        file=shard(2),
    ),
    CheckpointCase(
        "directory-with-two-candidate-files",
        ("SHARD-LOAD-009",),
        "A directory without an index or model.safetensors holds two .safetensors files.",
        rejected_by_loader("SHARD-LOAD-009"),
        _build_two_candidate_files,
        baseline_tensors,
        file=CHECKPOINT_FOLDER,
    ),
)
