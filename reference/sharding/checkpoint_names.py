"""The file names a filename pattern stands for (spec/sharding.md, section 2).

A pattern such as ``model{suffix}.safetensors`` names three kinds of files::

    model.safetensors                    the single weights file ({suffix} -> "")
    model-00001-of-00003.safetensors     shard 1 of 3 ({suffix} -> "-00001-of-00003")
    model.safetensors.index.json         the index of a sharded checkpoint

and, only while a save replaces a checkpoint (SHARD-SAVE-012, 013), two kinds of side names::

    model-00001-of-00003.previous.safetensors   an old file kept under a second name
    model.incoming.safetensors                  a new single file on its way to model.safetensors

Saving uses these names to find what an earlier save left behind, loading to find the index
and the single weights file; a side name is read only through an index that names it.
"""

from __future__ import annotations

import os
import re

from .split import check_filename_pattern

SAFETENSORS_PATTERN = "model{suffix}.safetensors"
PICKLE_PATTERN = "pytorch_model{suffix}.bin"
SAFETENSORS_EXTENSION = ".safetensors"
INDEX_SUFFIX = ".index.json"
PREVIOUS_TAG = ".previous"  # SHARD-SAVE-012: an old file's side name
INCOMING_TAG = ".incoming"  # SHARD-SAVE-013: a new single file's side name


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


def previous_name(pattern: str, name: str) -> str:
    """The side name of the file ``name`` that ``pattern`` produced (SHARD-SAVE-012): the tag
    ``.previous`` after its suffix, ``model-00001-of-00003.previous.safetensors``."""
    suffix = pattern.partition("{suffix}")[2]
    return name[: len(name) - len(suffix)] + PREVIOUS_TAG + suffix


def incoming_name(pattern: str) -> str:
    """The side name of a new single weights file (SHARD-SAVE-013): ``model.incoming.safetensors``."""
    return pattern.format(suffix=INCOMING_TAG)


def pattern_files(directory: str | os.PathLike, pattern: str) -> list[str]:
    """The names in ``directory`` that a save with ``pattern`` could have written, sorted.

    Only full matches count: the single file, ``-NNNNN-of-NNNNN`` shards (five digits or more, as
    names widen past 99,999 shards, SHARD-NAME-001), their side names (``side_names``) and the
    index, so ``model.safetensors.backup`` or ``model.fp16.safetensors`` never match
    ``model{suffix}.safetensors``.
    """
    produced = _produced_names(pattern)
    return sorted(name for name in os.listdir(directory) if produced.fullmatch(name))


def side_names(directory: str | os.PathLike, pattern: str) -> list[str]:
    """The side names in ``directory`` (SHARD-SAVE-012, 013), sorted: what a killed save left."""
    produced = _produced_names(pattern)
    return sorted(
        name for name in os.listdir(directory) if (match := produced.fullmatch(name)) and match["side"]
    )


def _produced_names(pattern: str) -> re.Pattern[str]:
    prefix, _, suffix = pattern.partition("{suffix}")
    prefix, suffix = re.escape(prefix), re.escape(suffix)
    side = rf"(?P<side>{re.escape(PREVIOUS_TAG)}|(?<!\d){re.escape(INCOMING_TAG)})"
    return re.compile(rf"{prefix}(-\d{{5,}}-of-\d{{5,}})?{side}?{suffix}|{prefix}{suffix}\.index\.json")
