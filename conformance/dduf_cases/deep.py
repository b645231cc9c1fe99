"""Cases for spec/dduf.md section 6, Deep validation: DDUF-DEEP-001..003.

A reader opens these archives; only a validator that reads every byte rejects them. The
DDUF-DEEP-003 cases break one reader requirement of spec/safetensors.md inside the baseline's
``text_encoder/model.safetensors`` entry: they list DDUF-DEEP-003 and the ST- ID, and expect the
ST- ID (see ``weightspec.conformance.cases``).
"""

from __future__ import annotations

import json
import struct
import zlib

from ..cases import Case, rejected_by_deep
from ..safetensors_builder import DEFAULT_TENSORS, buffer_of, default_header, default_safetensors, encode
from .baseline import (
    SCHEDULER_CONFIG,
    TEXT_ENCODER_CONFIG,
    TEXT_ENCODER_WEIGHTS,
    baseline,
    json_bytes,
    with_file,
)

WEIGHT, BIAS, POSITION_IDS = (tensor.name for tensor in DEFAULT_TENSORS)
W, B, P = (tensor.data for tensor in DEFAULT_TENSORS)
BUFFER = buffer_of(DEFAULT_TENSORS)
MAX_HEADER_BYTES = 100_000_000


def _deep_case(case_id: str, requirement: str, description: str, build) -> Case:
    return Case(case_id, (requirement,), description, rejected_by_deep(requirement), build)


def _safetensors_case(case_id: str, requirement: str, description: str, weights) -> Case:
    """The baseline with its safetensors entry replaced by ``weights()``."""

    def build() -> bytes:
        return baseline().changing(TEXT_ENCODER_WEIGHTS, data=weights()).to_bytes()

    return Case(case_id, ("DDUF-DEEP-003", requirement), description, rejected_by_deep(requirement), build)


def _header_with(change) -> bytes:
    """The default file with ``change(header)`` applied to a copy of its header."""
    header = default_header()
    change(header)
    return encode(header, BUFFER)


def _with_length_prefix(length: int) -> bytes:
    return struct.pack("<Q", length) + default_safetensors()[8:]


def _duplicate_key() -> bytes:
    text = json.dumps(default_header(), separators=(",", ":"))
    member = json.dumps({BIAS: default_header()[BIAS]}, separators=(",", ":"))[1:-1]
    return encode(text[:-1] + "," + member + "}", BUFFER)


def _spans(bias: list[int], position_ids: list[int], buffer: bytes) -> bytes:
    """The default header with the last two tensors moved to ``bias`` and ``position_ids``."""
    header = default_header()
    header[BIAS]["data_offsets"] = bias
    header[POSITION_IDS]["data_offsets"] = position_ids
    return encode(header, buffer)


def _header_not_utf8() -> bytes:
    header = {**default_header(), "__metadata__": {"format": "pt", "note": "café"}}
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return encode(text.replace("é".encode(), b"\xe9"), BUFFER)


def _flipped_weights() -> bytes:
    """The weights with their last byte changed; the headers keep the CRC-32 of the original."""
    original = default_safetensors()
    return (
        baseline()
        .changing(
            TEXT_ENCODER_WEIGHTS,
            data=original[:-1] + bytes([original[-1] ^ 0xFF]),
            crc32=zlib.crc32(original),
        )
        .to_bytes()
    )


