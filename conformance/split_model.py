"""The split of a torch state dict as spec/sharding.md sections 1 to 3 define it: the suite's oracle.

Written from the spec alone, and small enough to be checked against it by reading: it does not
import ``weightspec.reference``, so the suite can catch a broken reference. Given a state dict, a
maximum shard size and a filename pattern, ``split_state_dict`` returns the ``SplitResult`` every
implementation must return:

- tensors are taken in key order and put greedily in the shard being filled; a new shard starts
  when the next tensor would make it exceed the limit (SHARD-SPLIT-001);
- a tensor over the limit gets a shard of its own, closed at once (SHARD-SPLIT-002), and shards
  are numbered in the order they are closed (SHARD-SPLIT-005);
- a tensor whose storage was seen before joins the shard of that storage's first tensor and adds
  nothing to any size (SHARD-SPLIT-003); storage identity is SHARD-SPLIT-009's;
- strings are skipped (SHARD-SPLIT-004); any other value that is not a tensor is an error naming
  its key (SHARD-SPLIT-007);
- a shard lists the first tensor of each of its storages in key order, then the other tensors of
  those storages, grouped by storage in the same order (SHARD-SPLIT-006);
- shard i of n > 1 is named by the pattern with ``{suffix}`` -> ``-{i:05d}-of-{n:05d}``, a single
  shard with ``{suffix}`` -> ``""`` (SHARD-NAME-001, 003);
- ``metadata["total_size"]`` adds each storage's bytes once (SHARD-SPLIT-003, SHARD-SIZE-005).

``parse_max_shard_size`` reads a limit by the grammar of SHARD-SIZE-001 to 004; ``worked_example``
is the input of the spec's worked example; ``describe`` shows a state dict in failure messages. The model covers
plain torch tensors and ``nn.Parameter``s (also on the meta device); DTensors and wrapper tensor
subclasses are outside it. The pattern is taken as valid: refusing bad patterns (SHARD-NAME-002,
005) is tested with fixed inputs, not against this model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

import torch

from .harness.adapter import SplitResult

DEFAULT_PATTERN = "model{suffix}.safetensors"

UNIT_FACTORS = {  # SHARD-SIZE-001 (decimal) and SHARD-SIZE-003 (binary), by upper-case unit
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}
# SHARD-SIZE-004: an optional "+", ASCII digits with an optional fraction ("1.5", ".5"); then,
# after optional spaces, an optional unit (SHARD-SIZE-003: any case).
_SIZE = re.compile(r"\+?(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?: *(?P<unit>[A-Za-z]+))?", re.ASCII)


class SplitModelError(ValueError):
    """The input breaks a requirement (``requirement``); an implementation must refuse it."""

    def __init__(self, requirement: str, message: str) -> None:
        self.requirement = requirement
        super().__init__(f"{requirement}: {message}")


def parse_max_shard_size(value: object) -> int:
    """The limit ``value`` stands for, in bytes (SHARD-SIZE-001, 003, 004).

    Accepts a positive ``int``, a float with a positive integral value, and strings such as
    ``"5GB"``, ``"1.5 gib"``, ``".5MB"``, ``"+2KB"`` or ``"1000"``; the number times the unit is
    computed exactly in decimal and rounded down. Raises ``SplitModelError`` (SHARD-SIZE-002) for
    anything else: zero, less than a byte, negative, NaN, infinite, a bool, a fraction without a
    unit, an unknown unit, any other string.
    """
    if isinstance(value, bool):
        raise _size_error(value, "is a bool")
    if isinstance(value, int):
        return _positive(value, value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _size_error(value, "is not a whole, finite number of bytes")
        return _positive(value, int(value))
    if not isinstance(value, str):
        raise _size_error(value, "is neither a number nor a string")
    match = _SIZE.fullmatch(value)
    if match is None:
        raise _size_error(value, "does not follow the size grammar")
    number, unit = match["number"], match["unit"]
    if unit is None:
        if "." in number:
            raise _size_error(value, "is a fraction of a byte")
        return _positive(value, int(number))
    factor = UNIT_FACTORS.get(unit.upper())
    if factor is None:
        raise _size_error(value, f"has the unknown unit {unit!r}")
    return _positive(value, int(Decimal(number) * factor))


def storage_key(tensor: torch.Tensor) -> tuple | None:
    """SHARD-SPLIT-009: (device, address of the storage's first byte, its size in bytes); None
    for a meta tensor, which shares storage with none. Empty storages of a device have address 0,
    so they are one storage."""
    if tensor.is_meta:
        return None
    storage = tensor.untyped_storage()
    return (tensor.device, storage.data_ptr(), storage.nbytes())


def storage_size(tensor: torch.Tensor) -> int:
    """SHARD-SIZE-005: the bytes of the whole storage the tensor views."""
    return tensor.untyped_storage().nbytes()


@dataclass
class _Storage:
    names: list[str]  # its tensors, in key order; the first one decides its shard
    size: int


@dataclass
class _Shard:
    storages: list[_Storage] = field(default_factory=list)
    size: int = 0

    def tensor_names(self) -> list[str]:
        """SHARD-SPLIT-006: the storages' first names, then their other names, storage by storage."""
        firsts = [storage.names[0] for storage in self.storages]
        return firsts + [name for storage in self.storages for name in storage.names[1:]]


def split_state_dict(
    state_dict: dict[str, object], *, max_shard_size: object, filename_pattern: str = DEFAULT_PATTERN
) -> SplitResult:
    """The split every implementation must return; raises ``SplitModelError`` for a bad size
    (SHARD-SIZE-002) or a value that is neither a string nor a tensor (SHARD-SPLIT-007)."""
    limit = parse_max_shard_size(max_shard_size)
    closed: list[_Shard] = []  # in closing order, which is the numbering order
    filling = _Shard()
    storage_of_key: dict[tuple, _Storage] = {}
    total_size = 0
    for name, value in state_dict.items():
        if isinstance(value, str):
            continue
        if not isinstance(value, torch.Tensor) or value.layout != torch.strided:
            raise SplitModelError("SHARD-SPLIT-007", f"the value of {name!r} is not a tensor with storage")
        key = storage_key(value)
        if key in storage_of_key:
            storage_of_key[key].names.append(name)
            continue
        storage = _Storage([name], storage_size(value))
        if key is not None:
            storage_of_key[key] = storage
        total_size += storage.size
        if storage.size > limit:
            closed.append(_Shard([storage], storage.size))
            continue
        if filling.size + storage.size > limit:
            closed.append(filling)
            filling = _Shard()
        filling.storages.append(storage)
        filling.size += storage.size
    if filling.storages:
        closed.append(filling)
    return _named(closed, total_size, filename_pattern)


def worked_example() -> tuple[dict[str, object], int]:
    """The state dict and limit (10 bytes) of the worked example in spec/sharding.md section 1:
    ``a``, ``w``, ``big`` (24 bytes), ``b``, the string ``s``, ``v`` (a view of ``w``'s storage,
    here with another dtype) and ``c``, of 4 bytes each otherwise."""
    w = torch.zeros(1, dtype=torch.float32)
    state_dict = {
        "a": torch.zeros(4, dtype=torch.uint8),
        "w": w,
        "big": torch.zeros(6, dtype=torch.float32),
        "b": torch.zeros(2, dtype=torch.int16),
        "s": "a string",
        "v": w.view(torch.int32),
        "c": torch.zeros((), dtype=torch.int32),
    }
    return state_dict, 10


def describe(state_dict: dict[str, object]) -> str:
    """The state dict in one line, for failure messages: each key with its dtype, shape and storage
    bytes, or the earlier key whose storage it shares, or its type when it is not a tensor."""
    first_of_key: dict[tuple, str] = {}
    parts = []
    for name, value in state_dict.items():
        if not isinstance(value, torch.Tensor) or value.layout != torch.strided:
            parts.append(f"{name}: {type(value).__name__}")
            continue
        shape = "x".join(map(str, value.shape))
        where = "meta " if value.is_meta else ""
        key = storage_key(value)
        if key in first_of_key:
            parts.append(f"{name}: {value.dtype}[{shape}] sharing {first_of_key[key]}'s storage")
            continue
        if key is not None:
            first_of_key[key] = name
        parts.append(f"{name}: {where}{value.dtype}[{shape}] of {storage_size(value)} B")
    return "{" + ", ".join(parts) + "}"


def _named(shards: list[_Shard], total_size: int, filename_pattern: str) -> SplitResult:
    count = len(shards)
    suffixes = [""] if count == 1 else [f"-{i:05d}-of-{count:05d}" for i in range(1, count + 1)]
    filename_to_tensors = {
        filename_pattern.format(suffix=suffix): shard.tensor_names()
        for suffix, shard in zip(suffixes, shards, strict=True)
    }
    tensor_to_filename = {name: file for file, names in filename_to_tensors.items() for name in names}
    return SplitResult(filename_to_tensors, tensor_to_filename, {"total_size": total_size}, count > 1)


def _positive(value: object, size: int) -> int:
    if size <= 0:
        raise _size_error(value, "is not at least one byte")
    return size


def _size_error(value: object, problem: str) -> SplitModelError:
    return SplitModelError("SHARD-SIZE-002", f"max_shard_size {value!r} {problem}")
