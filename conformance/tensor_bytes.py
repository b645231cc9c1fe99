"""Tensors compared by their bytes: what a checkpoint load must give back, exactly.

Two tensors are the same when they have the same dtype, shape and raw bytes; comparing bytes
(not values) keeps NaNs, -0.0 and every float8 or bfloat16 bit pattern honest. Independent of
the reference on purpose.

- ``raw_bytes(tensor)``: its elements' bytes, C order, as the tensor's dtype stores them;
- ``tensor_sha256(tensor)``: the SHA-256 of those bytes, hex (what checkpoint manifests record);
- ``tensors_differ(expected, loaded)``: None when ``loaded`` holds every expected tensor with the
  same dtype, shape and bytes, else one sentence naming the first tensor that differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import torch


def raw_bytes(tensor: torch.Tensor) -> bytes:
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""


def tensor_sha256(tensor: torch.Tensor) -> str:
    return hashlib.sha256(raw_bytes(tensor)).hexdigest()


def tensors_differ(expected: Mapping[str, torch.Tensor], loaded: object) -> str | None:
    """What is wrong with ``loaded`` (a load's result) against ``expected``, or None.

    A tensor left on the ``meta`` device was never loaded, and one whose bytes are all zero where
    the expected ones are not kept the model's initial values: either way the load reported
    success without loading it, a *silent wrong load*.
    """
    if not isinstance(loaded, Mapping):
        return f"the load returned a {type(loaded).__name__}, not a mapping from names to tensors"
    for name, tensor in expected.items():
        got = loaded.get(name)
        if not isinstance(got, torch.Tensor):
            return f"the loaded model has no tensor {name!r}"
        if got.is_meta:
            return f"silent wrong load: {name} was left on the meta device (never loaded)"
        if got.dtype != tensor.dtype or tuple(got.shape) != tuple(tensor.shape):
            return f"{name} came back as {got.dtype} {list(got.shape)}, expected {tensor.dtype} {list(tensor.shape)}"
        got_bytes, expected_bytes = raw_bytes(got), raw_bytes(tensor)
        if got_bytes == expected_bytes:
            continue
        if not any(got_bytes):
            return f"silent wrong load: {name} kept its initial values"
        return f"silent wrong load: {name} holds different bytes than the checkpoint"
    return None
