"""The DDUF rules that concern names and pipeline structure: pure functions, no I/O.

Shared by the reader (which checks archives) and the writer (which refuses to produce bad ones).
Each function returns ``Finding``s with ``entry`` set and ``offset`` left to the caller, who knows
where the name or the index lies in the file.

- ``name_findings``: DDUF-NAME-002..009 and DDUF-LIMIT-001 for one name (DDUF-NAME-001, UTF-8 and
  flag bit 11, needs the raw bytes and flags, so it lives in the reader).
- ``duplicate_findings``: DDUF-NAME-010 over all names.
- ``structure_findings``: DDUF-INDEX-001..004 and DDUF-LIMIT-003.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable

import jsonschema

from weightspec import spec

from . import strict_json
from .errors import Finding

MODEL_INDEX = "model_index.json"
ALLOWED_EXTENSIONS = (".json", ".safetensors", ".model", ".txt")
FOLDER_CONFIG_FILES = (
    "config.json",
    "tokenizer_config.json",
    "preprocessor_config.json",
    "scheduler_config.json",
)

MAX_NAME_BYTES = 512  # DDUF-LIMIT-001
MAX_ENTRIES = 100_000  # DDUF-LIMIT-002
MAX_MODEL_INDEX_BYTES = 1 << 20  # DDUF-LIMIT-003

_CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)))

# The common case, in one regex match: at most MAX_NAME_BYTES // 4 characters (4: the most bytes
# a character takes in UTF-8), an optional folder that is not "." or "..", then a file name with
# an allowed extension, no separator, colon, backslash or control character anywhere. A name it
# matches breaks no rule (``name_findings`` returns []); every other name goes through the
# rule-by-rule checks. The reader calls it inline, once per entry: a Python call per name cost a
# sixth of read_dduf_file's time on 20,000 entries.
_SEGMENT_CHARACTER = r"[^\x00-\x1f\x7f-\x9f\\:/]"
is_good_name = re.compile(
    rf"(?=.{{1,{MAX_NAME_BYTES // 4}}}\Z)"
    rf"(?:(?!\.\.?/){_SEGMENT_CHARACTER}+/)?{_SEGMENT_CHARACTER}*\.(?:json|safetensors|model|txt)"
).fullmatch


def name_findings(name: str, *, path: str) -> list[Finding]:
    """Every name rule ``name`` breaks, most specific first; [] for a good name."""
    if is_good_name(name):
        return []

    def finding(requirement: str, message: str) -> Finding:
        return Finding(requirement=requirement, path=path, entry=name, message=message)

    found = []
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        found.append(finding("DDUF-LIMIT-001", f"entry name is longer than {MAX_NAME_BYTES} bytes"))
    if any(c in _CONTROL_CHARACTERS for c in name):
        found.append(finding("DDUF-NAME-005", "entry name contains NUL or a control character"))
    if "\\" in name:
        found.append(finding("DDUF-NAME-004", "entry name contains a backslash; use '/' as separator"))
    if ":" in name:
        found.append(
            finding("DDUF-NAME-006", "entry name contains ':' (drive letter or alternate data stream)")
        )
    if name.endswith("/"):
        found.append(
            finding("DDUF-NAME-008", "directory entries are not allowed; folders are implied by names")
        )
        return found
    segments = name.split("/")
    if name == "" or name.startswith("/") or "" in segments:
        found.append(finding("DDUF-NAME-002", "entry name is empty, absolute or has an empty segment"))
    if any(segment in (".", "..") for segment in segments):
        found.append(finding("DDUF-NAME-003", "entry name has a '.' or '..' segment (path traversal)"))
    if len(segments) > 2:
        found.append(finding("DDUF-NAME-009", "entry lies more than one folder deep"))
    if not segments[-1].endswith(ALLOWED_EXTENSIONS):
        allowed = ", ".join(ALLOWED_EXTENSIONS)
        found.append(finding("DDUF-NAME-007", f"file type not allowed (allowed: {allowed})"))
    return found


def collision_key(name: str) -> str:
    """Two names collide (DDUF-NAME-010) when their keys are equal: NFC normalisation, then case folding."""
    return unicodedata.normalize("NFC", name).casefold()


def duplicate_findings(names: Iterable[str], *, path: str) -> list[Finding]:
    """DDUF-NAME-010: one finding for each name equal to an earlier one, exactly or after NFC + casefold."""
    names = list(names)
    # The common case in one pass: no two keys equal (casefold is lower for ASCII, NFC a no-op).
    keys = [name.lower() if name.isascii() else collision_key(name) for name in names]
    if len(set(keys)) == len(keys):
        return []
    seen: dict[str, str] = {}
    found = []
    for name, key in zip(names, keys, strict=True):
        if key in seen:
            earlier = seen[key]
            how = (
                "is a duplicate"
                if earlier == name
                else f"collides with {earlier!r} (case or Unicode normalisation)"
            )
            found.append(
                Finding(requirement="DDUF-NAME-010", path=path, entry=name, message=f"entry name {how}")
            )
        else:
            seen[key] = name
    return found


def parse_model_index(index_bytes: bytes, *, path: str) -> tuple[object, list[Finding]]:
    """Parse ``model_index.json``: (value, findings). The value is None when it does not parse."""

    def finding(requirement: str, message: str) -> Finding:
        return Finding(requirement=requirement, path=path, entry=MODEL_INDEX, message=message)

    if len(index_bytes) > MAX_MODEL_INDEX_BYTES:
        return None, [
            finding("DDUF-LIMIT-003", f"model_index.json is larger than {MAX_MODEL_INDEX_BYTES} bytes")
        ]
    try:
        index = strict_json.parse(index_bytes).value
    except strict_json.StrictJSONError as error:
        return None, [finding("DDUF-INDEX-002", f"model_index.json is {error.message} (byte {error.offset})")]
    problem = jsonschema.exceptions.best_match(_model_index_validator().iter_errors(index))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "top level"
        return index, [
            finding(
                "DDUF-INDEX-002", f"model_index.json does not match its schema at {where}: {problem.message}"
            )
        ]
    return index, []


def structure_findings(index_bytes: bytes | None, names: Collection[str], *, path: str) -> list[Finding]:
    """DDUF-INDEX-001..004 and DDUF-LIMIT-003 for an archive holding ``names``.

    ``index_bytes`` is the content of the root ``model_index.json`` entry, or None when the
    archive has none.
    """
    if index_bytes is None:
        return [
            Finding(
                requirement="DDUF-INDEX-001", path=path, message="missing the root entry model_index.json"
            )
        ]
    index, found = parse_model_index(index_bytes, path=path)
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


@functools.cache
def _model_index_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(spec.schema("model_index.schema.json"))
