"""The JSON Schemas of spec/schemas/: well formed, accept what real tools write, refuse each broken rule.

The index-file schema of sharded checkpoints is tested with the sharding tests.
"""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import safetensors.torch
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from weightspec.spec import document, schema
from weightspec.spec.catalog import load

SCHEMAS = ["model_index.schema.json", "safetensors-header.schema.json"]


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name))


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_a_valid_draft_2020_12_schema_with_id_title_and_description(name):
    loaded = schema(name)
    jsonschema.Draft202012Validator.check_schema(loaded)
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["$id"] == f"https://weightspec.dev/schemas/{name}"
    assert loaded["title"] and loaded["description"]


# --- model_index.json -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def diffusers_model_index(tmp_path_factory) -> dict:
    """model_index.json as diffusers' save_pretrained writes it, for a tiny real pipeline with an
    absent optional component ([null, null]) and a boolean setting, as Stable Diffusion has."""
    diffusers = pytest.importorskip("diffusers", reason="diffusers writes the model_index.json under test")
    unet = diffusers.UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        block_out_channels=(4,),
        down_block_types=("DownBlock2D",),
        up_block_types=("UpBlock2D",),
        layers_per_block=1,
        norm_num_groups=2,
    )
    pipeline = diffusers.DDPMPipeline(unet=unet, scheduler=diffusers.DDPMScheduler())
    pipeline.register_modules(safety_checker=None)
    pipeline.register_to_config(requires_safety_checker=True)
    folder = tmp_path_factory.mktemp("pipeline")
    pipeline.save_pretrained(folder)
    return json.loads((folder / "model_index.json").read_text("utf-8"))


