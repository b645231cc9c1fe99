"""The pure name and structure rules shared by the DDUF reader and writer (reference/dduf_rules.py)."""

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from weightspec.reference.dduf_rules import (
    ALLOWED_EXTENSIONS,
    MAX_MODEL_INDEX_BYTES,
    MAX_NAME_BYTES,
    duplicate_findings,
    name_findings,
    structure_findings,
)


def ids(findings):
    return [f.requirement for f in findings]


@pytest.mark.parametrize(
    "name",
    [
        "model_index.json",
        "vae/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "tokenizer/spiece.model",
        "tokenizer/vocab.txt",
        "text_encoder/modèle.json",
        "README.txt",
    ],
)
def test_good_names_have_no_findings(name):
    assert name_findings(name, path="x.dduf") == []


@pytest.mark.parametrize(
    ("name", "requirement"),
    [
        ("", "DDUF-NAME-002"),
        ("/config.json", "DDUF-NAME-002"),
        ("vae//config.json", "DDUF-NAME-002"),
        ("../config.json", "DDUF-NAME-003"),
        ("./config.json", "DDUF-NAME-003"),
        ("vae/../config.json", "DDUF-NAME-003"),
        ("vae\\config.json", "DDUF-NAME-004"),
        ("conf\x00ig.json", "DDUF-NAME-005"),
        ("conf\nig.json", "DDUF-NAME-005"),
        ("conf\x85ig.json", "DDUF-NAME-005"),
        ("C:config.json", "DDUF-NAME-006"),
        ("config.json:stream.json", "DDUF-NAME-006"),
        ("model.gguf", "DDUF-NAME-007"),
        ("unet/model.bin", "DDUF-NAME-007"),
        ("config.JSON", "DDUF-NAME-007"),
        ("vae", "DDUF-NAME-007"),
        ("vae/", "DDUF-NAME-008"),
        ("a/b/config.json", "DDUF-NAME-009"),
        ("x" * MAX_NAME_BYTES + ".json", "DDUF-LIMIT-001"),
    ],
)
def test_each_bad_name_is_reported_under_its_requirement(name, requirement):
    found = name_findings(name, path="x.dduf")
    assert requirement in ids(found)
    assert all(f.entry == name and f.path == "x.dduf" for f in found)


@given(st.text(min_size=1, max_size=40))
def test_a_name_without_findings_is_safe_to_extract(name):
    """Invariant: an accepted name is relative, has no traversal, at most one folder, an allowed extension."""
    if name_findings(name, path="p"):
        return
    segments = name.split("/")
    assert len(segments) <= 2 and all(s not in ("", ".", "..") for s in segments)
    assert "\\" not in name and ":" not in name and name.endswith(ALLOWED_EXTENSIONS)


def test_duplicates_exact_case_and_normalisation():
    names = ["A.json", "a.json", "é.json", "e\u0301.json", "x.json", "x.json", "y.json"]
    found = duplicate_findings(names, path="p")
    assert ids(found) == ["DDUF-NAME-010"] * 3
    assert [f.entry for f in found] == ["a.json", "e\u0301.json", "x.json"]


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
    assert requirement in ids(structure_findings(index_bytes, names, path="p"))


TRICKY_TOKENS = [
    "a",
    "/",
    ".",
    "..",
    "\\",
    ":",
    "\x00",
    "\x85",
    "\x7f",
    "é",
    "json",
    ".json",
    ".txt",
    ".gguf",
    "vae",
    "\N{GRINNING FACE}" * 100,  # 400 bytes: two of them break DDUF-LIMIT-001's 512
]


@given(st.lists(st.sampled_from(TRICKY_TOKENS), max_size=6).map("".join))
@example("\N{GRINNING FACE}" * 200 + ".json")  # 805 bytes of good characters: only the length is wrong
def test_the_fast_path_agrees_with_the_rule_by_rule_checks(name):
    """name_findings answers [] early for common names; it must never hide a finding the rules give."""
    from weightspec.reference import dduf_rules

    fast = dduf_rules.is_good_name
    try:
        dduf_rules.is_good_name = lambda name: None  # matches nothing: rules only
        expected = name_findings(name, path="p")
    finally:
        dduf_rules.is_good_name = fast
    assert name_findings(name, path="p") == expected
