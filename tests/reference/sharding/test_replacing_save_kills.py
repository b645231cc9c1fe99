"""A save over an existing checkpoint, killed at every step, leaves exactly the old or exactly the new one
(SHARD-SAVE-009, 012, 013, 014, 015).

The test process forks a child that saves NEW over OLD. In its own memory only, the child wraps
every call that writes or changes a name in the directory (``safetensors.torch.save_file``,
``os.replace``, ``os.link``, ``os.unlink``); before the k-th of them it touches a marker file and
sleeps, and the parent SIGKILLs it as soon as the marker appears. A first, unkilled run counts the
steps, so every step of every phase, the publishing ones included, is a stopping point, exactly,
with no timing guesswork.

After each kill the directory must load, strictly, as OLD or as NEW, with identical tensors, in
the reference, in huggingface_hub and as transformers finds the files (``model.safetensors``
first, then the index, through transformers' own ``get_checkpoint_shard_files``), and
``weightspec validate`` must pass. Every file must have a role: an old file under its name, a new
file under its name, a side name holding what its rule says (SHARD-SAVE-012, 013), or the index.
A later save must then leave exactly the files of a fresh save.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import time
from pathlib import Path

import huggingface_hub
import pytest
import safetensors.torch
import torch
from transformers.utils.hub import get_checkpoint_shard_files

from weightspec.cli.main import main as weightspec
from weightspec.reference import load_torch_model, save_torch_state_dict
from weightspec.reference.sharding.checkpoint_names import incoming_name, previous_name

from .checkpoint_helpers import blank_like, same_bits

PATTERN = "model{suffix}.safetensors"
INDEX, SINGLE = "model.safetensors.index.json", "model.safetensors"
OLD = {name: torch.full((16,), float(i + 1)) for i, name in enumerate("abcd")}  # 64 bytes each
NEW = {name: torch.full((16,), 10.0 + i) for i, name in enumerate("abcd")}
ONE, TWO, FOUR = 10_000, 130, 100  # max_shard_size giving 1, 2 or 4 files

CASES = {
    "same-shard-count": (FOUR, FOUR),
    "more-shards": (TWO, FOUR),
    "fewer-shards": (FOUR, TWO),
    "sharded-to-single-file": (FOUR, ONE),
    "single-file-to-sharded": (ONE, FOUR),
    "single-file-to-single-file": (ONE, ONE),
}
SIDE_NAMED = {"same-shard-count", "sharded-to-single-file", "single-file-to-sharded"}  # the others need none
STEPS = [(os, "replace"), (os, "link"), (os, "unlink"), (safetensors.torch, "save_file")]


def save_in_child(directory: Path, limit: int, marker: Path, stop_at: int | None) -> int:
    """Fork a child that saves NEW in ``directory``; it pauses before step ``stop_at`` (from 0), and is
    killed there. Returns the number of steps the save took (``stop_at`` None: an unkilled run)."""
    counter = marker.with_suffix(".steps")
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        with contextlib.suppress(BaseException):
            _hook_steps(marker, counter, stop_at)
            save_torch_state_dict(NEW, directory, max_shard_size=limit)
            code = 0
        os._exit(code)
    if stop_at is None:
        assert os.waitpid(pid, 0)[1] == 0
        return int(counter.read_text())
    deadline = time.monotonic() + 60
    while not marker.exists():
        finished, status = os.waitpid(pid, os.WNOHANG)
        assert finished == 0, f"the child exited (status {status}) before step {stop_at}"
        assert time.monotonic() < deadline, f"the child never reached step {stop_at}"
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    marker.unlink()
    return stop_at


def _hook_steps(marker: Path, counter: Path, stop_at: int | None) -> None:
    steps = 0

    def hooked(original):
        def step(*args, **kwargs):
            nonlocal steps
            if steps == stop_at:
                marker.touch()
                time.sleep(600)  # until the parent kills this process
            steps += 1
            counter.write_text(str(steps))
            return original(*args, **kwargs)

        return step

    for module, name in STEPS:
        setattr(module, name, hooked(getattr(module, name)))


def digests(directory: Path) -> dict[str, str]:
    """The checkpoint's files (no ``.tmp`` leftover) with the SHA-256 of their content."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
        if not path.name.endswith(".tmp")
    }


def loaded_by_reference(directory: Path) -> dict[str, torch.Tensor]:
    model = blank_like(OLD)
    load_torch_model(model, directory, strict=True)
    return dict(model.state_dict())


