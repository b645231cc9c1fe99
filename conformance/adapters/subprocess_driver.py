"""``SubprocessAdapter``: an implementation in any language, run as a driver program that speaks
the JSON-lines protocol of ``spec/protocol.md`` on its standard input and output.

::

    with SubprocessAdapter(["node", "my-driver.mjs"], timeout=10) as adapter:
        outcome = call(adapter, "dduf-read", path)

The constructor starts the driver and exchanges ``start``/``started``, which gives the adapter
its ``name``, ``version`` and ``capabilities``. Each capability method sends one ``run`` and
turns the answer into the adapter contract of ``harness.adapter``: ``accepted`` returns the
value as ``EntryInfo``, ``Finding``, ``SplitResult``, ``TensorSpec`` or tensors; ``refused``
raises ``Refused``; ``crashed`` raises ``DriverCrash``. Binary data passes as files in the
adapter's ``scratch`` folder, which it creates and, on ``close()``, deletes.

A driver that misbehaves never takes the run down. When it does not answer within ``timeout``
seconds, exits, or writes a line that is not a valid answer (not JSON, against the schema,
another ``seq``), the call raises ``CallTimeout`` or ``DriverError`` saying what happened, with
the last lines of the driver's standard error; the driver is killed, and started afresh (a new
``start`` exchange, ``seq`` from 1) before the next call.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from weightspec.conformance.harness.adapter import (
    CHECKPOINT_INSPECT,
    CHECKPOINT_LOAD,
    CHECKPOINT_LOAD_INTO_MODEL,
    CHECKPOINT_SAVE,
    CHECKPOINT_SPLIT,
    CHECKPOINT_VALIDATE,
    DDUF_READ,
    DDUF_VALIDATE_DEEP,
    DDUF_WRITE,
    DEFAULT_TIMEOUT,
    Adapter,
    EntryInfo,
    Finding,
    ModelSpec,
    SplitResult,
    TensorSpec,
)
from weightspec.conformance.harness.errors import DriverError, ImplementationUnavailable
from weightspec.conformance.harness.outcomes import Refused

from .driver_process import DriverProcess
from .protocol_messages import (
    PROTOCOL_VERSION,
    ProtocolViolation,
    encode,
    run_response,
    started_implementation,
)
from .state_dict_transit import describe_state_dict, read_tensors, write_tensors

STOP_GRACE_SECONDS = 2.0  # how long a driver gets to exit after ``stop`` before it is killed


class DriverCrash(Exception):
    """A ``crashed`` answer: the implementation raised an error it does not document.

    ``reported_error_type`` is the implementation's own name for the error (``TypeError``,
    ``std::bad_alloc``); ``Outcome.crashed`` shows it as the crash's type.
    """

    def __init__(self, error_type: str, message: str) -> None:
        self.reported_error_type = error_type
        super().__init__(message)


class SubprocessAdapter(Adapter):
    """The adapter of the implementation behind the driver program ``command``."""

    in_process = False  # each call is bounded by the driver's own timeout

    def __init__(
        self,
        command: Sequence[str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Start ``command`` (a program and its arguments, e.g. ``shlex.split("node d.mjs")``) in
        ``cwd`` with environment ``env`` (default: this process's), and exchange ``start``.

        ``timeout`` bounds each exchange (the start, each call) in seconds. Raises
        ``ImplementationUnavailable`` when the program cannot be started, ``DriverError`` when the
        start exchange fails (no answer in time, not a valid ``started`` message: a protocol
        version other than 1, an unknown capability, ...).
        """
        if isinstance(command, str) or not command:
            raise ValueError(f"command is a non-empty list of arguments (shlex.split it), not {command!r}")
        if timeout <= 0:
            raise ValueError(f"timeout is a positive number of seconds, not {timeout!r}")
        self.command = tuple(command)
        self.timeout = timeout
        self._cwd = cwd
        self._env = env
        self._driver: DriverProcess | None = None
        self._seq = 0
        self._closed = False
        self.scratch = Path(tempfile.mkdtemp(prefix="weightspec-driver-"))
        try:
            self.implementation = self._start_driver()
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        self.name = self.implementation["name"]
        self.version = self.implementation["version"]
        self.capabilities = frozenset(self.implementation["capabilities"])

    def close(self) -> None:
        """Send ``stop``, kill the driver if it has not exited after ``STOP_GRACE_SECONDS``, and
        delete the scratch folder; idempotent. Later calls raise ``DriverError``."""
        if self._closed:
            return
        self._closed = True
        if self._driver is not None:
            self._driver.stop(encode({"op": "stop"}), grace=STOP_GRACE_SECONDS)
            self._driver = None
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> SubprocessAdapter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the capabilities ---------------------------------------------------------------------

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        value = self._run(DDUF_READ, {"path": _absolute(path)})
        return [EntryInfo(entry["name"], entry["offset"], entry["length"]) for entry in value["entries"]]

    def dduf_write(self, entries: Sequence[tuple[str, bytes | Path]], path: Path) -> None:
        with self._call_folder() as folder:
            listed = []
            for number, (name, content) in enumerate(entries):
                if isinstance(content, (bytes, bytearray, memoryview)):
                    data_file = folder / f"entry-{number}"
                    data_file.write_bytes(content)
                    content = data_file
                listed.append({"name": name, "path": _absolute(content)})
            self._run(DDUF_WRITE, {"entries": listed, "output": _absolute(path)})

    def dduf_validate_deep(self, path: Path) -> list[Finding]:
        return _findings(self._run(DDUF_VALIDATE_DEEP, {"path": _absolute(path)}))

    def checkpoint_split(
        self, state_dict: dict, *, max_shard_size: int | str, filename_pattern: str
    ) -> SplitResult:
        value = self._run(
            CHECKPOINT_SPLIT,
            {
                "tensors": describe_state_dict(state_dict),
                "max_shard_size": max_shard_size,
                "filename_pattern": filename_pattern,
            },
        )
        return SplitResult(
            value["filename_to_tensors"], value["tensor_to_filename"], value["metadata"], value["is_sharded"]
        )

    def checkpoint_save(self, state_dict: dict, directory: Path, *, max_shard_size: int | str) -> None:
        with self._call_folder() as folder:
            tensors_file = folder / "state_dict.safetensors"
            write_tensors(state_dict, tensors_file)
            self._run(
                CHECKPOINT_SAVE,
                {
                    "input": _absolute(tensors_file),
                    "tensors": describe_state_dict(state_dict),
                    "directory": _absolute(directory),
                    "max_shard_size": max_shard_size,
                },
            )

    def checkpoint_load(
        self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True
    ) -> dict:
        model_description = {
            name: {"dtype": spec.dtype, "shape": list(spec.shape)} for name, spec in model.items()
        }
        return self._run_writing_tensors(
            CHECKPOINT_LOAD,
            {"path": _absolute(path), "model": model_description, "safe": safe, "weights_only": weights_only},
            of=path,
        )

    def checkpoint_load_into_model(
        self, directory: Path, *, family: str, safe: bool = True, weights_only: bool = True
    ) -> dict:
        return self._run_writing_tensors(
            CHECKPOINT_LOAD_INTO_MODEL,
            {"directory": _absolute(directory), "family": family, "safe": safe, "weights_only": weights_only},
            of=directory,
        )

    def checkpoint_inspect(self, path: Path) -> dict[str, TensorSpec]:
        value = self._run(CHECKPOINT_INSPECT, {"path": _absolute(path)})
        return {
            name: TensorSpec(spec["dtype"], tuple(spec["shape"])) for name, spec in value["tensors"].items()
        }

    def checkpoint_validate(self, path: Path) -> list[Finding]:
        return _findings(self._run(CHECKPOINT_VALIDATE, {"path": _absolute(path)}))

    # --- the protocol -------------------------------------------------------------------------

    @property
    def _described(self) -> str:
        return shlex.join(self.command)

    def _start_driver(self) -> dict[str, Any]:
        """Start a driver, exchange ``start``, and keep it as the running driver; its implementation."""
        driver = DriverProcess(self.command, cwd=self._cwd, env=self._env)
        start = encode({"op": "start", "protocol": PROTOCOL_VERSION, "scratch": str(self.scratch)})
        doing = "the start request"
        try:
            implementation = started_implementation(driver.exchange(start, timeout=self.timeout, doing=doing))
        except ProtocolViolation as violation:
            raise driver.failure(f"{violation}, in reply to {doing}") from None
        except BaseException:
            driver.kill()
            raise
        self._driver, self._seq = driver, 0
        return implementation

    def _running_driver(self) -> DriverProcess:
        """The driver to send the next run to: restarted if the last one was killed."""
        if self._closed:
            raise DriverError(f"the adapter of `{self._described}` is closed")
        if self._driver is None:
            try:
                implementation = self._start_driver()
            except ImplementationUnavailable as error:
                raise DriverError(f"cannot restart the driver: {error}") from None
            if _identity(implementation) != _identity(self.implementation):
                driver, self._driver = self._driver, None
                raise driver.failure(
                    f"announced {_identity(implementation)} when restarted, "
                    f"but {_identity(self.implementation)} when first started"
                )
        return self._driver

    def _run(self, capability: str, args: dict[str, Any]) -> dict[str, Any]:
        """Send one run of ``capability`` and return an accepted answer's value; raise ``Refused``
        or ``DriverCrash`` for the other answers, ``DriverError`` when there is no valid answer."""
        driver = self._running_driver()
        seq = self._seq + 1
        doing = f"run seq {seq} ({capability})"
        try:
            request = encode({"op": "run", "seq": seq, "capability": capability, "args": args})
        except (TypeError, ValueError) as error:
            raise DriverError(f"the suite cannot send {doing} to `{self._described}`: {error}") from None
        self._seq = seq
        try:
            response = run_response(driver.exchange(request, timeout=self.timeout, doing=doing), capability)
            if response["seq"] != seq:
                raise ProtocolViolation(f"wrote the answer for seq {response['seq']}")
        except ProtocolViolation as violation:
            self._driver = None
            raise driver.failure(f"{violation}, in reply to {doing}") from None
        except BaseException:
            # Anything else (a DriverError, the caller's alarm, Ctrl-C) leaves the driver in the
            # middle of an exchange: it is killed, and restarted before the next call.
            self._driver = None
            driver.kill()
            raise
        if response["outcome"] == "refused":
            raise Refused(
                response["category"],
                response["message"],
                requirements=tuple(response.get("requirements", ())),
                error_type=response.get("error_type", ""),
            )
        if response["outcome"] == "crashed":
            raise DriverCrash(response["error_type"], response["message"])
        return response["value"]

    def _run_writing_tensors(self, capability: str, args: dict[str, Any], *, of: Path) -> dict:
        """Run ``capability`` with ``args`` and an ``output`` path, and return the tensors the driver
        wrote there; a driver that accepts without writing them is a ``DriverError`` (``of`` names
        the checkpoint in it)."""
        with self._call_folder() as folder:
            output = folder / "loaded.safetensors"
            self._run(capability, {**args, "output": _absolute(output)})
            try:
                return read_tensors(output)
            except (OSError, ValueError) as error:
                raise DriverError(
                    f"the driver `{self._described}` accepted {capability} of {of} but did not write "
                    f"the loaded tensors to {output} as a safetensors file: {error}",
                    stderr_tail=self._driver.stderr_tail() if self._driver else "",
                ) from None

    @contextlib.contextmanager
    def _call_folder(self) -> Iterator[Path]:
        """A fresh folder in the scratch folder for one call's files, deleted after the call."""
        folder = Path(tempfile.mkdtemp(prefix="call-", dir=self.scratch))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _absolute(path: str | os.PathLike) -> str:
    return os.path.abspath(os.fspath(path))


def _findings(value: dict[str, Any]) -> list[Finding]:
    return [Finding(finding["requirement"], finding["message"]) for finding in value["findings"]]


def _identity(implementation: dict[str, Any]) -> str:
    capabilities = ", ".join(sorted(implementation["capabilities"]))
    return f"{implementation['name']} {implementation['version']} ({capabilities})"
