"""A real DDUF client loads our archives: diffusers 0.40, the last release that loads DDUF pipelines
(``DiffusionPipeline.from_pretrained(folder, dduf_file=name)``; 0.41 raises). Run by
``tox -e diffusers040``, which pins diffusers 0.40.0, transformers 5.24.0, huggingface_hub 1.33.0
and torch 2.13.0; everywhere else this module is skipped.

The tiny pipeline of the golden fixtures (``weightspec.fixtures.tiny_pipeline``) is saved into a
folder and packed three ways: by the ``weightspec pack`` command, by the reference's
``export_folder_as_dduf``, and by its ``export_entries_as_dduf`` fed from a generator over the
live pipeline (configs and weights serialised in memory, as huggingface_hub's documentation
shows). diffusers loads each archive; every parameter and buffer of every component must equal,
bit for bit (``torch.equal``: on a model this small a flipped bit still gives an ``allclose``
image), that of the pipeline diffusers loads from the folder, the tokenizer and scheduler must
match, and one inference step with a fixed seed must give the identical image (with the weights
of both placed alike in memory: ``realign``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

diffusers = pytest.importorskip("diffusers", reason="diffusers is the DDUF client under test")
if not diffusers.__version__.startswith("0.40."):
    pytest.skip(
        f"needs diffusers 0.40.*, the last release that loads DDUF pipelines (installed: {diffusers.__version__}); "
        "run tox -e diffusers040",
        allow_module_level=True,
    )

import safetensors.torch  # noqa: E402 - after the version gate, like every import it guards
import torch  # noqa: E402

from weightspec.fixtures.tiny_pipeline import build_pipeline, run_one_step, save_pipeline  # noqa: E402
from weightspec.reference import export_entries_as_dduf, export_folder_as_dduf  # noqa: E402

PACKERS = ("weightspec-pack", "export_folder_as_dduf", "export_entries_as_dduf")


def live_entries(pipeline) -> Iterator[tuple[str, bytes]]:
    """The pipeline's files, produced from the live objects one entry at a time: model_index.json,
    each model's config and safetensors weights, the scheduler's config, the tokenizer's files."""
    yield "model_index.json", pipeline.to_json_string().encode("utf-8")
    for name, component in pipeline.components.items():
        if component is None:
            continue
        if isinstance(component, diffusers.ModelMixin):
            yield f"{name}/config.json", component.to_json_string().encode("utf-8")
            weights = "diffusion_pytorch_model.safetensors"
        elif isinstance(component, torch.nn.Module):  # a transformers model
            yield f"{name}/config.json", component.config.to_json_string().encode("utf-8")
            weights = "model.safetensors"
        elif isinstance(component, diffusers.SchedulerMixin):
            yield f"{name}/scheduler_config.json", component.to_json_string().encode("utf-8")
            continue
        else:  # a tokenizer: only save_pretrained knows its files
            with tempfile.TemporaryDirectory() as saved:
                component.save_pretrained(saved)
                for file in sorted(Path(saved).iterdir()):
                    yield f"{name}/{file.name}", file.read_bytes()
            continue
        yield f"{name}/{weights}", safetensors.torch.save(component.state_dict(), metadata={"format": "pt"})


@pytest.fixture(scope="module")
def pipeline():
    return build_pipeline()


@pytest.fixture(scope="module")
def folder(pipeline, tmp_path_factory) -> Path:
    return save_pipeline(pipeline, tmp_path_factory.mktemp("saved") / "tiny-pipeline")


@pytest.fixture(scope="module")
def from_folder(folder):
    return diffusers.DiffusionPipeline.from_pretrained(folder)


def pack(packer: str, pipeline, folder: Path, archive: Path) -> None:
    if packer == "weightspec-pack":
        command = [sys.executable, "-m", "weightspec.cli", "pack", str(folder), str(archive)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    elif packer == "export_folder_as_dduf":
        export_folder_as_dduf(archive, folder)
    else:
        export_entries_as_dduf(archive, live_entries(pipeline))


@pytest.fixture(scope="module", params=PACKERS)
def from_archive(request, pipeline, folder, tmp_path_factory):
    archive = tmp_path_factory.mktemp(request.param) / "tiny-pipeline.dduf"
    pack(request.param, pipeline, folder, archive)
    return diffusers.DiffusionPipeline.from_pretrained(archive.parent, dduf_file=archive.name)


def test_every_component_has_the_same_class(from_archive, from_folder):
    loaded = {name: type(component) for name, component in from_archive.components.items()}
    assert loaded == {name: type(component) for name, component in from_folder.components.items()}
    assert type(from_archive) is type(from_folder) is diffusers.StableDiffusionPipeline


def test_every_parameter_and_buffer_is_bit_identical(from_archive, from_folder):
    modules = [name for name, c in from_folder.components.items() if isinstance(c, torch.nn.Module)]
    assert sorted(modules) == ["text_encoder", "unet", "vae"]
    for name in modules:
        expected, got = from_folder.components[name], from_archive.components[name]
        for kind in ("named_parameters", "named_buffers"):
            want = dict(getattr(expected, kind)())
            have = dict(getattr(got, kind)())
            assert have.keys() == want.keys(), (name, kind)
            different = [
                k for k in want if have[k].dtype != want[k].dtype or not torch.equal(have[k], want[k])
            ]
            assert different == [], f"{name}: {len(different)} {kind[6:]} differ, first {different[:1]}"


def test_the_tokenizer_and_scheduler_are_the_same(from_archive, from_folder):
    prompt = "a cat and a dog"
    assert from_archive.tokenizer(prompt).input_ids == from_folder.tokenizer(prompt).input_ids
    assert dict(from_archive.scheduler.config) == dict(from_folder.scheduler.config)


def realign(pipeline) -> None:
    """Move every parameter and buffer of ``pipeline`` into freshly allocated memory (64-byte aligned).

    torch's CPU kernels round differently depending on where a weight lies in memory: the UNet
    loaded from the folder (tensors memory-mapped at the safetensors offsets, 8 bytes past a
    multiple of 16) and the one loaded from an archive (copied, 16-byte aligned) differ by 1e-7
    on identical bits. With both placed alike, only the bits decide the output.
    """
    for component in pipeline.components.values():
        if isinstance(component, torch.nn.Module):
            for tensor in (*component.parameters(), *component.buffers()):
                tensor.data = tensor.data.clone()


def test_one_inference_step_gives_the_identical_image(from_archive, from_folder):
    realign(from_folder)
    realign(from_archive)
    expected = run_one_step(from_folder)
    assert torch.isfinite(expected).all()
    assert torch.equal(run_one_step(from_archive), expected)