def loaded_by_huggingface_hub(directory: Path) -> dict[str, torch.Tensor]:
    model = blank_like(OLD)
    huggingface_hub.load_torch_model(model, directory, strict=True)
    return dict(model.state_dict())


def loaded_as_transformers_finds_it(directory: Path) -> dict[str, torch.Tensor]:
    """``model.safetensors`` when present, else the index's shards: ``from_pretrained``'s order."""
    if (directory / SINGLE).is_file():
        return safetensors.torch.load_file(directory / SINGLE)
    shards, _ = get_checkpoint_shard_files(str(directory), str(directory / INDEX))
    return {name: tensor for shard in shards for name, tensor in safetensors.torch.load_file(shard).items()}


def which(tensors: dict[str, torch.Tensor]) -> str:
    for label, expected in (("old", OLD), ("new", NEW)):
        if tensors.keys() == expected.keys() and all(same_bits(tensors[n], expected[n]) for n in expected):
            return label
    raise AssertionError(f"neither the old nor the new checkpoint: {tensors}")


def role(name: str, digest: str, old: dict[str, str], new: dict[str, str]) -> str:
    """What the file ``name`` is: old, new, link (a side name, SHARD-SAVE-012, 013) or index."""
    if name == INDEX:
        return "index"
    if old.get(name) == digest:
        return "old"
    if new.get(name) == digest:
        return "new"
    if any(name == previous_name(PATTERN, original) and digest == d for original, d in old.items()):
        return "link"
    if name == incoming_name(PATTERN) and digest == new.get(SINGLE):
        return "link"
    raise AssertionError(f"{name} is neither an old file, a new one nor a side name of one")


@pytest.mark.parametrize("case", CASES)
def test_every_kill_leaves_exactly_the_old_or_the_new_checkpoint(tmp_path, caplog, case):
    """SHARD-SAVE-009 at every step; side names: SHARD-SAVE-012, SHARD-SAVE-013; cleanup: SHARD-SAVE-014."""
    old_limit, new_limit = CASES[case]
    directory, fresh, marker = tmp_path / "checkpoint", tmp_path / "fresh", tmp_path / "marker"
    save_torch_state_dict(OLD, directory, max_shard_size=old_limit)
    old = digests(directory)
    save_torch_state_dict(NEW, fresh, max_shard_size=new_limit)
    new = digests(fresh)
    steps = _count_steps(tmp_path, old_limit, new_limit, marker)
    seen, kinds = [], set()
    for stop_at in range(steps + 1):
        _reset(directory, old_limit)
        save_in_child(directory, new_limit, marker, stop_at if stop_at < steps else None)
        files = digests(directory)
        roles = {name: role(name, digest, old, new) for name, digest in files.items()}
        views = {
            "reference": which(loaded_by_reference(directory)),
            "huggingface_hub": which(loaded_by_huggingface_hub(directory)),
            "transformers": which(loaded_as_transformers_finds_it(directory)),
        }
        assert len(set(views.values())) == 1, (stop_at, views, roles)
        caplog.clear()
        assert weightspec(["validate", str(directory)]) == 0, (stop_at, roles)
        links = sorted(name for name, kind in roles.items() if kind == "link")
        warned = [r.getMessage() for r in caplog.records if "interrupted save" in r.getMessage()]
        assert warned == (
            [
                f"{directory}: {', '.join(links)} left by an interrupted save (SHARD-SAVE-015); "
                "the next save removes them"
            ]
            if links
            else []
        ), (stop_at, warned)
        kinds.update(roles.values())
        if INDEX in files:
            indexed = set(json.loads((directory / INDEX).read_text())["weight_map"].values())
            assert {roles[name] for name in indexed} <= {"old", "new", "link"}, (stop_at, roles)
        seen.append(views["reference"])
        save_torch_state_dict(NEW, directory, max_shard_size=new_limit)  # a later save cleans up
        assert digests(directory) == new, (stop_at, roles)
    assert seen[0] == "old" and seen[-1] == "new" and seen == sorted(seen, key=["old", "new"].index), seen
    assert ("link" in kinds) == (case in SIDE_NAMED), kinds


def _count_steps(tmp_path: Path, old_limit: int, new_limit: int, marker: Path) -> int:
    counted = tmp_path / "counted"
    save_torch_state_dict(OLD, counted, max_shard_size=old_limit)
    return save_in_child(counted, new_limit, marker, None)


def _reset(directory: Path, old_limit: int) -> None:
    """The directory back to holding only OLD, as saved once (a kill's ``.tmp`` leftovers removed)."""
    for path in directory.iterdir():
        path.unlink()
    save_torch_state_dict(OLD, directory, max_shard_size=old_limit)
