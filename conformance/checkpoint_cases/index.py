"""Checkpoint cases of spec/sharding.md section 5: a broken index file, everything else valid.

Each case is a family's baseline checkpoint with one change to its index file; a loader must
refuse it naming the index file (and the tensor, for a bad ``weight_map`` value). Every case is
built for every family. Where the index names a file that exists (outside the checkpoint, or a
pickle), that file holds the tensors it is named for, so that a loader that follows the name
loads the checkpoint successfully instead of failing for another reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch

from ..cases import rejected_by_loader
from .baseline import (
    CHECKPOINT_FOLDER,
    OUTSIDE_FILE,
    broken_case,
    checkpoint_case,
    edit_index,
    set_shard_of,
    set_total_size,
    write_baseline,
)
from .case import CheckpointCase
from .families import SHARD_COUNT, Family

INDEX_LIMIT = 10 * 1024 * 1024  # SHARD-INDEX-004


def _write_raw_index(data: bytes):
    return lambda family, directory: (directory / family.index).write_bytes(data)


def _drop_key(key: str):
    return lambda family, directory: edit_index(family, directory, lambda index: index.pop(key))


def _pad_past_the_limit(family: Family, directory: Path) -> None:
    path = directory / family.index
    text = path.read_text(encoding="utf-8")
    path.write_text(text + " " * (INDEX_LIMIT + 1 - len(text.encode("utf-8"))), encoding="utf-8")


def _duplicate_weight_map_key(family: Family, directory: Path) -> None:
    """The first tensor of shard 2 listed first under shard 1, then where it belongs."""
    path = directory / family.index
    text = path.read_text(encoding="utf-8")
    duplicate = f'"weight_map": {{"{family.first(2)}": "{family.shard(1)}",'
    path.write_text(text.replace('"weight_map": {', duplicate, 1), encoding="utf-8")


def _map_shard_1_to(family: Family, directory: Path, name: str) -> None:
    """The index maps every tensor of shard 1 to ``name``."""
    edit_index(
        family, directory, lambda index: index["weight_map"].update(dict.fromkeys(family.groups[0], name))
    )


def _pickle_shard(family: Family) -> str:
    return family.shard(1).removesuffix(".safetensors") + ".bin"


def _shard_1_as_a_pickle(family: Family, directory: Path) -> None:
    os.remove(directory / family.shard(1))
    torch.save(family.shard_tensors(1), directory / _pickle_shard(family))
    _map_shard_1_to(family, directory, _pickle_shard(family))


def _build_shard_1_in_the_parent_directory(family: Family, directory: Path) -> Path:
    checkpoint = write_baseline(family, directory / CHECKPOINT_FOLDER)
    os.replace(checkpoint / family.shard(1), directory / OUTSIDE_FILE)
    _map_shard_1_to(family, checkpoint, f"../{OUTSIDE_FILE}")
    return checkpoint


def _renumber_shards(name_of: Callable[[Family, int], str]):
    """A change: shard ``i`` of the baseline renamed ``name_of(family, i)``, and the index with it."""

    def renumber(family: Family, directory: Path) -> None:
        names = {family.shard(i): name_of(family, i) for i in range(1, SHARD_COUNT + 1)}
        for old, new in names.items():
            os.replace(directory / old, directory / new)
        edit_index(
            family,
            directory,
            lambda index: index["weight_map"].update(
                {tensor: names[shard] for tensor, shard in index["weight_map"].items()}
            ),
        )

    return renumber


def cases(family: Family) -> tuple[CheckpointCase, ...]:
    """The section 5 cases of ``family``."""
    index = family.index
    first = family.first(1)

    def bad_shard_name(case_id: str, name: str, description: str) -> CheckpointCase:
        return broken_case(
            family,
            case_id,
            "SHARD-INDEX-002",
            description,
            set_shard_of(first, name),
            file=index,
            entry=first,
        )

    return (
        broken_case(
            family,
            "index-not-json",
            "SHARD-INDEX-001",
            "The index file is not JSON.",
            _write_raw_index(b"{not json"),
            file=index,
        ),
        broken_case(
            family,
            "index-not-utf8",
            "SHARD-INDEX-001",
            "The index file holds a byte that is not UTF-8.",
            _write_raw_index(b'{"\xff": 1}'),
            file=index,
        ),
        broken_case(
            family,
            "index-without-weight-map",
            "SHARD-INDEX-001",
            "The index file has no weight_map.",
            _drop_key("weight_map"),
            file=index,
        ),
        broken_case(
            family,
            "index-without-metadata",
            "SHARD-INDEX-001",
            "The index file has no metadata object, which the index schema requires.",
            _drop_key("metadata"),
            file=index,
        ),
        broken_case(
            family,
            "index-total-size-not-an-integer",
            "SHARD-INDEX-001",
            f"The index's total_size is the string '{family.total_size}', not an integer.",
            set_total_size(str(family.total_size)),
            file=index,
        ),
        bad_shard_name(
            "index-shard-in-the-parent-directory",
            f"../{family.shard(1)}",
            f"The index maps tensor {first} to a shard in the parent directory.",
        ),
        checkpoint_case(
            family,
            "index-shard-in-the-parent-directory-that-exists",
            ("SHARD-INDEX-002",),
            f"The index maps the first shard's tensors to ../{OUTSIDE_FILE}, a file beside the checkpoint "
            "directory that holds them.",
            rejected_by_loader("SHARD-INDEX-002"),
            _build_shard_1_in_the_parent_directory,
            file=index,
            entry=first,
        ),
        bad_shard_name(
            "index-shard-absolute-path",
            "/etc/model.safetensors",
            f"The index maps tensor {first} to an absolute path.",
        ),
        bad_shard_name(
            "index-shard-drive-letter",
            f"C:{family.shard(1)}",
            f"The index maps tensor {first} to a name with a drive letter.",
        ),
        bad_shard_name(
            "index-shard-backslash",
            f"..\\{family.shard(1)}",
            f"The index maps tensor {first} to a Windows path into the parent directory.",
        ),
        bad_shard_name("index-shard-dot-dot", "..", f"The index maps tensor {first} to the name '..'."),
        broken_case(
            family,
            "index-total-size-too-large",
            "SHARD-INDEX-003",
            f"The index's total_size is {family.total_size + 1}, one byte more than the shards' data "
            "buffers hold.",
            set_total_size(family.total_size + 1),
            file=index,
        ),
        broken_case(
            family,
            "index-over-10-mib",
            "SHARD-INDEX-004",
            "The index file is padded with spaces to one byte over 10 MiB.",
            _pad_past_the_limit,
            file=index,
        ),
        broken_case(
            family,
            "index-names-a-pickle-shard",
            "SHARD-INDEX-005",
            f"The safetensors index maps the first shard's tensors to {_pickle_shard(family)}, a pickle "
            "that holds them.",
            _shard_1_as_a_pickle,
            file=index,
            entry=first,
        ),
        broken_case(
            family,
            "index-shard-numbered-past-the-count",
            "SHARD-INDEX-007",
            f"The last of the {SHARD_COUNT} shards is named {family.shard(SHARD_COUNT + 1, SHARD_COUNT)}, "
            f"shard {SHARD_COUNT + 1} of {SHARD_COUNT}, in the index and on disk.",
            _renumber_shards(lambda family, i: family.shard(i + (i == SHARD_COUNT), SHARD_COUNT)),
            file=index,
            entry=family.first(SHARD_COUNT),
        ),
        broken_case(
            family,
            "index-shard-count-disagrees",
            "SHARD-INDEX-007",
            f"Each of the {SHARD_COUNT} shards is named as one of {SHARD_COUNT + 1} "
            f"({family.shard(1, SHARD_COUNT + 1)} ...), in the index and on disk.",
            _renumber_shards(lambda family, i: family.shard(i, SHARD_COUNT + 1)),
            file=index,
            entry=family.first(1),
        ),
        broken_case(
            family,
            "index-duplicate-key",
            "SHARD-INDEX-006",
            f"The index's weight_map lists tensor {family.first(2)} twice, under two shards.",
            _duplicate_weight_map_key,
            file=index,
            entry=family.first(2),
        ),
    )