CASES = (
    # DDUF-DEEP-001: CRC-32 matches the data
    _deep_case(
        "deep-crc-mismatch",
        "DDUF-DEEP-001",
        "Both headers of the scheduler config hold the same wrong CRC-32.",
        lambda: (
            baseline()
            .changing(SCHEDULER_CONFIG, crc32=zlib.crc32(baseline().entries[1].data) ^ 0x5A5A5A5A)
            .to_bytes()
        ),
    ),
    _deep_case(
        "deep-data-byte-flipped",
        "DDUF-DEEP-001",
        "The last byte of the weights changed after the CRC-32 was computed (the file is still valid safetensors).",
        _flipped_weights,
    ),
    # DDUF-DEEP-002: every .json entry is UTF-8 JSON
    _deep_case(
        "deep-json-entry-not-json",
        "DDUF-DEEP-002",
        "The scheduler config is truncated JSON.",
        lambda: baseline().changing(SCHEDULER_CONFIG, data=b'{"_class_name": "PNDMScheduler",\n').to_bytes(),
    ),
    _deep_case(
        "deep-json-entry-not-utf8",
        "DDUF-DEEP-002",
        "The text encoder config holds a Latin-1 byte (\\xe9) in a string.",
        lambda: (
            baseline()
            .changing(TEXT_ENCODER_CONFIG, data=json_bytes({"name": "café"}).replace("é".encode(), b"\xe9"))
            .to_bytes()
        ),
    ),
    _deep_case(
        "deep-json-entry-nan",
        "DDUF-DEEP-002",
        "The scheduler config holds NaN, which Python's json accepts but JSON (RFC 8259) does not.",
        lambda: (
            baseline()
            .changing(
                SCHEDULER_CONFIG,
                data=json.dumps({"_class_name": "PNDMScheduler", "beta_end": float("nan")}).encode(),
            )
            .to_bytes()
        ),
    ),
    _deep_case(
        "deep-root-json-entry-not-json",
        "DDUF-DEEP-002",
        "A root-level notes.json holds plain text.",
        lambda: with_file("notes.json", data=b"this is not JSON\n").to_bytes(),
    ),
    # DDUF-DEEP-003 with ST-HEADER-*: the header
    _safetensors_case(
        "st-file-shorter-than-8-bytes",
        "ST-HEADER-001",
        "The safetensors entry is 3 bytes long.",
        lambda: b"\x10\x00\x00",
    ),
    _safetensors_case(
        "st-header-length-past-end",
        "ST-HEADER-001",
        "The safetensors header length points 1 byte past the end of the entry.",
        lambda: _with_length_prefix(len(default_safetensors()) - 8 + 1),
    ),
    _safetensors_case(
        "st-header-length-over-limit",
        "ST-HEADER-002",
        "The safetensors header length is 100,000,001 (the entry is also far shorter than that).",
        lambda: _with_length_prefix(MAX_HEADER_BYTES + 1),
    ),
    _safetensors_case(
        "st-header-not-json",
        "ST-HEADER-003",
        "The safetensors header is truncated JSON.",
        lambda: encode('{"' + WEIGHT + '": {', BUFFER),
    ),
    _safetensors_case(
        "st-header-not-utf8",
        "ST-HEADER-003",
        "The safetensors header holds a Latin-1 byte (\\xe9) in a metadata string.",
        _header_not_utf8,
    ),
    _safetensors_case(
        "st-header-not-object",
        "ST-HEADER-003",
        "The safetensors header is a JSON array.",
        lambda: encode("[]", b""),
    ),
    _safetensors_case(
        "st-header-duplicate-key",
        "ST-HEADER-004",
        "The safetensors header describes the bias tensor twice (same value both times).",
        _duplicate_key,
    ),
    _safetensors_case(
        "st-metadata-value-not-string",
        "ST-HEADER-005",
        "A __metadata__ value is the number 1.",
        lambda: _header_with(lambda header: header["__metadata__"].update(epoch=1)),
    ),
    _safetensors_case(
        "st-metadata-not-object",
        "ST-HEADER-005",
        "__metadata__ is a list.",
        lambda: _header_with(lambda header: header.update(__metadata__=["pt"])),
    ),
    # DDUF-DEEP-003 with ST-TENSOR-*: the tensors
    _safetensors_case(
        "st-tensor-extra-field",
        "ST-TENSOR-001",
        "A tensor has a fourth field, layout.",
        lambda: _header_with(lambda header: header[WEIGHT].update(layout="strided")),
    ),
    _safetensors_case(
        "st-tensor-missing-dtype",
        "ST-TENSOR-001",
        "A tensor has no dtype.",
        lambda: _header_with(lambda header: header[BIAS].pop("dtype")),
    ),
    _safetensors_case(
        "st-dtype-unknown",
        "ST-TENSOR-002",
        "A tensor's dtype is F128.",
        lambda: _header_with(lambda header: header[BIAS].update(dtype="F128")),
    ),
    _safetensors_case(
        "st-dtype-lower-case",
        "ST-TENSOR-002",
        "A tensor's dtype is f32 (dtypes are upper case).",
        lambda: _header_with(lambda header: header[WEIGHT].update(dtype="f32")),
    ),
    _safetensors_case(
        "st-shape-negative",
        "ST-TENSOR-003",
        "A tensor's shape is [-2, -3], whose product still matches its 24-byte span.",
        lambda: _header_with(lambda header: header[WEIGHT].update(shape=[-2, -3])),
    ),
    _safetensors_case(
        "st-shape-float-dimension",
        "ST-TENSOR-003",
        "A tensor's shape is [2.0, 3].",
        lambda: _header_with(lambda header: header[WEIGHT].update(shape=[2.0, 3])),
    ),
    _safetensors_case(
        "st-offsets-not-pair",
        "ST-TENSOR-003",
        "A tensor's data_offsets has three numbers.",
        lambda: _header_with(lambda header: header[BIAS]["data_offsets"].append(30)),
    ),
    _safetensors_case(
        "st-span-mismatches-shape",
        "ST-TENSOR-004",
        "An F16 tensor of shape [4] (8 bytes) has a 6-byte span.",
        lambda: _header_with(lambda header: header[BIAS].update(shape=[4])),
    ),
    _safetensors_case(
        "st-tensors-overlap",
        "ST-TENSOR-005",
        "Two tensors' spans overlap by 4 bytes.",
        lambda: _spans([20, 26], [26, 42], W + B + P[:-4]),
    ),
    _safetensors_case(
        "st-tensors-hole",
        "ST-TENSOR-005",
        "4 bytes between two tensors' spans belong to no tensor.",
        lambda: _spans([28, 34], [34, 50], W + bytes(4) + B + P),
    ),
    _safetensors_case(
        "st-buffer-trailing-bytes",
        "ST-TENSOR-005",
        "The data buffer is 8 bytes longer than the last tensor's end.",
        lambda: encode(default_header(), BUFFER + bytes(8)),
    ),
)
