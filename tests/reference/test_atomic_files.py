"""The one temporary-file helper of both formats: AtomicFile (DDUF-WRITE-005) and StagedFiles (SHARD-SAVE-004).

A killed DDUF export and a killed checkpoint save are in dduf/test_writer_atomic.py and
sharding/test_interrupted_save.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from weightspec.reference._atomic_files import AtomicFile, StagedFiles

# The one naming scheme: hidden, beside the destination, the process id, a random part, ".tmp".
TEMPORARY_NAME = r"\.{name}\.{pid}-[0-9a-f]{{8}}\.tmp"


def is_temporary_name_of(name: str, temporary: str) -> bool:
    return re.fullmatch(TEMPORARY_NAME.format(name=re.escape(name), pid=os.getpid()), temporary) is not None


def test_publish_puts_a_complete_file_in_place_with_umask_permissions(tmp_path):
    destination = tmp_path / "out.bin"
    with AtomicFile(destination) as output:
        os.write(output.fd, b"complete")
        assert not destination.exists()
        assert is_temporary_name_of("out.bin", output.temporary.name)
        output.publish()
    assert destination.read_bytes() == b"complete"
    assert os.listdir(tmp_path) == ["out.bin"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert destination.stat().st_mode & 0o777 == 0o666 & ~umask


def test_leaving_without_publishing_removes_the_temporary_file_and_keeps_the_destination(tmp_path):
    destination = tmp_path / "out.bin"
    destination.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt), AtomicFile(destination) as output:
        os.write(output.fd, b"partial")
        raise KeyboardInterrupt
    assert destination.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_overwrite_false_refuses_an_existing_destination_before_and_at_publishing(tmp_path):
    destination = tmp_path / "out.bin"
    destination.write_bytes(b"previous")
    with pytest.raises(FileExistsError):
        AtomicFile(destination, overwrite=False)
    destination.unlink()
    with AtomicFile(destination, overwrite=False) as output:
        os.write(output.fd, b"mine")
        destination.write_bytes(b"theirs")
        with pytest.raises(FileExistsError):
            output.publish()
    assert destination.read_bytes() == b"theirs"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_folder_is_not_a_destination(tmp_path):
    with pytest.raises(IsADirectoryError):
        AtomicFile(tmp_path)
    assert os.listdir(tmp_path) == []


def write_text(text: str):
    """A ``StagedFiles`` writer that writes ``text`` at the path it is given."""
    return lambda path: Path(path).write_text(text)


def test_staged_files_take_the_same_temporary_names_until_published(tmp_path):
    with StagedFiles(tmp_path) as staged:
        staged.write("model-00001-of-00002.safetensors", write_text("first"))
        staged.write("model-00002-of-00002.safetensors", write_text("second"))
        (first, second) = sorted(os.listdir(tmp_path))
        assert is_temporary_name_of("model-00001-of-00002.safetensors", first)
        assert is_temporary_name_of("model-00002-of-00002.safetensors", second)
        staged.publish()
        assert staged.names == []
    assert {name: (tmp_path / name).read_text() for name in os.listdir(tmp_path)} == {
        "model-00001-of-00002.safetensors": "first",
        "model-00002-of-00002.safetensors": "second",
    }


def test_an_error_while_staging_removes_every_unpublished_file_and_keeps_the_earlier_one(tmp_path):
    (tmp_path / "model.safetensors").write_text("earlier")

    def fail(path: str) -> None:
        Path(path).write_text("partial")
        raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError), StagedFiles(tmp_path) as staged:
        staged.write("model.safetensors", write_text("new"))
        staged.write("model.safetensors.index.json", fail)
    assert os.listdir(tmp_path) == ["model.safetensors"]
    assert (tmp_path / "model.safetensors").read_text() == "earlier"
