"""Validating a safetensors checkpoint: every finding of the sharding and safetensors specs.

``validate_checkpoint`` accepts what ``weightspec validate`` passes it:

- a ``.safetensors`` file (or any other weights file): the safetensors reader rules and
  SHARD-LOAD-008;
- an index file (``*.index.json``): section 5 on the index, then for every shard
  SHARD-LOAD-001, the safetensors rules and SHARD-LOAD-008, then the index against the shards'
  headers (SHARD-LOAD-002, SHARD-LOAD-003, SHARD-INDEX-003). The shards of a pickle index
  (``pytorch_model.bin.index.json``) are checked for presence only: a validator never unpickles;
- a directory: every ``*.safetensors.index.json`` in it as above; without one, the single
  weights file (``model.safetensors``, else the only ``.safetensors`` file), else a
  SHARD-LOAD-009 finding. Side names that an interrupted save left (SHARD-SAVE-015) are no
  finding, since the checkpoint is whole: they are logged as a warning.

Only headers are read, except with ``deep=True``, which also reads every data buffer in chunks
(SHARD-DEEP-001).
"""

from __future__ import annotations

import bisect
import logging
import os
from pathlib import Path

from ..errors import Finding, SafetensorsError
from ..safetensors.header import SafetensorsHeader, read_safetensors_header, safetensors_findings
from .checkpoint_files import single_weights_file
from .checkpoint_names import INDEX_SUFFIX, SAFETENSORS_EXTENSION, SAFETENSORS_PATTERN, side_names
from .index_file import index_findings, shard_name_problem
from .shard_checks import ShardListing, format_finding, index_consistency_findings, shard_location_finding

READ_CHUNK = 16 * 1024 * 1024  # bytes read at a time by a deep validation

logger = logging.getLogger(__name__)


def validate_checkpoint(path: str | os.PathLike, *, deep: bool = False) -> list[Finding]:
    """Every finding for the checkpoint at ``path`` (see the module docstring); [] when valid.

    Raises FileNotFoundError when ``path`` does not exist; other OSErrors (an unreadable file)
    propagate. Every spec violation is a ``Finding`` naming the requirement, the file and,
    where one is concerned, the tensor.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or directory: {path}")
    if path.is_dir():
        return _directory_findings(path, deep=deep)
    if path.name.endswith(INDEX_SUFFIX):
        return _sharded_findings(path, deep=deep)
    return _weights_file_findings(path, deep=deep)[1]


def _directory_findings(directory: Path, *, deep: bool) -> list[Finding]:
    leftovers = side_names(directory, SAFETENSORS_PATTERN)
    if leftovers:
        logger.warning(
            "%s: %s left by an interrupted save (SHARD-SAVE-015); the next save removes them",
            directory,
            ", ".join(leftovers),
        )
    indexes = sorted(directory.glob("*" + SAFETENSORS_EXTENSION + INDEX_SUFFIX))
    if indexes:
        return [finding for index in indexes for finding in _sharded_findings(index, deep=deep)]
    single = single_weights_file(directory, SAFETENSORS_PATTERN)
    if single is not None:
        return _weights_file_findings(single, deep=deep)[1]
    message = "holds no safetensors checkpoint: no *.safetensors.index.json, no model.safetensors and not exactly one .safetensors file"
    return [Finding("SHARD-LOAD-009", str(directory), message)]


def _sharded_findings(index_path: Path, *, deep: bool) -> list[Finding]:
    """Section 5 on the index, then each readable shard, then the index against the shards."""
    extension = Path(index_path.name.removesuffix(INDEX_SUFFIX)).suffix
    index, findings = index_findings(index_path, extension=extension)
    if index is None:
        return findings
    listings: dict[str, ShardListing] = {}
    for shard in index.shard_names:
        if shard_name_problem(shard) or not shard.endswith(extension):
            continue  # reported by index_findings; such a name is never opened
        location = shard_location_finding(index, shard)
        if location is not None:
            findings.append(location)
        elif extension == SAFETENSORS_EXTENSION:
            listing, shard_findings = _weights_file_findings(index.directory / shard, deep=deep)
            findings.extend(shard_findings)
            if listing is not None:
                listings[shard] = listing
    return findings + index_consistency_findings(index, listings)


def _weights_file_findings(path: Path, *, deep: bool) -> tuple[ShardListing | None, list[Finding]]:
    """The listing of the safetensors file at ``path`` (None when its header is invalid) and its findings."""
    try:
        header = read_safetensors_header(path)
    except SafetensorsError:
        return None, safetensors_findings(path)
    shapes = {name: tensor.shape for name, tensor in header.tensors.items()}
    listing = ShardListing(path, shapes, header.metadata, header.data_length)
    findings = [finding for finding in [format_finding(listing)] if finding is not None]
    if deep:
        findings.extend(_unreadable_data_findings(path, header))
    return listing, findings


def _unreadable_data_findings(path: Path, header: SafetensorsHeader) -> list[Finding]:
    """SHARD-DEEP-001: read the data buffer in chunks; a failed or short read is a finding."""
    position = header.data_start
    end = header.data_start + header.data_length
    with open(path, "rb") as file:
        file.seek(position)
        while position < end:
            try:
                chunk = file.read(min(READ_CHUNK, end - position))
            except OSError as error:
                problem = f"data cannot be read: {error}"
            else:
                if chunk:
                    position += len(chunk)
                    continue
                problem = f"file ends {end - position} bytes before the end of its data buffer"
            return [
                Finding(
                    "SHARD-DEEP-001", str(path), problem, entry=_tensor_at(header, position), offset=position
                )
            ]
    return []


def _tensor_at(header: SafetensorsHeader, offset: int) -> str | None:
    """The name of the tensor whose bytes hold the absolute ``offset``, if any."""
    spans = sorted((tensor.begin, tensor.end, tensor.name) for tensor in header.tensors.values())
    relative = offset - header.data_start
    position = bisect.bisect_right(spans, (relative, float("inf"))) - 1
    if position >= 0 and spans[position][0] <= relative < spans[position][1]:
        return spans[position][2]
    return None
