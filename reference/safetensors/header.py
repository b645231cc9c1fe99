"""Reading and checking a safetensors header: the executable form of ``spec/safetensors.md``.

A safetensors file (or a safetensors entry inside a DDUF archive, selected by ``start`` and
``length``) is::

    [8 bytes: N, little-endian u64][N bytes: JSON header][data buffer: the tensors' bytes]

``read_safetensors_header`` reads only the 8 + N header bytes, never the data, and raises
``SafetensorsError`` on the first broken rule. ``safetensors_findings`` runs the same checks
and returns every ``Finding`` it can. Checks run in this order, so callers may rely on it:

1. ST-HEADER-001/002: the length prefix and the header's extent (a failure stops here);
2. ST-HEADER-003: UTF-8 and JSON parsing, with ST-HEADER-004 (duplicate keys) checked while
   parsing (a parse failure, or a header that is not an object, stops here);
3. per key, in header order: ST-HEADER-005 for ``__metadata__``, ST-TENSOR-001..004 per tensor;
4. ST-TENSOR-005: the tensors' spans tile the data buffer (only when every tensor passed
   ST-TENSOR-001..003, since a tensor without valid offsets cannot be placed).

ST-HEADER-006 (8 + N is a multiple of 8) is a writer SHOULD and is not checked here.
Every error names the requirement, the file, the entry (for DDUF) and an absolute byte offset.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import BinaryIO

import jsonschema

from .. import _strict_json
from ..errors import Finding, SafetensorsError

MAX_HEADER_LENGTH = 100_000_000  # ST-HEADER-002; the safetensors library's own limit
METADATA_KEY = "__metadata__"

# Bits per element of every dtype of the safetensors format 0.8 (ST-TENSOR-002, ST-TENSOR-004).
DTYPE_BITS: dict[str, int] = {
    **dict.fromkeys(["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ"], 8),
    **dict.fromkeys(["I16", "U16", "F16", "BF16"], 16),
    **dict.fromkeys(["I32", "U32", "F32"], 32),
    **dict.fromkeys(["F64", "I64", "U64", "C64"], 64),
    **dict.fromkeys(["F4"], 4),
    **dict.fromkeys(["F6_E2M3", "F6_E3M2"], 6),
}


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of the header. ``begin``/``end`` are relative to the data buffer."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class SafetensorsHeader:
    """A parsed, valid header.

    ``header_length`` is N; ``data_start`` the absolute offset in the file of the data buffer
    (``start + 8 + N``); ``data_length`` the buffer's length in bytes; ``metadata`` the
    ``__metadata__`` object (empty when absent); ``tensors`` in the header's key order.
    """

    header_length: int
    data_start: int
    data_length: int
    metadata: dict[str, str]
    tensors: dict[str, TensorInfo]


def read_safetensors_header(
    source: str | os.PathLike | BinaryIO,
    *,
    start: int = 0,
    length: int | None = None,
    path: str | os.PathLike | None = None,
    entry: str | None = None,
) -> SafetensorsHeader:
    """Read and check the header of the safetensors bytes at ``[start, start + length)``.

    ``source`` is a path or a seekable binary file object (left open). ``length`` None means
    to the end of the file. ``path`` names the file in errors (default: ``source``'s name);
    ``entry`` names the DDUF entry, if any. Raises ``SafetensorsError`` carrying the ID of the
    first broken ST- reader requirement and the absolute byte offset where it was seen.
    """
    report = _Report(_label(source, path), entry, first_only=True)
    header = _inspect(source, start, length, report)
    assert header is not None  # a first_only report raises on the first finding
    return header


def safetensors_findings(
    source: str | os.PathLike | BinaryIO,
    *,
    start: int = 0,
    length: int | None = None,
    path: str | os.PathLike | None = None,
    entry: str | None = None,
) -> list[Finding]:
    """Every ST- reader finding for the same bytes ``read_safetensors_header`` reads; [] if valid."""
    report = _Report(_label(source, path), entry, first_only=False)
    _inspect(source, start, length, report)
    return report.findings


class _Report:
    """Collects findings, or raises the first one as a ``SafetensorsError``."""

    def __init__(self, path: str, entry: str | None, *, first_only: bool) -> None:
        self.path = path
        self.entry = entry
        self.first_only = first_only
        self.findings: list[Finding] = []

    def add(self, requirement: str, message: str, offset: int | None) -> None:
        finding = Finding(requirement, self.path, message, entry=self.entry, offset=offset)
        if self.first_only:
            raise SafetensorsError.from_finding(finding)
        self.findings.append(finding)


def _label(source: str | os.PathLike | BinaryIO, path: str | os.PathLike | None) -> str:
    if path is not None:
        return os.fspath(path)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


@contextmanager
def _opened(source: str | os.PathLike | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            yield file
    else:
        yield source


def _inspect(
    source: str | os.PathLike | BinaryIO, start: int, length: int | None, report: _Report
) -> SafetensorsHeader | None:
    """Run every check in the documented order; the header if nothing was found, else None."""
    with _opened(source) as file:
        span = _span_length(file, start, length)
        raw = _read_header_bytes(file, start, span, report)
    if raw is None:
        return None
    header_start = start + 8
    value = _parse_json(raw, header_start, report)
    if value is None:
        return None
    data_length = span - 8 - len(raw)
    metadata, tensors, placeable = _check_keys(value, header_start, report)
    if placeable:
        _check_coverage(tensors, header_start + len(raw), data_length, report)
    if report.findings:
        return None
    return SafetensorsHeader(len(raw), header_start + len(raw), data_length, metadata, tensors)


def _span_length(file: BinaryIO, start: int, length: int | None) -> int:
    """The number of bytes available in the span: ``length``, cut short where the file ends."""
    file_size = file.seek(0, os.SEEK_END)
    available = max(0, file_size - start)
    return available if length is None else min(length, available)


def _read_header_bytes(file: BinaryIO, start: int, span: int, report: _Report) -> bytes | None:
    """The N header bytes (ST-HEADER-001, ST-HEADER-002), or None after a finding."""
    if span < 8:
        report.add("ST-HEADER-001", f"{span} bytes is too short for the 8-byte header length", start)
        return None
    file.seek(start)
    header_length = int.from_bytes(file.read(8), "little")
    if header_length > MAX_HEADER_LENGTH:
        report.add("ST-HEADER-002", f"header length {header_length} exceeds {MAX_HEADER_LENGTH} bytes", start)
        return None
    if 8 + header_length > span:
        report.add(
            "ST-HEADER-001",
            f"header of {header_length} bytes does not fit in the {span - 8} bytes after the length",
            start,
        )
        return None
    raw = file.read(header_length)
    if len(raw) != header_length:  # the file shrank while we read it
        report.add("ST-HEADER-001", f"file ended inside the {header_length}-byte header", start + 8)
        return None
    return raw


def _parse_json(raw: bytes, header_start: int, report: _Report) -> dict | None:
    """The header object (ST-HEADER-003, ST-HEADER-004), or None when it is not a JSON object."""
    try:
        parsed = _strict_json.parse(raw)
    except _strict_json.StrictJSONError as error:
        report.add("ST-HEADER-003", f"header is {error.message}", header_start + error.offset)
        return None
    for key in parsed.duplicate_keys:
        report.add("ST-HEADER-004", f"key {key!r} occurs more than once in the header", header_start)
    if not isinstance(parsed.value, dict):
        kind = type(parsed.value).__name__
        report.add("ST-HEADER-003", f"header is a JSON {kind}, not an object", header_start)
        return None
    return parsed.value


def _is_valid_tensor(field: object) -> bool:
    """True when ``field`` is valid against the schema's tensor definition (its dtype one of ST-TENSOR-002's).

    A fast equivalent of the schema (validating with jsonschema costs ~150 µs a tensor, and
    checkpoints hold thousands); the schema itself explains every field that fails here, and
    the tests check that the two agree. ``type(x) is int`` excludes booleans, as JSON does.
    """
    if type(field) is not dict or field.keys() != _TENSOR_FIELDS:
        return False
    dtype, shape, offsets = field["dtype"], field["shape"], field["data_offsets"]
    return (
        type(dtype) is str
        and dtype in DTYPE_BITS
        and type(shape) is list
        and all(type(size) is int and size >= 0 for size in shape)
        and type(offsets) is list
        and len(offsets) == 2
        and all(type(offset) is int and offset >= 0 for offset in offsets)
    )


def _is_valid_metadata(field: object) -> bool:
    """True when ``field`` is valid against the schema's ``__metadata__`` definition."""
    return type(field) is dict and all(type(value) is str for value in field.values())


