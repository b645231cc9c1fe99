"""DDUF benchmarks: reading a 20,000-entry archive, exporting a folder, zero-copy tensor loading.

Targets: read at most 0.4x huggingface_hub's time, on archives written by zipfile (as
huggingface_hub writes them) and by the reference writer (64-byte alignment padding on every
entry), reported side by side; export at least 0.7x the throughput
of ``cp -r`` into an absent destination (the existing-destination case is reported too); loading
a safetensors entry adds at most 1.1x its size to peak RSS and takes at most 1.2x the time of
``safetensors.torch.load_file`` on the same bytes as a plain file.
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import huggingface_hub
import numpy as np

from benchmarks.harness import (
    Row,
    alternate,
    announce,
    memory_ratio,
    peak_rss_added,
    same_cache_state,
    throughput_ratio,
    time_ratio,
)
from weightspec import reference

READ_ENTRIES = 20_000
READ_TARGET = 0.4  # issue 11: at most 0.4x huggingface_hub's time, on either writer's archives
INDEX = b'{"_class_name": "Bench"}'


def run(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    workdir.mkdir(parents=True)
    return (
        bench_read(workdir, rounds=rounds)
        + bench_export(workdir, rounds=rounds, size=size)
        + bench_zero_copy(workdir, rounds=rounds, size=size)
    )


def _many_entries(path: Path, *, writer: str) -> None:
    """A ``READ_ENTRIES``-entry archive of 1-byte entries, written by zipfile (as huggingface_hub's
    writer does, without padding) or by the reference writer (a 64-byte alignment extra on each)."""
    names = [f"notes-{i:05d}.txt" for i in range(READ_ENTRIES - 1)]
    if writer == "zipfile":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("model_index.json", INDEX)
            for name in names:
                zf.writestr(name, b"x")
    else:
        reference.export_entries_as_dduf(
            path, [("model_index.json", INDEX), *((name, b"x") for name in names)]
        )


def bench_read(workdir: Path, *, rounds: int) -> list[Row]:
    """Both archive kinds in the same rounds: the reader's cost differs by how entries are padded."""
    announce(f"read {READ_ENTRIES:,}-entry archives written by zipfile and by weightspec, {rounds} rounds")
    archives = {"zipfile": workdir / "many-zipfile.dduf", "weightspec": workdir / "many-weightspec.dduf"}
    for writer, path in archives.items():
        _many_entries(path, writer=writer)
    variants = {}
    for writer, path in archives.items():
        variants[f"weightspec.read, {writer}-made"] = functools.partial(reference.read_dduf_file, path)
        variants[f"hub.read, {writer}-made"] = functools.partial(huggingface_hub.read_dduf_file, path)
    # gc.collect(): no variant pays for the garbage of the one before it (zipfile leaves much).
    timings = alternate(variants, rounds=rounds, before_each=lambda name: gc.collect())
    return [
        time_ratio(
            f"read {READ_ENTRIES:,} entries, {writer}-made",
            timings,
            f"weightspec.read, {writer}-made",
            f"hub.read, {writer}-made",
            at_most=READ_TARGET,
        )
        for writer in archives
    ]


