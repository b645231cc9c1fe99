"""The tensors a valid checkpoint stores, read back from its safetensors headers.

What a header-only inspection (``checkpoint-inspect``) must report for a valid checkpoint:
every tensor of every weights file the checkpoint consists of, by name, with its dtype and
shape. A checkpoint can store fewer tensors than its model holds (a tied weight is saved once
and recorded in the metadata), so this is read from the files, not from the model.

``stored_tensor_specs(path)`` takes a path as loaders take it (a weights file, an index file or
a checkpoint directory) and only *valid* checkpoints: the files are found as SHARD-LOAD-009 and
SHARD-LOAD-010 say (the index's shards, else ``model.safetensors``, else the only
``.safetensors`` file). Independent of the reference on purpose.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from .harness.adapter import TensorSpec
from .safetensors_builder import METADATA_KEY

INDEX_SUFFIX = ".safetensors.index.json"
SINGLE_FILE = "model.safetensors"


def stored_tensor_specs(path: Path) -> dict[str, TensorSpec]:
    specs: dict[str, TensorSpec] = {}
    for file in _weights_files(Path(path)):
        specs.update(_header_specs(file))
    return specs


def _weights_files(path: Path) -> list[Path]:
    if path.is_file():
        return _index_shards(path) if path.name.endswith(INDEX_SUFFIX) else [path]
    indexes = sorted(path.glob(f"*{INDEX_SUFFIX}"))
    if indexes:
        return _index_shards(indexes[0])
    if (path / SINGLE_FILE).is_file():
        return [path / SINGLE_FILE]
    return sorted(path.glob("*.safetensors"))


def _index_shards(index: Path) -> list[Path]:
    weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
    return [index.parent / name for name in dict.fromkeys(weight_map.values())]


def _header_specs(file: Path) -> dict[str, TensorSpec]:
    with open(file, "rb") as stream:
        (length,) = struct.unpack("<Q", stream.read(8))
        header = json.loads(stream.read(length))
    return {
        name: TensorSpec(info["dtype"], tuple(info["shape"]))
        for name, info in header.items()
        if name != METADATA_KEY
    }
