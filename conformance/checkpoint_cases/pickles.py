"""Checkpoint cases of pickle weights files (``pytorch_model.bin``) that a loader must refuse.

A pickle file is written by ``torch.save``. ``defaultdict_of`` gives a state dict that torch's
weights-only unpickler refuses (``collections.defaultdict`` is not on its allow-list) although it
is a dict from names to tensors, so loading it needs ``weights_only=False``. Validators never
unpickle, so these cases are not validated.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from pathlib import Path

import torch

from ..cases import rejected_by_loader
from .baseline import PICKLE_FILE, baseline_tensors
from .case import CheckpointCase


def defaultdict_of(tensors: dict[str, torch.Tensor]) -> collections.defaultdict:
    return collections.defaultdict(list, tensors)


def pickled(contents: Callable[[], object]) -> Callable[[Path], Path]:
    """A build: ``contents()`` saved by ``torch.save`` as ``pytorch_model.bin``; the file is loaded."""

    def build(directory: Path) -> Path:
        path = directory / PICKLE_FILE
        torch.save(contents(), path)
        return path

    return build


def _pickle_case(
    case_id: str, requirement: str, description: str, contents: Callable[[], object], **options: bool
) -> CheckpointCase:
    return CheckpointCase(
        case_id,
        (requirement,),
        description,
        rejected_by_loader(requirement),
        pickled(contents),
        baseline_tensors,
        validated=False,
        file=PICKLE_FILE,
        **options,
    )


CASES = (
    _pickle_case(
        "pickle-refused-by-the-weights-only-unpickler",
        "SHARD-PICKLE-001",
        "A pickle holding a defaultdict of tensors is loaded with safe=False and the default weights_only=True.",
        lambda: defaultdict_of(baseline_tensors()),
        safe=False,
    ),
    _pickle_case(
        "pickle-loaded-with-safe-true",
        "SHARD-PICKLE-002",
        "A pickle holding a dict of tensors is loaded with the default safe=True.",
        baseline_tensors,
    ),
    _pickle_case(
        "pickle-holding-a-list",
        "SHARD-PICKLE-003",
        "A pickle holds a list of tensors instead of a dict from names to tensors.",
        lambda: list(baseline_tensors().values()),
        safe=False,
    ),
)
