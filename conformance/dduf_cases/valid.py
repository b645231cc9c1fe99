"""Valid archives: every reader accepts them and a deep validator reports nothing.

Each one sits at the edge of the requirements it lists: a layout a strict reader could wrongly
refuse (ZIP64 records that are not needed, zipalign padding, huggingface_hub's local ZIP64 extra,
names and sizes at their limits, components declared without a folder).
"""

from __future__ import annotations

import struct

from ..cases import VALID, Case
from ..safetensors_builder import DEFAULT_METADATA, DEFAULT_TENSORS, Tensor, buffer_of, encode, header_of
from ..zip_builder import Entry
from ..zip_records import HOST_UNIX, U32_MAX, VERSION_ZIP64, extra_record, zip64_extra
from .baseline import INDEX, MODEL_INDEX, TEXT_ENCODER_WEIGHTS, baseline, json_bytes, with_file, with_index
from .structure import MAX_MODEL_INDEX_BYTES, index_of_size

HUB_MADE_BY = (HOST_UNIX << 8) | VERSION_ZIP64  # what zipfile writes on Linux
HUB_EXTERNAL_ATTRIBUTES = 0o600 << 16  # zipfile's ZipFile.open(..., "w"): permissions, no file type
EXTENDED_TIMESTAMP = extra_record(0x5455, b"\x01" + struct.pack("<I", 0))


def _valid(case_id: str, requirements: tuple[str, ...], description: str, build) -> Case:
    return Case(case_id, requirements, description, VALID, build)


def _every_entry(**fields) -> bytes:
    """The baseline with ``fields`` changed on every entry."""
    spec = baseline()
    for entry in spec.entries:
        spec = spec.changing(entry.name, **fields)
    return spec.to_bytes()


def _one_size_saturated(field: str) -> bytes:
    """Entry a.txt whose central header saturates only ``field``, its ZIP64 record holding that one size."""
    spec = with_file("a.txt", data=b"hello", central_extra=zip64_extra(5))
    return spec.build().patched("central", field, U32_MAX, entry="a.txt").data


def _with_weights(tensors: tuple[Tensor, ...], header: dict) -> bytes:
    return baseline().changing(TEXT_ENCODER_WEIGHTS, data=encode(header, buffer_of(tensors))).to_bytes()


def _keys_not_in_offset_order() -> bytes:
    header = header_of(DEFAULT_TENSORS, dict(DEFAULT_METADATA))
    reordered = {key: header[key] for key in reversed(header)}
    return _with_weights(DEFAULT_TENSORS, reordered)


def _with_empty_tensor() -> bytes:
    tensors = (*DEFAULT_TENSORS, Tensor("text_model.empty", "F32", (0, 3), b""))
    return _with_weights(tensors, header_of(tensors, dict(DEFAULT_METADATA)))


TOKENIZER_ENTRIES = (
    Entry("tokenizer/tokenizer_config.json", json_bytes({"model_max_length": 77})),
    Entry("tokenizer/vocab.json", json_bytes({"a": 0, "b": 1})),
    Entry("tokenizer/merges.txt", b"#version: 0.2\na b\n"),
    Entry("tokenizer/spiece.model", b"\x0a\x03\x0a\x01a"),
)

