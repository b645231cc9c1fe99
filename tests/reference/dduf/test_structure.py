"""The pure pipeline-structure rules shared by the DDUF reader and writer (reference/dduf/structure.py)."""

import json

import pytest

from weightspec.reference.dduf.structure import MAX_MODEL_INDEX_BYTES, structure_findings


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
