"""Loading a checkpoint into a torch model: huggingface_hub's ``load_torch_model`` API, checked first.

Same names, arguments and defaults as ``huggingface_hub.load_torch_model`` and
``load_state_dict_from_file``. What differs is that everything that can be checked from the
index and the shards' headers is checked before the model is changed (spec/sharding.md,
sections 5-6):

1. locate the checkpoint and read its index (SHARD-LOAD-009, SHARD-INDEX-001..006, SHARD-LOAD-001);
2. list every weights file without reading tensor data (safetensors rules, SHARD-LOAD-008,
   SHARD-PICKLE-001..003) and check them against the index (SHARD-LOAD-002, 003, SHARD-INDEX-003);
3. tie back the names dropped as shared (SHARD-LOAD-005) and, with ``strict=True``, compare the
   keys with the model's (SHARD-LOAD-006);
4. load the files one at a time in sorted order (SHARD-LOAD-004) onto ``map_location``
   (SHARD-LOAD-007), each with ``model.load_state_dict(strict=False)`` and released before the
   next, so that peak memory is the model plus its largest shard.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from ..errors import CorruptedCheckpointError, StrictLoadError
from .checkpoint_files import CheckpointFiles, locate_checkpoint
from .shard_checks import ShardListing, index_consistency_findings
from .shared_tensors import names_to_tie
from .weights_files import MapLocation, list_weights_file, read_weights_file, reads_as_safetensors


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """The keys of the model the checkpoint lacks, and the keys of the checkpoint the model lacks.

    As returned by ``torch.nn.Module.load_state_dict`` and huggingface_hub; both lists are sorted.
    """

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def load_torch_model(
    model: torch.nn.Module,
    checkpoint_path: str | os.PathLike,
    *,
    strict: bool = False,
    safe: bool = True,
    weights_only: bool = True,
    map_location: MapLocation = None,
    mmap: bool = False,
    filename_pattern: str | None = None,
) -> IncompatibleKeys:
    """Load the checkpoint at ``checkpoint_path`` (a weights file or a directory) into ``model``,
    shard by shard in sorted order of their names (SHARD-LOAD-004).

    A directory holds a sharded checkpoint (the index named by ``filename_pattern``, default
    ``model{suffix}.safetensors``) or a single weights file (see ``checkpoint_files``). With
    ``safe=True`` every file is read as safetensors and nothing is unpickled; with
    ``safe=False`` pickles (``.bin``) are allowed, read by ``torch.load(weights_only=...,
    mmap=...)``. ``map_location`` places every tensor, keeping device indices.

    Returns the missing and unexpected keys. Raises FileNotFoundError when the path does not
    exist; ``CorruptedCheckpointError`` or ``SafetensorsError`` naming the file, the tensor and
    the requirement for a checkpoint that breaks the spec; ``UnsupportedDtypeError`` for a
    tensor torch cannot hold (ST-LOAD-001); ``InvalidArgumentError`` for an argument the spec
    refuses (SHARD-PICKLE-002, SHARD-LOAD-007, SHARD-NAME-*); and, with ``strict=True``,
    ``StrictLoadError`` (a ``RuntimeError``, as torch raises) when the keys differ
    (SHARD-LOAD-006). All but ``StrictLoadError`` are ``ValueError``s, and all of them are
    raised before the model is changed.
    """
    checkpoint = locate_checkpoint(Path(checkpoint_path), safe=safe, filename_pattern=filename_pattern)
    listings = _checked_listings(checkpoint, safe=safe, weights_only=weights_only)
    checkpoint_shapes = {name: shape for listing in listings for name, shape in listing.tensors.items()}
    model_shapes = {name: tuple(getattr(value, "shape", ())) for name, value in model.state_dict().items()}
    ties = names_to_tie(_recorded_metadata(checkpoint, listings), checkpoint_shapes, model_shapes)
    model_keys = set(model_shapes)
    loaded_keys = checkpoint_shapes.keys() | ties.keys()
    if strict:
        _check_keys(model, model_keys, loaded_keys, checkpoint_path)

    for path in checkpoint.files:
        state_dict = read_weights_file(
            path, safe=safe, map_location=map_location, weights_only=weights_only, mmap=mmap
        )
        state_dict.update({dropped: state_dict[kept] for dropped, kept in ties.items() if kept in state_dict})
        model.load_state_dict(state_dict, strict=False)
        del state_dict  # released before the next shard is read
    return IncompatibleKeys(sorted(model_keys - loaded_keys), sorted(loaded_keys - model_keys))


def load_state_dict_from_file(
    checkpoint_file: str | os.PathLike,
    map_location: MapLocation = None,
    weights_only: bool = True,
    mmap: bool = False,
    *,
    safe: bool = True,
) -> dict[str, torch.Tensor] | Any:
    """The contents of one weights file: a dict of tensors for safetensors, any object for a pickle.

    With ``safe=True`` (the default) the file is read as safetensors whatever its name; with
    ``safe=False`` a file not named ``.safetensors`` is read by ``torch.load(weights_only=...,
    mmap=...)``. Raises FileNotFoundError when the file does not exist, ``SafetensorsError``
    for a safetensors file breaking a reader rule, ``UnsupportedDtypeError`` for a tensor torch
    cannot hold (ST-LOAD-001), ``InvalidArgumentError`` for a request the spec refuses
    (SHARD-PICKLE-002, SHARD-LOAD-007) and ``CorruptedCheckpointError`` for a file it refuses
    (SHARD-PICKLE-001, 003, SHARD-LOAD-008).
    """
    path = Path(checkpoint_file)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    if reads_as_safetensors(path, safe=safe):
        list_weights_file(path, safe=safe, weights_only=weights_only)  # checks header and format
    return read_weights_file(path, safe=safe, map_location=map_location, weights_only=weights_only, mmap=mmap)


def _checked_listings(checkpoint: CheckpointFiles, *, safe: bool, weights_only: bool) -> list[ShardListing]:
    """Every weights file listed (its own rules checked), then checked against the index (step 2)."""
    listings = {
        path.name: list_weights_file(path, safe=safe, weights_only=weights_only) for path in checkpoint.files
    }
    if checkpoint.index is not None:
        findings = index_consistency_findings(checkpoint.index, listings)
        if findings:
            raise CorruptedCheckpointError.from_finding(findings[0])
    return list(listings.values())


def _recorded_metadata(checkpoint: CheckpointFiles, listings: list[ShardListing]) -> dict[str, Any]:
    """The index's metadata and every file's: where savers record the names dropped as shared
    (SHARD-SAVE-008), read back to tie them (SHARD-LOAD-005)."""
    metadata: dict[str, Any] = dict(checkpoint.index.metadata) if checkpoint.index is not None else {}
    for listing in listings:
        metadata.update(listing.metadata)
    return metadata


def _check_keys(
    model: torch.nn.Module, model_keys: set[str], loaded_keys: set[str], checkpoint_path: str | os.PathLike
) -> None:
    """SHARD-LOAD-006: with ``strict=True``, refuse differing keys before the model is changed."""
    missing, unexpected = model_keys - loaded_keys, loaded_keys - model_keys
    if not missing and not unexpected:
        return
    message = f"Error(s) in loading state_dict for {type(model).__name__}"
    if missing:
        message += f"\nMissing key(s): {_quoted(missing)}."
    if unexpected:
        message += f"\nUnexpected key(s): {_quoted(unexpected)}."
    raise StrictLoadError(
        message + "\nThe model was not changed.",
        missing_keys=missing,
        unexpected_keys=unexpected,
        requirement="SHARD-LOAD-006",
        path=checkpoint_path,
    )


def _quoted(keys: Iterable[str]) -> str:
    return ", ".join(f'"{key}"' for key in sorted(keys))
