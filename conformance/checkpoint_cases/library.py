"""The checkpoint case library: every case, by id, and its export for implementations in any language.

``export_checkpoint_cases(directory)`` writes one folder ``<id>/`` per case (the case's
``build``, symbolic links included, as relative links) and ``checkpoint-manifest.json``, a list
of one object per case::

    {"id", "path": the path to load, relative to the export (the case folder, an index or a file),
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

from ..tensor_bytes import tensor_sha256
from ..torch_models import SAFETENSORS_DTYPES
from . import index, loading, pickles, valid
from .case import CheckpointCase

CHECKPOINT_MANIFEST = "checkpoint-manifest.json"


@functools.cache
def _registry() -> dict[str, CheckpointCase]:
    registry: dict[str, CheckpointCase] = {}
    for case in (*index.CASES, *loading.CASES, *pickles.CASES, *valid.CASES):
        if case.id in registry:
            raise ValueError(f"two checkpoint cases share the id {case.id!r}")
        registry[case.id] = case
    return registry


def all_checkpoint_cases() -> list[CheckpointCase]:
    """Every checkpoint case, in a stable order (by spec section, valid cases last)."""
    return list(_registry().values())


def checkpoint_case_by_id(case_id: str) -> CheckpointCase:
    try:
        return _registry()[case_id]
    except KeyError:
        raise KeyError(f"no checkpoint case {case_id!r}") from None


def export_checkpoint_cases(directory: str | Path, cases: list[CheckpointCase] | None = None) -> Path:
    """Write ``<id>/`` for each case (default: all) and the manifest into ``directory``; return the
    manifest's path. Raises ValueError when a case's folder already exists and is not empty."""
    directory = Path(directory)
    manifest = []
    for case in all_checkpoint_cases() if cases is None else cases:
        folder = directory / case.id
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
        "path": path,
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
