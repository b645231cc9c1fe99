"""Safetensors bytes built by hand with ``struct`` and ``json``, for the ``.safetensors`` entries of cases.

Independent of the safetensors library and of ``weightspec.reference``, so a case can hold any
header, valid or not. Layout (spec/safetensors.md): an 8-byte little-endian header length N,
N bytes of JSON header padded with spaces so that 8 + N is a multiple of 8 (ST-HEADER-006),
then the data buffer.

- ``Tensor``: name, dtype, shape and raw little-endian bytes.
- ``header_of(tensors, metadata)``: the header object, offsets contiguous in the given order.
- ``encode(header, buffer)``: the file bytes for a header given as an object or as raw text/bytes
  (raw text is how a case writes duplicate keys or broken JSON).
- ``DEFAULT_TENSORS`` / ``default_safetensors()``: the small valid file the baseline pipeline uses.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

METADATA_KEY = "__metadata__"


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]
    data: bytes


def header_of(tensors: tuple[Tensor, ...], metadata: dict | None = None) -> dict:
    """The header describing ``tensors`` laid out back to back in the given order."""
    header: dict = {} if metadata is None else {METADATA_KEY: metadata}
    begin = 0
    for tensor in tensors:
        end = begin + len(tensor.data)
        header[tensor.name] = {
            "dtype": tensor.dtype,
            "shape": list(tensor.shape),
            "data_offsets": [begin, end],
        }
        begin = end
    return header


def buffer_of(tensors: tuple[Tensor, ...]) -> bytes:
    return b"".join(tensor.data for tensor in tensors)


def encode(header: dict | str | bytes, buffer: bytes, *, declared_length: int | None = None) -> bytes:
    """The file: length prefix, header padded with spaces to a multiple of 8, buffer.

    ``declared_length`` overrides the length prefix (to point the header past the file).
    """
    if isinstance(header, dict):
        header = json.dumps(header, separators=(",", ":"))
    text = header.encode("utf-8") if isinstance(header, str) else header
    text += b" " * ((-(8 + len(text))) % 8)
    length = len(text) if declared_length is None else declared_length
    return struct.pack("<Q", length) + text + buffer


DEFAULT_TENSORS = (
    Tensor(
        "text_model.embeddings.weight", "F32", (2, 3), struct.pack("<6f", 0.5, -1.0, 2.0, 0.25, 3.5, -0.125)
    ),
    Tensor("text_model.final_layer_norm.bias", "F16", (3,), struct.pack("<3e", 1.0, 0.0, -2.0)),
    Tensor("text_model.position_ids", "I64", (1, 2), struct.pack("<2q", 0, 1)),
)
DEFAULT_METADATA = {"format": "pt"}


def default_header() -> dict:
    """A fresh copy of the default header, for cases to modify."""
    return header_of(DEFAULT_TENSORS, dict(DEFAULT_METADATA))


def default_safetensors() -> bytes:
    return encode(default_header(), buffer_of(DEFAULT_TENSORS))