CASES = (
    _valid(
        "valid-minimal-pipeline",
        ("DDUF-INDEX-001", "DDUF-INDEX-003", "DDUF-INDEX-004"),
        "The baseline: model_index.json, a scheduler config and a text encoder with config and weights.",
        lambda: baseline().to_bytes(),
    ),
    _valid(
        "valid-index-only",
        ("DDUF-INDEX-001",),
        "Only model_index.json; the components it declares have no folder.",
        lambda: (
            baseline().removing(*(e.name for e in baseline().entries if e.name != MODEL_INDEX)).to_bytes()
        ),
    ),
    _valid(
        "valid-component-declared-without-folder",
        ("DDUF-INDEX-003",),
        "model_index.json also declares vae, which has no folder.",
        lambda: with_index({**INDEX, "vae": ["diffusers", "AutoencoderKL"]}).to_bytes(),
    ),
    _valid(
        "valid-tokenizer-folder",
        ("DDUF-INDEX-004", "DDUF-NAME-007"),
        "A tokenizer folder with tokenizer_config.json as its only config, plus .json, .txt and .model files.",
        lambda: (
            with_index({**INDEX, "tokenizer": ["transformers", "CLIPTokenizer"]})
            .adding(*TOKENIZER_ENTRIES)
            .to_bytes()
        ),
    ),
    _valid(
        "valid-preprocessor-folder",
        ("DDUF-INDEX-004",),
        "A feature_extractor folder whose only file is preprocessor_config.json.",
        lambda: (
            with_index({**INDEX, "feature_extractor": ["transformers", "CLIPImageProcessor"]})
            .adding(Entry("feature_extractor/preprocessor_config.json", json_bytes({"crop_size": 224})))
            .to_bytes()
        ),
    ),
    _valid(
        "valid-root-level-text-file",
        ("DDUF-INDEX-003", "DDUF-NAME-007"),
        "A root-level README.txt beside model_index.json.",
        lambda: with_file("README.txt").to_bytes(),
    ),
    _valid(
        "valid-empty-entry",
        ("DDUF-ZIP-007", "DDUF-ZIP-008"),
        "A root-level notes.txt of 0 bytes.",
        lambda: with_file("notes.txt", data=b"").to_bytes(),
    ),
    _valid(
        "valid-non-ascii-name-utf8-flag",
        ("DDUF-NAME-001",),
        "A root-level café.txt, UTF-8 with flag bit 11 set.",
        lambda: with_file("café.txt").to_bytes(),
    ),
    _valid(
        "valid-name-512-bytes",
        ("DDUF-LIMIT-001",),
        "A root-level entry name of exactly 512 bytes.",
        lambda: with_file("n" * 508 + ".txt").to_bytes(),
    ),
    _valid(
        "valid-model-index-1-mib",
        ("DDUF-LIMIT-003",),
        "model_index.json is exactly 1 MiB.",
        lambda: baseline().changing(MODEL_INDEX, data=index_of_size(MAX_MODEL_INDEX_BYTES)).to_bytes(),
    ),
    _valid(
        "valid-zip64-end-records-present",
        ("DDUF-ZIP-002", "DDUF-ZIP-004"),
        "ZIP64 end record and locator present though nothing needs them; the end record repeats their values.",
        lambda: baseline().with_options(zip64_end=True).to_bytes(),
    ),
    _valid(
        "valid-zip64-end-record-saturated",
        ("DDUF-ZIP-002", "DDUF-ZIP-004"),
        "ZIP64 end records present and every count, size and offset of the end record saturated.",
        lambda: baseline().with_options(zip64_end=True, saturate_end=True).to_bytes(),
    ),
    _valid(
        "valid-hub-style-local-zip64",
        ("DDUF-ZIP-009", "DDUF-ENTRY-006", "DDUF-ENTRY-007"),
        "As huggingface_hub writes (zipfile, force_zip64=True): local sizes 0xFFFFFFFF with a ZIP64 extra "
        "holding both, central headers without; made by Unix, mode 0o600 without a file type.",
        lambda: _every_entry(
            local_zip64=True, version_made_by=HUB_MADE_BY, external_attributes=HUB_EXTERNAL_ATTRIBUTES
        ),
    ),
    _valid(
        "valid-zip64-compressed-size-only",
        ("DDUF-ZIP-009", "DDUF-ENTRY-002"),
        "Entry a.txt's central header saturates only its compressed size; an 8-byte ZIP64 record holds it (5).",
        lambda: _one_size_saturated("compressed_size"),
    ),
    _valid(
        "valid-zip64-uncompressed-size-only",
        ("DDUF-ZIP-009", "DDUF-ENTRY-002"),
        "Entry a.txt's central header saturates only its uncompressed size; an 8-byte ZIP64 record holds it (5).",
        lambda: _one_size_saturated("uncompressed_size"),
    ),
    _valid(
        "valid-aligned-64",
        ("DDUF-ZIP-009", "DDUF-WRITE-003"),
        "Every entry's data starts at a multiple of 64, padded with 0xD935 extra records.",
        lambda: baseline().with_options(alignment=64).to_bytes(),
    ),
    _valid(
        "valid-unknown-extra-records",
        ("DDUF-ZIP-009",),
        "Local and central headers carry an extended-timestamp (0x5455) extra record.",
        lambda: (
            baseline()
            .changing(TEXT_ENCODER_WEIGHTS, local_extra=EXTENDED_TIMESTAMP, central_extra=EXTENDED_TIMESTAMP)
            .to_bytes()
        ),
    ),
    _valid(
        "valid-directory-order-differs",
        ("DDUF-ZIP-004", "DDUF-ZIP-008"),
        "The central directory lists the entries in reverse file order.",
        lambda: baseline().with_options(directory_order=(3, 2, 1, 0)).to_bytes(),
    ),
    _valid(
        "valid-unix-regular-file",
        ("DDUF-ENTRY-007",),
        "Every entry is made on Unix with mode 0o100644 (regular file).",
        lambda: _every_entry(version_made_by=(HOST_UNIX << 8) | 20, external_attributes=0o100644 << 16),
    ),
    _valid(
        "valid-st-keys-not-in-offset-order",
        ("DDUF-DEEP-003", "ST-TENSOR-005"),
        "The safetensors header lists the tensors in reverse order of their offsets.",
        _keys_not_in_offset_order,
    ),
    _valid(
        "valid-st-empty-tensor",
        ("DDUF-DEEP-003", "ST-TENSOR-004", "ST-TENSOR-005"),
        "The safetensors entry also holds an F32 tensor of shape [0, 3] with an empty span at the end.",
        _with_empty_tensor,
    ),
    _valid(
        "valid-st-no-tensors",
        ("DDUF-DEEP-003", "ST-HEADER-003"),
        "The safetensors entry's header is {} and its buffer empty.",
        lambda: baseline().changing(TEXT_ENCODER_WEIGHTS, data=encode({}, b"")).to_bytes(),
    ),
)
