"""One weights file of a checkpoint: what it holds (without its data), and its tensors.

A weights file is read as safetensors when the caller asked for safe loading (whatever its
name, SHARD-PICKLE-002) or when its name ends in ``.safetensors``; otherwise it is a pickle
read by ``torch.load``, with the weights-only unpickler unless the caller passed
``weights_only=False`` (SHARD-PICKLE-001).

``list_weights_file`` reads only a safetensors header, or unpickles a pickle onto the meta
device (no tensor data is read); it raises for every problem a loader must refuse.
``read_weights_file`` then reads the tensors onto the caller's device (SHARD-LOAD-007).
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import safetensors.torch
import torch

from ..errors import CorruptedCheckpointError, InvalidArgumentError, SafetensorsError
from ..safetensors.header import read_safetensors_header
from ..safetensors.torch_dtypes import torch_dtypes_and_shapes
from .checkpoint_names import is_safetensors_name
from .shard_checks import ShardListing, format_finding

logger = logging.getLogger(__name__)

# What ``torch.load`` accepts; safetensors files take only a device (see ``_safetensors_device``).
MapLocation = str | torch.device | int | dict | Callable | None


def reads_as_safetensors(path: str | os.PathLike, *, safe: bool) -> bool:
    """Whether ``path`` is read as safetensors: always when ``safe``, else when its name says so."""
    return safe or is_safetensors_name(path)


def list_weights_file(path: Path, *, safe: bool, weights_only: bool) -> ShardListing:
    """The tensor names, metadata and data size of the weights file at ``path``, without its data.

    Raises ``SafetensorsError`` for a safetensors file that breaks a reader rule (or
    ``InvalidArgumentError`` SHARD-PICKLE-002 when ``safe`` made a file not named
    ``.safetensors`` be read as one), ``UnsupportedDtypeError`` for a tensor torch cannot hold
    (ST-LOAD-001), and ``CorruptedCheckpointError`` for a format torch cannot load
    (SHARD-LOAD-008) and, for pickles, SHARD-PICKLE-001 (refused by the weights-only unpickler)
    or SHARD-PICKLE-003 (not a dict of tensors).
    """
    if not reads_as_safetensors(path, safe=safe):
        return _list_pickle(path, weights_only=weights_only)
    try:
        header = read_safetensors_header(path)
    except SafetensorsError as error:
        if is_safetensors_name(path):
            raise
        raise InvalidArgumentError(
            f"cannot be read as safetensors ({error.message}); with safe=True nothing is unpickled: "
            "pass safe=False to load a pickle you trust",
            requirement="SHARD-PICKLE-002",
            path=path,
        ) from error
    # The shapes torch will give the tensors (F4 halves the last dimension), as the model compares them.
    loaded_as = torch_dtypes_and_shapes(header, path=str(path))
    shapes = {name: shape for name, (_dtype, shape) in loaded_as.items()}
    listing = ShardListing(path, shapes, header.metadata, header.data_length)
    finding = format_finding(listing)
    if finding is not None:
        raise CorruptedCheckpointError.from_finding(finding)
    return listing


def read_weights_file(
    path: Path, *, safe: bool, map_location: MapLocation, weights_only: bool, mmap: bool
) -> dict[str, torch.Tensor] | Any:
    """The contents of the weights file at ``path``, placed by ``map_location`` (SHARD-LOAD-007).

    Safetensors files give a dict of tensors (``mmap`` has no effect: safetensors maps files
    itself); pickles whatever ``torch.load`` returns. Call ``list_weights_file`` first: this
    function does not check the file again.
    """
    if reads_as_safetensors(path, safe=safe):
        return safetensors.torch.load_file(path, device=_safetensors_device(map_location, path))
    if not weights_only:
        logger.warning(
            "Loading %s with weights_only=False: unpickling runs arbitrary code; only do it for files you trust.",
            path,
        )
    return _torch_load(path, map_location=map_location, weights_only=weights_only, mmap=mmap)


def _list_pickle(path: Path, *, weights_only: bool) -> ShardListing:
    contents = _torch_load(path, map_location="meta", weights_only=weights_only, mmap=False)
    if not isinstance(contents, dict) or not all(
        isinstance(name, str) and isinstance(value, torch.Tensor) for name, value in contents.items()
    ):
        raise CorruptedCheckpointError(
            f"holds a {type(contents).__name__} that is not a dict from names to tensors; it cannot be "
            "loaded into a model",
            requirement="SHARD-PICKLE-003",
            path=path,
        )
    return ShardListing(path, {name: tuple(tensor.shape) for name, tensor in contents.items()}, {}, None)


def _torch_load(path: Path, *, map_location: MapLocation, weights_only: bool, mmap: bool) -> Any:
    """``torch.load``, with its errors for unreadable or refused pickles as ``CorruptedCheckpointError``."""
    try:
        return torch.load(path, map_location=map_location, weights_only=weights_only, mmap=mmap)
    except pickle.UnpicklingError as error:
        if weights_only:
            raise CorruptedCheckpointError(
                f"refused by torch's weights-only unpickler: {error}. Pass weights_only=False only for "
                "files you trust: unpickling runs arbitrary code",
                requirement="SHARD-PICKLE-001",
                path=path,
            ) from error
        raise CorruptedCheckpointError(
            f"is not a readable pickle: {error}", requirement="SHARD-PICKLE-003", path=path
        ) from error
    except (RuntimeError, EOFError) as error:
        raise CorruptedCheckpointError(
            f"cannot be read by torch.load: {error}", requirement="SHARD-PICKLE-003", path=path
        ) from error


def _safetensors_device(map_location: MapLocation, path: Path) -> str | int:
    """The ``device`` argument of ``safetensors.torch.load_file`` for ``map_location``.

    Device indices are kept (``cuda:1`` stays ``cuda:1``; SHARD-LOAD-007). The meta device
    falls back to the CPU, as in huggingface_hub, since safetensors cannot load onto it. A dict
    or a function (which ``torch.load`` accepts) cannot be applied to safetensors files.
    """
    if map_location is None:
        return "cpu"
    if isinstance(map_location, int) and not isinstance(map_location, bool):
        return map_location
    if isinstance(map_location, (str, torch.device)):
        try:
            device = torch.device(map_location)
        except RuntimeError as error:
            raise InvalidArgumentError(
                f"map_location {map_location!r} is not a device: {error}",
                requirement="SHARD-LOAD-007",
                path=path,
            ) from error
        if device.type == "meta":
            logger.warning("safetensors cannot load onto the meta device; loading %s onto the CPU.", path)
            return "cpu"
        return str(device)
    raise InvalidArgumentError(
        f"map_location of type {type(map_location).__name__} cannot be applied to a safetensors file: "
        "pass a device (a string, torch.device or index)",
        requirement="SHARD-LOAD-007",
        path=path,
    )