def _make_pipeline_folder(folder: Path, size: int) -> None:
    """A diffusers-shaped folder of about ``size`` bytes: 3/4 in the unet, 1/4 in the vae."""
    rng = np.random.default_rng(0)
    (folder / "unet").mkdir(parents=True)
    (folder / "vae").mkdir()
    (folder / "model_index.json").write_text(
        '{"_class_name": "Bench", "unet": ["d", "U"], "vae": ["d", "V"]}'
    )
    for component, share in (("unet", 3 * size // 4), ("vae", size // 4)):
        (folder / component / "config.json").write_text("{}")
        with open(folder / component / "diffusion_pytorch_model.safetensors", "wb") as f:
            for _ in range(share // 2**24):
                f.write(rng.bytes(2**24))


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    os.sync()  # flush the previous run's dirty pages so that no run pays for another's writeback


def bench_export(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    announce(f"export a {size >> 20} MiB folder, absent then existing destination, {rounds} rounds each")
    folder = workdir / "pipeline"
    _make_pipeline_folder(folder, size)
    out = workdir / "out"
    copy = ["cp", "-rT", folder, out]  # -T: copy onto ``out`` itself, whether it exists or not
    variants = {
        "cp -r": lambda: subprocess.run(copy, check=True),
        "weightspec.export_folder": lambda: reference.export_folder_as_dduf(out, folder),
        "hub.export_folder": lambda: huggingface_hub.export_folder_as_dduf(out, folder),
    }
    absent = alternate(variants, rounds=rounds, before_each=lambda name: _remove(out))

    def existing_destination(name: str) -> None:
        """An earlier result of the same variant lies at ``out``; cp then overwrites its files in place."""
        _remove(out)
        if name == "cp -r":
            subprocess.run(copy, check=True)
        else:
            reference.export_folder_as_dduf(out, folder)
        os.sync()

    existing = alternate(variants, rounds=rounds, before_each=existing_destination)
    _remove(out)
    return [
        throughput_ratio(
            "export 1 folder, absent dest", absent, "weightspec.export_folder", "cp -r", at_least=0.7
        ),
        throughput_ratio("export 1 folder, absent dest", absent, "hub.export_folder", "cp -r", at_least=None),
        throughput_ratio(
            "export 1 folder, existing dest", existing, "weightspec.export_folder", "cp -r", at_least=None
        ),
        throughput_ratio(
            "export 1 folder, existing dest", existing, "hub.export_folder", "cp -r", at_least=None
        ),
    ]


def _make_safetensors(path: Path, size: int) -> None:
    import torch
    from safetensors.torch import save_file

    count = 16
    generator = torch.Generator().manual_seed(0)
    save_file({f"w{i}": torch.randn(size // count // 4, generator=generator) for i in range(count)}, path)


def bench_zero_copy(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    announce(f"load a {size >> 20} MiB safetensors entry, {rounds} rounds, then peak RSS")
    import torch
    from safetensors.torch import load_file

    plain = workdir / "weights.safetensors"
    _make_safetensors(plain, size)
    folder = workdir / "zc"
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text('{"_class_name": "Bench", "unet": ["d", "U"]}')
    (folder / "unet" / "config.json").write_text("{}")
    os.link(plain, folder / "unet" / "model.safetensors")
    archive = workdir / "zc.dduf"
    reference.export_folder_as_dduf(archive, folder)
    entry = reference.read_dduf_file(archive)["unet/model.safetensors"]
    same_cache_state(archive, plain)

    def touch(tensors: dict[str, torch.Tensor]) -> None:
        for tensor in tensors.values():
            tensor.sum()

    timings = alternate(
        {
            "load_safetensors_entry": lambda: touch(reference.load_safetensors_entry(entry)),
            "safetensors.load_file": lambda: touch(load_file(plain)),
        },
        rounds=rounds,
    )
    setup_ours = (
        f"import torch\nfrom weightspec.reference import read_dduf_file, load_safetensors_entry\n"
        f"entry = read_dduf_file({str(archive)!r})['unet/model.safetensors']"
    )
    setup_hub = (
        f"import torch, safetensors.torch\nfrom huggingface_hub import read_dduf_file\n"
        f"entry = read_dduf_file({str(archive)!r})['unet/model.safetensors']"
    )
    touch_code = "[t.sum() for t in tensors.values()]"
    ours = peak_rss_added(f"tensors = load_safetensors_entry(entry); {touch_code}", setup=setup_ours)
    hub = peak_rss_added(
        f"with entry.as_mmap() as mm: tensors = safetensors.torch.load(mm)\n{touch_code}", setup=setup_hub
    )
    entry_size = plain.stat().st_size
    return [
        time_ratio(
            "load 1 safetensors entry",
            timings,
            "load_safetensors_entry",
            "safetensors.load_file",
            at_most=1.2,
        ),
        memory_ratio(
            "load 1 safetensors entry", "load_safetensors_entry", ours, "entry size", entry_size, at_most=1.1
        ),
        memory_ratio(
            "load 1 safetensors entry", "hub as_mmap+load", hub, "entry size", entry_size, at_most=None
        ),
    ]
