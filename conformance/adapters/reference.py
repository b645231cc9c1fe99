"""The ``reference`` adapter: ``weightspec.reference`` in process, every capability.

Each call catches only the errors the reference documents for it; they carry the requirement ID
they enforce, which the suite checks against the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from ..harness.adapter import (
    CAPABILITIES,
    DEFAULT_TIMEOUT,
    Adapter,
    EntryInfo,
    Finding,
    ModelSpec,
    SplitResult,
    refusing,
)
from ..harness.outcomes import (
    CHECKPOINT_ERROR,
    CORRUPT_ARCHIVE,
    EXPORT_ERROR,
    FILE_NOT_FOUND,
    INVALID_ENTRY_NAME,
)


class ReferenceAdapter(Adapter):
    name = "reference"
    capabilities = frozenset(CAPABILITIES)

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        from weightspec import reference  # imported here: building the suite's cases never needs it

        self.version = version("weightspec")
        self._reference = reference
        self._checkpoint_errors = {
            reference.CheckpointError: CHECKPOINT_ERROR,
            reference.SafetensorsError: CHECKPOINT_ERROR,
            FileNotFoundError: FILE_NOT_FOUND,
            # A strict load's key mismatch is a RuntimeError, as in torch (SHARD-LOAD-006).
            RuntimeError: CHECKPOINT_ERROR,
        }

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        with refusing({self._reference.DDUFCorruptedFileError: CORRUPT_ARCHIVE}):
            entries = self._reference.read_dduf_file(path)
        return [EntryInfo(name, entry.offset, entry.length) for name, entry in entries.items()]

    def dduf_write(self, entries: Sequence[tuple[str, bytes | Path]], path: Path) -> None:
        reference = self._reference
        with refusing(
            {reference.DDUFInvalidEntryNameError: INVALID_ENTRY_NAME, reference.DDUFExportError: EXPORT_ERROR}
        ):
            reference.export_entries_as_dduf(path, entries)

    def dduf_validate_deep(self, path: Path) -> list[Finding]:
        return [Finding(f.requirement, f.message) for f in self._reference.validate_dduf(path, deep=True)]

    def checkpoint_split(
        self, state_dict: dict, *, max_shard_size: int | str, filename_pattern: str
    ) -> SplitResult:
        with refusing(self._checkpoint_errors):
            split = self._reference.split_torch_state_dict_into_shards(
                state_dict, filename_pattern=filename_pattern, max_shard_size=max_shard_size
            )
        return SplitResult(
            split.filename_to_tensors, split.tensor_to_filename, split.metadata, split.is_sharded
        )

    def checkpoint_save(self, state_dict: dict, directory: Path, *, max_shard_size: int | str) -> None:
        with refusing(self._checkpoint_errors):
            self._reference.save_torch_state_dict(state_dict, directory, max_shard_size=max_shard_size)

    def checkpoint_load(
        self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True
    ) -> dict:
        from ..torch_models import blank_model, loaded_tensors

        module = blank_model(model)
        with refusing(self._checkpoint_errors):
            self._reference.load_torch_model(module, path, strict=True, safe=safe, weights_only=weights_only)
        return loaded_tensors(module)

    def checkpoint_validate(self, path: Path) -> list[Finding]:
        with refusing(self._checkpoint_errors):
            findings = self._reference.validate_checkpoint(path, deep=True)
        return [Finding(f.requirement, f.message) for f in findings]
