"""Which storage a torch tensor lives in, and how many bytes that storage holds.

The splitter asks both questions for every tensor of a state dict (SHARD-SPLIT-003, 009 and
SHARD-SIZE-005), through ``torch_storage_id_and_size``, so a plain ``torch.Tensor`` or
``nn.Parameter`` is answered on a fast path of a few attribute reads. The answers are huggingface_hub's (``get_torch_storage_id`` and
``get_torch_storage_size`` in ``huggingface_hub.serialization._torch``), so that both split the
same state dict into the same shards:

- a storage is identified by ``(device, address of its first byte, its size in bytes)``; all
  empty storages on a device have address 0 and so count as one storage;
- a meta tensor has no identity (``None``): meta tensors never share storage;
- a DTensor is identified by its local shard's address and sized by its full (global) size;
- a wrapper tensor subclass (``__tensor_flatten__``) is identified by the tuple of its inner
  tensors' identities and sized by the sum of their sizes;
- the size is that of the whole storage: a view or slice counts all of the storage it views.

A value that is not a tensor, or a tensor without storage (sparse, nested, functorch
wrappers), raises ``InvalidArgumentError`` (SHARD-SPLIT-007).
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch.utils._python_dispatch import is_traceable_wrapper_subclass

from ..errors import InvalidArgumentError

_PLAIN_TENSOR_TYPES = frozenset({torch.Tensor, torch.nn.Parameter})
_CPU = torch.device("cpu")


def get_torch_storage_id(tensor: torch.Tensor) -> tuple[torch.device, int | tuple[Any, ...], int] | None:
    """``(device, unique id, storage size)`` of the storage ``tensor`` views; ``None`` for a meta tensor.

    Two tensors share storage exactly when these are equal (SHARD-SPLIT-009).

    Two tensors share storage exactly when their ids are equal. The id is valid while the
    storage lives: storages with non-overlapping lifetimes may get the same id.
    """
    if type(tensor) in _PLAIN_TENSOR_TYPES and tensor.is_cpu:
        storage = _untyped_storage(tensor)
        return _CPU, storage.data_ptr(), storage.nbytes()  # one shared device object: no allocation
    _require_tensor(tensor)
    if tensor.is_meta:
        return None
    return tensor.device, _unique_id(tensor), get_torch_storage_size(tensor)


def get_torch_storage_size(tensor: torch.Tensor) -> int:
    """The size in bytes of the whole storage ``tensor`` views (a DTensor: its full global size; SHARD-SIZE-005)."""
    if type(tensor) in _PLAIN_TENSOR_TYPES:
        return _untyped_storage(tensor).nbytes()
    _require_tensor(tensor)
    if _is_dtensor(tensor):
        return tensor.nbytes
    if is_traceable_wrapper_subclass(tensor):
        return sum(get_torch_storage_size(inner) for inner in _inner_tensors(tensor))
    return _untyped_storage(tensor).nbytes()


def torch_storage_id_and_size(tensor: torch.Tensor) -> tuple[Any, int]:
    """``(storage key, get_torch_storage_size(tensor))``: the splitter's one question per tensor.

    The key groups tensors exactly as ``get_torch_storage_id`` does; for a CPU tensor it leaves
    the device out, so that it is a tuple of plain ints, which the garbage collector stops
    tracking (at 100,000 tensors, tracked keys make the split take twice as long). A plain CPU
    tensor, the common case, is answered from one storage lookup.
    """
    if type(tensor) in _PLAIN_TENSOR_TYPES and tensor.is_cpu:
        try:
            storage = tensor.untyped_storage()
        except (RuntimeError, NotImplementedError) as error:
            raise _no_storage_error(tensor, error) from error
        size = storage.nbytes()
        return (storage.data_ptr(), size), size
    storage_id = get_torch_storage_id(tensor)
    if storage_id is not None and storage_id[0] == _CPU:
        storage_id = storage_id[1:]
    return storage_id, get_torch_storage_size(tensor)


def _unique_id(tensor: torch.Tensor) -> int | tuple[Any, ...]:
    """The address of the storage's first byte, or the tuple of the inner tensors' ids."""
    if _is_dtensor(tensor):
        return _untyped_storage(tensor.to_local()).data_ptr()
    if is_traceable_wrapper_subclass(tensor):
        return tuple(_unique_id(inner) for inner in _inner_tensors(tensor))
    if tensor.is_xla:
        # XLA tensors have no storage; torch_xla is necessarily installed when one exists.
        import torch_xla

        return torch_xla._XLAC._xla_get_tensor_id(tensor)
    return _untyped_storage(tensor).data_ptr()


def _inner_tensors(tensor: torch.Tensor) -> list[torch.Tensor]:
    attributes, _context = tensor.__tensor_flatten__()
    return [getattr(tensor, attribute) for attribute in attributes]


def _untyped_storage(tensor: torch.Tensor) -> torch.UntypedStorage:
    try:
        return tensor.untyped_storage()
    except (RuntimeError, NotImplementedError) as error:
        raise _no_storage_error(tensor, error) from error


def _no_storage_error(tensor: torch.Tensor, error: Exception) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"a {type(tensor).__name__} with layout {tensor.layout} has no storage that can be saved: {error}",
        requirement="SHARD-SPLIT-007",
    )


def _require_tensor(value: object) -> None:
    if not isinstance(value, torch.Tensor):
        raise InvalidArgumentError(
            f"a value of type {type(value).__name__} is neither a tensor nor a string",
            requirement="SHARD-SPLIT-007",
        )


def _is_dtensor(tensor: torch.Tensor) -> bool:
    dtensor_class = _dtensor_class()
    return dtensor_class is not None and isinstance(tensor, dtensor_class)


@functools.cache
def _dtensor_class() -> type | None:
    """``torch.distributed.tensor.DTensor``, or None in torch builds without distributed support."""
    try:
        from torch.distributed.tensor import DTensor
    except ImportError:
        return None
    return DTensor
