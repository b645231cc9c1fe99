"""One life of a driver program: a child process the suite talks to in lines, with a deadline.

``DriverProcess(command)`` starts the program with pipes on its standard streams, in a process
group of its own (on POSIX), so that killing it also kills what it started (``npx``, a shell).
``exchange(line)`` writes one line and returns the next line the driver writes; a watchdog kills
the driver at the deadline, so neither the write nor the read can block for longer. A background
thread keeps the last ``STDERR_TAIL_LINES`` lines of the driver's standard error, shown in every
error. The class knows lines, not messages: ``protocol_messages`` gives them a meaning.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from weightspec.conformance.harness.errors import CallTimeout, DriverError, ImplementationUnavailable

STDERR_TAIL_LINES = 20
MAX_LINE_BYTES = 256 * 1024 * 1024  # a split of 100,000 tensors answers in a few MB
_STDERR_LINE_LIMIT = 1000  # characters kept of one stderr line
_REAP_SECONDS = 2.0  # how long a driver that closed its stdout gets to exit before it is killed
_OWN_PROCESS_GROUP = os.name == "posix"


class DriverProcess:
    """A running driver; ``described`` is its command line, as shown in errors."""

    def __init__(
        self, command: Sequence[str], *, cwd: str | Path | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        """Start ``command`` in ``cwd`` with environment ``env`` (default: this process's).

        Raises ``ImplementationUnavailable`` naming the command when it cannot be started (no
        such program, not executable, no such ``cwd``).
        """
        self.described = shlex.join(command)
        try:
            self._process = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=None if env is None else dict(env),
                start_new_session=_OWN_PROCESS_GROUP,
            )
        except OSError as error:
            raise ImplementationUnavailable(
                f"cannot start the driver `{self.described}`: {error.strerror or error}"
                f"{f' ({error.filename})' if error.filename else ''}. Check that the program exists and is "
                'executable, or name its interpreter first (--impl-cmd "node my-driver.mjs").'
            ) from None
        self._stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._stderr_reader = threading.Thread(target=self._keep_stderr_tail, daemon=True)
        self._stderr_reader.start()
        self._expired = False

    def exchange(self, line: bytes, *, timeout: float, doing: str) -> bytes:
        """Write ``line`` (ending in ``\\n``) and return the driver's next line, newline included.

        ``doing`` names the request in errors ("the start request", "run seq 3 (dduf-read)").
        Raises ``CallTimeout`` when no whole line came within ``timeout`` seconds, and
        ``DriverError`` when the driver exited (or closed its standard output) first, or wrote a
        line longer than ``MAX_LINE_BYTES``; in every case the driver has been killed.
        """
        watchdog = threading.Timer(timeout, self._expire)
        watchdog.start()
        try:
            self._process.stdin.write(line)
            self._process.stdin.flush()
            answer = self._process.stdout.readline(MAX_LINE_BYTES + 1)
        except OSError:  # the driver is gone: stdin is a broken pipe
            answer = b""
        finally:
            watchdog.cancel()
        if self._expired:
            raise self.failure(f"did not answer {doing} within {timeout:g} s", error_type=CallTimeout)
        if len(answer) > MAX_LINE_BYTES:
            raise self.failure(f"wrote a line longer than {MAX_LINE_BYTES} bytes in answer to {doing}")
        if not answer.endswith(b"\n"):
            raise self.failure(f"{self._how_it_ended()} before answering {doing}")
        return answer

    def failure(self, message: str, *, error_type: type[DriverError] = DriverError) -> DriverError:
        """Kill the driver and return the error to raise: ``message`` about it, and its stderr tail."""
        self.kill()
        self._stderr_reader.join(timeout=1.0)
        return error_type(f"the driver `{self.described}` {message}", stderr_tail=self.stderr_tail())

    def stderr_tail(self) -> str:
        """The last lines the driver wrote to its standard error, as one text."""
        return "\n".join(self._stderr_tail)

    def stop(self, last_line: bytes, *, grace: float) -> None:
        """Write ``last_line`` (the protocol's ``stop``), close stdin, give the driver ``grace``
        seconds to exit, then kill whatever is left of it."""
        try:
            self._process.stdin.write(last_line)
            self._process.stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def kill(self) -> None:
        """Kill the driver and everything in its process group, and close its pipes; idempotent."""
        self._terminate()
        for stream in (self._process.stdin, self._process.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def _terminate(self) -> None:
        if _OWN_PROCESS_GROUP:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):  # the group is gone already
                pass
        else:
            self._process.kill()
        self._process.wait()

    def _expire(self) -> None:
        # Runs in the watchdog thread: only the signal, so that the blocked write or read in the
        # calling thread returns (broken pipe, end of file); the calling thread closes the pipes.
        self._expired = True
        self._terminate()

    def _how_it_ended(self) -> str:
        try:
            status = self._process.wait(_REAP_SECONDS)
        except subprocess.TimeoutExpired:
            return "closed its standard output"
        if status < 0:
            return f"was killed by signal {-status}"
        return f"exited with status {status}"

    def _keep_stderr_tail(self) -> None:
        with self._process.stderr as stream:
            for raw in iter(stream.readline, b""):
                self._stderr_tail.append(raw.decode("utf-8", "replace").rstrip("\r\n")[:_STDERR_LINE_LIMIT])
