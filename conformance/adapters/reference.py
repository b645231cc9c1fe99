"""The ``reference`` adapter: ``weightspec.reference`` in process, every capability.

Each call catches only the errors the reference documents for it; they carry the requirement ID
they enforce, which the suite checks against the case.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from ..harness.adapter import CAPABILITIES, DEFAULT_TIMEOUT, Finding, refusing
from ..harness.outcomes import (
    CHECKPOINT_ERROR,
    CORRUPT_ARCHIVE,
    EXPORT_ERROR,
    FILE_NOT_FOUND,
    INVALID_ENTRY_NAME,
)
from .drop_in import DropInAdapter, Errors


class ReferenceAdapter(DropInAdapter):
    name = "reference"
    capabilities = frozenset(CAPABILITIES)

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        from weightspec import reference  # imported here: building the suite's cases never needs it

        self.version = version("weightspec")
        checkpoint_errors = {
            reference.CheckpointError: CHECKPOINT_ERROR,
            reference.SafetensorsError: CHECKPOINT_ERROR,
            FileNotFoundError: FILE_NOT_FOUND,
            # A strict load's key mismatch is a RuntimeError, as in torch (SHARD-LOAD-006).
            RuntimeError: CHECKPOINT_ERROR,
        }
        errors = Errors(
            dduf_read={reference.DDUFCorruptedFileError: CORRUPT_ARCHIVE},
            dduf_write={
                reference.DDUFInvalidEntryNameError: INVALID_ENTRY_NAME,
                reference.DDUFExportError: EXPORT_ERROR,
            },
            checkpoint_write=checkpoint_errors,
            checkpoint_load=checkpoint_errors,
        )
        super().__init__(reference, errors)

    def dduf_validate_deep(self, path: Path) -> list[Finding]:
        return [Finding(f.requirement, f.message) for f in self._api.validate_dduf(path, deep=True)]

    def checkpoint_validate(self, path: Path) -> list[Finding]:
        with refusing(self._errors.checkpoint_load):
            findings = self._api.validate_checkpoint(path, deep=True)
        return [Finding(f.requirement, f.message) for f in findings]
