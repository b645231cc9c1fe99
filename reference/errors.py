"""The one error hierarchy of weightspec, and the `Finding` that every check produces.

Every error names the requirement it enforces (an ID from ``spec/requirements.json``), the
file, the entry inside it (a DDUF entry name, or a tensor name for checkpoints) and the byte
offset where the problem was seen, when those are known. Its class says whose fault it is::

    WeightspecError
    ├── DDUFError                       (names as in huggingface_hub)
    │   ├── DDUFCorruptedFileError      the archive is bad: it breaks a DDUF reader requirement
    │   └── DDUFExportError             an export was refused; nothing was written
    │       └── DDUFInvalidEntryNameError   an entry name breaks a DDUF-NAME requirement
    ├── SafetensorsError                the file is bad: it breaks an ST- reader requirement
    ├── CheckpointError                 a checkpoint's files were refused
    │   └── CorruptedCheckpointError    the file is bad: a weights file, shard, index file or
    │                                   checkpoint directory breaks a SHARD- loader requirement
    ├── InvalidArgumentError            the caller asked for something impossible: a size, filename
    │                                   pattern, state dict, metadata, map_location or safe=True
    │                                   that a SHARD- requirement refuses
    ├── UnsupportedDtypeError           the file is valid, but this loader cannot hold one of its
    │                                   tensors (ST-LOAD-001)
    └── StrictLoadError                 strict=True, and the checkpoint's keys differ from the
                                        model's (SHARD-LOAD-006)

Python's own bases keep callers' ``except`` clauses working: ``SafetensorsError``,
``CheckpointError``, ``InvalidArgumentError`` and ``UnsupportedDtypeError`` derive from
``ValueError``, which huggingface_hub raises in the same situations; ``StrictLoadError`` derives
from ``RuntimeError``, which torch's and huggingface_hub's strict loads raise.

``requirement`` is a required keyword argument, so an error without an ID cannot be raised.
The one exception is ``DDUFExportError`` (and its subclass): an export refused for a reason that
no requirement covers (the destination exists and ``overwrite=False``, an ``OSError``, content
that is neither bytes nor a path) has ``requirement`` None, and ``to_finding`` refuses it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One violation of one requirement, as reported by ``weightspec validate``.

    ``requirement`` is a requirement ID such as ``DDUF-NAME-003``; ``path`` the file;
    ``entry`` the entry (or tensor) name, if any; ``offset`` the absolute byte offset in
    ``path``, if any; ``message`` one sentence saying what is wrong.
    """

    requirement: str
    path: str
    message: str
    entry: str | None = None
    offset: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.entry is not None:
            where += f" [{self.entry}]"
        if self.offset is not None:
            where += f" @{self.offset}"
        return f"{self.requirement} {where}: {self.message}"

    def to_json(self) -> dict:
        return {
            "requirement": self.requirement,
            "path": self.path,
            "entry": self.entry,
            "offset": self.offset,
            "message": self.message,
        }


