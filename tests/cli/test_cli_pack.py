"""``weightspec pack``: folder to archive, skipped files, refusing to overwrite, export errors."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest


def test_pack_then_validate_exits_0(cli, tmp_path, example, example_files):
    out = tmp_path / "tiny.dduf"
    result = cli("pack", example, out)
    assert result.code == 0
    assert result.out == f"wrote {out} ({len(example_files)} entries, {out.stat().st_size} bytes)\n"
    assert result.err == ""  # stderr is not a terminal: no progress bar
    assert cli("validate", "--deep", out).code == 0


def test_packed_example_is_read_by_huggingface_hub(cli, tmp_path, example, example_files):
    hub = pytest.importorskip("huggingface_hub", reason="huggingface_hub is not installed")
    out = tmp_path / "tiny.dduf"
    assert cli("pack", example, out).code == 0
    entries = hub.read_dduf_file(out)
    assert set(entries) == set(example_files)
    assert json.loads(entries["model_index.json"].read_text()) == json.loads(
        example_files["model_index.json"]
    )


def test_existing_output_is_refused_without_force(cli, tmp_path, example):
    out = tmp_path / "tiny.dduf"
    out.write_bytes(b"keep me")
    result = cli("pack", example, out)
    assert result.code == 2
    assert result.err == f"weightspec: error: {out}: already exists; pass --force to replace it\n"
    assert out.read_bytes() == b"keep me"


def test_force_replaces_existing_output(cli, tmp_path, example):
    out = tmp_path / "tiny.dduf"
    out.write_bytes(b"replace me")
    assert cli("pack", "--force", example, out).code == 0
    assert cli("validate", out).code == 0


def test_skipped_files_are_listed_with_a_reason(cli, tmp_path, pipeline, example_files):
    (pipeline / "README.md").write_text("# notes")
    (pipeline / "text_encoder" / "pytorch_model.bin").write_bytes(b"pickle")
    out = tmp_path / "tiny.dduf"
    result = cli("pack", pipeline, out)
    assert result.code == 0
    skipped = sorted(line for line in result.out.splitlines() if line.startswith("skipped "))
    assert len(skipped) == 2
    assert skipped[0].startswith("skipped README.md: ")
    assert skipped[1].startswith("skipped text_encoder/pytorch_model.bin: ")
    assert all("DDUF-NAME-007" in line for line in skipped)
    inspected = json.loads(cli("inspect", "--json", out).out)["entries"]
    assert {entry["name"] for entry in inspected} == set(example_files)


def test_undeclared_folder_is_refused_naming_the_folder_and_nothing_is_written(cli, tmp_path, pipeline):
    (pipeline / "unet").mkdir()
    (pipeline / "unet" / "config.json").write_text("{}")
    out = tmp_path / "tiny.dduf"
    result = cli("pack", pipeline, out)
    assert result.code == 1
    error, hint = result.err.splitlines()
    assert error.startswith(f"weightspec: error: [DDUF-INDEX-003] {pipeline}: entry 'unet/': ")
    assert hint.startswith("hint: declare the folder in model_index.json")
    assert not out.exists()
    assert os.listdir(tmp_path) == ["pipeline"]  # no temporary file left behind either


def test_folder_without_model_index_is_refused_naming_the_folder(cli, tmp_path, pipeline):
    (pipeline / "model_index.json").unlink()
    out = tmp_path / "tiny.dduf"
    result = cli("pack", pipeline, out)
    assert result.code == 1
    error, hint = result.err.splitlines()
    assert error.startswith(f"weightspec: error: [DDUF-INDEX-001] {pipeline}: ")
    assert str(out) not in result.err
    assert hint.startswith("hint: ") and "save_pretrained" in hint


def test_missing_folder_exits_2(cli, tmp_path):
    result = cli("pack", tmp_path / "nowhere", tmp_path / "tiny.dduf")
    assert result.code == 2
    assert f"{tmp_path / 'nowhere'}: not a folder" in result.err


def test_progress_bar_is_shown_when_stderr_is_a_terminal(tmp_path, example):
    controller, terminal = pty.openpty()
    fcntl.ioctl(
        terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0)
    )  # a new pty is 0 columns wide
    out = tmp_path / "tiny.dduf"
    command = [sys.executable, "-m", "weightspec.cli", "pack", str(example), str(out)]
    process = subprocess.run(command, stdout=subprocess.PIPE, stderr=terminal, timeout=120)
    os.close(terminal)
    shown = b""
    try:
        while chunk := os.read(controller, 4096):
            shown += chunk
    except OSError:  # Linux raises EIO once the terminal side is closed and drained
        pass
    os.close(controller)
    assert process.returncode == 0
    assert b"tiny.dduf" in shown and b"100%" in shown, shown


def test_a_missing_output_folder_is_named_without_the_temporary_name(cli, tmp_path, example):
    out = tmp_path / "no-such-folder" / "tiny.dduf"
    result = cli("pack", example, out)
    assert result.code == 2
    assert result.err == (
        f"weightspec: error: {out}: the folder {out.parent} does not exist; "
        f"create it first (mkdir -p {out.parent})\n"
    )


def test_an_unwritable_output_folder_is_an_error_without_the_temporary_name(cli, tmp_path, example):
    if os.geteuid() == 0:
        pytest.skip("root may write into a read-only folder")
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    result = cli("pack", example, folder / "tiny.dduf")
    assert result.code == 2
    assert (
        result.err
        == f"weightspec: error: {folder / 'tiny.dduf'}: cannot create the archive: Permission denied\n"
    )
