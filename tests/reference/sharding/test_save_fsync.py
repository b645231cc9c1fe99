"""``fsync=True`` flushes every file before its rename and the directory after it (SHARD-SAVE-016)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch

from weightspec.reference import export_entries_as_dduf, save_torch_state_dict

TENSORS = {name: torch.full((16,), float(i + 1)) for i, name in enumerate("abcd")}

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="names a descriptor's file through /proc")


@pytest.fixture
def events(monkeypatch) -> list[tuple[str, str]]:
    """("fsync", the file's name) and ("replace", the target's name), in the order they happen."""
    log = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        log.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
        real_fsync(fd)

    def replace(source, target):
        log.append(("replace", Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return log


def test_every_rename_is_preceded_by_its_files_flush_and_followed_by_the_directorys(tmp_path, events):
    directory = tmp_path / "checkpoint"
    save_torch_state_dict(TENSORS, directory, max_shard_size=100)  # 4 shards, not yet measured
    events.clear()
    save_torch_state_dict(TENSORS, directory, max_shard_size=100, fsync=True)  # over the same names
    renames = [i for i, (kind, _) in enumerate(events) if kind == "replace"]
    assert len(renames) >= 4 + 4 + 2  # the links, the shards, the two indexes
    for i in renames:
        assert events[i - 1][0] == "fsync" and events[i - 1][1].endswith(".tmp"), events[i - 1 : i + 2]
        assert events[i + 1] == ("fsync", directory.name), events[i - 1 : i + 2]


def test_without_fsync_nothing_is_flushed(tmp_path, events):
    save_torch_state_dict(TENSORS, tmp_path, max_shard_size=100)
    save_torch_state_dict(TENSORS, tmp_path, max_shard_size=100)
    export_entries_as_dduf(tmp_path / "a.dduf", [("model_index.json", b'{"_class_name": "X"}')])
    assert [kind for kind, _ in events if kind == "fsync"] == []
    assert events  # the renames were seen


def test_the_dduf_writer_flushes_the_archive_and_its_directory(tmp_path, events):
    export_entries_as_dduf(tmp_path / "a.dduf", [("model_index.json", b'{"_class_name": "X"}')], fsync=True)
    (_, flushed), *rest = events
    assert flushed.startswith(".a.dduf.") and flushed.endswith(".tmp")
    assert rest == [("replace", "a.dduf"), ("fsync", tmp_path.name)]
