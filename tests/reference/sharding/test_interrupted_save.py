"""A save killed half-way never costs the earlier checkpoint (SHARD-SAVE-003, 004, 009, 012).

A child process saves a checkpoint over an earlier one. Before importing weightspec it wraps, in
its own process only, the function at which it must stop (``safetensors.torch.save_file`` or
``os.replace``): the wrapper touches a marker file and sleeps, and the parent SIGKILLs it as soon
as the marker appears. The stopping point is therefore exact, with no timing guesswork.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from weightspec.reference import load_torch_model, save_torch_state_dict, validate_checkpoint

from .checkpoint_helpers import blank_like, directory_snapshot, same_bits

OLD = {name: torch.full((16,), float(i + 1)) for i, name in enumerate("abcd")}  # 64 bytes each
FOUR_SHARDS, TWO_SHARDS = 100, 130  # max_shard_size giving 4 or 2 shards for OLD and NEW

CHILD = """
import os, sys, time
import safetensors.torch

directory, stop, marker, limit = sys.argv[1:5]

def pause():
    open(marker, "w").close()
    time.sleep(600)  # until the parent kills this process

if stop == "after-first-shard-written":
    original_save_file = safetensors.torch.save_file
    def save_file(*args, **kwargs):
        original_save_file(*args, **kwargs)
        pause()
    safetensors.torch.save_file = save_file
elif stop == "before-first-rename":
    os.replace = lambda source, target: pause()
elif stop == "after-first-rename":
    original_replace = os.replace
    def replace(source, target):
        original_replace(source, target)
        pause()
    os.replace = replace
elif stop == "never":  # record every rename's target, in order, and finish
    original_replace = os.replace
    def replace(source, target):
        with open(marker, "a") as log:
            log.write(os.path.basename(target) + "\\n")
        original_replace(source, target)
    os.replace = replace

import torch
from weightspec.reference import save_torch_state_dict

new = {name: torch.full((16,), 10.0 + i) for i, name in enumerate("abcd")}
save_torch_state_dict(new, directory, max_shard_size=int(limit))
"""


def run_child(directory: Path, stop: str, marker: Path, limit: int) -> None:
    """Run the child save; unless ``stop`` is "never", kill it once it reaches the stopping point."""
    args = [sys.executable, "-c", CHILD, str(directory), stop, str(marker), str(limit)]
    child = subprocess.Popen(args, stderr=subprocess.PIPE)
    if stop == "never":
        assert child.wait(timeout=120) == 0, child.stderr.read().decode()
        return
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, f"the child exited early: {child.stderr.read().decode()}"
        assert time.monotonic() < deadline, "the child never reached its stopping point"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    child.stderr.close()


@pytest.fixture
def earlier(tmp_path) -> Path:
    directory = tmp_path / "checkpoint"
    save_torch_state_dict(OLD, directory, max_shard_size=FOUR_SHARDS)
    return directory


def checkpoint_files(directory: Path) -> dict[str, str]:
    """The snapshot without the temporary files an interrupted save leaves."""
    return {
        name: digest for name, digest in directory_snapshot(directory).items() if not name.endswith(".tmp")
    }


def assert_loads_as(directory: Path, expected: dict[str, torch.Tensor]) -> None:
    model = blank_like(expected)
    load_torch_model(model, directory, strict=True)
    assert all(same_bits(model.get_buffer(name), tensor) for name, tensor in expected.items())
    assert validate_checkpoint(directory) == []


@pytest.mark.parametrize(
    ("stop", "limit"),
    [
        ("after-first-shard-written", FOUR_SHARDS),
        ("after-first-shard-written", TWO_SHARDS),
        ("before-first-rename", TWO_SHARDS),
    ],
)
def test_killed_before_any_rename_leaves_the_earlier_checkpoint_untouched(earlier, tmp_path, stop, limit):
    before = checkpoint_files(earlier)
    run_child(earlier, stop, tmp_path / "marker", limit)
    assert checkpoint_files(earlier) == before
    assert [name for name in os.listdir(earlier) if name.endswith(".tmp")]  # the child really wrote
    assert_loads_as(earlier, OLD)


def test_killed_after_a_rename_to_new_names_leaves_the_earlier_checkpoint_loadable(earlier, tmp_path):
    """Two new shards are named -of-00002: renaming one replaces none of the four old files."""
    run_child(earlier, "after-first-rename", tmp_path / "marker", TWO_SHARDS)
    assert (earlier / "model-00001-of-00002.safetensors").exists()
    assert_loads_as(earlier, OLD)


@pytest.mark.parametrize("stop", ["before-first-rename", "after-first-rename"])
def test_killed_while_replacing_same_name_shards_leaves_the_earlier_checkpoint_loadable(
    earlier, tmp_path, stop
):
    """SHARD-SAVE-009, 012: the old shards are indexed under side names before any same-name rename."""
    run_child(earlier, stop, tmp_path / "marker", FOUR_SHARDS)
    assert_loads_as(earlier, OLD)


def test_complete_save_renames_every_shard_before_the_index(earlier, tmp_path):
    """SHARD-SAVE-003: the index is written last."""
    log = tmp_path / "renames"
    run_child(earlier, "never", log, TWO_SHARDS)
    assert log.read_text().splitlines() == [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
    ]
    assert_loads_as(earlier, {name: torch.full((16,), 10.0 + i) for i, name in enumerate("abcd")})
    assert not [name for name in os.listdir(earlier) if name.endswith(".tmp")]
