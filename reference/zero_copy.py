"""Loading a ``.safetensors`` entry of a DDUF archive as torch tensors, without copying it.

``DDUFEntry.as_mmap()`` (huggingface_hub's way) copies the entry into a ``bytes`` object,
because ``safetensors.torch.load`` accepts nothing else. ``load_safetensors_entry`` instead
maps the entry's pages privately and copy-on-write, and builds each tensor on the mapped
bytes, so loading a 1 GiB entry adds about 1 GiB to the resident set, not 2.
"""

from __future__ import annotations

import mmap
from typing import TYPE_CHECKING

from .dduf_entry import DDUFEntry
from .errors import SafetensorsError
from .safetensors_header import read_safetensors_header

if TYPE_CHECKING:
    import torch

# safetensors dtype name -> torch dtype attribute name. F4, F6_E2M3 and F6_E3M2 are packed
# sub-byte types for which torch has no element type.
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
}


def load_safetensors_entry(entry: DDUFEntry, device: str = "cpu") -> dict[str, torch.Tensor]:
    """Load the tensors of a ``.safetensors`` entry, in header order, sharing the archive's pages.

    The header is checked first (``read_safetensors_header``: every ST- reader requirement;
    raises ``SafetensorsError``). The entry's pages are then mapped with ``mmap.ACCESS_COPY``:
    each tensor is a view of the mapped bytes (``torch.frombuffer``), which keeps the map
    alive as long as the tensor lives. Writing to a tensor changes only this process's private
    copy of the page, never the file.

    Copies are made only where a view is impossible: a tensor whose bytes do not start at a
    multiple of its element size (torch needs aligned elements; writers that follow
    DDUF-WRITE-003 and ST-HEADER-006 never produce one) is copied alone, and an empty tensor
    is a new empty tensor. With ``device`` other than ``"cpu"`` each tensor is then moved with
    ``.to(device)``. Raises SafetensorsError (without a requirement ID) for F4, F6_E2M3 and
    F6_E3M2, which torch cannot represent. Assumes a little-endian machine, as safetensors does.
    """
    import torch

    header = read_safetensors_header(
        entry.dduf_path, start=entry.offset, length=entry.length, path=entry.dduf_path, entry=entry.filename
    )
    dtypes = {}
    for info in header.tensors.values():
        dtype = getattr(torch, _TORCH_DTYPE_NAMES.get(info.dtype, ""), None)
        if dtype is None:
            message = f"tensor {info.name!r} has dtype {info.dtype}, which torch cannot represent"
            raise SafetensorsError(message, path=entry.dduf_path, entry=entry.filename)
        dtypes[info.name] = dtype

    # A map must start at a multiple of the allocation granularity (a multiple of the page size,
    # so addresses in the map have the alignment of the file offsets they hold).
    map_start = entry.offset - entry.offset % mmap.ALLOCATIONGRANULARITY
    with open(entry.dduf_path, "rb") as file:
        mapped = mmap.mmap(
            file.fileno(), entry.offset + entry.length - map_start, access=mmap.ACCESS_COPY, offset=map_start
        )
    buffer = memoryview(mapped)
    tensors = {}
    for name, info in header.tensors.items():
        dtype = dtypes[name]
        start = header.data_start - map_start + info.begin
        if info.end == info.begin:
            tensor = torch.empty(info.shape, dtype=dtype)
        elif start % dtype.itemsize:
            tensor = torch.frombuffer(bytearray(buffer[start : start + info.end - info.begin]), dtype=dtype)
        else:
            tensor = torch.frombuffer(buffer[start : start + info.end - info.begin], dtype=dtype)
        tensor = tensor.reshape(info.shape)
        tensors[name] = tensor if device == "cpu" else tensor.to(device)
    return tensors
