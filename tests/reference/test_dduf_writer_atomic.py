"""Atomic publishing (DDUF-WRITE-005): AtomicFile, and a writer killed in the middle of an export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from weightspec.reference.atomic_file import AtomicFile


def test_publish_puts_a_complete_file_in_place_with_umask_permissions(tmp_path):
    destination = tmp_path / "out.bin"
    with AtomicFile(destination) as output:
        os.write(output.fd, b"complete")
        assert not destination.exists()
        assert output.temporary.name.startswith(".out.bin.") and output.temporary.name.endswith(".tmp")
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


KILLED_EXPORT = textwrap.dedent(
    """
    import sys, time
    from weightspec.reference import export_entries_as_dduf

    def entries():
        yield "model_index.json", b'{"_class_name": "StableDiffusionPipeline"}'
        yield "notes.txt", b"x" * 100_000
        print("written", flush=True)
        time.sleep(120)  # killed here
        yield "late.txt", b""

    export_entries_as_dduf(sys.argv[1], entries())
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("existing", [None, b"the previous archive"])
def test_a_killed_export_leaves_the_destination_absent_or_unchanged(tmp_path, existing):
    """A kill cannot clean up: the temporary file ``.<name>.<random>.tmp`` stays, the destination does not change."""
    destination = tmp_path / "pipe.dduf"
    if existing is not None:
        destination.write_bytes(existing)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_EXPORT, str(destination)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline() == "written\n"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    if existing is None:
        assert not destination.exists()
    else:
        assert destination.read_bytes() == existing
    leftovers = [name for name in os.listdir(tmp_path) if name != "pipe.dduf"]
    assert len(leftovers) == 1
    assert leftovers[0].startswith(".pipe.dduf.") and leftovers[0].endswith(".tmp")
    assert os.path.getsize(tmp_path / leftovers[0]) > 100_000
