"""``SubprocessAdapter`` against real driver processes: the toy Node driver of the worked example,
and a Python driver (drivers/python_driver.py) that misbehaves on demand.

Every misbehaviour gives the call it happens in an ``error`` or ``timed-out`` outcome that says
what happened and shows the driver's stderr; the driver is restarted and the next call works.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from weightspec import reference
from weightspec.conformance import case_by_id
from weightspec.conformance.adapters.protocol_messages import encode
from weightspec.conformance.adapters.subprocess_driver import SubprocessAdapter
from weightspec.conformance.harness.adapter import DDUF_READ, EntryInfo, call
from weightspec.conformance.harness.errors import CallTimeout, DriverError, ImplementationUnavailable
from weightspec.conformance.harness.outcomes import ACCEPTED, CRASHED, ERROR, REFUSED, TIMED_OUT
from weightspec.spec import document

HERE = Path(__file__).resolve().parent
PYTHON_DRIVER = HERE / "drivers" / "python_driver.py"
TOY_DRIVER = HERE.parents[1] / "conformance" / "adapters" / "drivers" / "toy-dduf-reader.mjs"
MISBEHAVING = "python_driver: misbehaving on purpose:"
TIMEOUT = 2.0
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the toy driver is a Node program"
)


def python_driver(*options: str) -> SubprocessAdapter:
    return SubprocessAdapter([sys.executable, str(PYTHON_DRIVER), *options], timeout=TIMEOUT)


def requests_received(adapter: SubprocessAdapter) -> list[dict]:
    """Every request the Python driver received, in all its lives."""
    lines = (adapter.scratch / "requests.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def driver_processes() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


@pytest.fixture(autouse=True)
def scratch_folders(tmp_path, monkeypatch) -> Path:
    """Adapters make their scratch folders here, so a test can see that they are removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "valid-minimal-pipeline.dduf"
    path.write_bytes(case_by_id("valid-minimal-pipeline").build())
    return path


def reference_entries(path: Path) -> list[EntryInfo]:
    return [EntryInfo(e.filename, e.offset, e.length) for e in reference.read_dduf_file(path).values()]


# --- misbehaviour during a call -----------------------------------------------------------------

RUN_FAULTS = {
    "hang": (TIMED_OUT, "did not answer run seq 1 (dduf-read) within 2 s"),
    "exit": (ERROR, "exited with status 3 before answering run seq 1 (dduf-read)"),
    "not-json": (
        ERROR,
        "wrote a line that is not JSON (Expecting value: line 1 column 1 (char 0)): 'this is not JSON'",
    ),
    "wrong-seq": (ERROR, "wrote the answer for seq 2, in reply to run seq 1 (dduf-read)"),
    "bad-schema": (
        ERROR,
        "breaks protocol-response.schema.json at #/$defs/values/dduf-read/properties/entries/items/required "
        "(in $.value.entries[0]): 'offset' is a required property",
    ),
}


@pytest.mark.parametrize("fault", RUN_FAULTS)
def test_a_misbehaving_driver_fails_that_call_only_and_is_restarted(fault, archive):
    kind, what_happened = RUN_FAULTS[fault]
    before = driver_processes()
    with python_driver("--fault", fault) as adapter:
        started = time.monotonic()
        first = call(adapter, DDUF_READ, archive)
        assert time.monotonic() - started < TIMEOUT + 3
        assert first.kind == kind
        assert what_happened in first.message
        assert f"--- driver stderr (last lines) ---\n{MISBEHAVING} {fault}" in first.message
        assert PYTHON_DRIVER.name in first.message  # names the driver

        second = call(adapter, DDUF_READ, archive)
        assert second.kind == ACCEPTED
        assert second.value == reference_entries(archive)
        # a fresh start exchange, seq from 1 again
        assert [(r["op"], r.get("seq")) for r in requests_received(adapter)] == [
            ("start", None),
            ("run", 1),
            ("start", None),
            ("run", 1),
        ]
    assert driver_processes() <= before  # the killed driver and the restarted one are gone


def test_a_restart_that_fails_fails_its_call_and_the_next_restart_works(archive):
    with python_driver("--fault", "exit", "--start-fault", "exit", "--on-start", "2") as adapter:
        assert "exited with status 3 before answering run seq 1" in call(adapter, DDUF_READ, archive).message
        restart = call(adapter, DDUF_READ, archive)
        assert restart.kind == ERROR
        assert "exited with status 3 before answering the start request" in restart.message
        assert call(adapter, DDUF_READ, archive).kind == ACCEPTED


def test_seq_grows_by_one_per_run_of_a_life(archive):
    with python_driver() as adapter:
        for _ in range(3):
            assert call(adapter, DDUF_READ, archive).kind == ACCEPTED
        assert [r.get("seq") for r in requests_received(adapter)] == [None, 1, 2, 3]


# --- the start exchange -------------------------------------------------------------------------

