"""Reading and checking the index file of a sharded checkpoint (spec/sharding.md, section 5).

An index file (``model.safetensors.index.json``) is::

    {"metadata": {"total_size": 1234, ...}, "weight_map": {"tensor name": "shard file name", ...}}

``index_findings`` checks it and returns every ``Finding``; ``read_index`` returns the parsed
index or raises ``CorruptedCheckpointError`` for the first finding. Checks run in this order:

1. SHARD-INDEX-004: at most 10 MiB (a failure stops here, before anything is parsed);
2. SHARD-INDEX-001: UTF-8 JSON, with SHARD-INDEX-006 (duplicate keys) checked while parsing;
3. SHARD-INDEX-001: valid against ``schemas/safetensors-index.schema.json`` (a failure stops here);
4. per ``weight_map`` entry: SHARD-INDEX-002 (a plain file name) and SHARD-INDEX-005 (the extension);
5. per shard named as shard i of n (``-00003-of-00004``): SHARD-INDEX-007 (1 <= i <= n, and n the
   number of shards the index names).

What needs the shards themselves (SHARD-INDEX-003, SHARD-LOAD-001..003) is in ``shard_checks``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema

from weightspec import spec

from .. import _strict_json
from ..errors import CorruptedCheckpointError, Finding

MAX_INDEX_FILE_SIZE = 10 * 1024 * 1024  # SHARD-INDEX-004; huggingface_hub's limit
SCHEMA = "safetensors-index.schema.json"
_CONTROL_CHARACTER = re.compile("[\x00-\x1f]")
# The numbering of SHARD-NAME-001 before the extension: five digits or more, as names widen past 99,999.
_SHARD_NUMBERING = re.compile(r"-(\d{5,})-of-(\d{5,})\Z")


@dataclass(frozen=True)
class CheckpointIndex:
    """A parsed index file that is valid against the schema.

    ``weight_map`` maps tensor names to shard file names; ``metadata`` is the whole
    ``metadata`` object (``total_size`` and any other entries, such as the record of names
    dropped as shared); ``shard_names`` the distinct shard file names, sorted.
    """

    path: Path
    total_size: int
    weight_map: dict[str, str]
    metadata: dict[str, object]

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def shard_names(self) -> list[str]:
        return sorted(set(self.weight_map.values()))


def read_index(path: str | os.PathLike, *, extension: str) -> CheckpointIndex:
    """The index at ``path``; raises ``CorruptedCheckpointError`` for its first finding (see ``index_findings``)."""
    index, findings = index_findings(path, extension=extension)
    if findings:
        raise CorruptedCheckpointError.from_finding(findings[0])
    assert index is not None  # no finding means the index parsed
    return index


def index_findings(
    path: str | os.PathLike, *, extension: str
) -> tuple[CheckpointIndex | None, list[Finding]]:
    """Check the index file at ``path``, whose shards must end with ``extension`` (``.safetensors``).

    Returns the index (None when it cannot be parsed or breaks the schema) and every finding;
    OSError (a missing or unreadable file) propagates.
    """
    path = Path(path)
    findings: list[Finding] = []
    size = path.stat().st_size
    if size > MAX_INDEX_FILE_SIZE:
        message = f"index file is {size} bytes, more than the {MAX_INDEX_FILE_SIZE} an index may hold"
        return None, [Finding("SHARD-INDEX-004", str(path), message)]
    document = _parse(path, findings)
    if document is None:
        return None, findings
    shard_view = _one_entry_per_shard(document)
    malformed = False
    for error in sorted(_index_validator().iter_errors(shard_view), key=lambda e: [str(p) for p in e.path]):
        finding = _schema_finding(path, error)
        findings.append(finding)
        malformed = malformed or finding.requirement != "SHARD-INDEX-002"
    if malformed:
        return None, findings
    for tensor, shard in shard_view["weight_map"].items():
        if shard_name_problem(shard) is None and not shard.endswith(extension):
            message = f"shard {shard!r} does not end with {extension!r}, the extension this index describes"
            findings.append(Finding("SHARD-INDEX-005", str(path), message, entry=tensor))
    findings += _numbering_findings(path, shard_view["weight_map"], extension=extension)
    metadata = document["metadata"]
    # The schema lets an integer be written as 4.0, as some tools write total_size.
    return CheckpointIndex(path, int(metadata["total_size"]), document["weight_map"], metadata), findings


def shard_name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain file name (SHARD-INDEX-002), or None when it is one.

    The same rule as the index schema's ``shardFileName`` pattern, in words: not empty, not
    starting with ``.`` (so not ``.`` or ``..``), no ``/``, ``\\`` or ``:`` (so no directory,
    absolute path, drive letter or NTFS stream) and no control character below U+0020.
    """
    if not name:
        return "is empty"
    if name.startswith("."):
        return "starts with '.' (a hidden file, '.' or '..')"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ":" in name:
        return "contains a colon (a drive letter or an NTFS stream)"
    if _CONTROL_CHARACTER.search(name):
        return "contains a control character"
    return None


