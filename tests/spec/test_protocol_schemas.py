"""The driver protocol's schemas (spec/schemas/protocol-*.schema.json) and its document
(spec/protocol.md): well formed, in step with the harness, and true to the worked example."""

from __future__ import annotations

import json

import jsonschema
import pytest

from weightspec.conformance.adapters.protocol_messages import (
    ProtocolViolation,
    run_response,
    started_implementation,
)
from weightspec.conformance.harness.adapter import CAPABILITIES, CHECKPOINT_INSPECT, FAMILIES
from weightspec.conformance.harness.outcomes import CATEGORIES
from weightspec.spec import catalog, document, schema

REQUEST = "protocol-request.schema.json"
RESPONSE = "protocol-response.schema.json"


def example_lines() -> list[tuple[str, str]]:
    """The worked example of protocol.md: ``(direction, line)``, direction "→" or "←"."""
    lines = [line for line in document("protocol.md").splitlines() if line[:2] in ("→ ", "← ")]
    return [(line[0], line[2:]) for line in lines]


@pytest.mark.parametrize("name", [REQUEST, RESPONSE])
def test_schema_is_a_valid_draft_2020_12_schema_with_id_title_and_description(name):
    loaded = schema(name)
    jsonschema.Draft202012Validator.check_schema(loaded)
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["$id"] == f"https://weightspec.dev/schemas/{name}"
    assert loaded["title"] and loaded["description"]


def test_schemas_know_exactly_the_harness_capabilities_and_categories():
    request, response = schema(REQUEST)["$defs"], schema(RESPONSE)["$defs"]
    assert request["run"]["properties"]["capability"]["enum"] == list(CAPABILITIES)
    assert set(request["args"]) == set(CAPABILITIES)
    assert response["started"]["properties"]["implementation"]["properties"]["capabilities"]["items"][
        "enum"
    ] == list(CAPABILITIES)
    assert set(response["values"]) == set(CAPABILITIES)
    assert response["refused"]["properties"]["category"]["enum"] == list(CATEGORIES)


def test_the_load_into_model_request_names_exactly_the_harness_families():
    family = schema(REQUEST)["$defs"]["args"]["checkpoint-load-into-model"]["properties"]["family"]
    assert family["enum"] == list(FAMILIES)


def test_an_inspection_reports_dtypes_as_read_and_shapes_as_sizes():
    def answer(tensors: dict) -> bytes:
        return json.dumps({"seq": 1, "outcome": "accepted", "value": {"tensors": tensors}}).encode()

    accepted = {"a": {"dtype": "F32", "shape": [2, 3]}, "odd": {"dtype": "float32", "shape": []}}
    assert run_response(answer(accepted), CHECKPOINT_INSPECT)["value"]["tensors"] == accepted
    with pytest.raises(ProtocolViolation, match="minimum"):
        run_response(answer({"a": {"dtype": "F32", "shape": [-1]}}), CHECKPOINT_INSPECT)
    with pytest.raises(ProtocolViolation, match="required"):
        run_response(answer({"a": {"shape": [1]}}), CHECKPOINT_INSPECT)


def test_the_worked_example_is_a_whole_session_valid_against_both_schemas():
    lines = example_lines()
    requests = jsonschema.Draft202012Validator(schema(REQUEST))
    responses = jsonschema.Draft202012Validator(schema(RESPONSE))
    assert [json.loads(line).get("op") for direction, line in lines if direction == "→"] == [
        "start",
        "run",
        "run",
        "run",
        "stop",
    ]
    for direction, line in lines:
        (requests if direction == "→" else responses).validate(json.loads(line))
    # and the suite's own checks accept the answers, values included
    started, *answers = [line.encode() for direction, line in lines if direction == "←"]
    assert started_implementation(started)["capabilities"] == ["dduf-read"]
    assert [run_response(answer, "dduf-read")["outcome"] for answer in answers] == [
        "accepted",
        "refused",
        "crashed",
    ]


@pytest.mark.parametrize(
    ("answer", "broken"),
    [
        ({"seq": 1, "outcome": "accepted"}, "#/$defs/run-response/allOf/0/then/required"),
        ({"seq": 0, "outcome": "crashed", "error_type": "E", "message": ""}, "properties/seq/minimum"),
        ({"seq": 1, "outcome": "refused", "category": "wrong", "message": ""}, "properties/category/enum"),
        ({"seq": 1, "outcome": "refused", "category": "corrupt-archive"}, "then/required"),
        (
            {
                "seq": 1,
                "outcome": "refused",
                "category": "corrupt-archive",
                "message": "",
                "requirements": ["x"],
            },
            "pattern",
        ),
        ({"seq": 1, "outcome": "crashed", "message": "m"}, "then/required"),
        (
            {
                "seq": 1,
                "outcome": "accepted",
                "value": {"entries": [{"name": "a", "offset": -1, "length": 1}]},
            },
            "minimum",
        ),
        ({"seq": 1, "outcome": "accepted", "value": {"entries": [], "extra": 1}}, "additionalProperties"),
        ({"seq": 1, "outcome": "maybe"}, "properties/outcome/enum"),
    ],
)
def test_a_broken_answer_is_refused_naming_the_schema_path(answer, broken):
    with pytest.raises(ProtocolViolation, match=r"breaks protocol-response\.schema\.json") as raised:
        run_response(json.dumps(answer).encode(), "dduf-read")
    assert broken in str(raised.value)


def test_the_protocol_is_no_part_of_the_requirement_catalog():
    assert "protocol.md" not in catalog.DOCUMENTS
    assert catalog.parse_markdown(document("protocol.md"), "protocol.md") == []
    assert f"schemas/{REQUEST}" in document("protocol.md")
    assert f"schemas/{RESPONSE}" in document("protocol.md")