START_FAULTS = {
    "hang": (CallTimeout, "did not answer the start request within 2 s"),
    "exit": (DriverError, "exited with status 3 before answering the start request"),
    "not-json": (DriverError, "wrote a line that is not JSON"),
    "protocol-2": (DriverError, "#/$defs/started/properties/protocol/const (in $.protocol): 1 was expected"),
    "unknown-capability": (
        DriverError,
        "(in $.implementation.capabilities[0]): 'dduf-levitate' is not one of",
    ),
}


@pytest.mark.parametrize("fault", START_FAULTS)
def test_a_driver_that_fails_the_start_exchange_is_refused(fault, scratch_folders):
    error_type, what_happened = START_FAULTS[fault]
    before = driver_processes()
    with pytest.raises(error_type) as raised:
        python_driver("--start-fault", fault)
    assert what_happened in str(raised.value)
    assert f"{MISBEHAVING} {fault}" in raised.value.stderr_tail
    assert driver_processes() <= before
    assert not list(scratch_folders.glob("weightspec-driver-*"))


def test_a_command_that_does_not_exist_is_unavailable(scratch_folders):
    with pytest.raises(
        ImplementationUnavailable, match=r"cannot start the driver `weightspec-no-such-driver --x`"
    ):
        SubprocessAdapter(["weightspec-no-such-driver", "--x"])
    assert not list(scratch_folders.glob("weightspec-driver-*"))


def test_a_program_that_is_not_executable_is_unavailable(tmp_path):
    script = tmp_path / "driver.mjs"
    script.write_text("console.log('hello')\n")
    with pytest.raises(ImplementationUnavailable, match=r"Permission denied.*name its interpreter first"):
        SubprocessAdapter([str(script)])


# --- answers ------------------------------------------------------------------------------------


def test_refused_and_crashed_answers_become_those_outcomes(tmp_path):
    junk = tmp_path / "junk.dduf"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(reference.DDUFCorruptedFileError) as expected:
        reference.read_dduf_file(junk)
    with python_driver() as adapter:
        refused = call(adapter, DDUF_READ, junk)
        assert (refused.kind, refused.category, refused.requirements) == (
            REFUSED,
            "corrupt-archive",
            ("DDUF-ZIP-001",),
        )
        assert refused.error_type == "DDUFCorruptedFileError"
        assert refused.message == str(expected.value)

        crashed = call(adapter, DDUF_READ, tmp_path / "missing.dduf")
        assert (crashed.kind, crashed.error_type) == (CRASHED, "FileNotFoundError")
        assert "missing.dduf" in crashed.message
        assert [r.get("seq") for r in requests_received(adapter)] == [None, 1, 2]  # no restart: all answered


def test_close_stops_the_driver_and_removes_the_scratch_folder(archive):
    before = driver_processes()
    adapter = python_driver()
    scratch = adapter.scratch
    assert scratch.is_dir()
    assert adapter.name == "python-test-driver"
    assert adapter.version == "1.0"
    assert "checkpoint-split" in adapter.capabilities
    adapter.close()
    adapter.close()
    assert not scratch.exists()
    assert driver_processes() <= before
    closed = call(adapter, DDUF_READ, archive)
    assert (closed.kind, closed.message) == (
        ERROR,
        f"the adapter of `{sys.executable} {PYTHON_DRIVER}` is closed",
    )


# --- the toy Node driver ------------------------------------------------------------------------


@needs_node
def test_the_toy_driver_locates_the_entries_zipfile_reads(archive, assert_entries_are_zipfiles):
    with SubprocessAdapter([NODE, str(TOY_DRIVER)]) as adapter:
        assert (adapter.name, adapter.version, adapter.capabilities) == (
            "toy-dduf-reader",
            "0.1.0",
            {"dduf-read"},
        )
        outcome = call(adapter, DDUF_READ, archive)
    assert outcome.kind == ACCEPTED
    assert_entries_are_zipfiles(archive, {entry.name: entry for entry in outcome.value})
    assert [entry.name for entry in outcome.value] == [e.name for e in reference_entries(archive)]


@needs_node
def test_the_worked_example_is_what_the_suite_and_the_toy_driver_write(tmp_path, archive):
    """protocol.md's session, replayed on the toy driver with this machine's paths: the suite
    writes each request line exactly so, and the driver answers exactly the documented lines."""
    junk = tmp_path / "junk.dduf"
    junk.write_bytes(b"not a zip file")
    here = {
        "/tmp/weightspec-driver-3f9x2k1a": str(tmp_path),
        "/data/valid-minimal-pipeline.dduf": str(archive),
        "/data/junk.dduf": str(junk),
        "/data/missing.dduf": str(tmp_path / "missing.dduf"),
    }

    def localized(line: str) -> str:
        for documented, actual in here.items():
            line = line.replace(documented, actual)
        return line

    session = [line for line in document("protocol.md").splitlines() if line[:2] in ("→ ", "← ")]
    requests = [localized(line[2:]) for line in session if line.startswith("→")]
    answers = [localized(line[2:]) for line in session if line.startswith("←")]
    for request in requests:
        assert encode(json.loads(request)) == request.encode() + b"\n"
    finished = subprocess.run(
        [NODE, str(TOY_DRIVER)],
        input="".join(r + "\n" for r in requests),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == answers
