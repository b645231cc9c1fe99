"""The lines of the driver protocol (spec/protocol.md): encoding the suite's requests, decoding and
checking a driver's answers against ``spec/schemas/protocol-response.schema.json``.

``encode(message)`` is one line of compact JSON. ``started_implementation(line)`` and
``run_response(line, capability)`` decode one line a driver wrote and return the message once it
is valid; both raise ``ProtocolViolation`` saying what is wrong: not UTF-8, not JSON, not an
object, or the schema rule it breaks (its schema path, the place in the message, the reason).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from weightspec import spec

PROTOCOL_VERSION = 1
RESPONSE_SCHEMA = "protocol-response.schema.json"
_QUOTED_LINE_LIMIT = 200  # characters of a bad line quoted in an error


class ProtocolViolation(ValueError):
    """A line of a driver is not the message the protocol expects there; the text says why."""


def encode(message: dict[str, Any]) -> bytes:
    """One protocol line: compact JSON (non-ASCII escaped, so any driver can decode it) and ``\\n``."""
    return json.dumps(message, separators=(",", ":")).encode("ascii") + b"\n"


def started_implementation(line: bytes) -> dict[str, Any]:
    """The ``implementation`` object of a valid answer to ``start``."""
    message = _decode(line)
    _check(message, "started")
    return message["implementation"]


def run_response(line: bytes, capability: str) -> dict[str, Any]:
    """A valid answer to a run of ``capability``; an accepted answer's value is checked against
    the capability's ``$defs/values`` schema too. Does not check ``seq``: the caller knows it."""
    message = _decode(line)
    _check(message, "run-response")
    if message["outcome"] == "accepted":
        _check(message["value"], f"values/{capability}", where="value")
    return message


def _decode(line: bytes) -> Any:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolViolation(
            f"wrote a line that is not UTF-8 ({error.reason} at byte {error.start})"
        ) from None
    try:
        message = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:
        raise ProtocolViolation(f"wrote a line that is not JSON ({error}): {_quoted(text)}") from None
    if not isinstance(message, dict):
        raise ProtocolViolation(f"wrote JSON that is not an object: {_quoted(text)}")
    return message


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _check(instance: Any, definition: str, where: str = "") -> None:
    error = best_match(_validator(definition).iter_errors(instance))
    if error is None:
        return
    schema_path = "/".join(str(part) for part in error.schema_path)
    place = f"$.{where}{error.json_path[1:]}" if where else error.json_path
    raise ProtocolViolation(
        f"wrote a message that breaks {RESPONSE_SCHEMA} at #/$defs/{definition}/{schema_path} "
        f"(in {place}): {error.message}"
    )


@functools.cache
def _validator(definition: str) -> jsonschema.protocols.Validator:
    """The validator of one definition of the response schema (``started``, ``values/dduf-read``),
    built once; references resolve within the whole schema."""
    schema = spec.schema(RESPONSE_SCHEMA)
    subschema = schema["$defs"]
    for part in definition.split("/"):
        subschema = subschema[part]
    return jsonschema.Draft202012Validator(schema).evolve(schema=subschema)


def _quoted(text: str) -> str:
    text = text.rstrip("\r\n")
    return repr(text if len(text) <= _QUOTED_LINE_LIMIT else text[:_QUOTED_LINE_LIMIT] + "…")
