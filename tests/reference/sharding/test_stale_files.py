"""What a save removes of an earlier one, and in which order, and how the index checks count
bad shard names: the checks that no other test pinned down."""

from __future__ import annotations

import json
import os

import torch

from weightspec.reference import save_torch_state_dict, validate_checkpoint
from weightspec.reference.sharding.checkpoint_names import pattern_files

TENSORS = {name: torch.full((16,), float(i + 1)) for i, name in enumerate("abcd")}


def test_an_earlier_saves_files_go_before_the_transitional_index(tmp_path, monkeypatch):
    """SHARD-SAVE-013, 014: sharded -> single: the side name, then the old shards, then the index, so
    that no instant shows huggingface_hub two weights files without an index."""
    save_torch_state_dict(TENSORS, tmp_path, max_shard_size=100)  # 4 shards and an index
    removed = []
    real_unlink = os.unlink
    monkeypatch.setattr(
        os, "unlink", lambda path: (removed.append(os.path.basename(path)), real_unlink(path))
    )
    save_torch_state_dict(TENSORS, tmp_path, max_shard_size=10_000)  # one file: every old name is stale
    assert [name for name in removed if not name.startswith(".")] == [
        "model.incoming.safetensors",
        *[f"model-0000{i}-of-00004.safetensors" for i in range(1, 5)],
        "model.safetensors.index.json",
    ]
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]


def test_shards_numbered_past_99999_are_files_of_the_pattern(tmp_path):
    """SHARD-NAME-001 widens the numbers past 99,999 shards; their files are still cleaned up."""
    names = [
        "model-100000-of-100000.safetensors",
        "model-00001-of-100000.safetensors",
        "model-1-of-2.safetensors",
    ]
    for name in names:
        (tmp_path / name).touch()
    assert pattern_files(tmp_path, "model{suffix}.safetensors") == sorted(names[:2])


def test_a_bad_shard_name_is_one_finding_however_many_tensors_name_it(tmp_path):
    """SHARD-INDEX-002 is reported once per bad shard name, for its first tensor, wherever it appears."""
    save_torch_state_dict(TENSORS, tmp_path, max_shard_size=100)
    index_path = tmp_path / "model.safetensors.index.json"
    index = json.loads(index_path.read_text())
    index["weight_map"].update({"b": "../outside.safetensors", "c": "../outside.safetensors"})
    index_path.write_text(json.dumps(index))
    findings = [f for f in validate_checkpoint(tmp_path) if f.requirement == "SHARD-INDEX-002"]
    assert [(f.entry, "../outside.safetensors" in f.message) for f in findings] == [("b", True)], findings
