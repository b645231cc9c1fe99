"""Fixtures shared by the reference tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def pipeline_entries() -> list[tuple[str, bytes]]:
    """The entries of a small valid pipeline, as (name, bytes), ``model_index.json`` first.

    The weights are a real safetensors file made by safetensors.torch.
    """
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    index = {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": "0.30.0",
        "scheduler": ["diffusers", "PNDMScheduler"],
        "unet": ["diffusers", "UNet2DConditionModel"],
    }
    weights = safetensors_torch.save({"weight": torch.arange(12, dtype=torch.float32).reshape(3, 4)})
    return [
        ("model_index.json", json.dumps(index).encode()),
        ("scheduler/scheduler_config.json", b'{"_class_name": "PNDMScheduler"}'),
        ("unet/config.json", b'{"_class_name": "UNet2DConditionModel"}'),
        ("unet/diffusion_pytorch_model.safetensors", weights),
    ]


@pytest.fixture
def pipeline_archive(tmp_path, pipeline_entries) -> Path:
    """``pipeline_entries`` written by huggingface_hub's exporter (zipfile, ZIP64 local headers)."""
    from huggingface_hub import export_entries_as_dduf

    path = tmp_path / "pipeline.dduf"
    export_entries_as_dduf(path, pipeline_entries)
    return path
