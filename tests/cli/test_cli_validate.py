"""``weightspec validate``: verdicts, one line per finding, exit codes, the JSON document."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest


@pytest.fixture
def traversal_archive(make_zip):
    """The example plus an entry named ``../config.json`` (DDUF-NAME-003)."""
    return make_zip("traversal.dduf", extra={"../config.json": b"{}"})


@pytest.fixture
def compressed_archive(make_zip):
    """The example with every entry DEFLATE-compressed (DDUF-ENTRY-001)."""
    return make_zip("compressed.dduf", compression=zipfile.ZIP_DEFLATED)


def finding_lines(out: str, requirement: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"{requirement} ")]


def test_valid_archive_exits_0_with_a_summary_line(cli, packed_example):
    result = cli("validate", packed_example)
    assert result.code == 0
    assert result.out == f"{packed_example}: valid\n"
    assert result.err == ""


def test_deep_validation_of_a_valid_archive_exits_0(cli, packed_example):
    assert cli("validate", "--deep", packed_example).code == 0


def test_traversal_entry_is_one_finding_not_findings_about_a_folder_named_dot_dot(cli, make_zip):
    evil = make_zip("evil.dduf", extra={"../evil.json": b"{}"})
    result = cli("validate", evil)
    assert result.code == 1
    (line, summary) = result.out.splitlines()
    assert line.startswith(f"DDUF-NAME-003 {evil} [../evil.json]")
    assert summary == f"{evil}: 1 finding"


def test_every_compressed_entry_is_reported_not_only_the_first(cli, compressed_archive, example_files):
    result = cli("validate", compressed_archive)
    assert result.code == 1
    reported = {
        line.split(" [", 1)[1].split("]", 1)[0] for line in finding_lines(result.out, "DDUF-ENTRY-001")
    }
    assert reported == set(example_files)


def test_mixed_verdicts_exit_1_and_report_each_file(
    cli, packed_example, traversal_archive, compressed_archive
):
    result = cli("validate", packed_example, traversal_archive, compressed_archive)
    assert result.code == 1
    summaries = [line for line in result.out.splitlines() if line.startswith(str(packed_example.parent))]
    assert summaries[0] == f"{packed_example}: valid"
    assert any(
        line.startswith(f"{traversal_archive}: ") and line.endswith(("finding", "findings"))
        for line in summaries
    )
    assert any(line.startswith(f"{compressed_archive}: ") and line.endswith("findings") for line in summaries)


def test_json_document_has_the_documented_shape(cli, packed_example, traversal_archive):
    result = cli("validate", "--json", packed_example, traversal_archive)
    assert result.code == 1
    document = json.loads(result.out)
    assert set(document) == {"files", "valid"}
    assert document["valid"] is False
    good, bad = document["files"]
    for report in (good, bad):
        assert set(report) == {"path", "kind", "valid", "findings", "error"}
        assert report["kind"] == "dduf"
        assert report["error"] is None
    assert good == {"path": str(packed_example), "kind": "dduf", "valid": True, "findings": [], "error": None}
    assert bad["valid"] is False
    for finding in bad["findings"]:
        assert set(finding) == {"requirement", "path", "entry", "offset", "message", "hint"}
        assert finding["path"] == str(traversal_archive)
    assert any(
        finding["requirement"] == "DDUF-NAME-003" and finding["entry"] == "../config.json"
        for finding in bad["findings"]
    )


def test_json_of_valid_files_is_valid(cli, packed_example):
    result = cli("validate", "--json", packed_example)
    assert result.code == 0
    assert json.loads(result.out)["valid"] is True


def test_missing_file_exits_2_and_other_files_are_still_checked(cli, tmp_path, packed_example):
    missing = tmp_path / "missing.dduf"
    result = cli("validate", missing, packed_example)
    assert result.code == 2
    assert result.err == f"weightspec: error: {missing}: no such file or directory\n"
    assert f"{packed_example}: valid" in result.out


def test_io_error_takes_precedence_over_findings_in_the_exit_code(cli, tmp_path, traversal_archive):
    result = cli("validate", "--json", tmp_path / "missing.dduf", traversal_archive)
    assert result.code == 2
    missing, bad = json.loads(result.out)["files"]
    assert missing["valid"] is False and missing["findings"] == [] and "no such file" in missing["error"]
    assert bad["findings"]
    assert "no such file" in result.err


def test_directory_named_like_an_archive_exits_2(cli, tmp_path):
    folder = tmp_path / "pipeline.dduf"
    folder.mkdir()
    result = cli("validate", folder)
    assert result.code == 2
    assert "is a directory" in result.err and str(folder) in result.err


def test_unknown_kind_of_file_exits_2(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an archive")
    result = cli("validate", notes)
    assert result.code == 2
    assert f"{notes}: cannot tell what this is" in result.err
    assert result.out == ""


@pytest.mark.parametrize("files", [[], ["notes.txt", "pytorch_model.bin"]])
def test_a_folder_that_is_neither_a_pipeline_nor_a_checkpoint_exits_2_like_an_unknown_file(
    cli, tmp_path, files
):
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in files:
        (folder / name).write_bytes(b"x")
    result = cli("validate", "--json", folder)
    assert result.code == 2
    assert json.loads(result.out)["files"][0]["kind"] is None
    assert result.err == (
        f"weightspec: error: {folder}: nothing to validate: a folder without model_index.json (a pipeline "
        "folder) and without .safetensors or *.index.json files (a checkpoint)\n"
    )


# How to fix what producers often get wrong: one line under the first finding of each such requirement.


def fix_lines(out: str) -> list[str]:
    return [line.removeprefix("  fix: ") for line in out.splitlines() if line.startswith("  fix: ")]


def test_an_info_zip_archive_says_how_to_make_one_without_directory_entries(cli, make_zip):
    result = cli("validate", make_zip("info-zip.dduf", directory_entries=True))
    assert result.code == 1
    lines = result.out.splitlines()
    for requirement in ("DDUF-NAME-008", "DDUF-ENTRY-007"):
        first = next(index for index, line in enumerate(lines) if line.startswith(f"{requirement} "))
        assert lines[first + 1].startswith("  fix: made by `zip -r")
        assert "`zip -0 -r -D OUT.dduf ...`" in lines[first + 1] and "`weightspec pack" in lines[first + 1]
    assert len(fix_lines(result.out)) == 2


def test_a_deflated_archive_says_to_store_the_files(cli, compressed_archive):
    result = cli("validate", compressed_archive)
    (fix,) = fix_lines(result.out)
    assert fix.startswith("made by `zip` without `-0`?")


@pytest.mark.parametrize(
    ("change", "requirement", "says"),
    [
        ({"extra": {"unet/config.json": b"{}"}}, "DDUF-INDEX-003", "declare the folder in model_index.json"),
        (
            {"without": ("text_encoder/config.json",)},
            "DDUF-INDEX-004",
            "save the component with save_pretrained",
        ),
    ],
)
def test_structure_findings_say_how_to_fix_them(cli, make_zip, change, requirement, says):
    result = cli("validate", "--json", make_zip("broken.dduf", **change))
    (finding,) = json.loads(result.out)["files"][0]["findings"]
    assert finding["requirement"] == requirement
    assert says in finding["hint"]


def test_a_finding_no_producer_is_known_for_has_no_hint(cli, traversal_archive):
    result = cli("validate", "--json", traversal_archive)
    assert [finding["hint"] for finding in json.loads(result.out)["files"][0]["findings"]] == [None]
    assert fix_lines(cli("validate", traversal_archive).out) == []


# A pipeline folder: what `weightspec pack` would make of it, and the weights inside.


def test_the_example_pipeline_folder_is_valid(cli, example):
    result = cli("validate", "--json", "--deep", example)
    assert result.code == 0, result.out
    assert json.loads(result.out)["files"] == [
        {"path": str(example), "kind": "pipeline", "valid": True, "findings": [], "error": None}
    ]


BREAKAGES = {
    "undeclared folder": {"unet/config.json": b"{}"},
    "folder without a config": {"vae/diffusion_pytorch_model.safetensors": b""},
    "a file two folders deep": {"text_encoder/extra/notes.json": b"{}"},
    "a bad model_index.json": {"model_index.json": b'{"_class_name": 7}'},
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_pipeline_folder_gets_the_requirement_ids_its_archive_would_get(cli, pipeline, make_zip, breakage):
    for name, data in BREAKAGES[breakage].items():
        (pipeline / name).parent.mkdir(parents=True, exist_ok=True)
        (pipeline / name).write_bytes(data)
    archive = make_zip("same-files.dduf", extra=BREAKAGES[breakage])
    folder_result, archive_result = (
        json.loads(cli("validate", "--json", path).out) for path in (pipeline, archive)
    )
    archive_ids = {f["requirement"] for f in archive_result["files"][0]["findings"]}
    folder_findings = folder_result["files"][0]["findings"]
    assert archive_ids
    assert {f["requirement"] for f in folder_findings if f["path"] == str(pipeline)} == archive_ids
    assert folder_result["files"][0]["kind"] == "pipeline"


def test_the_weights_inside_a_pipeline_folder_are_checked(cli, pipeline):
    weights = pipeline / "text_encoder" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    result = cli("validate", pipeline)
    assert result.code == 1
    assert any(line.startswith("ST-") and f" {weights}" in line for line in result.out.splitlines()), (
        result.out
    )


def test_a_folder_without_model_index_json_is_a_checkpoint_folder_when_it_holds_weights(cli, example):
    result = cli("validate", "--json", example / "text_encoder")
    assert result.code == 0
    assert json.loads(result.out)["files"][0]["kind"] == "checkpoint"


# stdin: `curl -sL URL | weightspec validate -`


def validate_stdin(data: bytes, *arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "weightspec.cli", "validate", *arguments, "-"]
    return subprocess.run(command, input=data, capture_output=True, timeout=120)


def test_stdin_is_validated_and_reported_as_stdin(packed_example, traversal_archive):
    good = validate_stdin(packed_example.read_bytes())
    assert (good.returncode, good.stdout, good.stderr) == (0, b"<stdin>: valid\n", b"")
    bad = validate_stdin(traversal_archive.read_bytes(), "--json")
    assert bad.returncode == 1
    (report,) = json.loads(bad.stdout)["files"]
    assert report["path"] == "<stdin>" and report["kind"] == "dduf"
    assert [(f["requirement"], f["path"]) for f in report["findings"]] == [("DDUF-NAME-003", "<stdin>")]


def test_a_safetensors_file_on_stdin_is_a_checkpoint(example):
    result = validate_stdin((example / "text_encoder" / "model.safetensors").read_bytes(), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["files"][0]["kind"] == "checkpoint"


def test_stdin_that_is_nothing_known_is_a_usage_error():
    result = validate_stdin(b"hello, world\n")
    assert result.returncode == 2
    assert result.stderr.startswith(b"weightspec: error: <stdin>: cannot tell what this is")


def test_stdin_can_be_named_once(cli):
    result = cli("validate", "-", "-")
    assert result.code == 2
    assert result.err == "weightspec: error: - (stdin) can be given once\n"


def test_zip_signature_makes_a_file_a_dduf_archive_whatever_its_name(cli, tmp_path, packed_example):
    renamed = shutil.copy(packed_example, tmp_path / "pipeline.zip")
    result = cli("validate", "--json", renamed)
    assert result.code == 0
    assert json.loads(result.out)["files"][0]["kind"] == "dduf"


def test_non_zip_file_named_dduf_is_invalid_not_an_error(cli, tmp_path):
    garbage = tmp_path / "garbage.dduf"
    garbage.write_bytes(b"this is not a zip archive" * 4)
    result = cli("validate", garbage)
    assert result.code == 1
    assert finding_lines(result.out, "DDUF-ZIP-001"), result.out


def test_no_file_is_a_usage_error(cli):
    result = cli("validate")
    assert result.code == 2
    assert "FILE" in result.err


# Checkpoints: validate_checkpoint is another module of the reference.


@pytest.fixture
def checkpoint_validator():
    return pytest.importorskip(
        "weightspec.reference.sharding.validate", reason="validate_checkpoint not written yet"
    )


def test_safetensors_file_and_checkpoint_folder_are_checkpoints(cli, checkpoint_validator, tmp_path, example):
    weights = example / "text_encoder" / "model.safetensors"
    folder = shutil.copytree(example / "text_encoder", tmp_path / "text_encoder")
    result = cli("validate", "--json", "--deep", weights, folder)
    assert result.code == 0, result.out
    assert [report["kind"] for report in json.loads(result.out)["files"]] == ["checkpoint", "checkpoint"]


def test_index_with_a_missing_shard_is_invalid(cli, checkpoint_validator, tmp_path, example):
    shutil.copy(example / "text_encoder" / "model.safetensors", tmp_path / "model-00001-of-00002.safetensors")
    index = tmp_path / "model.safetensors.index.json"
    weight_map = {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}
    index.write_text(json.dumps({"metadata": {"total_size": 0}, "weight_map": weight_map}))
    result = cli("validate", index)
    assert result.code == 1
    assert finding_lines(result.out, "SHARD-LOAD-001"), result.out


def test_truncated_safetensors_file_is_invalid(cli, checkpoint_validator, tmp_path, example):
    truncated = tmp_path / "model.safetensors"
    truncated.write_bytes((example / "text_encoder" / "model.safetensors").read_bytes()[:-100])
    result = cli("validate", truncated)
    assert result.code == 1
    assert any(line.startswith("ST-") for line in result.out.splitlines()), result.out
