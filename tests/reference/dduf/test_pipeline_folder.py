"""validate_pipeline_folder and folder_contents: a pipeline folder judged as the archive it would make."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from weightspec.reference import DDUFExportError, validate_dduf
from weightspec.reference.dduf.folder import folder_contents
from weightspec.reference.dduf.pipeline_folder import validate_pipeline_folder


@pytest.fixture
def folder(tmp_path, pipeline_entries) -> Path:
    """``pipeline_entries`` as a pipeline folder."""
    folder = tmp_path / "pipeline"
    for name, data in pipeline_entries:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def add(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def test_a_valid_folder_has_no_finding(folder):
    assert validate_pipeline_folder(folder) == validate_pipeline_folder(folder, deep=True) == []


@pytest.mark.parametrize(
    "files",
    [
        {"vae/config.json": b"{}"},  # DDUF-INDEX-003
        {"unet/diffusion_pytorch_model.fp16.safetensors": b"\x02" + bytes(7) + b"{}"},  # same, and ST-
        {"model_index.json": b'{"_class_name": ""}'},  # DDUF-INDEX-002
        {"text_encoder/model.safetensors": b""},  # DDUF-INDEX-003, DDUF-INDEX-004
    ],
)
def test_the_archive_s_findings_are_the_folder_s(folder, tmp_path, pipeline_entries, files):
    add(folder, files)
    archive = tmp_path / "archive.dduf"  # written by zipfile: the reference writer refuses such archives
    with zipfile.ZipFile(archive, "w") as written:
        for name, data in {**dict(pipeline_entries), **files}.items():
            written.writestr(name, data)
    archive_ids = {(f.requirement, f.entry) for f in validate_dduf(archive)}
    folder_findings = validate_pipeline_folder(folder)
    assert {(f.requirement, f.entry) for f in folder_findings if f.path == os.fspath(folder)} == archive_ids


def test_files_that_cannot_become_entries_are_findings_not_an_error(folder):
    add(folder, {"unet/sub/deep.json": b"{}", "unet/a:b.json": b"{}", "unet/weights.bin": b"pickle"})
    os.symlink(folder / "missing.json", folder / "unet" / "broken.json")
    contents = folder_contents(folder)
    assert sorted((f.requirement, f.entry) for f in contents.refused) == [
        ("DDUF-ENTRY-007", "unet/broken.json"),
        ("DDUF-NAME-006", "unet/a:b.json"),
        ("DDUF-NAME-009", "unet/sub/deep.json"),
    ]
    assert [name for name, _ in contents.skipped] == ["unet/weights.bin"]
    assert {f.requirement for f in validate_pipeline_folder(folder)} == {
        "DDUF-ENTRY-007",
        "DDUF-NAME-006",
        "DDUF-NAME-009",
    }


def test_a_sharded_component_is_checked_through_its_index_each_finding_once(folder):
    weights = (folder / "unet" / "diffusion_pytorch_model.safetensors").read_bytes()
    os.remove(folder / "unet" / "diffusion_pytorch_model.safetensors")
    shard = "diffusion_pytorch_model-00001-of-00002.safetensors"
    add(folder, {f"unet/{shard}": weights[:-4]})  # truncated: ST-TENSOR-005
    index = {"metadata": {"total_size": 48}, "weight_map": {"weight": shard}}
    add(folder, {"unet/diffusion_pytorch_model.safetensors.index.json": json.dumps(index).encode()})
    findings = validate_pipeline_folder(folder, deep=True)
    assert len(findings) == len(set(findings))
    assert sorted(f.requirement for f in findings) == ["SHARD-INDEX-007", "ST-TENSOR-005"]


def test_deep_reads_every_json_file(folder):
    add(folder, {"scheduler/scheduler_config.json": b'{"beta": NaN}'})
    assert validate_pipeline_folder(folder) == []
    (finding,) = validate_pipeline_folder(folder, deep=True)
    assert (finding.requirement, finding.path, finding.entry) == (
        "DDUF-DEEP-002",
        os.fspath(folder),
        "scheduler/scheduler_config.json",
    )


def test_something_that_is_not_a_folder_is_an_export_error(tmp_path):
    with pytest.raises(DDUFExportError, match="not a folder"):
        validate_pipeline_folder(tmp_path / "missing")
