"""Cases for spec/dduf.md section 4, Pipeline structure (DDUF-INDEX-001..004), and the limits
DDUF-LIMIT-002 (entry count) and DDUF-LIMIT-003 (model_index.json size)."""

from __future__ import annotations

import functools
import json

from ..zip_builder import Entry
from .baseline import (
    INDEX,
    MODEL_INDEX,
    SCHEDULER_CONFIG,
    TEXT_ENCODER_CONFIG,
    baseline,
    json_bytes,
    reader_case,
    with_file,
    with_index,
)

MAX_ENTRIES = 100_000
MAX_MODEL_INDEX_BYTES = 1 << 20


def index_of_size(size: int) -> bytes:
    """The baseline's model_index.json, padded with a ``_padding`` string to exactly ``size`` bytes."""
    empty = json_bytes({**INDEX, "_padding": ""})
    return json_bytes({**INDEX, "_padding": "x" * (size - len(empty))})


@functools.cache
def _too_many_entries() -> bytes:
    count = MAX_ENTRIES + 1 - len(baseline().entries)
    return baseline().adding(*(Entry(f"{number:06x}.txt") for number in range(count))).to_bytes()


def _with_index_bytes(data: bytes) -> bytes:
    return baseline().changing(MODEL_INDEX, data=data).to_bytes()


def _renamed(old: str, new: str) -> bytes:
    return baseline().changing(old, name=new).to_bytes()


CASES = (
    # DDUF-INDEX-001: model_index.json at the root
    reader_case(
        "index-missing",
        "DDUF-INDEX-001",
        "The archive has no model_index.json.",
        lambda: baseline().removing(MODEL_INDEX).to_bytes(),
    ),
    reader_case(
        "index-wrong-case",
        "DDUF-INDEX-001",
        "The index is named Model_Index.json.",
        lambda: _renamed(MODEL_INDEX, "Model_Index.json"),
    ),
    # DDUF-INDEX-002: UTF-8 JSON object valid against the schema
    reader_case(
        "index-not-json",
        "DDUF-INDEX-002",
        "model_index.json is truncated JSON.",
        lambda: _with_index_bytes(b'{"_class_name": "StableDiffusionPipeline", '),
    ),
    reader_case(
        "index-not-object",
        "DDUF-INDEX-002",
        "model_index.json is a JSON array.",
        lambda: _with_index_bytes(json_bytes(["scheduler", "text_encoder"])),
    ),
    reader_case(
        "index-not-utf8",
        "DDUF-INDEX-002",
        "model_index.json holds a Latin-1 byte (\\xe9) in a string.",
        lambda: _with_index_bytes(
            json_bytes({**INDEX, "_name_or_path": "café"}).replace("é".encode(), b"\xe9")
        ),
    ),
    reader_case(
        "index-nan-literal",
        "DDUF-INDEX-002",
        "model_index.json holds NaN, which Python's json accepts but JSON (RFC 8259) does not.",
        lambda: _with_index_bytes(json.dumps({**INDEX, "_guidance": float("nan")}).encode()),
    ),
    reader_case(
        "index-missing-class-name",
        "DDUF-INDEX-002",
        "model_index.json is an object without _class_name.",
        lambda: with_index({key: value for key, value in INDEX.items() if key != "_class_name"}).to_bytes(),
    ),
    reader_case(
        "index-class-name-not-string",
        "DDUF-INDEX-002",
        "model_index.json's _class_name is a number.",
        lambda: with_index({**INDEX, "_class_name": 42}).to_bytes(),
    ),
    # DDUF-INDEX-003: every folder declared
    reader_case(
        "index-undeclared-folder",
        "DDUF-INDEX-003",
        "Folder vae (with vae/config.json) is not a key of model_index.json.",
        lambda: with_file("vae/config.json").to_bytes(),
    ),
    reader_case(
        "index-folder-case-differs",
        "DDUF-INDEX-003",
        "The scheduler's folder is named Scheduler; model_index.json declares scheduler.",
        lambda: _renamed(SCHEDULER_CONFIG, "Scheduler/scheduler_config.json"),
    ),
    # DDUF-INDEX-004: every folder has a config
    reader_case(
        "index-folder-without-config",
        "DDUF-INDEX-004",
        "Folder text_encoder holds weights but no config file.",
        lambda: baseline().removing(TEXT_ENCODER_CONFIG).to_bytes(),
    ),
    reader_case(
        "index-folder-config-case-differs",
        "DDUF-INDEX-004",
        "Folder text_encoder's config is named Config.json.",
        lambda: _renamed(TEXT_ENCODER_CONFIG, "text_encoder/Config.json"),
    ),
    # DDUF-LIMIT-002: at most 100,000 entries
    reader_case(
        "limit-too-many-entries",
        "DDUF-LIMIT-002",
        "The archive has 100,001 entries (the baseline plus empty root-level .txt files; ZIP64 end records).",
        _too_many_entries,
    ),
    # DDUF-LIMIT-003: model_index.json at most 1 MiB
    reader_case(
        "limit-model-index-too-large",
        "DDUF-LIMIT-003",
        "model_index.json is valid JSON of 1 MiB + 1 byte.",
        lambda: _with_index_bytes(index_of_size(MAX_MODEL_INDEX_BYTES + 1)),
    ),
)
