"""The conformance suite's own errors: faults of the run, never verdicts about a file.

::

    ConformanceError
    ├── ImplementationUnavailable   an implementation cannot run here (package or Node absent)
    ├── AdapterLoadError            ``--impl module:factory`` does not name a usable adapter
    ├── DriverError                 a subprocess driver broke the protocol, exited or hung
    │   └── CallTimeout             one call ran past the per-call timeout
    └── ExpectationsError           an expectation file cannot be read or is malformed

A ``DriverError`` or ``CallTimeout`` raised during a call becomes that call's ``error`` outcome
(the run goes on); the others stop the run before any test with a message that says what to do.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base of the suite's errors."""


class ImplementationUnavailable(ConformanceError):
    """The implementation cannot run on this machine; the message says why and how to fix it."""


class AdapterLoadError(ConformanceError):
    """An adapter named on the command line cannot be imported or built."""


class DriverError(ConformanceError):
    """A subprocess driver misbehaved: it exited, wrote something that is not a protocol message,
    answered another sequence number or broke the message schema. ``stderr_tail`` holds the last
    lines the driver wrote to its standard error."""

    def __init__(self, message: str, *, stderr_tail: str = "") -> None:
        self.stderr_tail = stderr_tail
        super().__init__(
            message + (f"\n--- driver stderr (last lines) ---\n{stderr_tail}" if stderr_tail else "")
        )


class CallTimeout(DriverError):
    """A call did not answer within the per-call timeout."""


class ExpectationsError(ConformanceError):
    """An expectation file cannot be read, is not TOML, or breaks the documented shape."""
