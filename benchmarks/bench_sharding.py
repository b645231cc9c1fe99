"""Sharded-checkpoint benchmarks: splitting many tensors, saving and loading a sharded checkpoint.

Targets (issue 4): the split is linear (time per tensor at 100k within 1.2x of that at 10k) and
takes at most 0.3x huggingface_hub's time with one shard, 0.2x with about 500 shards; saving
1 GiB into 6 shards reaches 0.9x the throughput of one ``safetensors.torch.save_file``; loading
it reaches 0.9x the throughput of ``model.load_state_dict(load_file(single))`` with a peak RSS no
higher than huggingface_hub's sharded load.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import huggingface_hub
import torch
from safetensors.torch import load_file, save_file

from benchmarks.harness import (
    Row,
    Timings,
    alternate,
    memory_ratio,
    peak_rss_added,
    throughput_ratio,
    time_ratio,
)
from weightspec import reference

SMALL_TENSOR_ELEMENTS = 16  # 64 bytes of float32; half the tensors are views sharing a storage
MANY_SHARDS_LIMIT = 6_400  # bytes: about 500 shards at 100,000 tensors
SAVE_TENSORS = 60
SAVE_SHARDS = 6


def run(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    workdir.mkdir(parents=True)
    return bench_split(rounds=rounds) + bench_save_load(workdir, rounds=rounds, size=size)


def _many_small_tensors(count: int) -> dict[str, torch.Tensor]:
    """``count`` tensors of 64 bytes; every second one is a view of the one before (shared storage)."""
    state_dict = {}
    for i in range(0, count, 2):
        base = torch.zeros(2 * SMALL_TENSOR_ELEMENTS)
        state_dict[f"layer.{i}.weight"] = base[:SMALL_TENSOR_ELEMENTS]
        state_dict[f"layer.{i + 1}.weight"] = base[SMALL_TENSOR_ELEMENTS:]
    return state_dict


def bench_split(*, rounds: int) -> list[Row]:
    rows = []
    per_tensor: dict[int, float] = {}
    for count in (10_000, 100_000):
        state_dict = _many_small_tensors(count)
        for label, limit in (("1 shard", "5GB"), ("~500 shards", MANY_SHARDS_LIMIT)):
            timings = alternate(
                {
                    "weightspec.split": lambda sd=state_dict, limit=limit: (
                        reference.split_torch_state_dict_into_shards(sd, max_shard_size=limit)
                    ),
                    "hub.split": lambda sd=state_dict, limit=limit: (
                        huggingface_hub.split_torch_state_dict_into_shards(sd, max_shard_size=limit)
                    ),
                },
                rounds=max(3, rounds // 3),
            )
            target = 0.3 if label == "1 shard" else 0.2
            rows.append(
                time_ratio(
                    f"split {count:,} tensors, {label}",
                    timings,
                    "weightspec.split",
                    "hub.split",
                    at_most=target if count == 100_000 else None,
                )
            )
            if label == "~500 shards":
                per_tensor[count] = timings["weightspec.split"].best / count
    linear = {
        "100k": Timings("per tensor at 100k", [per_tensor[100_000]]),
        "10k": Timings("per tensor at 10k", [per_tensor[10_000]]),
    }
    rows.append(time_ratio("split linearity (~500 shards)", linear, "100k", "10k", at_most=1.2))
    return rows


class _Weights(torch.nn.Module):
    def __init__(self, state_dict: dict[str, torch.Tensor]) -> None:
        super().__init__()
        for name, tensor in state_dict.items():
            self.register_parameter(name, torch.nn.Parameter(torch.empty_like(tensor), requires_grad=False))


def bench_save_load(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    generator = torch.Generator().manual_seed(0)
    state_dict = {
        f"w{i}": torch.randn(size // SAVE_TENSORS // 4, generator=generator) for i in range(SAVE_TENSORS)
    }
    tensor_bytes = size // SAVE_TENSORS
    limit = (SAVE_TENSORS // SAVE_SHARDS) * tensor_bytes + 1
    single = workdir / "single.safetensors"
    ours_dir, hub_dir = workdir / "ours", workdir / "hub"

    def before_save(name: str) -> None:
        single.unlink(missing_ok=True)
        shutil.rmtree(ours_dir, ignore_errors=True)
        shutil.rmtree(hub_dir, ignore_errors=True)
        hub_dir.mkdir()  # huggingface_hub's save expects an existing directory
        os.sync()  # no run pays for another's writeback

    save = alternate(
        {
            "safetensors.save_file": lambda: save_file(state_dict, single),
            "weightspec.save_sharded": lambda: reference.save_torch_state_dict(
                state_dict, ours_dir, max_shard_size=limit
            ),
            "hub.save_sharded": lambda: huggingface_hub.save_torch_state_dict(
                state_dict, hub_dir, max_shard_size=limit
            ),
        },
        rounds=rounds,
        before_each=before_save,
    )
    # Each round removes every output first, so write the checkpoints the load benchmark reads once more.
    before_save("")
    save_file(state_dict, single)
    reference.save_torch_state_dict(state_dict, ours_dir, max_shard_size=limit)
    assert len(list(ours_dir.glob("*.safetensors"))) == SAVE_SHARDS, "benchmark shape: expected 6 shards"

    model = _Weights(state_dict)
    load = alternate(
        {
            "load_state_dict(load_file)": lambda: model.load_state_dict(load_file(single)),
            "weightspec.load_torch_model": lambda: reference.load_torch_model(model, ours_dir),
            "hub.load_torch_model": lambda: huggingface_hub.load_torch_model(model, ours_dir),
        },
        rounds=rounds,
    )
    setup = (
        "import torch\nfrom benchmarks.bench_sharding import _Weights\n"
        f"model = _Weights({{f'w{{i}}': torch.empty({tensor_bytes // 4}) for i in range({SAVE_TENSORS})}})"
    )
    ours_rss = peak_rss_added(
        f"from weightspec.reference import load_torch_model\nload_torch_model(model, {str(ours_dir)!r})",
        setup=setup,
    )
    hub_rss = peak_rss_added(
        f"from huggingface_hub import load_torch_model\nload_torch_model(model, {str(ours_dir)!r})",
        setup=setup,
    )
    return [
        throughput_ratio(
            "save 1 GiB into 6 shards", save, "weightspec.save_sharded", "safetensors.save_file", at_least=0.9
        ),
        throughput_ratio(
            "save 1 GiB into 6 shards", save, "hub.save_sharded", "safetensors.save_file", at_least=None
        ),
        throughput_ratio(
            "load 6 shards", load, "weightspec.load_torch_model", "load_state_dict(load_file)", at_least=0.9
        ),
        throughput_ratio(
            "load 6 shards", load, "hub.load_torch_model", "load_state_dict(load_file)", at_least=None
        ),
        memory_ratio(
            "load 6 shards",
            "weightspec.load_torch_model",
            ours_rss,
            "hub.load_torch_model",
            hub_rss,
            at_most=1.0,
        ),
    ]
