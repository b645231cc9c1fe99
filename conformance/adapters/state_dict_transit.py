"""State dicts on their way to and from a driver: described in JSON, carried in safetensors files.

- ``describe_state_dict(state_dict)``: one JSON description per value, in key order, as the
  ``checkpoint-split`` and ``checkpoint-save`` requests carry them: a tensor's safetensors dtype,
  shape, storage (an opaque string, equal for tensors that share storage) and storage size; a
  string value as ``{"string": true}``; anything else as ``{"unsupported": type}``.
- ``write_tensors(state_dict, path)``: the data of every tensor that has data, as one
  safetensors file of contiguous CPU copies. What the file cannot hold is lost in transit:
  which tensors shared storage, views of larger storages, devices, ``nn.Parameter``.
- ``read_tensors(path)``: the tensors of a safetensors file a driver wrote.

torch and safetensors are imported on first use, so that the DDUF capabilities need neither.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# torch dtype attribute -> safetensors dtype name (attributes missing in older torch are skipped).
_SAFETENSORS_DTYPES = {
    "bool": "BOOL",
    "uint8": "U8",
    "int8": "I8",
    "float8_e5m2": "F8_E5M2",
    "float8_e4m3fn": "F8_E4M3",
    "float8_e8m0fnu": "F8_E8M0",
    "float8_e4m3fnuz": "F8_E4M3FNUZ",
    "float8_e5m2fnuz": "F8_E5M2FNUZ",
    "int16": "I16",
    "uint16": "U16",
    "float16": "F16",
    "bfloat16": "BF16",
    "int32": "I32",
    "uint32": "U32",
    "float32": "F32",
    "float64": "F64",
    "int64": "I64",
    "uint64": "U64",
    "complex64": "C64",
    "float4_e2m1fn_x2": "F4",
}


def describe_state_dict(state_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The description of every value of ``state_dict``, in key order (see the module docstring).

    Two tensors get the same ``storage`` when they are on the same device and their storages
    start at the same address and have the same size (SHARD-SPLIT-009); a meta tensor shares
    storage with none. A value that is neither a string nor a strided tensor with a safetensors
    dtype and a readable storage (an integer, a sparse tensor) is ``unsupported``: a writer must
    refuse it (SHARD-SPLIT-007).
    """
    return [_describe(name, value) for name, value in state_dict.items()]


def write_tensors(state_dict: dict[str, Any], path: Path) -> None:
    """Save the data of every described tensor of ``state_dict`` that has data (not a string, an
    unsupported value or a meta tensor) to the safetensors file ``path``."""
    import safetensors.torch

    tensors = {
        name: value.detach().to("cpu").contiguous().clone()
        for name, value in state_dict.items()
        if "storage" in _describe(name, value) and not value.is_meta
    }
    safetensors.torch.save_file(tensors, str(path))


def read_tensors(path: Path) -> dict[str, Any]:
    """The tensors of the safetensors file ``path``, by name. Raises ``OSError`` when it cannot be
    read and ``ValueError`` when it is not a safetensors file."""
    import safetensors.torch
    from safetensors import SafetensorError

    try:
        return safetensors.torch.load_file(str(path))
    except SafetensorError as error:
        raise ValueError(f"{path}: not a safetensors file ({error})") from None


def _describe(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": name, "string": True}
    import torch

    if not isinstance(value, torch.Tensor) or value.layout != torch.strided:
        return {"name": name, "unsupported": _type_name(value)}
    dtype = _safetensors_dtype(value.dtype)
    try:
        storage = value.untyped_storage()
    except (RuntimeError, NotImplementedError):  # tensors without storage (functorch wrappers, ...)
        storage = None
    if dtype is None or storage is None:
        return {"name": name, "unsupported": f"{_type_name(value)} of {value.dtype}"}
    # A meta tensor's storage has no address: all of them would look alike.
    identity = f"meta:{name}" if value.is_meta else f"{value.device}:{storage.data_ptr()}:{storage.nbytes()}"
    return {
        "name": name,
        "dtype": dtype,
        "shape": list(value.shape),
        "storage": identity,
        "storage_nbytes": storage.nbytes(),
    }


def _safetensors_dtype(dtype: Any) -> str | None:
    import torch

    for attribute, name in _SAFETENSORS_DTYPES.items():
        if getattr(torch, attribute, None) == dtype:
            return name
    return None


def _type_name(value: Any) -> str:
    kind = type(value)
    layout = getattr(value, "layout", None)
    suffix = f" ({layout})" if layout is not None and str(layout) != "torch.strided" else ""
    return f"{kind.__module__}.{kind.__qualname__}{suffix}"
