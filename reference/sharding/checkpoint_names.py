"""The file names a filename pattern stands for (spec/sharding.md, section 2).

A pattern such as ``model{suffix}.safetensors`` names three kinds of files::

    model.safetensors                    the single weights file ({suffix} -> "")
    model-00001-of-00003.safetensors     shard 1 of 3 ({suffix} -> "-00001-of-00003")
    model.safetensors.index.json         the index of a sharded checkpoint

Saving uses these names to find what an earlier save left behind, loading to find the index
and the single weights file.
"""

from __future__ import annotations

import os
import re

from .split import check_filename_pattern

SAFETENSORS_PATTERN = "model{suffix}.safetensors"
PICKLE_PATTERN = "pytorch_model{suffix}.bin"
SAFETENSORS_EXTENSION = ".safetensors"
INDEX_SUFFIX = ".index.json"


def unsuffixed_name(pattern: str) -> str:
    """The pattern with ``{suffix}`` removed: the single weights file's name.

    Raises ``InvalidArgumentError`` for a pattern that cannot name shards (SHARD-NAME-002, 005).
    """
    check_filename_pattern(pattern)
    return pattern.format(suffix="")


def index_name(pattern: str) -> str:
    """The index file's name (SHARD-NAME-004): ``model.safetensors.index.json``."""
    return unsuffixed_name(pattern) + INDEX_SUFFIX


def is_safetensors_name(name: str | os.PathLike) -> bool:
    """Whether a file name ends in ``.safetensors`` (case-insensitively, as huggingface_hub decides)."""
    return os.fspath(name).lower().endswith(SAFETENSORS_EXTENSION)


def pattern_files(directory: str | os.PathLike, pattern: str) -> list[str]:
    """The names in ``directory`` that a save with ``pattern`` could have written, sorted.

    Only full matches count: the single file, ``-NNNNN-of-NNNNN`` shards (five digits or more, as
    names widen past 99,999 shards, SHARD-NAME-001) and the index, so
    ``model.safetensors.backup`` or ``model.fp16.safetensors`` never match ``model{suffix}.safetensors``.
    """
    prefix, _, suffix = pattern.partition("{suffix}")
    produced = re.compile(
        re.escape(prefix) + r"(-\d{5,}-of-\d{5,})?" + re.escape(suffix) + r"(\.index\.json)?"
    )
    return sorted(name for name in os.listdir(directory) if produced.fullmatch(name))
