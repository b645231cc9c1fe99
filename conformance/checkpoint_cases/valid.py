"""Valid checkpoint cases: every load must succeed and give back exactly ``tensors()``.

They cover the ways a loader is given a checkpoint (its directory, its index file, its single
weights file), what SHARD-LOAD-009 lets a directory hold, names tied back from the records of
shared tensors (SHARD-LOAD-005), half-precision and 8-bit dtypes, what the loader rules allow
(a link inside the directory, no ``format`` key, a small ``total_size``) and pickles loaded with
``safe=False``. Some are built for the plain family only, each for the reason its comment gives.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import torch

from ..cases import VALID
from ..harness.adapter import PLAIN_FAMILY
from .baseline import (
    Breakage,
    Build,
    changed_baseline,
    checkpoint_case,
    set_total_size,
    write_baseline,
    write_safetensors,
    write_sharded,
)
from .case import CheckpointCase
from .families import Family
from .pickles import defaultdict_of, pickled

BLOB = "blobs/shard-2"  # where the linked-shard case keeps the second shard, inside the directory
# total_size less than the shards hold (200 of the plain family's 256 bytes).
TOTAL_SIZE_SHORTFALL = 56


def _single_file(
    name: Callable[[Family], str],
    tensors: Callable[[Family], dict[str, torch.Tensor]] = Family.tensors,
    *,
    give_file: bool,
) -> Build:
    """A build: ``tensors(family)`` in one safetensors file ``name(family)``; the file or its directory is loaded."""

    def build(family: Family, directory: Path) -> Path:
        path = write_safetensors(directory / name(family), tensors(family))
        return path if give_file else directory

    return build


def _build_by_index_file(family: Family, directory: Path) -> Path:
    return write_baseline(family, directory) / family.index


def _build_model_file_beside_another(family: Family, directory: Path) -> Path:
    write_safetensors(directory / family.single_file, family.tensors())
    # Other weights: a loader that picks this file loads different values.
    write_safetensors(
        directory / f"{family.stem}.fp16.safetensors",
        {name: (-t).half() for name, t in family.tensors().items()},
    )
    return directory


def _tied_tensors() -> dict[str, torch.Tensor]:
    embed = torch.arange(1, 17, dtype=torch.float32).reshape(4, 4)
    return {
        "embed.weight": embed,
        "head.weight": embed,
        "norm.weight": torch.arange(17, 21, dtype=torch.float32),
    }


def _build_tied(family: Family, directory: Path) -> Path:
    """As SHARD-SAVE-001 and 008 save them: ``head.weight`` (a tie of ``embed.weight``) dropped, and
    the record ``head.weight: embed.weight`` in every shard and in the index."""
    tensors = _tied_tensors()
    shards = [{"embed.weight": tensors["embed.weight"]}, {"norm.weight": tensors["norm.weight"]}]
    return write_sharded(family, directory, shards, metadata={"head.weight": "embed.weight"})


def _dtype_tensors(dtype: torch.dtype) -> Callable[[], dict[str, torch.Tensor]]:
    # Integers 1 to 12 are exact in F16, BF16 and F8_E4M3.
    return lambda: {
        "w": torch.arange(1, 9, dtype=torch.float32).reshape(2, 4).to(dtype),
        "b": torch.arange(9, 13, dtype=torch.float32).to(dtype),
    }


def _shard_3_metadata(metadata: dict[str, str]) -> Breakage:
    """A change: shard 3 rewritten with ``metadata`` (none at all when empty)."""
    return lambda family, d: write_safetensors(
        d / family.shard(3), family.shard_tensors(3), metadata=metadata
    )


def _shard_2_linked_inside(family: Family, directory: Path) -> None:
    (directory / BLOB).parent.mkdir()
    os.replace(directory / family.shard(2), directory / BLOB)
    os.symlink(BLOB, directory / family.shard(2))


def _shards_under_side_names(family: Family, directory: Path) -> None:
    """What a save of as many shards, killed after its protect step, leaves (SHARD-SAVE-012)."""
    index_path = directory / family.index
    index = json.loads(index_path.read_text(encoding="utf-8"))
    side_name = {
        shard: shard.removesuffix(".safetensors") + ".previous.safetensors"
        for shard in index["weight_map"].values()
    }
    for shard, side in side_name.items():
        os.replace(directory / shard, directory / side)
    index["weight_map"] = {tensor: side_name[shard] for tensor, shard in index["weight_map"].items()}
    index_path.write_text(json.dumps(index, indent=2), encoding="utf-8")


def _pickle_in_directory(family: Family, directory: Path) -> Path:
    return pickled(Family.tensors)(family, directory).parent


def cases(family: Family) -> tuple[CheckpointCase, ...]:
    """The valid cases of ``family``; the plain family has some more."""

    def valid(case_id: str, requirements: tuple[str, ...], description: str, build: Build, **options):
        return checkpoint_case(family, case_id, requirements, description, VALID, build, **options)

    def dtype_case(case_id: str, dtype: torch.dtype, description: str) -> CheckpointCase:
        tensors = _dtype_tensors(dtype)
        build = _single_file(lambda f: f.single_file, lambda f: tensors(), give_file=True)
        return valid(case_id, ("ST-LOAD-001",), description, build, tensors=tensors)

    total = family.total_size
    plain = family.name == PLAIN_FAMILY
    return (
        valid(
            "valid-sharded-checkpoint",
            ("SHARD-LOAD-002", "SHARD-LOAD-003"),
            f"{len(family.specs)} tensors in four shards with their index, loaded from the directory.",
            write_baseline,
        ),
        # About the path a loader is given; loading into a model is given the checkpoint's folder.
        *(
            (
                valid(
                    "valid-sharded-checkpoint-by-index-file",
                    ("SHARD-LOAD-010", "SHARD-INDEX-001"),
                    "The four-shard checkpoint, loaded from the path of its index file.",
                    _build_by_index_file,
                    into_model=False,
                ),
                valid(
                    "valid-single-file",
                    ("ST-LOAD-001",),
                    "One model.safetensors file, loaded from its path.",
                    _single_file(lambda f: f.single_file, give_file=True),
                    into_model=False,
                ),
            )
            if plain
            else ()
        ),
        valid(
            "valid-single-file-in-a-directory",
            ("SHARD-LOAD-009",),
            f"A directory holding only {family.single_file}, loaded from the directory.",
            _single_file(lambda f: f.single_file, give_file=False),
        ),
        valid(
            "valid-model-file-beside-another-safetensors-file",
            ("SHARD-LOAD-009",),
            f"A directory holding {family.single_file} and {family.stem}.fp16.safetensors loads "
            f"{family.single_file}.",
            _build_model_file_beside_another,
        ),
        # A weights file name that is not the family's own: a family's loader looks up its own.
        *(
            (
                valid(
                    "valid-only-safetensors-file-in-a-directory",
                    ("SHARD-LOAD-009",),
                    "A directory whose only weights file is diffusion_pytorch_model.safetensors loads it.",
                    _single_file(lambda f: "diffusion_pytorch_model.safetensors", give_file=False),
                ),
            )
            if plain
            else ()
        ),
        # Tied names need a model with ties that the checkpoint drops; the bert and unet models of
        # the other families have none. Other dtypes than their F32, which their loaders would cast.
        *(
            (
                valid(
                    "valid-shared-tensors-tied-back",
                    ("SHARD-LOAD-005", "SHARD-SAVE-008"),
                    "A checkpoint saved without head.weight, recorded as tied to embed.weight, loads both names.",
                    _build_tied,
                    tensors=_tied_tensors,
                ),
                dtype_case(
                    "valid-f16-tensors",
                    torch.float16,
                    "F16 tensors load as torch.float16 with their exact bits.",
                ),
                dtype_case(
                    "valid-bf16-tensors",
                    torch.bfloat16,
                    "BF16 tensors load as torch.bfloat16 with their exact bits.",
                ),
                dtype_case(
                    "valid-f8-e4m3-tensors",
                    torch.float8_e4m3fn,
                    "F8_E4M3 tensors load as torch.float8_e4m3fn with their exact bits.",
                ),
            )
            if plain
            else ()
        ),
        valid(
            "valid-shard-without-metadata",
            ("SHARD-LOAD-008",),
            "The third shard's header has no __metadata__, so no format key, which SHARD-LOAD-008 allows.",
            changed_baseline(_shard_3_metadata({})),
        ),
        valid(
            "valid-shard-metadata-without-format",
            ("SHARD-LOAD-008",),
            "The third shard's metadata holds a producer key but no format key, which SHARD-LOAD-008 allows.",
            changed_baseline(_shard_3_metadata({"producer": "weightspec conformance"})),
        ),
        valid(
            "valid-shards-under-side-names",
            ("SHARD-SAVE-015",),
            "Every shard under its side name (model-00001-of-00004.previous.safetensors), as the index names"
            " them: what a replacing save leaves when killed.",
            changed_baseline(_shards_under_side_names),
        ),
        valid(
            "valid-shard-linked-inside-the-directory",
            ("SHARD-LOAD-001",),
            "The second shard is a relative symbolic link to a file inside the checkpoint directory.",
            changed_baseline(_shard_2_linked_inside),
        ),
        valid(
            "valid-total-size-below-the-shards",
            ("SHARD-INDEX-003",),
            f"The index's total_size is {total - TOTAL_SIZE_SHORTFALL}, less than the {total} bytes of the "
            "shards, which SHARD-INDEX-003 allows.",
            changed_baseline(set_total_size(total - TOTAL_SIZE_SHORTFALL)),
        ),
        # About the path a loader is given: the pickle file's own (the next case is its folder's).
        *(
            (
                valid(
                    "valid-pickle-file",
                    ("SHARD-PICKLE-001",),
                    "A pickle of a dict of tensors loads with safe=False and the default weights_only=True.",
                    pickled(Family.tensors),
                    safe=False,
                    validated=False,
                    into_model=False,
                ),
            )
            if plain
            else ()
        ),
        valid(
            "valid-pickle-in-a-directory",
            ("SHARD-LOAD-009",),
            f"A directory holding only {family.pickle_file} loads it with safe=False.",
            _pickle_in_directory,
            safe=False,
            validated=False,
        ),
        valid(
            "valid-pickle-needing-weights-only-false",
            ("SHARD-PICKLE-001",),
            "A pickle of a defaultdict of tensors loads with safe=False and weights_only=False.",
            pickled(lambda f: defaultdict_of(f.tensors())),
            safe=False,
            weights_only=False,
            validated=False,
        ),
    )
