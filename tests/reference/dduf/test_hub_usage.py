"""huggingface_hub's documented DDUF usage runs unchanged on weightspec.reference: only the import differs.

One test body, written as huggingface_hub's documentation writes it, parametrised over the two
modules that provide ``export_folder_as_dduf``, ``export_entries_as_dduf`` and ``read_dduf_file``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Generator

import pytest

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")


@pytest.mark.parametrize("module_name", ["huggingface_hub", "weightspec.reference"])
def test_documented_usage(module_name, tmp_path, monkeypatch):
    dduf = importlib.import_module(module_name)
    monkeypatch.chdir(tmp_path)
    state_dict = {"weight": torch.arange(6, dtype=torch.float32).reshape(2, 3), "bias": torch.zeros(3)}

    # Export a folder (huggingface_hub: export_folder_as_dduf(dduf_path=..., folder_path=...)).
    folder = tmp_path / "pipeline"
    (folder / "vae").mkdir(parents=True)
    (folder / "model_index.json").write_text(
        json.dumps({"_class_name": "Pipeline", "vae": ["diffusers", "AutoencoderKL"]})
    )
    (folder / "vae" / "config.json").write_text('{"_class_name": "AutoencoderKL"}')
    safetensors_torch.save_file(state_dict, folder / "vae" / "diffusion_pytorch_model.safetensors")
    dduf.export_folder_as_dduf(dduf_path="from-folder.dduf", folder_path=folder)

    # Export entries from a generator of (name, bytes), one entry in memory at a time.
    def as_entries() -> Generator[tuple[str, bytes], None, None]:
        yield "model_index.json", (folder / "model_index.json").read_bytes()
        yield "vae/config.json", json.dumps({"_class_name": "AutoencoderKL"}).encode()
        yield "vae/diffusion_pytorch_model.safetensors", safetensors_torch.save(state_dict)

    dduf.export_entries_as_dduf(dduf_path="from-entries.dduf", entries=as_entries())

    for archive in ("from-folder.dduf", "from-entries.dduf"):
        # Read DDUF metadata: a mapping filename <> DDUFEntry.
        dduf_entries = dduf.read_dduf_file(archive)
        assert sorted(dduf_entries) == [
            "model_index.json",
            "vae/config.json",
            "vae/diffusion_pytorch_model.safetensors",
        ]
        # Load the model index as JSON.
        assert json.loads(dduf_entries["model_index.json"].read_text())["_class_name"] == "Pipeline"
        # Load the VAE weights with safetensors.
        with dduf_entries["vae/diffusion_pytorch_model.safetensors"].as_mmap() as mm:
            loaded = safetensors_torch.load(mm)
        assert loaded.keys() == state_dict.keys()
        assert all(torch.equal(loaded[name], tensor) for name, tensor in state_dict.items())
