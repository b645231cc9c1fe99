"""collect_folder_entries and export_folder_as_dduf: which files of a folder go into the archive.

Policy (DDUF-WRITE-007): hidden names and disallowed extensions are skipped and reported; an
allowed file that cannot be included is an error; symbolic links are followed.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from huggingface_hub import export_folder_as_dduf as hub_export_folder_as_dduf
from huggingface_hub import read_dduf_file as hub_read_dduf_file

from weightspec.reference import (
    DDUFExportError,
    DDUFInvalidEntryNameError,
    collect_folder_entries,
    export_entries_as_dduf,
    export_folder_as_dduf,
    validate_dduf,
)

needs_symlinks = pytest.mark.skipif(
    not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks"
)


@pytest.fixture
def pipeline_folder(tmp_path, pipeline_entries) -> Path:
    """A pipeline folder as diffusers saves it, with the clutter of a real download around it."""
    folder = tmp_path / "pipeline"
    for name, data in pipeline_entries:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    clutter = {
        ".gitattributes": b"*.safetensors filter=lfs",
        ".DS_Store": b"\0",
        ".cache/huggingface/download/unet/config.json.metadata": b"",
        "unet/.ipynb_checkpoints/config-checkpoint.json": b"{}",
        "README.md": b"# pipeline",
        "unet/diffusion_pytorch_model.bin": b"pickle",
        "unet/onnx/model.onnx": b"onnx",
    }
    for name, data in clutter.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_entries_are_the_allowed_files_in_order_and_the_rest_is_reported(pipeline_folder, pipeline_entries):
    entries, skipped = collect_folder_entries(pipeline_folder)
    assert entries == [(name, pipeline_folder / name) for name, _ in pipeline_entries]
    reasons = dict(skipped)
    assert sorted(reasons) == [
        ".DS_Store",
        ".cache/",
        ".gitattributes",
        "README.md",
        "unet/.ipynb_checkpoints/",
        "unet/diffusion_pytorch_model.bin",
        "unet/onnx/model.onnx",
    ]
    assert [name for name, _ in skipped] == sorted(reasons)
    for name in (".DS_Store", ".cache/", ".gitattributes", "unet/.ipynb_checkpoints/"):
        assert reasons[name].startswith("DDUF-WRITE-007: ")
    for name in ("README.md", "unet/diffusion_pytorch_model.bin", "unet/onnx/model.onnx"):
        assert reasons[name].startswith("DDUF-NAME-007: ")


def test_model_index_comes_first_then_names_in_order(tmp_path, pipeline_entries):
    folder = tmp_path / "pipeline"
    for name, data in [*pipeline_entries, ("a_notes.txt", b""), ("z_notes.txt", b"")]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    names = [name for name, _ in collect_folder_entries(folder)[0]]
    assert names[0] == "model_index.json"
    assert names[1:] == sorted(names[1:])
    assert "a_notes.txt" in names


def test_a_deep_file_with_an_allowed_extension_is_an_error_not_a_silent_skip(pipeline_folder, tmp_path):
    (pipeline_folder / "unet/onnx/config.json").write_bytes(b"{}")
    with pytest.raises(DDUFInvalidEntryNameError) as raised:
        collect_folder_entries(pipeline_folder)
    assert raised.value.requirement == "DDUF-NAME-009"
    assert raised.value.entry == "unet/onnx/config.json"
    with pytest.raises(DDUFInvalidEntryNameError):
        export_folder_as_dduf(tmp_path / "pipe.dduf", pipeline_folder)
    assert not (tmp_path / "pipe.dduf").exists()


def test_an_allowed_file_with_a_bad_name_is_an_error(pipeline_folder):
    if os.name == "nt":
        pytest.skip("Windows file names cannot hold a colon")
    (pipeline_folder / "unet/a:b.json").write_bytes(b"{}")
    with pytest.raises(DDUFInvalidEntryNameError) as raised:
        collect_folder_entries(pipeline_folder)
    assert raised.value.requirement == "DDUF-NAME-006"


def test_something_that_is_not_a_folder_is_an_export_error(tmp_path):
    (tmp_path / "file.txt").write_bytes(b"")
    for path in (tmp_path / "file.txt", tmp_path / "missing"):
        with pytest.raises(DDUFExportError, match="not a folder"):
            collect_folder_entries(path)


@needs_symlinks
def test_symbolic_links_are_followed_like_a_hugging_face_cache_snapshot(tmp_path, pipeline_entries):
    """Files link to blobs, a component folder links to a folder elsewhere: the archive holds the content."""
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    snapshot = tmp_path / "snapshot"
    elsewhere = tmp_path / "elsewhere"
    for number, (name, data) in enumerate(pipeline_entries):
        (blobs / str(number)).write_bytes(data)
        base = elsewhere if name.startswith("scheduler/") else snapshot
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).symlink_to(blobs / str(number))
    (snapshot / "scheduler").symlink_to(elsewhere / "scheduler", target_is_directory=True)
    (snapshot / "unet/deep_link").symlink_to(elsewhere, target_is_directory=True)

    entries, skipped = collect_folder_entries(snapshot)
    assert [name for name, _ in entries] == [name for name, _ in pipeline_entries]
    assert dict(skipped)["unet/deep_link/"].startswith("DDUF-NAME-009: ")
    export_folder_as_dduf(tmp_path / "pipe.dduf", snapshot)
    with zipfile.ZipFile(tmp_path / "pipe.dduf") as archive:
        assert [(info.filename, archive.read(info)) for info in archive.infolist()] == pipeline_entries
        assert {info.external_attr >> 16 for info in archive.infolist()} == {0o100644}  # DDUF-ENTRY-007


@needs_symlinks
def test_a_broken_link_is_an_error_when_its_extension_is_allowed(pipeline_folder):
    (pipeline_folder / "weights.bin").symlink_to(pipeline_folder / "missing.bin")
    assert "weights.bin" in dict(collect_folder_entries(pipeline_folder)[1])
    (pipeline_folder / "unet/extra.safetensors").symlink_to(pipeline_folder / "missing.safetensors")
    with pytest.raises(DDUFExportError) as raised:
        collect_folder_entries(pipeline_folder)
    assert raised.value.requirement == "DDUF-ENTRY-007"
    assert raised.value.entry == "unet/extra.safetensors"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_not_read(pipeline_folder):
    os.mkfifo(pipeline_folder / "notes.txt")
    with pytest.raises(DDUFExportError) as raised:
        collect_folder_entries(pipeline_folder)
    assert raised.value.requirement == "DDUF-ENTRY-007"


def test_export_folder_writes_what_collect_selects(pipeline_folder, pipeline_entries, tmp_path):
    calls = []
    export_folder_as_dduf(tmp_path / "folder.dduf", pipeline_folder, progress=calls.append)
    export_entries_as_dduf(tmp_path / "entries.dduf", pipeline_entries)
    assert (tmp_path / "folder.dduf").read_bytes() == (tmp_path / "entries.dduf").read_bytes()
    assert sum(calls) == sum(len(data) for _, data in pipeline_entries)
    assert validate_dduf(tmp_path / "folder.dduf", deep=True) == []


def test_same_content_as_huggingface_hub_export(pipeline_folder, tmp_path):
    hub_export_folder_as_dduf(tmp_path / "hub.dduf", pipeline_folder)
    export_folder_as_dduf(tmp_path / "ours.dduf", pipeline_folder, overwrite=False)

    def contents(path):
        entries = hub_read_dduf_file(path)
        return {name: entry.read_text("latin-1") for name, entry in entries.items()}

    assert contents(tmp_path / "ours.dduf") == contents(tmp_path / "hub.dduf")
