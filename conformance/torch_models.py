"""Models to load checkpoints into, built from a ``ModelSpec`` (tensor name -> dtype and shape).

Loaders such as ``load_torch_model`` load into an ``nn.Module``. ``blank_model(spec)`` builds one
whose state dict has exactly the spec's names (dotted names become nested modules), dtypes and
shapes, every buffer filled with zeros; ``loaded_tensors(model)`` reads its state dict back. The
dtype names are those of safetensors headers. Independent of the reference on purpose.

The plain model family's ``config.json`` (``model_config(spec)``) describes such a model by its
tensors, so that a loader can build it from the checkpoint folder alone
(``blank_model_from_config``)::

    {"weightspec_model": {"tensors": {"a": {"dtype": "F32", "shape": [16]}, ...}}}

Tensor names keep the spec's order.
"""

from __future__ import annotations

import torch

from .harness.adapter import ModelSpec, TensorSpec

TORCH_DTYPES = {
    "BOOL": torch.bool,
    "U8": torch.uint8,
    "I8": torch.int8,
    "I16": torch.int16,
    "U16": torch.uint16,
    "I32": torch.int32,
    "U32": torch.uint32,
    "I64": torch.int64,
    "U64": torch.uint64,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F32": torch.float32,
    "F64": torch.float64,
    "F8_E4M3": torch.float8_e4m3fn,
    "F8_E5M2": torch.float8_e5m2,
}
SAFETENSORS_DTYPES = {dtype: name for name, dtype in TORCH_DTYPES.items()}
CONFIG_KEY = "weightspec_model"  # the top-level key of a plain model's config.json


def spec_of(tensors: dict[str, torch.Tensor]) -> ModelSpec:
    """The ``ModelSpec`` of a state dict."""
    return {name: TensorSpec(SAFETENSORS_DTYPES[t.dtype], tuple(t.shape)) for name, t in tensors.items()}


def blank_model(spec: ModelSpec) -> torch.nn.Module:
    """A module whose state dict has the spec's names, dtypes and shapes, all zeros, sharing nothing."""
    root = torch.nn.Module()
    for name, (dtype, shape) in spec.items():
        *path, leaf = name.split(".")
        module = root
        for part in path:
            if part not in module._modules:
                module.add_module(part, torch.nn.Module())
            module = module._modules[part]
        module.register_buffer(leaf, torch.zeros(tuple(shape), dtype=TORCH_DTYPES[dtype]))
    return root


def model_config(spec: ModelSpec) -> dict:
    """The ``config.json`` document of the plain model whose state dict ``spec`` describes."""
    tensors = {name: {"dtype": dtype, "shape": list(shape)} for name, (dtype, shape) in spec.items()}
    return {CONFIG_KEY: {"tensors": tensors}}


def blank_model_from_config(document: object) -> torch.nn.Module:
    """``blank_model`` of the spec that a ``model_config`` document describes.

    Raises ValueError when ``document`` is not such a document: no ``weightspec_model.tensors``
    object, a dtype that is not a safetensors name of ``TORCH_DTYPES`` or a shape that is not a
    list of non-negative integers.
    """
    model = document.get(CONFIG_KEY) if isinstance(document, dict) else None
    tensors = model.get("tensors") if isinstance(model, dict) else None
    if not isinstance(tensors, dict):
        raise ValueError(f"not a plain model config: it has no {CONFIG_KEY}.tensors object")
    return blank_model({name: _tensor_spec(name, tensor) for name, tensor in tensors.items()})


def _tensor_spec(name: str, tensor: object) -> TensorSpec:
    dtype, shape = (tensor.get("dtype"), tensor.get("shape")) if isinstance(tensor, dict) else (None, None)
    sizes_ok = isinstance(shape, list) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    )
    if not isinstance(dtype, str) or dtype not in TORCH_DTYPES or not sizes_ok:
        raise ValueError(f"plain model config: tensor {name!r} has no valid dtype and shape: {tensor!r}")
    return TensorSpec(dtype, tuple(shape))


def loaded_tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """What the model holds now, by state dict name."""
    return dict(model.state_dict())
