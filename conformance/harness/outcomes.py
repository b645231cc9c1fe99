"""What one call of an implementation gave.

Every call of an implementation under test ends in exactly one ``Outcome``:

- ``accepted``: it returned; ``value`` holds what it returned (entries, tensors, a split, ...);
- ``refused``: it raised an error it documents; the adapter maps that error to one of
  ``CATEGORIES`` and passes on the requirement IDs the implementation named, if any;
- ``crashed``: it raised anything else (an undocumented exception type); always a failure;
- ``timed-out``: it did not answer within the per-call timeout;
- ``error``: the harness could not get an answer at all (a driver that exited, broke the protocol
  or the schema). Like Bowtie's "errored", this is kept apart from a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCEPTED = "accepted"
REFUSED = "refused"
CRASHED = "crashed"
TIMED_OUT = "timed-out"
ERROR = "error"
KINDS = (ACCEPTED, REFUSED, CRASHED, TIMED_OUT, ERROR)

# The categories an adapter maps an implementation's documented errors to. Each capability
# documents which of them a refusal may have (see adapter.REFUSAL_CATEGORIES).
CORRUPT_ARCHIVE = "corrupt-archive"  # a DDUF archive breaks a reader or deep requirement
INVALID_ENTRY_NAME = "invalid-entry-name"  # a writer refused an entry name
EXPORT_ERROR = "export-error"  # a writer refused its input for another reason
CHECKPOINT_ERROR = "checkpoint-error"  # a checkpoint, index file, size or save request is refused
FILE_NOT_FOUND = "file-not-found"  # a file the call needs does not exist
CATEGORIES = (CORRUPT_ARCHIVE, INVALID_ENTRY_NAME, EXPORT_ERROR, CHECKPOINT_ERROR, FILE_NOT_FOUND)


class Refused(Exception):
    """Raised by an adapter (or built by its ``refusal()``) for a documented refusal.

    ``category`` is one of ``CATEGORIES``; ``requirements`` the IDs the implementation named
    (empty when it names none); ``error_type`` the implementation's own error type, for reports.
    """

    def __init__(
        self, category: str, message: str, *, requirements: tuple[str, ...] = (), error_type: str = ""
    ) -> None:
        if category not in CATEGORIES:
            raise ValueError(f"unknown refusal category {category!r}; expected one of {CATEGORIES}")
        self.category = category
        self.message = message
        self.requirements = tuple(requirements)
        self.error_type = error_type
        super().__init__(message)


@dataclass(frozen=True)
class Outcome:
    """One call's result; build it with the class methods, never by hand."""

    kind: str
    value: Any = None
    category: str | None = None
    requirements: tuple[str, ...] = ()
    error_type: str | None = None
    message: str = ""

    @classmethod
    def accepted(cls, value: Any) -> Outcome:
        return cls(ACCEPTED, value=value)

    @classmethod
    def refused(cls, refusal: Refused) -> Outcome:
        return cls(
            REFUSED,
            category=refusal.category,
            requirements=refusal.requirements,
            error_type=refusal.error_type or None,
            message=refusal.message,
        )

    @classmethod
    def crashed(cls, error: BaseException) -> Outcome:
        """A crash shows the error's type; one reported from another process (a driver's
        ``DriverCrash``) carries the implementation's own name for it in ``reported_error_type``."""
        kind = type(error)
        error_type = getattr(error, "reported_error_type", None) or f"{kind.__module__}.{kind.__qualname__}"
        return cls(CRASHED, error_type=error_type, message=str(error))

    @classmethod
    def timed_out(cls, message: str) -> Outcome:
        return cls(TIMED_OUT, message=message)

    @classmethod
    def errored(cls, message: str) -> Outcome:
        return cls(ERROR, message=message)

    def describe(self) -> str:
        """One line for reports: what the implementation did."""
        if self.kind == ACCEPTED:
            return "accepted"
        if self.kind == REFUSED:
            named = f" naming {', '.join(self.requirements)}" if self.requirements else ""
            kind = f" ({self.error_type})" if self.error_type else ""
            return f"refused as {self.category}{named}{kind}: {_first_line(self.message)}"
        if self.kind == CRASHED:
            return f"crashed with {self.error_type}: {_first_line(self.message)}"
        return f"{self.kind}: {_first_line(self.message)}"


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