_TENSOR_FIELDS = {"dtype", "shape", "data_offsets"}

# The specific requirement a schema violation breaks, found from where it is: in __metadata__,
# in a tensor's value itself (not an object, a missing or an unknown field), or in one field of
# a tensor. The generic ST-HEADER-003 is left for a header that is not an object at all.
_FIELD_REQUIREMENT = {"dtype": "ST-TENSOR-002", "shape": "ST-TENSOR-003", "data_offsets": "ST-TENSOR-003"}


def _explain(key: str, field: object, header_start: int, report: _Report) -> None:
    """Report why ``field`` (the value of ``key``) is invalid against the header schema."""
    errors = sorted(
        _header_validator().iter_errors({key: field}), key=lambda e: [str(p) for p in e.absolute_path]
    )
    assert errors, f"the fast checks and the schema disagree on {key!r}"
    for error in errors:
        where = list(error.absolute_path)  # [key] or [key, field name, ...]
        if key == METADATA_KEY:
            requirement = "ST-HEADER-005"
        elif len(where) == 1:
            requirement = "ST-TENSOR-001"
        else:
            requirement = _FIELD_REQUIREMENT[where[1]]
        location = key + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where[1:])
        report.add(requirement, f"{location!r}: {error.message}", header_start)


def _check_keys(
    value: dict, header_start: int, report: _Report
) -> tuple[dict[str, str], dict[str, TensorInfo], bool]:
    """ST-HEADER-005 and ST-TENSOR-001..004, key by key in header order.

    Returns the metadata, the tensors that passed ST-TENSOR-001..003, and whether every tensor
    did (only then can the spans be checked against the buffer).
    """
    metadata: dict[str, str] = {}
    tensors: dict[str, TensorInfo] = {}
    placeable = True
    for key, field in value.items():
        if key == METADATA_KEY:
            if _is_valid_metadata(field):
                metadata = field
            else:
                _explain(key, field, header_start, report)
            continue
        if not _is_valid_tensor(field):
            _explain(key, field, header_start, report)
            placeable = False
            continue
        tensor = TensorInfo(key, field["dtype"], tuple(field["shape"]), *field["data_offsets"])
        if tensor.begin > tensor.end:
            report.add(
                "ST-TENSOR-003", f"tensor {key!r}: begin {tensor.begin} > end {tensor.end}", header_start
            )
            placeable = False
            continue
        _check_size(tensor, header_start, report)
        tensors[key] = tensor
    return metadata, tensors, placeable


