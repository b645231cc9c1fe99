"""The requirement list: requirements.json matches the Markdown, and every ID is well formed."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from weightspec.spec.catalog import (
    DOCUMENTS,
    LEVELS,
    SCOPES,
    Requirement,
    load,
    main,
    parse_documents,
    parse_markdown,
    render_json,
)

SPEC = resources.files("weightspec.spec")
ID_SHAPE = re.compile(r"^(DDUF|ST|SHARD)-[A-Z0-9]+-[0-9]{3}$")
PREFIX_OF_DOCUMENT = {"dduf.md": "DDUF-", "safetensors.md": "ST-", "sharding.md": "SHARD-"}


@pytest.fixture(scope="module")
def parsed() -> list[Requirement]:
    return parse_documents()


def markdown_texts() -> dict[str, str]:
    return {
        name: SPEC.joinpath(name).read_text("utf-8") for name in DOCUMENTS if SPEC.joinpath(name).is_file()
    }


def test_requirements_json_is_what_the_markdown_parses_to(parsed):
    assert SPEC.joinpath("requirements.json").read_text("utf-8") == render_json(parsed)
    assert main([]) == 0
    assert list(load()) == [requirement.id for requirement in parsed]


def test_every_document_has_requirements(parsed):
    documents = {requirement.document for requirement in parsed}
    assert {"dduf.md", "safetensors.md"} <= documents


def test_ids_are_unique(parsed):
    ids = [requirement.id for requirement in parsed]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_ids_have_the_documented_shape_and_the_prefix_of_their_document(parsed):
    for requirement in parsed:
        assert ID_SHAPE.match(requirement.id), requirement.id
        assert requirement.id.startswith(PREFIX_OF_DOCUMENT[requirement.document]), requirement.id


def test_levels_scopes_and_texts_are_valid(parsed):
    for requirement in parsed:
        assert requirement.level in LEVELS, requirement.id
        assert requirement.scope in SCOPES, requirement.id
        assert requirement.summary and requirement.rationale and requirement.section, requirement.id


def test_every_item_line_is_a_requirement():
    # A requirement item is exactly one line: a line starting "- **" that the parser skipped,
    # or a continuation line after an item, would silently drop or truncate a requirement.
    for name, text in markdown_texts().items():
        lines = text.splitlines()
        items = [line for line in lines if line.startswith("- **")]
        assert len(items) == len(parse_markdown(text, name))
        for number, line in enumerate(lines[:-1]):
            if line.startswith("- **"):
                following = lines[number + 1]
                assert following == "" or following.startswith("- **"), f"{name}:{number + 2}"


def test_every_referenced_schema_exists():
    referenced = set()
    for text in markdown_texts().values():
        referenced |= set(re.findall(r"schemas/[A-Za-z0-9_.-]+\.json", text))
    assert referenced, "the spec names its schemas"
    for schema in referenced:
        assert SPEC.joinpath(schema).is_file(), schema
        json.loads(SPEC.joinpath(schema).read_text("utf-8"))


def test_every_id_mentioned_in_the_text_exists(parsed):
    known = {requirement.id for requirement in parsed}
    for name, text in markdown_texts().items():
        mentioned = set(re.findall(r"\b(?:DDUF|ST|SHARD)-[A-Z0-9]+-[0-9]{3}\b", text))
        assert mentioned <= known, (name, sorted(mentioned - known))


@pytest.mark.parametrize(
    "line",
    [
        "- **DDUF-NAME-099** (MUST, reader): No rationale here.",
        "- **DDUF-NAME-099** (MAY, reader): Summary. *Why:* because.",
        "- **DDUF-NAME-099** (MUST, everyone): Summary. *Why:* because.",
        "- **DDUF-NAME-099** MUST reader: Summary. *Why:* because.",
    ],
)
def test_a_malformed_item_is_refused(line):
    with pytest.raises(ValueError, match=r"doc\.md:3"):
        parse_markdown(f"# Title\n\n{line}\n", "doc.md")


def test_an_item_records_its_section():
    text = "## 2. Tensors\n\n- **ST-TENSOR-009** (SHOULD, writer): Do it. *Why:* it helps.\n"
    [requirement] = parse_markdown(text, "safetensors.md")
    assert (requirement.id, requirement.level, requirement.scope) == ("ST-TENSOR-009", "SHOULD", "writer")
    assert (requirement.summary, requirement.rationale, requirement.section) == (
        "Do it.",
        "it helps.",
        "2. Tensors",
    )