# The exact shape of published model_index.json files (Stable Diffusion 1.5, SDXL, FLUX.1-dev).
PUBLISHED_MODEL_INDEXES = {
    "stable-diffusion-v1-5": {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": "0.6.0",
        "feature_extractor": ["transformers", "CLIPImageProcessor"],
        "requires_safety_checker": True,
        "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"],
        "scheduler": ["diffusers", "PNDMScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    },
    "stable-diffusion-xl-base-1.0": {
        "_class_name": "StableDiffusionXLPipeline",
        "_diffusers_version": "0.19.0.dev0",
        "force_zeros_for_empty_prompt": True,
        "add_watermarker": None,
        "feature_extractor": [None, None],
        "image_encoder": [None, None],
        "scheduler": ["diffusers", "EulerDiscreteScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "tokenizer_2": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    },
    "FLUX.1-dev": {
        "_class_name": "FluxPipeline",
        "_diffusers_version": "0.30.0.dev0",
        "_name_or_path": "black-forest-labs/FLUX.1-dev",
        "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "text_encoder_2": ["transformers", "T5EncoderModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "tokenizer_2": ["transformers", "T5TokenizerFast"],
        "transformer": ["diffusers", "FluxTransformer2DModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    },
}


def test_model_index_written_by_diffusers_is_accepted(diffusers_model_index):
    assert diffusers_model_index["_class_name"] == "DDPMPipeline"
    assert diffusers_model_index["safety_checker"] == [None, None]
    validator("model_index.schema.json").validate(diffusers_model_index)


@pytest.mark.parametrize("name", sorted(PUBLISHED_MODEL_INDEXES))
def test_published_model_indexes_are_accepted(name):
    validator("model_index.schema.json").validate(PUBLISHED_MODEL_INDEXES[name])


BAD_MODEL_INDEXES = [
    pytest.param([], id="a list"),
    pytest.param("StableDiffusionPipeline", id="a string"),
    pytest.param({"unet": ["diffusers", "UNet2DConditionModel"]}, id="no _class_name"),
    pytest.param({"_class_name": None}, id="_class_name null"),
    pytest.param({"_class_name": ""}, id="_class_name empty"),
    pytest.param({"_class_name": ["pipeline", "MyPipeline"]}, id="_class_name a custom-code pair"),
    pytest.param({"_class_name": "P", "_diffusers_version": 0.3}, id="_diffusers_version a number"),
]


@pytest.mark.parametrize("instance", BAD_MODEL_INDEXES)
def test_broken_model_indexes_are_refused(instance):
    assert not validator("model_index.schema.json").is_valid(instance)


@pytest.mark.parametrize(
    ("component", "valid"),
    [
        (["diffusers", "UNet2DConditionModel"], True),
        ([None, None], True),
        (["transformers", None], True),
        (["diffusers"], False),
        (["diffusers", "UNet2DConditionModel", "extra"], False),
        ([1, 2], False),
        ("diffusers", False),
    ],
)
def test_component_definition(component, valid):
    definition = {"$ref": f"{schema('model_index.schema.json')['$id']}#/$defs/component"}
    registry = jsonschema.validators.validator_for(schema("model_index.schema.json"))
    checker = registry(definition, registry=_registry_with("model_index.schema.json"))
    assert checker.is_valid(component) == valid


def _registry_with(name: str):
    from referencing import Registry, Resource

    loaded = schema(name)
    return Registry().with_resource(loaded["$id"], Resource.from_contents(loaded))


# --- safetensors header -----------------------------------------------------------------------


def header_of(content: bytes) -> dict:
    length = int.from_bytes(content[:8], "little")
    return json.loads(content[8 : 8 + length])


@pytest.mark.parametrize(
    "tensors",
    [
        {},
        {"w": torch.ones(2, 3), "b": torch.zeros(3, dtype=torch.bfloat16)},
        {"e": torch.empty(0, 4), "s": torch.tensor(2.0), "m": torch.ones(2, dtype=torch.bool)},
        {"q": torch.zeros(4, dtype=torch.float8_e4m3fn), "c": torch.zeros(2, dtype=torch.complex64)},
    ],
    ids=["empty", "float", "edge-shapes", "float8-complex"],
)
def test_headers_written_by_safetensors_are_accepted(tensors):
    header = header_of(safetensors.torch.save(tensors, metadata={"format": "pt"}))
    validator("safetensors-header.schema.json").validate(header)


GOOD_TENSOR = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}

BAD_HEADERS = [
    pytest.param([GOOD_TENSOR], id="ST-HEADER-003 not an object"),
    pytest.param({"__metadata__": {"k": 1}}, id="ST-HEADER-005 metadata value"),
    pytest.param({"__metadata__": "format=pt"}, id="ST-HEADER-005 metadata a string"),
    pytest.param({"t": {**GOOD_TENSOR, "offset": 0}}, id="ST-TENSOR-001 unknown field"),
    pytest.param({"t": {"dtype": "F32", "shape": [2]}}, id="ST-TENSOR-001 missing field"),
    pytest.param({"t": [0, 8]}, id="ST-TENSOR-001 not an object"),
    pytest.param({"t": {**GOOD_TENSOR, "dtype": "F128"}}, id="ST-TENSOR-002 unknown dtype"),
    pytest.param({"t": {**GOOD_TENSOR, "dtype": "f32"}}, id="ST-TENSOR-002 case"),
    pytest.param({"t": {**GOOD_TENSOR, "shape": [-2]}}, id="ST-TENSOR-003 negative dimension"),
    pytest.param({"t": {**GOOD_TENSOR, "shape": 2}}, id="ST-TENSOR-003 shape not a list"),
    pytest.param({"t": {**GOOD_TENSOR, "shape": [True]}}, id="ST-TENSOR-003 boolean dimension"),
    pytest.param({"t": {**GOOD_TENSOR, "data_offsets": [0]}}, id="ST-TENSOR-003 one offset"),
    pytest.param({"t": {**GOOD_TENSOR, "data_offsets": [0, 8, 8]}}, id="ST-TENSOR-003 three offsets"),
    pytest.param({"t": {**GOOD_TENSOR, "data_offsets": [-8, 0]}}, id="ST-TENSOR-003 negative offset"),
]


@pytest.mark.parametrize("instance", BAD_HEADERS)
def test_broken_headers_are_refused(instance):
    assert not validator("safetensors-header.schema.json").is_valid(instance)


def test_dtype_enum_is_the_list_in_the_spec_text():
    summary = load()["ST-TENSOR-002"].summary
    listed = re.search(r"\(([A-Z0-9_, ]+);", summary)
    assert listed, summary
    in_text = {name.strip() for name in listed.group(1).split(",")}
    enum = schema("safetensors-header.schema.json")["$defs"]["tensor"]["properties"]["dtype"]["enum"]
    assert set(enum) == in_text and len(enum) == len(in_text)


def test_schemas_named_in_the_spec_are_the_ones_here():
    assert "schemas/safetensors-header.schema.json" in document("safetensors.md")
    assert "schemas/model_index.schema.json" in document("dduf.md")


# --- generated instances ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_instance_generated_from_a_schema_is_valid_against_it(name):
    checker = validator(name)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(from_schema(schema(name)))
    def property_holds(instance):
        checker.validate(instance)

    property_holds()
