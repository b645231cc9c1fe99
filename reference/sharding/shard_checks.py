"""Checking shards against their index and the loader's rules (spec/sharding.md, sections 5-6).

Shared by the loader (which raises the first finding before it changes the model) and the
validator (which reports them all). Every check works from a ``ShardListing``: the tensor names
and metadata of a weights file, read from its header without reading tensor data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import Finding
from .index_file import CheckpointIndex

LOADABLE_FORMATS = ("pt", "mlx")  # SHARD-LOAD-008, as transformers and huggingface_hub accept


@dataclass(frozen=True)
class ShardListing:
    """What one weights file holds: its tensors' names and shapes in file order, metadata, data size.

    ``data_length`` is None for a pickle file, which has no data buffer of known size.
    """

    path: Path
    tensors: Mapping[str, tuple[int, ...]]
    metadata: Mapping[str, str]
    data_length: int | None


def shard_location_finding(index: CheckpointIndex, shard: str) -> Finding | None:
    """SHARD-LOAD-001: ``shard`` (a plain name, SHARD-INDEX-002) is a regular file inside the directory."""
    path = index.directory / shard
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(os.path.realpath(index.directory)):
            return Finding(
                "SHARD-LOAD-001", str(path), f"symbolic link resolves outside the directory: {target}"
            )
    if not path.exists():
        return Finding("SHARD-LOAD-001", str(path), f"shard named by {index.path.name} does not exist")
    if not path.is_file():
        return Finding("SHARD-LOAD-001", str(path), "shard is not a regular file")
    return None


def format_finding(listing: ShardListing) -> Finding | None:
    """SHARD-LOAD-008: a ``format`` in the metadata is one torch can load."""
    weights_format = listing.metadata.get("format")
    if weights_format is None or weights_format in LOADABLE_FORMATS:
        return None
    return Finding(
        "SHARD-LOAD-008",
        str(listing.path),
        f"metadata format is {weights_format!r}; only {' or '.join(LOADABLE_FORMATS)} can be loaded into torch",
    )


def index_consistency_findings(index: CheckpointIndex, listings: Mapping[str, ShardListing]) -> list[Finding]:
    """SHARD-LOAD-002, SHARD-LOAD-003 and SHARD-INDEX-003 for the shards in ``listings`` (by shard name).

    Shards of the index missing from ``listings`` (unreadable ones) are left out of the first
    two checks, and SHARD-INDEX-003 is checked only when every shard was listed with a size.
    """
    findings = []
    held = {name: listing.tensors.keys() for name, listing in listings.items()}
    for tensor, shard in index.weight_map.items():
        if shard in held and tensor not in held[shard]:
            message = f"{index.path.name} lists this tensor in this shard, which does not hold it"
            findings.append(Finding("SHARD-LOAD-002", str(listings[shard].path), message, entry=tensor))
    for shard, listing in sorted(listings.items()):
        for tensor in listing.tensors:
            listed_in = index.weight_map.get(tensor)
            if listed_in == shard:
                continue
            where = "is not in" if listed_in is None else f"is listed under {listed_in!r} in"
            message = f"this shard holds the tensor, which {where} {index.path.name}"
            findings.append(Finding("SHARD-LOAD-003", str(listing.path), message, entry=tensor))
    sizes = [listings[shard].data_length for shard in index.shard_names if shard in listings]
    if len(sizes) == len(index.shard_names) and None not in sizes and index.total_size > sum(sizes):
        message = f"total_size {index.total_size} exceeds the {sum(sizes)} bytes of the shards' data buffers"
        findings.append(Finding("SHARD-INDEX-003", str(index.path), message))
    return findings