def _check_size(tensor: TensorInfo, header_start: int, report: _Report) -> None:
    """ST-TENSOR-004: the span holds exactly the tensor's elements, in whole bytes."""
    span = tensor.end - tensor.begin
    limit = 8 * span  # no dtype has fewer than 4 bits, so more elements than this cannot fit
    elements = _element_count(tensor.shape, limit)
    bits = elements * DTYPE_BITS[tensor.dtype]
    if bits % 8:
        message = f"{elements} elements of {tensor.dtype} are {bits} bits, not a whole number of bytes"
    elif bits != 8 * span:
        needed = bits // 8 if elements <= limit else f"more than {span}"
        message = f"span of {span} bytes, but shape {list(tensor.shape)} of {tensor.dtype} needs {needed}"
    else:
        return
    report.add("ST-TENSOR-004", f"tensor {tensor.name!r}: {message}", header_start)


def _element_count(shape: tuple[int, ...], limit: int) -> int:
    """The product of ``shape``, or a number above ``limit`` as soon as the product exceeds it.

    Stopping early keeps a hostile shape (thousands of huge dimensions) from costing
    quadratic time in big-integer multiplication.
    """
    if 0 in shape:
        return 0
    count = 1
    for size in shape:
        count *= size
        if count > limit:
            break
    return count


def _check_coverage(
    tensors: dict[str, TensorInfo], data_start: int, data_length: int, report: _Report
) -> None:
    """ST-TENSOR-005: sorted by (begin, end), spans are contiguous from 0 to the buffer's end."""
    position = 0
    for tensor in sorted(tensors.values(), key=lambda t: (t.begin, t.end)):
        if tensor.begin != position:
            problem = "leaves a hole after" if tensor.begin > position else "overlaps the span ending at"
            report.add(
                "ST-TENSOR-005",
                f"tensor {tensor.name!r} starts at {tensor.begin}, which {problem} byte {position}",
                data_start + min(tensor.begin, position),
            )
        position = max(position, tensor.end)
    if position != data_length:
        report.add(
            "ST-TENSOR-005",
            f"tensors end at byte {position} of the data buffer, which is {data_length} bytes long",
            data_start + min(position, data_length),
        )


@cache
def _header_validator() -> jsonschema.Draft202012Validator:
    """The validator of ``schemas/safetensors-header.schema.json``; only JSON integers are integers."""
    text = (
        resources.files("weightspec.spec")
        .joinpath("schemas/safetensors-header.schema.json")
        .read_text("utf-8")
    )
    strict_integers = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    validator_class = jsonschema.validators.extend(
        jsonschema.Draft202012Validator, type_checker=strict_integers
    )
    return validator_class(json.loads(text))
