"""The default valid pipeline every case starts from, and small helpers to derive one-change archives.

Entries, in file order:

- ``model_index.json`` declaring ``scheduler`` and ``text_encoder``;
- ``scheduler/scheduler_config.json``;
- ``text_encoder/config.json``;
- ``text_encoder/model.safetensors`` (a small valid safetensors file, built by hand).
"""

from __future__ import annotations

import json

from ..cases import Case, rejected_by_reader
from ..safetensors_builder import default_safetensors
from ..zip_builder import Entry, ZipSpec

MODEL_INDEX = "model_index.json"
SCHEDULER_CONFIG = "scheduler/scheduler_config.json"
TEXT_ENCODER_CONFIG = "text_encoder/config.json"
TEXT_ENCODER_WEIGHTS = "text_encoder/model.safetensors"

INDEX = {
    "_class_name": "StableDiffusionPipeline",
    "_diffusers_version": "0.32.0",
    "scheduler": ["diffusers", "PNDMScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
}


def json_bytes(value: object) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def file_data(name: str) -> bytes:
    """Harmless content for an extra entry: valid JSON for ``.json`` names, a line of text otherwise."""
    return b"{}\n" if name.endswith(".json") else b"weightspec conformance case\n"


def baseline() -> ZipSpec:
    return ZipSpec(
        entries=(
            Entry(MODEL_INDEX, json_bytes(INDEX)),
            Entry(
                SCHEDULER_CONFIG, json_bytes({"_class_name": "PNDMScheduler", "num_train_timesteps": 1000})
            ),
            Entry(TEXT_ENCODER_CONFIG, json_bytes({"architectures": ["CLIPTextModel"], "hidden_size": 3})),
            Entry(TEXT_ENCODER_WEIGHTS, default_safetensors()),
        )
    )


def with_index(index: dict) -> ZipSpec:
    """The baseline with ``model_index.json`` replaced by ``index``."""
    return baseline().changing(MODEL_INDEX, data=json_bytes(index))


def with_file(name: str | bytes, **fields) -> ZipSpec:
    """The baseline plus one entry named ``name`` (content from ``file_data`` unless given)."""
    data = fields.pop("data", file_data(name if isinstance(name, str) else ""))
    return baseline().adding(Entry(name, data, **fields))


def reader_case(
    case_id: str, requirement: str, description: str, build, *, also: tuple[str, ...] = ()
) -> Case:
    """A case a reader must reject naming ``requirement``; ``also`` lists rules it cannot help breaking."""
    return Case(case_id, (requirement, *also), description, rejected_by_reader(requirement), build)


def patched(spec: ZipSpec, *patches: tuple) -> bytes:
    """``spec`` built, then each ``(record, field, value[, entry])`` patch applied in order."""
    archive = spec.build()
    for record, field, value, *entry in patches:
        archive = archive.patched(record, field, value, entry=entry[0] if entry else None)
    return archive.data


def size_patches(entry: str, size: int, records: tuple[str, ...] = ("local", "central")) -> list[tuple]:
    """Patches (for ``patched``) setting both sizes of ``entry`` to ``size`` in ``records``."""
    return [
        (record, field, size, entry)
        for record in records
        for field in ("compressed_size", "uncompressed_size")
    ]
