"""Mutants of ``checkpoint-split`` and ``checkpoint-save``: splitters that ignore shared storage
or misname shards, savers that index a single shard or reorder the caller's state dict."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

from weightspec.conformance.harness.adapter import SplitResult

from ._base import Mutant


class SplitsSharedStorages(Mutant):
    """Splits as if no two tensors shared storage: tied weights may land in different shards, and
    their storage is counted for each."""

    name = "splits-shared-storages"
    breaks = "SHARD-SPLIT-003"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        import torch

        unshared = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in state_dict.items()}
        return super().checkpoint_split(unshared, **options)


class CountsSharedStorageTwice(Mutant):
    """Splits right, but counts a storage in ``total_size`` once for each tensor that views it."""

    name = "counts-shared-storage-twice"
    breaks = "SHARD-SPLIT-003"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        import torch

        from weightspec.conformance.split_model import storage_size

        split = super().checkpoint_split(state_dict, **options)
        total = sum(storage_size(v) for v in state_dict.values() if isinstance(v, torch.Tensor))
        return split._replace(metadata={**split.metadata, "total_size": total})


def _renamed_shards(split: SplitResult, rename) -> SplitResult:
    names = {name: rename(name, list(split.filename_to_tensors)) for name in split.filename_to_tensors}
    return split._replace(
        filename_to_tensors={names[name]: tensors for name, tensors in split.filename_to_tensors.items()},
        tensor_to_filename={tensor: names[name] for tensor, name in split.tensor_to_filename.items()},
    )


class NumbersShardsBackwards(Mutant):
    """Numbers shards from the last one closed to the first."""

    name = "numbers-shards-backwards"
    breaks = "SHARD-SPLIT-005"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        split = super().checkpoint_split(state_dict, **options)
        return _renamed_shards(split, lambda name, names: names[len(names) - 1 - names.index(name)])


class UnpaddedShardNames(Mutant):
    """Names shards ``-1-of-3`` instead of ``-00001-of-00003``."""

    name = "unpadded-shard-names"
    breaks = "SHARD-NAME-001"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        split = super().checkpoint_split(state_dict, **options)
        unpadded = lambda name, names: re.sub(r"-0*(\d+)-of-0*(\d+)", r"-\1-of-\2", name)  # noqa: E731
        return _renamed_shards(split, unpadded)


class IndexesASingleShard(Mutant):
    """Writes ``model.safetensors.index.json`` for a checkpoint of one shard too."""

    name = "indexes-a-single-shard"
    breaks = "SHARD-NAME-003"
    caught_by = "test_indexes_exactly_when_sharded"

    def checkpoint_save(self, state_dict: dict, directory: Path, **options) -> None:
        super().checkpoint_save(state_dict, directory, **options)
        single = Path(directory) / "model.safetensors"
        if single.is_file():
            data = single.read_bytes()
            (length,) = struct.unpack_from("<Q", data)
            header = json.loads(data[8 : 8 + length])
            names = [name for name in header if name != "__metadata__"]
            index = {
                "metadata": {"total_size": len(data) - 8 - length},
                "weight_map": dict.fromkeys(names, single.name),
            }
            (Path(directory) / "model.safetensors.index.json").write_text(json.dumps(index))


class ReordersTheStateDict(Mutant):
    """Moves the first key of the caller's state dict to the end while saving."""

    name = "reorders-the-state-dict"
    breaks = "SHARD-SAVE-006"
    caught_by = "checkpoint-save and test_leaves_the_state_dict_unchanged"

    def checkpoint_save(self, state_dict: dict, directory: Path, **options) -> None:
        super().checkpoint_save(state_dict, directory, **options)
        first = next(iter(state_dict))
        state_dict[first] = state_dict.pop(first)
