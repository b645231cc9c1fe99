"""``weightspec validate``: verdicts, one line per finding, exit codes, the JSON document."""

from __future__ import annotations

import json
import shutil
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


def test_traversal_entry_is_reported_with_its_requirement_id(cli, traversal_archive):
    result = cli("validate", traversal_archive)
    assert result.code == 1
    lines = finding_lines(result.out, "DDUF-NAME-003")
    assert lines, result.out
    assert lines[0].startswith(f"DDUF-NAME-003 {traversal_archive} [../config.json]")
    count = len([line for line in result.out.splitlines() if line.startswith("DDUF-")])
    assert result.out.splitlines()[-1] == f"{traversal_archive}: {count} finding{'s' * (count != 1)}"


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
        assert set(finding) == {"requirement", "path", "entry", "offset", "message"}
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