class WeightspecError(Exception):
    """Base of every error raised by weightspec.

    Attributes: ``requirement`` (an ID; None only for a ``DDUFExportError`` that no requirement
    covers), ``path`` (str or None), ``entry`` (str or None), ``offset`` (int or None),
    ``message`` (str). ``str(error)`` shows all that is known.
    """

    def __init__(
        self,
        message: str,
        *,
        requirement: str,
        path: str | os.PathLike | None = None,
        entry: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.message = message
        self.requirement = requirement
        self.path = None if path is None else os.fspath(path)
        self.entry = entry
        self.offset = offset
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.requirement:
            parts.append(f"[{self.requirement}]")
        if self.path is not None:
            parts.append(f"{self.path}:")
        if self.entry is not None:
            parts.append(f"entry {self.entry!r}:")
        if self.offset is not None:
            parts.append(f"at byte {self.offset}:")
        parts.append(self.message)
        return " ".join(parts)

    def __reduce__(self):
        # Exceptions pickle as ``cls(*args)``, which would drop the keyword-only arguments.
        return _restore, (type(self), self.__dict__)

    @classmethod
    def from_finding(cls, finding: Finding) -> WeightspecError:
        return cls(
            finding.message,
            requirement=finding.requirement,
            path=finding.path,
            entry=finding.entry,
            offset=finding.offset,
        )

    def to_finding(self) -> Finding:
        """The error as a ``Finding``; raises ``ValueError`` for an error that names no requirement."""
        if not self.requirement:
            raise ValueError(f"{type(self).__name__} {self} names no requirement, so it is no finding: a bug")
        return Finding(
            requirement=self.requirement,
            path=self.path or "",
            message=self.message,
            entry=self.entry,
            offset=self.offset,
        )


def _restore(cls: type[WeightspecError], state: dict) -> WeightspecError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = (error._render(),)
    return error


class DDUFError(WeightspecError):
    """Base of the DDUF errors (same name as huggingface_hub.errors.DDUFError)."""


class DDUFCorruptedFileError(DDUFError):
    """The archive breaks a DDUF reader requirement."""


class DDUFExportError(DDUFError):
    """An export was refused. Nothing was written and no existing file was changed.

    ``requirement`` is None when no requirement covers the reason (see the module docstring).
    """

    def __init__(self, message: str, *, requirement: str | None = None, **location: Any) -> None:
        super().__init__(message, requirement=requirement, **location)


class DDUFInvalidEntryNameError(DDUFExportError):
    """An entry name breaks a DDUF-NAME requirement."""


class SafetensorsError(WeightspecError, ValueError):
    """A safetensors file or entry breaks an ST- reader requirement: the file is bad."""


class CheckpointError(WeightspecError, ValueError):
    """Base of the errors that refuse a checkpoint's files; the reference raises its subclasses."""


class CorruptedCheckpointError(CheckpointError):
    """A weights file, shard, index file or checkpoint directory breaks a SHARD- loader requirement.

    SHARD-INDEX-*, SHARD-LOAD-001..005 and 008..010, SHARD-PICKLE-001 and 003: the checkpoint on
    disk must change, not the call.
    """


class InvalidArgumentError(WeightspecError, ValueError):
    """The caller asked for something impossible: an argument breaks a requirement.

    A maximum shard size (SHARD-SIZE-002), a filename pattern (SHARD-NAME-002, 005), a state dict
    or metadata to save (SHARD-SPLIT-007, SHARD-SAVE-001, 002, 005, 007, 010), a ``map_location``
    (SHARD-LOAD-007), or a pickle asked for with ``safe=True`` (SHARD-PICKLE-002): the call must
    change, not the files.
    """


class UnsupportedDtypeError(WeightspecError, ValueError):
    """A valid safetensors file holds a tensor this loader cannot hold as asked (ST-LOAD-001).

    The loader falls short, not the file: a dtype the installed torch lacks (F6_E2M3 and F6_E3M2
    always), or an F4 tensor whose last dimension torch cannot halve.
    """


class StrictLoadError(WeightspecError, RuntimeError):
    """With ``strict=True``, the checkpoint's keys differ from the model's (SHARD-LOAD-006).

    Raised before the model is changed. ``missing_keys`` are the model's keys that the checkpoint
    lacks, ``unexpected_keys`` the checkpoint's keys that the model lacks, both sorted, as in
    torch's ``IncompatibleKeys``. A ``RuntimeError``, as torch's and huggingface_hub's strict
    loads raise, and its message starts as theirs: ``Error(s) in loading state_dict``.
    """

    def __init__(
        self,
        message: str,
        *,
        missing_keys: Iterable[str],
        unexpected_keys: Iterable[str],
        requirement: str,
        path: str | os.PathLike | None = None,
    ) -> None:
        self.missing_keys = sorted(missing_keys)
        self.unexpected_keys = sorted(unexpected_keys)
        super().__init__(message, requirement=requirement, path=path)
