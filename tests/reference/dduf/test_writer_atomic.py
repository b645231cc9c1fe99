"""Atomic publishing (DDUF-WRITE-005): a writer killed in the middle of an export changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

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
    """A kill cannot clean up: the temporary file ``.<name>.<pid>-<random>.tmp`` stays, the destination does not change."""
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
