"""Checkpoint cases of spec/sharding.md section 6 (safetensors checkpoints) that a loader must refuse.

Most are a family's baseline checkpoint with one shard or the index changed; the refusal names
the shard at fault. A broken shard header breaks a reader rule of spec/safetensors.md, and the
case expects that ST- requirement, the most specific one. Every case is built for every family.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..cases import rejected_by_loader
from ..safetensors_builder import buffer_of, encode, header_of
from .baseline import (
    CHECKPOINT_FOLDER,
    OUTSIDE_FILE,
    PT_FORMAT,
    Breakage,
    broken_case,
    checkpoint_case,
    described,
    edit_index,
    rewrite_shard,
    set_shard_of,
    write_baseline,
    write_safetensors,
)
from .case import CheckpointCase
from .families import SHARD_COUNT, Family


def _remove_shard_2(family: Family, directory: Path) -> None:
    os.remove(directory / family.shard(2))


def _shard_2_as_directory(family: Family, directory: Path) -> None:
    os.remove(directory / family.shard(2))
    os.mkdir(directory / family.shard(2))


def _truncate_last_shard(family: Family, directory: Path) -> None:
    path = directory / family.shard(SHARD_COUNT)
    path.write_bytes(path.read_bytes()[:-4])


def _shard_2_without_its_first_tensor(family: Family, directory: Path) -> None:
    tensors = family.shard_tensors(2)
    del tensors[family.first(2)]
    rewrite_shard(family, directory, 2, tensors)


def _swap_the_shards_of(first: str, second: str) -> Breakage:
    """A change: the index maps each of two tensors to the other's shard. Every shard is still
    named, so a loader that reads whole shards finds every tensor, only not where the index says."""

    def swap(family: Family, directory: Path) -> None:
        def change(index: dict) -> None:
            weight_map = index["weight_map"]
            weight_map[first], weight_map[second] = weight_map[second], weight_map[first]

        edit_index(family, directory, change)

    return swap


def _shard_1_with_an_extra_tensor(family: Family, directory: Path) -> None:
    rewrite_shard(family, directory, 1, {**family.shard_tensors(1), "extra": torch.full((2,), 7.0)})


def _first_tensor_also_in_shard_2(family: Family, directory: Path) -> None:
    first = family.first(1)
    rewrite_shard(family, directory, 2, {**family.shard_tensors(2), first: family.tensors()[first]})


def _shard_3_in_tensorflow_format(family: Family, directory: Path) -> None:
    rewrite_shard(family, directory, 3, family.shard_tensors(3), format="tf")


def _shard_2_offsets(family: Family) -> tuple[int, int, int]:
    """Where the second shard's header puts its first tensor, (begin, end), and its buffer's length."""
    laid_out = described(family.shard_tensors(2))
    length = len(buffer_of(laid_out))
    return length, length + len(laid_out[0].data), length


def _shard_2_offsets_past_its_buffer(family: Family, directory: Path) -> None:
    laid_out = described(family.shard_tensors(2))
    header = header_of(laid_out, PT_FORMAT)
    header[laid_out[0].name]["data_offsets"] = list(_shard_2_offsets(family)[:2])
    (directory / family.shard(2)).write_bytes(encode(header, buffer_of(laid_out)))


def _build_with_shard_2_linked_outside(family: Family, directory: Path) -> Path:
    checkpoint = write_baseline(family, directory / CHECKPOINT_FOLDER)
    os.replace(checkpoint / family.shard(2), directory / OUTSIDE_FILE)
    os.symlink(Path("..") / OUTSIDE_FILE, checkpoint / family.shard(2))
    return checkpoint


def _build_two_candidate_files(family: Family, directory: Path) -> Path:
    checkpoint = directory / CHECKPOINT_FOLDER
    checkpoint.mkdir()
    tensors = family.tensors()
    write_safetensors(
        checkpoint / f"{family.stem}.fp16.safetensors", {n: t.half() for n, t in tensors.items()}
    )
    write_safetensors(checkpoint / f"{family.stem}.fp32.safetensors", tensors)
    return checkpoint


def cases(family: Family) -> tuple[CheckpointCase, ...]:
    """The section 6 cases of ``family``."""
    shard = family.shard
    first, second = family.first(1), family.first(2)
    begin, end, length = _shard_2_offsets(family)
    return (
        broken_case(
            family,
            "shard-missing",
            "SHARD-LOAD-001",
            "The second of four shards named by the index does not exist.",
            _remove_shard_2,
            file=shard(2),
        ),
        checkpoint_case(
            family,
            "shard-linked-outside-the-directory",
            ("SHARD-LOAD-001",),
            "The second shard is a symbolic link to a file outside the checkpoint directory.",
            rejected_by_loader("SHARD-LOAD-001"),
            _build_with_shard_2_linked_outside,
            file=shard(2),
        ),
        broken_case(
            family,
            "shard-is-a-directory",
            "SHARD-LOAD-001",
            "The second shard's name is a directory, not a regular file.",
            _shard_2_as_directory,
            file=shard(2),
        ),
        broken_case(
            family,
            "indexed-tensor-absent-from-its-shard",
            "SHARD-LOAD-002",
            "The index lists a tensor 'ghost' in the first shard, which does not hold it.",
            set_shard_of("ghost", shard(1)),
            file=shard(1),
            entry="ghost",
        ),
        broken_case(
            family,
            "model-tensor-missing-from-its-shard",
            "SHARD-LOAD-002",
            f"The second shard lacks tensor {second}, a weight of the model that the index lists there.",
            _shard_2_without_its_first_tensor,
            file=shard(2),
            entry=second,
        ),
        broken_case(
            family,
            "tensor-indexed-under-the-wrong-shard",
            "SHARD-LOAD-002",
            f"The index swaps the shards of {first} and {second}: it lists {first} under the second "
            f"shard and {second} under the first, though each shard holds the other.",
            _swap_the_shards_of(first, second),
            file=shard(2),
            entry=first,
        ),
        broken_case(
            family,
            "shard-tensor-missing-from-the-index",
            "SHARD-LOAD-003",
            "The first shard holds a tensor 'extra' that the index does not list.",
            _shard_1_with_an_extra_tensor,
            file=shard(1),
            entry="extra",
        ),
        broken_case(
            family,
            "tensor-in-two-shards",
            "SHARD-LOAD-003",
            f"Tensor {first} is in the first shard, as the index says, and also in the second.",
            _first_tensor_also_in_shard_2,
            file=shard(2),
            entry=first,
        ),
        broken_case(
            family,
            "shard-tensorflow-format",
            "SHARD-LOAD-008",
            "The third shard's metadata says format 'tf'.",
            _shard_3_in_tensorflow_format,
            file=shard(3),
        ),
        broken_case(
            family,
            "shard-truncated",
            "ST-TENSOR-005",
            "The last shard ends 4 bytes before the end of its last tensor.",
            _truncate_last_shard,
            file=shard(SHARD_COUNT),
        ),
        broken_case(
            family,
            "shard-header-offsets-past-the-buffer",
            "ST-TENSOR-005",
            f"The second shard's header puts tensor {second} at bytes {begin} to {end} of a {length}-byte "
            "data buffer.",
            _shard_2_offsets_past_its_buffer,
            file=shard(2),
        ),
        checkpoint_case(
            family,
            "directory-with-two-candidate-files",
            ("SHARD-LOAD-009",),
            f"A directory without an index or {family.single_file} holds two .safetensors files.",
            rejected_by_loader("SHARD-LOAD-009"),
            _build_two_candidate_files,
            file=CHECKPOINT_FOLDER,
        ),
    )
