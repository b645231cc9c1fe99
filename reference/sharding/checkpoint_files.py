"""Finding the files of a checkpoint in a directory (SHARD-LOAD-009, SHARD-PICKLE-002).

A directory holds a sharded checkpoint when the index file named by the filename pattern is
there; otherwise a single weights file: the one the pattern names without a suffix
(``model.safetensors``), or else the only ``.safetensors`` file. When pickles are allowed
(``safe=False``) the same two steps are then tried for ``.bin`` files. Safetensors always come
first, as in huggingface_hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CorruptedCheckpointError, InvalidArgumentError
from .checkpoint_names import (
    INDEX_SUFFIX,
    PICKLE_PATTERN,
    SAFETENSORS_PATTERN,
    index_name,
    is_safetensors_name,
    unsuffixed_name,
)
from .index_file import CheckpointIndex, read_index
from .shard_checks import shard_location_finding


@dataclass(frozen=True)
class CheckpointFiles:
    """The weights files of a checkpoint in loading order (SHARD-LOAD-004), and its index if sharded."""

    files: list[Path]
    index: CheckpointIndex | None


def locate_checkpoint(path: Path, *, safe: bool, filename_pattern: str | None) -> CheckpointFiles:
    """The checkpoint at ``path``: a weights file, an index file (``*.index.json``, SHARD-LOAD-010),
    or a directory holding one checkpoint.

    For a sharded checkpoint the index is read and checked (section 5) and every shard's
    location too (SHARD-LOAD-001); the shards come sorted by name. Raises FileNotFoundError
    when ``path`` does not exist; ``InvalidArgumentError`` for a ``filename_pattern`` that
    cannot name shards (SHARD-NAME-002, 005) or names pickles while ``safe=True``
    (SHARD-PICKLE-002); ``CorruptedCheckpointError`` for a directory without a checkpoint
    (SHARD-LOAD-009) and every index or shard-location finding.
    """
    if not path.exists():
        raise FileNotFoundError(f"checkpoint path {path} does not exist")
    if path.is_file() and path.name.endswith(INDEX_SUFFIX):  # SHARD-LOAD-010
        return _sharded_checkpoint(path)
    if path.is_file():
        return CheckpointFiles([path], None)
    patterns = _patterns_to_try(filename_pattern, safe=safe)
    # The caller's pattern names the only index to look for, as in huggingface_hub.
    index_names = (
        [index_name(filename_pattern)] if filename_pattern is not None else [index_name(p) for p in patterns]
    )
    index_path = next((path / name for name in index_names if (path / name).is_file()), None)
    if index_path is not None:
        return _sharded_checkpoint(index_path)
    for pattern in patterns:
        single = single_weights_file(path, pattern)
        if single is not None:
            return CheckpointFiles([single], None)
    raise CorruptedCheckpointError(
        "holds no checkpoint: expected an index file ("
        + " or ".join(index_names)
        + "), or a single weights file ("
        + " or ".join(unsuffixed_name(p) for p in patterns)
        + ", or exactly one file with that extension)",
        requirement="SHARD-LOAD-009",
        path=path,
    )


def _sharded_checkpoint(index_path: Path) -> CheckpointFiles:
    """The shards of the index at ``index_path``, sorted by name, after the index and every
    shard's location are checked (section 5, SHARD-LOAD-001)."""
    extension = Path(index_path.name.removesuffix(INDEX_SUFFIX)).suffix
    index = read_index(index_path, extension=extension)
    for shard in index.shard_names:
        finding = shard_location_finding(index, shard)
        if finding is not None:
            raise CorruptedCheckpointError.from_finding(finding)
    return CheckpointFiles([index.directory / shard for shard in index.shard_names], index)


def _patterns_to_try(filename_pattern: str | None, *, safe: bool) -> list[str]:
    """The safetensors pattern, then (only with ``safe=False``) the pickle pattern."""
    if filename_pattern is None:
        return [SAFETENSORS_PATTERN] if safe else [SAFETENSORS_PATTERN, PICKLE_PATTERN]
    if is_safetensors_name(unsuffixed_name(filename_pattern)):
        return [filename_pattern] if safe else [filename_pattern, PICKLE_PATTERN]
    if safe:
        raise InvalidArgumentError(
            f"filename_pattern {filename_pattern!r} does not name safetensors files, and safe=True "
            "unpickles nothing: pass safe=False to load pickles you trust",
            requirement="SHARD-PICKLE-002",
        )
    return [SAFETENSORS_PATTERN, filename_pattern]


def single_weights_file(directory: Path, pattern: str) -> Path | None:
    """The file ``pattern`` names without a suffix, else the only file with its extension."""
    named = directory / unsuffixed_name(pattern)
    if named.is_file():
        return named
    extension = Path(unsuffixed_name(pattern)).suffix
    matches = [path for path in directory.glob("*" + extension) if path.is_file()]
    return matches[0] if len(matches) == 1 else None
