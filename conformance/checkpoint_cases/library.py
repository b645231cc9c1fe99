"""The checkpoint case library: every case of every model family, by id, and its export for
implementations in any language.

Each family (``families``) has its own cases, built from the same recipes; an id means the same
case in every family that has it. ``all_checkpoint_cases()`` lists the plain family's.

``export_checkpoint_cases(directory)`` writes one folder per case, ``<id>/`` for the plain family
and ``<family>/<id>/`` for the others (the case's ``build``, symbolic links included, as relative
links, and the family's ``config.json``), and ``checkpoint-manifest.json``, a list of one object
per case::

    {"id", "family": its model family (one of harness.adapter.FAMILIES),
     "path": the path to load, relative to the export (the case folder, an index or a file),
     "into_model": whether checkpoint-load-into-model loads the folder holding "path" (and its
                   config.json) for this case,
     "requirements", "description",
     "expected": the verdict of a load, and of a validator where "validated"
                 ({"verdict", "requirement", "scope"}),
     "validated": whether validators judge the case (false for pickle checkpoints),
     "options": {"safe", "weights_only", "strict": true},
     "file", "entry": what a strict refusal names (null where nothing),
     "tensors": [{"name", "dtype" (safetensors name), "shape", "sha256"}]}

``tensors`` is the model the checkpoint is loaded into; for a valid case ``sha256`` is the
digest of the bytes each tensor must hold after the load, for a rejected case null.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from ..harness.adapter import FAMILIES, PLAIN_FAMILY
from ..tensor_bytes import tensor_sha256
from ..torch_models import SAFETENSORS_DTYPES
from . import index, loading, pickles, valid
from .case import CheckpointCase
from .families import family_named

CHECKPOINT_MANIFEST = "checkpoint-manifest.json"


@functools.cache
def _registry(family_name: str) -> dict[str, CheckpointCase]:
    family = family_named(family_name)
    registry: dict[str, CheckpointCase] = {}
    for module in (index, loading, pickles, valid):
        for case in module.cases(family):
            if case.id in registry:
                raise ValueError(f"two checkpoint cases of family {family_name!r} share the id {case.id!r}")
            registry[case.id] = case
    return registry


def all_checkpoint_cases() -> list[CheckpointCase]:
    """Every checkpoint case of the plain family, in a stable order (by spec section, valid cases last)."""
    return checkpoint_cases_for(PLAIN_FAMILY)


def checkpoint_cases_for(family_name: str) -> list[CheckpointCase]:
    """Every checkpoint case of the family ``family_name``, in the same order as
    ``all_checkpoint_cases``; ValueError for a name not in ``FAMILIES``."""
    return list(_registry(family_name).values())


def checkpoint_case_by_id(case_id: str, *, family: str = PLAIN_FAMILY) -> CheckpointCase:
    """The case ``case_id`` of ``family``; KeyError when that family has none, ValueError for a
    family not in ``FAMILIES``."""
    try:
        return _registry(family)[case_id]
    except KeyError:
        raise KeyError(f"no checkpoint case {case_id!r} for the {family} family") from None


def export_checkpoint_cases(directory: str | Path, cases: list[CheckpointCase] | None = None) -> Path:
    """Write a folder for each case (default: every family's) and the manifest into ``directory``;
    return the manifest's path. Raises ValueError when a case's folder already exists and is not
    empty."""
    directory = Path(directory)
    if cases is None:
        cases = [case for family in FAMILIES for case in checkpoint_cases_for(family)]
    manifest = []
    for case in cases:
        folder = directory / case.id if case.family == PLAIN_FAMILY else directory / case.family / case.id
        if folder.exists() and any(folder.iterdir()):
            raise ValueError(f"{folder}: not empty; export the checkpoint cases into an empty directory")
        folder.mkdir(parents=True, exist_ok=True)
        loaded = case.build(folder)
        manifest.append(_manifest_item(case, loaded.relative_to(directory).as_posix()))
    path = directory / CHECKPOINT_MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _manifest_item(case: CheckpointCase, path: str) -> dict:
    return {
        "id": case.id,
        "family": case.family,
        "path": path,
        "into_model": case.into_model,
        "requirements": list(case.requirements),
        "description": case.description,
        "expected": case.expected.to_json(),
        "validated": case.validated,
        "options": {"safe": case.safe, "weights_only": case.weights_only, "strict": True},
        "file": case.file,
        "entry": case.entry,
        "tensors": [
            {
                "name": name,
                "dtype": SAFETENSORS_DTYPES[tensor.dtype],
                "shape": list(tensor.shape),
                "sha256": tensor_sha256(tensor) if case.expected.is_valid else None,
            }
            for name, tensor in case.tensors().items()
        ],
    }
