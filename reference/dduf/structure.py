"""The DDUF rules on an archive as a pipeline: ``model_index.json``, the folders, the limits.

Pure functions, no I/O, shared by the reader (which checks archives) and the writer (which
refuses to produce bad ones). They return complete ``Finding``s. A finding about the index's bytes
(DDUF-INDEX-002, DDUF-LIMIT-003) has the offset the caller passes, where those bytes begin in the
file: the reader passes it, the writer none (the index is not yet in a file). The others have no
offset, as no bytes are theirs: DDUF-INDEX-001 is about an entry that is missing, and
DDUF-INDEX-003/004 about a folder, which has no header of its own (folders are implied by names).

- ``parse_model_index``: DDUF-INDEX-002 and DDUF-LIMIT-003 for the index's bytes;
- ``structure_findings``: DDUF-INDEX-001..004 and DDUF-LIMIT-003 for an archive's index and names;
- ``MAX_ENTRIES``: DDUF-LIMIT-002, checked by the reader once the central directory is found, and
  by the writer before each entry.

jsonschema is imported only for an index that ``_plainly_valid`` cannot pass: importing it takes
longer than validating a small archive, and the indexes that pipelines are saved with pass.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import TYPE_CHECKING

from .. import _strict_json
from ..errors import Finding

if TYPE_CHECKING:
    import jsonschema

MODEL_INDEX = "model_index.json"
FOLDER_CONFIG_FILES = (
    "config.json",
    "tokenizer_config.json",
    "preprocessor_config.json",
    "scheduler_config.json",
)

MAX_ENTRIES = 100_000  # DDUF-LIMIT-002
MAX_MODEL_INDEX_BYTES = 1 << 20  # DDUF-LIMIT-003


def parse_model_index(
    index_bytes: bytes, *, path: str, offset: int | None = None
) -> tuple[object, list[Finding]]:
    """Parse ``model_index.json``, whose bytes begin at ``offset`` of ``path``: (value, findings).

    The value is None when it does not parse. Each finding has ``entry`` model_index.json and
    ``offset`` ``offset``.
    """

    def finding(requirement: str, message: str) -> Finding:
        return Finding(requirement=requirement, path=path, entry=MODEL_INDEX, message=message, offset=offset)

    if len(index_bytes) > MAX_MODEL_INDEX_BYTES:
        return None, [
            finding("DDUF-LIMIT-003", f"model_index.json is larger than {MAX_MODEL_INDEX_BYTES} bytes")
        ]
    try:
        index = _strict_json.parse(index_bytes).value
    except _strict_json.StrictJSONError as error:
        return None, [finding("DDUF-INDEX-002", f"model_index.json is {error.message} (byte {error.offset})")]
    if _plainly_valid(index):
        return index, []
    import jsonschema

    problem = jsonschema.exceptions.best_match(_model_index_validator().iter_errors(index))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "top level"
        return index, [
            finding(
                "DDUF-INDEX-002", f"model_index.json does not match its schema at {where}: {problem.message}"
            )
        ]
    return index, []


def structure_findings(
    index_bytes: bytes | None, names: Collection[str], *, path: str, index_offset: int | None = None
) -> list[Finding]:
    """DDUF-INDEX-001..004 and DDUF-LIMIT-003 for an archive holding ``names``.

    ``index_bytes`` is the content of the root ``model_index.json`` entry, or None when the
    archive has none; ``index_offset`` is where that content begins in ``path``, the offset of
    the findings of ``parse_model_index``. The other findings have none (see the module docstring).
    """
    if index_bytes is None:
        return [
            Finding(
                requirement="DDUF-INDEX-001", path=path, message="missing the root entry model_index.json"
            )
        ]
    index, found = parse_model_index(index_bytes, path=path, offset=index_offset)
    if not isinstance(index, dict):
        return found
    names = set(names)
    folders = sorted({name.split("/", 1)[0] for name in names if "/" in name})
    for folder in folders:
        if folder not in index:
            found.append(
                Finding(
                    requirement="DDUF-INDEX-003",
                    path=path,
                    entry=f"{folder}/",
                    message=f"folder {folder!r} is not declared in model_index.json",
                )
            )
        if not any(f"{folder}/{config}" in names for config in FOLDER_CONFIG_FILES):
            found.append(
                Finding(
                    requirement="DDUF-INDEX-004",
                    path=path,
                    entry=f"{folder}/",
                    message=f"folder {folder!r} holds none of {', '.join(FOLDER_CONFIG_FILES)}",
                )
            )
    return found


def _plainly_valid(index: object) -> bool:
    """True only for a value that ``model_index.schema.json`` accepts: an object whose ``_class_name``
    is a non-empty string and whose ``_diffusers_version``, if present, is a string (the schema
    constrains nothing else). False decides nothing: the schema does."""
    return (
        isinstance(index, dict)
        and isinstance(index.get("_class_name"), str)
        and index["_class_name"] != ""
        and isinstance(index.get("_diffusers_version", ""), str)
    )


@functools.cache
def _model_index_validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    from weightspec import spec

    return jsonschema.Draft202012Validator(spec.schema("model_index.schema.json"))
