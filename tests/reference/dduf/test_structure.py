"""The pure pipeline-structure rules shared by the DDUF reader and writer (reference/dduf/structure.py)."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weightspec.reference.dduf.structure import (
    MAX_MODEL_INDEX_BYTES,
    _model_index_validator,
    _plainly_valid,
    structure_findings,
)


def index(**components):
    return json.dumps({"_class_name": "Pipe", **components}).encode()


def test_structure_of_a_good_pipeline():
    names = ["model_index.json", "vae/config.json", "vae/x.safetensors", "tokenizer/tokenizer_config.json"]
    assert structure_findings(index(vae=["d", "V"], tokenizer=["t", "T"]), names, path="p") == []


@pytest.mark.parametrize(
    ("index_bytes", "names", "requirement"),
    [
        (None, ["vae/config.json"], "DDUF-INDEX-001"),
        (b"\xff\xfe{}", [], "DDUF-INDEX-002"),
        (b"{not json", [], "DDUF-INDEX-002"),
        (b"[1, 2]", [], "DDUF-INDEX-002"),
        (b"{}", [], "DDUF-INDEX-002"),  # no _class_name
        (index(), ["vae/config.json"], "DDUF-INDEX-003"),
        (index(vae=["d", "V"]), ["vae/x.safetensors"], "DDUF-INDEX-004"),
        (b" " * (MAX_MODEL_INDEX_BYTES + 1), [], "DDUF-LIMIT-003"),
    ],
)
def test_each_structure_rule(index_bytes, names, requirement):
    assert requirement in [f.requirement for f in structure_findings(index_bytes, names, path="p")]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)
INDEX_KEYS = st.sampled_from(["_class_name", "_diffusers_version", "_name_or_path", "unet"]) | st.text(
    max_size=3
)


@given(st.dictionaries(INDEX_KEYS, JSON_VALUES | st.text(max_size=3), max_size=5) | JSON_VALUES)
def test_the_fast_check_passes_only_indexes_the_schema_accepts(index):
    accepted = next(_model_index_validator().iter_errors(index), None) is None
    assert accepted or not _plainly_valid(index)


def test_the_indexes_that_pipelines_are_saved_with_need_no_schema():
    assert _plainly_valid(
        {
            "_class_name": "StableDiffusionPipeline",
            "_diffusers_version": "0.32.0",
            "unet": ["diffusers", "UNet2DConditionModel"],
        }
    )
    assert not _plainly_valid({"_class_name": ["module", "Class"]})  # the schema decides, and refuses
