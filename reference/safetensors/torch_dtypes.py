"""What a safetensors tensor becomes in PyTorch: its torch dtype and shape (ST-LOAD-001).

The "Dtypes" table of spec/safetensors.md as code, shared by every loader of the reference
(``load_safetensors_entry``, and the checks before ``load_state_dict_from_file`` and
``load_torch_model`` hand a file to ``safetensors.torch``), so that all of them give the same
tensors as the safetensors library, and the same error where PyTorch cannot hold one.

F4 loads as ``torch.float4_e2m1fn_x2``, which packs two elements into each byte along the last
dimension: the loaded tensor's last dimension is half the header's, as in the safetensors
library. F6_E2M3 and F6_E3M2 have no PyTorch dtype.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UnsupportedDtypeError
from .header import SafetensorsHeader, TensorInfo

if TYPE_CHECKING:
    import torch

# safetensors dtype -> name of the torch attribute (missing in older torch versions for some).
_TORCH_DTYPE_NAMES = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "F8_E5M2": "float8_e5m2",
    "F8_E4M3": "float8_e4m3fn",
    "F8_E8M0": "float8_e8m0fnu",
    "F8_E4M3FNUZ": "float8_e4m3fnuz",
    "F8_E5M2FNUZ": "float8_e5m2fnuz",
    "I16": "int16",
    "U16": "uint16",
    "F16": "float16",
    "BF16": "bfloat16",
    "I32": "int32",
    "U32": "uint32",
    "F32": "float32",
    "F64": "float64",
    "I64": "int64",
    "U64": "uint64",
    "C64": "complex64",
    "F4": "float4_e2m1fn_x2",
}
_PACKED_IN_PAIRS = "F4"


def torch_dtype_and_shape(
    tensor: TensorInfo, *, path: str, entry: str | None = None
) -> tuple[torch.dtype, tuple[int, ...]]:
    """The torch dtype and shape ``tensor`` loads as.

    Raises ``UnsupportedDtypeError`` (ST-LOAD-001) naming the tensor and its dtype when the installed
    torch has no such dtype (F6 always), or when an F4 tensor's last dimension is odd or missing
    (two elements per byte cannot split it). ``path`` and ``entry`` name the file in the error.
    """
    import torch

    dtype = getattr(torch, _TORCH_DTYPE_NAMES.get(tensor.dtype, ""), None)
    if dtype is None:
        problem = f"has dtype {tensor.dtype}, which this version of torch ({torch.__version__}) cannot hold"
    elif tensor.dtype != _PACKED_IN_PAIRS:
        return dtype, tensor.shape
    elif tensor.shape and tensor.shape[-1] % 2 == 0:
        return dtype, (*tensor.shape[:-1], tensor.shape[-1] // 2)
    else:
        problem = (
            f"is F4 of shape {list(tensor.shape)}: torch packs F4 two elements per byte along the "
            "last dimension, which must then be even"
        )
    raise UnsupportedDtypeError(
        f"tensor {tensor.name!r} {problem}", requirement="ST-LOAD-001", path=path, entry=entry
    )


def torch_dtypes_and_shapes(
    header: SafetensorsHeader, *, path: str, entry: str | None = None
) -> dict[str, tuple[torch.dtype, tuple[int, ...]]]:
    """``torch_dtype_and_shape`` of every tensor of ``header``, in header order."""
    return {
        name: torch_dtype_and_shape(tensor, path=path, entry=entry) for name, tensor in header.tensors.items()
    }
