"""Splitting a state dict into shards: framework-free (spec/sharding.md, sections 1 and 2).

``split_state_dict_into_shards_factory`` is huggingface_hub's function of the same name, with
the same signature and the same result on the same input, in linear time: every tensor is
looked at once, and the names that share a storage are attached to the shard of its first name
through a dict, not by searching the shards. ``split_state_dict`` is the same split driven by
one callback that answers "which storage, how many bytes" in one call, which lets the torch
front end (``torch_split``) look each tensor's storage up once.

The split itself (``_assign_to_shards``) follows SHARD-SPLIT-001 to 006; the shard file names
(``_name_shards``) SHARD-NAME-001 and 003; ``check_filename_pattern`` SHARD-NAME-002 and 005;
the size limit ``parse_size_to_int`` (sizes.py) SHARD-SIZE-001 to 004.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from weightspec import spec

from ..errors import InvalidArgumentError
from .sizes import MAX_SHARD_SIZE, parse_size_to_int

TensorT = TypeVar("TensorT")
TensorSizeFn_T = Callable[[TensorT], int]
StorageIDFn_T = Callable[[TensorT], Any | None]
StorageFn_T = Callable[[TensorT], tuple[Any | None, int]]


@dataclass
class StateDictSplit:
    """Which tensor goes to which file (the same class as huggingface_hub's).

    ``filename_to_tensors`` maps each file name to its tensor names, files in shard order;
    ``tensor_to_filename`` is its inverse (the index's ``weight_map``); ``metadata`` is
    ``{"total_size": bytes}``; ``is_sharded`` is True when there is more than one file.
    """

    is_sharded: bool = field(init=False)
    metadata: dict[str, Any]
    filename_to_tensors: dict[str, list[str]]
    tensor_to_filename: dict[str, str]

    def __post_init__(self):
        self.is_sharded = len(self.filename_to_tensors) > 1


def split_state_dict_into_shards_factory(
    state_dict: Mapping[str, TensorT],
    *,
    get_storage_size: TensorSizeFn_T,
    filename_pattern: str,
    get_storage_id: StorageIDFn_T = lambda tensor: None,
    max_shard_size: int | str = MAX_SHARD_SIZE,
) -> StateDictSplit:
    """Split ``state_dict`` into shards of at most ``max_shard_size`` bytes each.

    Tensors are taken greedily in key order, with no bin-packing: with a 10 GB limit, sizes
    [6, 6, 2, 6, 2, 2] GB give [6] [6+2] [6+2+2] (SHARD-SPLIT-001). A tensor larger than the
    limit gets a shard of its own (SHARD-SPLIT-002), numbered before the shard being filled
    (SHARD-SPLIT-005). Tensors with equal ``get_storage_id`` (not None) go with the first of
    them and are counted once (SHARD-SPLIT-003). String values are skipped (SHARD-SPLIT-004).

    ``get_storage_size(tensor)`` is the tensor's size in bytes; ``get_storage_id(tensor)`` a
    hashable storage identity or None (the default: nothing is shared). ``filename_pattern``
    must hold ``{suffix}`` (``"model{suffix}.safetensors"``). The state dict is only read,
    never changed (SHARD-SPLIT-008). Unlike huggingface_hub, both callbacks are asked about
    every tensor, also those whose storage was seen before; pure callbacks see no difference.

    Raises ``InvalidArgumentError`` for a bad pattern (SHARD-NAME-002, 005), a bad size
    (SHARD-SIZE-002), or a value the callbacks refuse (SHARD-SPLIT-007, naming its key).
    """
    return split_state_dict(
        state_dict,
        storage_of=lambda tensor: (get_storage_id(tensor), get_storage_size(tensor)),
        filename_pattern=filename_pattern,
        max_shard_size=max_shard_size,
    )


def split_state_dict(
    state_dict: Mapping[str, TensorT],
    *,
    storage_of: StorageFn_T,
    filename_pattern: str,
    max_shard_size: int | str = MAX_SHARD_SIZE,
) -> StateDictSplit:
    """``split_state_dict_into_shards_factory`` with one callback: ``storage_of(tensor)`` is
    ``(storage id or None, size in bytes)``."""
    limit = parse_size_to_int(max_shard_size)
    check_filename_pattern(filename_pattern)
    shards, total_size = _assign_to_shards(state_dict, storage_of, limit)
    return _name_shards(shards, total_size, filename_pattern)


def check_filename_pattern(filename_pattern: str) -> None:
    """Raise ``InvalidArgumentError`` unless ``filename_pattern`` can name shards.

    The pattern must hold the replacement field ``{suffix}`` (SHARD-NAME-002) and no other
    field, and every name it produces must be a plain file name as the index schema defines
    it: no ``/``, ``\\``, ``:`` or control character, not empty, not starting with ``.``
    (SHARD-NAME-005).
    """
    if not isinstance(filename_pattern, str):
        raise _pattern_error(filename_pattern, "is not a string", "SHARD-NAME-005")
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(filename_pattern) if name is not None]
    except ValueError as error:
        raise _pattern_error(filename_pattern, f"is not a format string: {error}", "SHARD-NAME-005") from None
    if "suffix" not in fields:
        raise _pattern_error(
            filename_pattern, "has no '{suffix}': every shard would get the same name", "SHARD-NAME-002"
        )
    if any(name != "suffix" for name in fields):
        raise _pattern_error(
            filename_pattern, "has a replacement field other than '{suffix}'", "SHARD-NAME-005"
        )
    for suffix in ("", "-00001-of-00002"):  # other shard numbers differ from these in digits only
        try:
            name = filename_pattern.format(suffix=suffix)
        except (KeyError, IndexError, ValueError) as error:  # e.g. a nested field: "{suffix:{width}}"
            raise _pattern_error(
                filename_pattern, f"cannot be formatted: {error!r}", "SHARD-NAME-005"
            ) from None
        if not _plain_file_name().search(name):  # applied as JSON Schema applies patterns
            raise _pattern_error(
                filename_pattern,
                f"produces {name!r}, which is not a plain file name (as an index's weight_map requires)",
                "SHARD-NAME-005",
            )


def _assign_to_shards(
    state_dict: Mapping[str, TensorT], storage_of: StorageFn_T, limit: int
) -> tuple[list[list[str]], int]:
    """The shards (lists of tensor names) in the order they are numbered, and the total size.

    A shard is numbered when it is closed: an oversized tensor's shard at once, the shard being
    filled when the next tensor does not fit or at the end (SHARD-SPLIT-005). Each shard lists
    the first names of its storages in key order, then the other names of those storages,
    grouped by storage in the same order (SHARD-SPLIT-006).
    """
    closed: list[list[str]] = []
    current: list[str] = []
    current_size = 0
    total_size = 0
    shard_of_storage: dict[Any, list[str]] = {}  # storage id -> shard holding its first name
    other_names: dict[Any, list[str]] = {}  # storage id -> its names after the first, if any
    name = None
    try:
        for name, tensor in state_dict.items():
            if isinstance(tensor, str):  # bitsandbytes leaves strings in state dicts (SHARD-SPLIT-004)
                continue
            storage_id, size = storage_of(tensor)
            if storage_id is not None and storage_id in shard_of_storage:
                other_names.setdefault(storage_id, []).append(name)
                continue
            total_size += size
            if size > limit:
                shard = [name]
                closed.append(shard)
            else:
                if current_size + size > limit:
                    closed.append(current)
                    current, current_size = [], 0
                current.append(name)
                current_size += size
                shard = current
            if storage_id is not None:
                shard_of_storage[storage_id] = shard
    except InvalidArgumentError as error:
        if error.entry is not None:
            raise
        raise InvalidArgumentError(error.message, requirement=error.requirement, entry=name) from error
    if current:
        closed.append(current)
    if other_names:
        for storage_id, shard in shard_of_storage.items():  # the order of the storages' first names
            shard.extend(other_names.get(storage_id, ()))
    return closed, total_size


def _name_shards(shards: list[list[str]], total_size: int, filename_pattern: str) -> StateDictSplit:
    """SHARD-NAME-001 and SHARD-NAME-003: ``-{i:05d}-of-{n:05d}`` for each of n > 1 shards, else nothing."""
    count = len(shards)
    if count == 1:
        filenames = [filename_pattern.format(suffix="")]
    else:
        filenames = [filename_pattern.format(suffix=f"-{i:05d}-of-{count:05d}") for i in range(1, count + 1)]
    filename_to_tensors = dict(zip(filenames, shards, strict=True))
    tensor_to_filename = {name: filename for filename, names in filename_to_tensors.items() for name in names}
    return StateDictSplit(
        metadata={"total_size": total_size},
        filename_to_tensors=filename_to_tensors,
        tensor_to_filename=tensor_to_filename,
    )


@functools.cache
def _plain_file_name() -> re.Pattern[str]:
    """The index schema's rule for a shard file name (SHARD-INDEX-002), compiled."""
    return re.compile(spec.schema("safetensors-index.schema.json")["$defs"]["shardFileName"]["pattern"])


def _pattern_error(filename_pattern: object, problem: str, requirement: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"filename pattern {filename_pattern!r} {problem}", requirement=requirement)
