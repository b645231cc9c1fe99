"""Checkpoint cases of pickle weights files (``pytorch_model.bin``) that a loader must refuse.

A pickle file is written by ``torch.save`` under the family's pickle file name, and the case
loads that file (``checkpoint-load-into-model`` loads the folder holding it, where it is the
only weights file). ``defaultdict_of`` gives a state dict that torch's weights-only unpickler
refuses (``collections.defaultdict`` is not on its allow-list) although it is a dict from names
to tensors, so loading it needs ``weights_only=False``. Validators never unpickle, so these
cases are not validated. Every case but one about the path given is built for every family.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from pathlib import Path

import torch

from ..cases import rejected_by_loader
from ..harness.adapter import PLAIN_FAMILY
from .baseline import CHECKPOINT_FOLDER, Build, checkpoint_case
from .case import CheckpointCase
from .families import Family


def defaultdict_of(tensors: dict[str, torch.Tensor]) -> collections.defaultdict:
    return collections.defaultdict(list, tensors)


def pickled(contents: Callable[[Family], object]) -> Build:
    """A build: ``contents(family)`` saved by ``torch.save`` as the family's pickle file; the file is loaded."""

    def build(family: Family, directory: Path) -> Path:
        path = directory / family.pickle_file
        torch.save(contents(family), path)
        return path

    return build


def _build_pickle_folder(family: Family, directory: Path) -> Path:
    (directory / CHECKPOINT_FOLDER).mkdir()
    return pickled(Family.tensors)(family, directory / CHECKPOINT_FOLDER).parent


def cases(family: Family) -> tuple[CheckpointCase, ...]:
    """The rejected pickle cases of ``family``."""

    def pickle_case(
        case_id: str,
        requirement: str,
        description: str,
        contents: Callable[[Family], object],
        **options: bool,
    ) -> CheckpointCase:
        return checkpoint_case(
            family,
            case_id,
            (requirement,),
            description,
            rejected_by_loader(requirement),
            pickled(contents),
            validated=False,
            file=family.pickle_file,
            **options,
        )

    return (
        pickle_case(
            "pickle-refused-by-the-weights-only-unpickler",
            "SHARD-PICKLE-001",
            "A pickle holding a defaultdict of tensors is loaded with safe=False and the default "
            "weights_only=True.",
            lambda f: defaultdict_of(f.tensors()),
            safe=False,
        ),
        # About the path a loader is given: a pickle file's own. Its folder, where the pickle is
        # not a candidate with safe=True, is the next case.
        *(
            (
                pickle_case(
                    "pickle-loaded-with-safe-true",
                    "SHARD-PICKLE-002",
                    "A pickle holding a dict of tensors is loaded with the default safe=True.",
                    Family.tensors,
                    into_model=False,
                ),
            )
            if family.name == PLAIN_FAMILY
            else ()
        ),
        checkpoint_case(
            family,
            "pickle-only-directory-loaded-with-safe-true",
            ("SHARD-LOAD-009", "SHARD-PICKLE-002"),
            f"A directory holding only {family.pickle_file} is loaded with the default safe=True, "
            "which allows no pickle.",
            rejected_by_loader("SHARD-LOAD-009"),
            _build_pickle_folder,
            validated=False,
            file=CHECKPOINT_FOLDER,
        ),
        pickle_case(
            "pickle-holding-a-list",
            "SHARD-PICKLE-003",
            "A pickle holds a list of tensors instead of a dict from names to tensors.",
            lambda f: list(f.tensors().values()),
            safe=False,
        ),
    )
