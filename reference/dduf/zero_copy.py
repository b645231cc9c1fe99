"""Loading a ``.safetensors`` entry of a DDUF archive as torch tensors, without copying it.

``DDUFEntry.as_mmap()`` (huggingface_hub's way) copies the entry into a ``bytes`` object,
because ``safetensors.torch.load`` accepts nothing else. ``load_safetensors_entry`` instead
maps the entry's pages privately and copy-on-write, and builds each tensor on the mapped
bytes, so loading a 1 GiB entry adds about 1 GiB to the resident set, not 2.
"""

from __future__ import annotations

import mmap
from typing import TYPE_CHECKING

from ..safetensors.header import read_safetensors_header
from ..safetensors.torch_dtypes import torch_dtypes_and_shapes
from .entry import DDUFEntry

if TYPE_CHECKING:
    import torch


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
    ``.to(device)``. Dtypes and shapes are those of ``torch_dtypes`` (F4 as
    ``torch.float4_e2m1fn_x2``, last dimension halved); a tensor torch cannot hold (F6_E2M3,
    F6_E3M2) raises UnsupportedDtypeError (ST-LOAD-001) before anything is mapped. Assumes a
    little-endian machine, as safetensors does.
    """
    import torch

    header = read_safetensors_header(
        entry.dduf_path, start=entry.offset, length=entry.length, path=entry.dduf_path, entry=entry.filename
    )
    loaded_as = torch_dtypes_and_shapes(header, path=entry.dduf_path, entry=entry.filename)

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
        dtype, shape = loaded_as[name]
        start = header.data_start - map_start + info.begin
        if info.end == info.begin:
            tensor = torch.empty(shape, dtype=dtype)
        elif start % dtype.itemsize:
            tensor = torch.frombuffer(bytearray(buffer[start : start + info.end - info.begin]), dtype=dtype)
        else:
            tensor = torch.frombuffer(buffer[start : start + info.end - info.begin], dtype=dtype)
        tensor = tensor.reshape(shape)
        tensors[name] = tensor if device == "cpu" else tensor.to(device)
    return tensors
