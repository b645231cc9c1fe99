"""Models, state dicts and comparisons shared by the save / load / validate tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch


class TiedModel(torch.nn.Module):
    """A small model with tied weights: ``head.weight`` is ``embed.weight`` (as in language models)."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.embed = torch.nn.Embedding(16, 8)
        self.block = torch.nn.Linear(8, 8)
        self.norm = torch.nn.LayerNorm(8)
        self.head = torch.nn.Linear(8, 16, bias=False)
        self.head.weight = self.embed.weight
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator))


class Buffers(torch.nn.Module):
    """A module whose state dict is exactly ``tensors`` (names without dots), as buffers.

    Tensors that share storage stay shared, so the module's state dict has the same aliases.
    """

    def __init__(self, tensors: dict[str, torch.Tensor]) -> None:
        super().__init__()
        for name, tensor in tensors.items():
            self.register_buffer(name, tensor)


def blank_like(tensors: dict[str, torch.Tensor]) -> Buffers:
    """A ``Buffers`` module of the same names, shapes and dtypes, filled with zeros, sharing nothing."""
    return Buffers({name: torch.zeros_like(tensor) for name, tensor in tensors.items()})


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two tensors have the same dtype, shape and bytes (NaNs and -0.0 included)."""
    return a.dtype == b.dtype and a.shape == b.shape and raw_bytes(a) == raw_bytes(b)


def raw_bytes(tensor: torch.Tensor) -> bytes:
    flat = tensor.detach().contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""


def state_dicts_equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(same_bits(a[name], b[name]) for name in a)


def directory_snapshot(directory: Path) -> dict[str, str]:
    """Every file name in ``directory`` with the SHA-256 of its content."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def write_one_tensor_file(path: Path, dtype: str, shape: list[int], data: bytes) -> None:
    """A safetensors file holding the one tensor ``w`` as given, written by hand: any dtype, any shape."""
    header = json.dumps({"w": {"dtype": dtype, "shape": shape, "data_offsets": [0, len(data)]}}).encode()
    header += b" " * (-len(header) % 8)
    path.write_bytes(len(header).to_bytes(8, "little") + header + data)
