"""JSON exactly as RFC 8259 defines it, for every JSON document the spec reads.

Python's ``json.loads`` is laxer than the RFC: it accepts ``NaN``, ``Infinity`` and
``-Infinity`` and silently keeps the last of duplicate keys. Readers in other languages differ
on both, so the spec refuses the constants (DDUF-INDEX-002, DDUF-DEEP-002, ST-HEADER-003,
SHARD-INDEX-001) and duplicate keys where they matter (ST-HEADER-004); this module is the one
place that parses with those rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


class StrictJSONError(ValueError):
    """The bytes are not UTF-8 JSON. ``offset`` is the byte offset of the problem in the input."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class ParsedJSON:
    value: object
    duplicate_keys: list[str] = field(default_factory=list)  # keys seen twice in one object, any depth


def parse(data: bytes | str) -> ParsedJSON:
    """Parse UTF-8 JSON bytes (or an already-decoded str). Raises StrictJSONError."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise StrictJSONError(f"not UTF-8: {error.reason}", error.start) from None
    else:
        text = data
    duplicates: list[str] = []

    def object_noting_duplicates(pairs: list[tuple[str, object]]) -> dict:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            duplicates.extend(key for key, _ in pairs if key in seen or seen.add(key))
        return result

    try:
        value = json.loads(text, object_pairs_hook=object_noting_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise StrictJSONError(f"not JSON: {error.msg}", len(text[: error.pos].encode("utf-8"))) from None
    except (ValueError, RecursionError) as error:  # NaN/Infinity, integers too long, nesting too deep
        raise StrictJSONError(f"not JSON: {error}") from None
    return ParsedJSON(value, duplicates)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value (RFC 8259)")
