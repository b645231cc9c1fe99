"""What a state dict holds, recorded before a call, to tell whether the call changed it.

Splitting and saving only read the caller's state dict (SHARD-SPLIT-008, SHARD-SAVE-006): its
keys, their order, the very tensor objects and their contents must be the same afterwards.
``snapshot(state_dict)`` records all of that; ``changes(snapshot, state_dict)`` says in one
sentence what differs now, or returns None. Contents are compared by raw bytes
(``tensor_bytes.raw_bytes``), so NaNs and every bit pattern count.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .tensor_bytes import raw_bytes


@dataclass(frozen=True)
class Snapshot:
    values: list[tuple[str, object]]  # (key, the value object itself), in key order
    contents: dict[str, object]  # key -> (dtype, shape, bytes or None for meta), or the string itself


def snapshot(state_dict: dict[str, object]) -> Snapshot:
    """Record ``state_dict``'s keys, value objects and contents."""
    return Snapshot(list(state_dict.items()), {key: _content(value) for key, value in state_dict.items()})


def changes(before: Snapshot, state_dict: dict[str, object]) -> str | None:
    """What differs between ``before`` and ``state_dict`` now, or None when nothing does."""
    keys_before, keys_now = [key for key, _ in before.values], list(state_dict)
    if keys_now != keys_before:
        if sorted(keys_now) == sorted(keys_before):
            return f"the state dict's keys were reordered: {keys_now}, before {keys_before}"
        missing = [key for key in keys_before if key not in state_dict]
        added = [key for key in keys_now if key not in before.contents]
        return f"the state dict was changed: keys removed {missing}, keys added {added}"
    for key, value in before.values:
        if state_dict[key] is not value:
            return f"the value of {key!r} was replaced by another object"
        if _content(value) != before.contents[key]:
            return f"the value of {key!r} was modified in place"
    return None


def _content(value: object) -> object:
    if isinstance(value, torch.Tensor):
        return (value.dtype, tuple(value.shape), None if value.is_meta else raw_bytes(value))
    return value
