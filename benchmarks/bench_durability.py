"""What replacing a checkpoint costs, and what ``fsync=True`` adds (SHARD-SAVE-012, 016).

Each variant writes over its own output of the previous round, as a training loop saving every
epoch does: ``safetensors.torch.save_file`` over one file (the baseline), the reference's save
of the same bytes into 6 shards over a checkpoint of the same shard count (the side-name
protocol at work), the same with ``fsync=True``, and huggingface_hub's save for comparison; then
the DDUF writer over an archive, with and without ``fsync``. Every row is shown for information:
the figures are what the docstrings and the spec quote.
"""

from __future__ import annotations

import os
from pathlib import Path

import huggingface_hub
import torch
from safetensors.torch import save_file

from benchmarks.harness import Row, alternate, announce, throughput_ratio, time_ratio
from weightspec import reference

TENSORS = 60
SHARDS = 6


def run(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    workdir.mkdir(parents=True)
    return bench_replacing_save(workdir, rounds=rounds, size=size) + bench_dduf_fsync(
        workdir, rounds=rounds, size=size
    )


def bench_replacing_save(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    announce(f"save {size >> 20} MiB over an earlier save, {rounds} rounds, with and without fsync")
    generator = torch.Generator().manual_seed(0)
    state_dict = {f"w{i}": torch.randn(size // TENSORS // 4, generator=generator) for i in range(TENSORS)}
    limit = (TENSORS // SHARDS) * (size // TENSORS) + 1
    single = workdir / "single.safetensors"
    default_dir, fsync_dir, hub_dir = workdir / "ours", workdir / "ours-fsync", workdir / "hub"
    variants = {
        "safetensors.save_file": lambda: save_file(state_dict, single),
        "weightspec.save": lambda: reference.save_torch_state_dict(
            state_dict, default_dir, max_shard_size=limit
        ),
        "weightspec.save(fsync=True)": lambda: reference.save_torch_state_dict(
            state_dict, fsync_dir, max_shard_size=limit, fsync=True
        ),
        "hub.save_torch_state_dict": lambda: huggingface_hub.save_torch_state_dict(
            state_dict, hub_dir, max_shard_size=limit
        ),
    }
    hub_dir.mkdir()  # huggingface_hub's save expects an existing directory
    for write in variants.values():  # the earlier checkpoint each timed save replaces
        write()
    assert len(list(default_dir.glob("*.safetensors"))) == SHARDS, "benchmark shape: expected 6 shards"
    timings = alternate(variants, rounds=rounds, before_each=lambda name: os.sync())
    title = f"replace {size >> 20} MiB in {SHARDS} shards"
    return [
        throughput_ratio(title, timings, name, "safetensors.save_file", at_least=None)
        for name in variants
        if name != "safetensors.save_file"
    ]


def bench_dduf_fsync(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    announce(
        f"export a {size >> 20} MiB DDUF archive over an earlier one, {rounds} rounds, with and without fsync"
    )
    weights = workdir / "weights.safetensors"
    save_file({"w": torch.zeros(size // 4)}, weights)
    entries = [
        ("model_index.json", b'{"_class_name": "Bench", "unet": ["d", "U"]}'),
        ("unet/config.json", b"{}"),
        ("unet/model.safetensors", weights),
    ]
    archive = workdir / "pipeline.dduf"
    variants = {
        "weightspec.export": lambda: reference.export_entries_as_dduf(archive, entries),
        "weightspec.export(fsync=True)": lambda: reference.export_entries_as_dduf(
            archive, entries, fsync=True
        ),
    }
    variants["weightspec.export"]()
    timings = alternate(variants, rounds=rounds, before_each=lambda name: os.sync())
    return [
        time_ratio(
            f"export {size >> 20} MiB as DDUF",
            timings,
            "weightspec.export(fsync=True)",
            "weightspec.export",
            at_most=None,
        )
    ]
