"""The pure name rules shared by the DDUF reader and writer (reference/dduf/names.py)."""

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from weightspec.reference.dduf import names
from weightspec.reference.dduf.names import (
    ALLOWED_EXTENSIONS,
    MAX_NAME_BYTES,
    collision_key,
    duplicate_findings,
    name_findings,
    stored_name_findings,
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


@pytest.mark.parametrize(
    ("raw", "utf8_flag", "expected"),
    [
        (b"vae/config.json", False, []),
        ("vae/modèle.json".encode(), True, []),
        ("vae/modèle.json".encode(), False, ["DDUF-NAME-001"]),
        ("../modèle.json".encode(), False, ["DDUF-NAME-001", "DDUF-NAME-003"]),
        (b"../config.json", True, ["DDUF-NAME-003"]),
        (b"vae/\xff/../config.json", True, ["DDUF-NAME-001"]),  # the other rules would judge "\\xff"
    ],
)
def test_a_stored_name_is_checked_for_utf8_and_its_flag_then_as_a_name(raw, utf8_flag, expected):
    """DDUF-NAME-001 first: a name not ASCII needs valid UTF-8 and flag bit 11, then NAME-002..009."""
    found = stored_name_findings(raw, utf8_flag=utf8_flag, path="p")
    assert ids(found) == expected
    assert all(f.entry == raw.decode("utf-8", "backslashreplace") for f in found)


def test_duplicates_exact_case_and_normalisation():
    names = ["A.json", "a.json", "é.json", "e\u0301.json", "x.json", "x.json", "y.json"]
    found = duplicate_findings(names, path="p")
    assert ids(found) == ["DDUF-NAME-010"] * 3
    assert [f.entry for f in found] == ["a.json", "e\u0301.json", "x.json"]


CANONICAL_CASELESS_PAIRS = [  # equal under NFD(casefold(NFD(x))), distinct under NFC then casefold
    ("\u017f\u0323.json", "\u1e62.json"),
    ("J\u0323\u030c.json", "\u01f0\u0323.json"),
    ("\u00df\u0323.json", "S\u1e62.json"),
    ("\u0130\u0316.json", "i\u0316\u0307.json"),
]


@pytest.mark.parametrize(("first", "second"), CANONICAL_CASELESS_PAIRS)
def test_duplicates_by_canonical_caseless_match(first, second):
    """DDUF-NAME-010's key is NFD(casefold(NFD(x))): casefolding can leave a string unnormalised."""
    assert unicodedata.normalize("NFC", first).casefold() != unicodedata.normalize("NFC", second).casefold()
    assert collision_key(first) == collision_key(second)
    assert [f.entry for f in duplicate_findings([first, second], path="p")] == [second]


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
    fast = names.is_good_name
    try:
        names.is_good_name = lambda name: None  # matches nothing: rules only
        expected = name_findings(name, path="p")
    finally:
        names.is_good_name = fast
    assert name_findings(name, path="p") == expected