def _numbering_findings(path: Path, first_tensors: dict[str, str], *, extension: str) -> list[Finding]:
    """SHARD-INDEX-007 for the shards of ``first_tensors`` (first tensor -> shard, one per shard).

    A shard named ``<stem>-<i>-of-<n><extension>`` must have 1 <= i <= n, and n must be the number
    of shards; other names (a single file's, a plain or wrongly typed one) are not numbered.
    """
    count = len(first_tensors)
    findings = []
    for tensor, shard in first_tensors.items():
        if not shard.endswith(extension) or shard_name_problem(shard) is not None:
            continue  # SHARD-INDEX-005 or SHARD-INDEX-002
        numbering = _SHARD_NUMBERING.search(shard.removesuffix(extension))
        if numbering is None:
            continue
        number, total = int(numbering[1]), int(numbering[2])
        if total != count:
            message = f"shard {shard!r} is named as one of {total} shards, but the index names {count}"
        elif not 1 <= number <= total:
            message = (
                f"shard {shard!r} is numbered {number} of {total}; shards are numbered from 1 to {total}"
            )
        else:
            continue
        findings.append(Finding("SHARD-INDEX-007", str(path), message, entry=tensor))
    return findings


def _one_entry_per_shard(document: object) -> object:
    """The document with ``weight_map`` cut to the first tensor of each distinct shard name.

    Every check of a shard name depends on the name alone, so the cut document breaks the rules
    exactly where the whole one does, with one finding per bad shard name (naming its first
    tensor) rather than one per tensor, and checking it costs per shard instead of per tensor
    (jsonschema takes about 30 µs a value: seconds for an index of 100,000 tensors).
    """
    if not isinstance(document, dict) or not isinstance(document.get("weight_map"), dict):
        return document
    first_tensors: dict[str, object] = {}
    seen: set[str] = set()
    for tensor, shard in document["weight_map"].items():
        if not isinstance(shard, str) or shard not in seen:
            first_tensors[tensor] = shard
            if isinstance(shard, str):
                seen.add(shard)
    return {**document, "weight_map": first_tensors}


def _schema_finding(path: Path, error: jsonschema.ValidationError) -> Finding:
    """A schema violation as a finding: SHARD-INDEX-002 for a shard name, else SHARD-INDEX-001."""
    where = list(error.path)
    entry = str(where[1]) if len(where) == 2 and where[0] == "weight_map" else None
    if entry is not None and isinstance(error.instance, str):
        problem = shard_name_problem(error.instance)
        if problem is not None:
            return Finding("SHARD-INDEX-002", str(path), f"shard {error.instance!r} {problem}", entry=entry)
    location = "/".join(str(part) for part in where) or "(top level)"
    return Finding("SHARD-INDEX-001", str(path), f"{location}: {error.message}", entry=entry)


def _parse(path: Path, findings: list[Finding]) -> dict | None:
    """The JSON document at ``path`` (SHARD-INDEX-001), noting duplicate keys (SHARD-INDEX-006)."""
    try:
        parsed = _strict_json.parse(path.read_bytes())
    except _strict_json.StrictJSONError as error:
        findings.append(Finding("SHARD-INDEX-001", str(path), error.message, offset=error.offset))
        return None
    for key in dict.fromkeys(parsed.duplicate_keys):
        findings.append(
            Finding("SHARD-INDEX-006", str(path), f"key {key!r} occurs more than once", entry=key)
        )
    return parsed.value


@cache
def _index_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(spec.schema(SCHEMA))
