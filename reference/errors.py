"""The one error hierarchy of weightspec, and the `Finding` that every check produces.

Every error names the requirement it enforces (an ID from ``spec/requirements.json``), the
file, the entry inside it (a DDUF entry name, or a tensor name for checkpoints) and the byte
offset where the problem was seen, when those are known::

    WeightspecError
    ├── DDUFError                       (names as in huggingface_hub)
    │   ├── DDUFCorruptedFileError      a DDUF archive breaks a reader requirement
    │   └── DDUFExportError             an export was refused; nothing was written
    │       └── DDUFInvalidEntryNameError
    ├── SafetensorsError                a safetensors file or entry breaks an ST- requirement
    └── CheckpointError                 a sharded checkpoint, index file or save/load breaks a SHARD- requirement

``SafetensorsError`` and ``CheckpointError`` also derive from ``ValueError`` because
huggingface_hub raises ``ValueError`` in the same situations, so callers' ``except ValueError``
keeps working.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


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

    Attributes: ``requirement`` (ID or None), ``path`` (str or None), ``entry`` (str or None),
    ``offset`` (int or None), ``message`` (str). ``str(error)`` shows all that is known.
    """

    def __init__(
        self,
        message: str,
        *,
        requirement: str | None = None,
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
        return Finding(
            requirement=self.requirement or "UNSPECIFIED",
            path=self.path or "",
            message=self.message,
            entry=self.entry,
            offset=self.offset,
        )


class DDUFError(WeightspecError):
    """Base of the DDUF errors (same name as huggingface_hub.errors.DDUFError)."""


class DDUFCorruptedFileError(DDUFError):
    """The archive breaks a DDUF reader requirement."""


class DDUFExportError(DDUFError):
    """An export was refused. Nothing was written and no existing file was changed."""


class DDUFInvalidEntryNameError(DDUFExportError):
    """An entry name breaks a DDUF-NAME requirement."""


class SafetensorsError(WeightspecError, ValueError):
    """A safetensors file or entry breaks an ST- requirement."""


class CheckpointError(WeightspecError, ValueError):
    """A sharded checkpoint, index file, size string or save/load request breaks a SHARD- requirement."""
