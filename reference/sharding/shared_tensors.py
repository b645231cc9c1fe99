"""Tensors that share storage: the names a save drops and a load ties back.

safetensors stores every tensor's bytes once and has no aliases, so of the names of one
storage (tied weights, views) only one is saved (SHARD-SAVE-001); the others are recorded in
the metadata as ``dropped name: kept name`` (SHARD-SAVE-008) and tied back on load
(SHARD-LOAD-005). The choice of name follows huggingface_hub's ``_remove_duplicate_names``
(itself safetensors'), so that both pick the same name for the same state dict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import torch

from ..errors import InvalidArgumentError
from .torch_storage import get_torch_storage_id


def dropped_shared_names(
    state_dict: Mapping[str, torch.Tensor], *, discard_names: Iterable[str] | None = None
) -> dict[str, str]:
    """``{dropped name: kept name}`` for every name that shares its bytes with a name kept.

    Names are grouped by storage, and a group is the names whose byte ranges overlap (views of
    disjoint parts of one storage are saved separately). In each group of two or more names,
    the name kept is the alphabetically first of those whose tensor covers the whole storage,
    preferring names not in ``discard_names``. Meta tensors and empty storages share nothing.
    Raises ``InvalidArgumentError`` (SHARD-SAVE-001) for a group in which no tensor covers the whole
    storage: saving any one of them would lose the others' bytes.
    """
    discard = set(discard_names or ())
    dropped: dict[str, str] = {}
    for group in _overlapping_groups(state_dict):
        complete = sorted(name for name in group if covers_storage(state_dict[name]))
        if not complete:
            raise InvalidArgumentError(
                f"tensors {sorted(group)} share storage but none of them covers all of it, so no "
                "single one can be saved in place of the others; save clones instead",
                requirement="SHARD-SAVE-001",
                entry=min(group),
            )
        preferred = [name for name in complete if name not in discard]
        kept = (preferred or complete)[0]
        dropped.update((name, kept) for name in sorted(group) if name != kept)
    return dropped


def covers_storage(tensor: torch.Tensor) -> bool:
    """Whether ``tensor`` starts at its storage's start and spans all of its bytes."""
    storage = tensor.untyped_storage()
    return tensor.data_ptr() == storage.data_ptr() and tensor.nbytes == storage.nbytes()


def names_to_tie(
    metadata: Mapping[str, object],
    checkpoint_shapes: Mapping[str, tuple[int, ...]],
    wanted_shapes: Mapping[str, tuple[int, ...]],
) -> dict[str, str]:
    """``{dropped name: kept name}`` for the metadata entries that record a dropped shared name.

    ``checkpoint_shapes`` are the shapes of the checkpoint's tensors, ``wanted_shapes`` those
    the caller wants (a model's state dict). An entry counts only when its key is a wanted name
    absent from the checkpoint and its value a checkpoint tensor of the wanted shape, so
    ordinary metadata such as ``{"format": "pt"}`` is never mistaken for a record, and a name
    that was a partial view of the one kept is left missing rather than loaded with the wrong
    shape.
    """
    return {
        dropped: kept
        for dropped, kept in metadata.items()
        if dropped in wanted_shapes
        and dropped not in checkpoint_shapes
        and isinstance(kept, str)
        and checkpoint_shapes.get(kept) == wanted_shapes[dropped]
    }


def _overlapping_groups(state_dict: Mapping[str, torch.Tensor]) -> list[set[str]]:
    """The groups of two or more names whose tensors' byte ranges overlap in one storage."""
    by_storage: dict[object, list[str]] = defaultdict(list)
    for name, tensor in state_dict.items():
        storage_id = get_torch_storage_id(tensor)
        if storage_id is not None and storage_id[2] != 0:  # (device, id, size); None for meta
            by_storage[storage_id].append(name)
    groups = []
    for names in by_storage.values():
        if len(names) > 1:
            groups.extend(group for group in _split_disjoint(names, state_dict) if len(group) > 1)
    return groups


def _split_disjoint(names: list[str], state_dict: Mapping[str, torch.Tensor]) -> list[set[str]]:
    """Split the names of one storage into runs of overlapping byte ranges."""
    areas = sorted((state_dict[name].data_ptr(), _end_address(state_dict[name]), name) for name in names)
    groups: list[set[str]] = []
    last_stop = None
    for start, stop, name in areas:
        if last_stop is None or start >= last_stop:
            groups.append({name})
        else:
            groups[-1].add(name)
        last_stop = stop
    return groups


def _end_address(tensor: torch.Tensor) -> int:
    """The address just past the tensor's last element (its start when it has no elements)."""
    if tensor.numel() == 0:
        return tensor.data_ptr()
    last = sum((size - 1) * stride for size, stride in zip(tensor.shape, tensor.stride(), strict=True))
    return tensor.data_ptr() + (last + 1) * tensor.element_size()
