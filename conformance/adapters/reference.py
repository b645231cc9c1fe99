"""The ``reference`` adapter: ``weightspec.reference`` in process, every capability.

Each call catches only the errors the reference documents for it; they carry the requirement ID
they enforce, which the suite checks against the case.

``checkpoint-inspect`` is what a careful header-only caller of the reference does: it runs
``validate_checkpoint(path, deep=False)`` (the index, every shard's header against its file's
size, the index against the headers; no tensor data) and refuses the checkpoint when there is a
finding, naming every finding's requirement; else it reads the header of every weights file that
validation judged (``read_safetensors_header``) and reports their tensors.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from ..harness.adapter import CAPABILITIES, DEFAULT_TIMEOUT, Finding, TensorSpec, refusing
from ..harness.outcomes import (
    CHECKPOINT_ERROR,
    CORRUPT_ARCHIVE,
    EXPORT_ERROR,
    FILE_NOT_FOUND,
    INVALID_ENTRY_NAME,
    Refused,
)
from .drop_in import DropInAdapter, Errors


class ReferenceAdapter(DropInAdapter):
    name = "reference"
    capabilities = frozenset(CAPABILITIES)

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        from weightspec import reference  # imported here: building the suite's cases never needs it

        self.version = version("weightspec")
        # Every error a checkpoint call documents: a bad file, an argument the spec refuses, a
        # tensor torch cannot hold, and a strict load's key mismatch (a RuntimeError, as in torch).
        checkpoint_errors = {
            reference.CheckpointError: CHECKPOINT_ERROR,
            reference.SafetensorsError: CHECKPOINT_ERROR,
            reference.InvalidArgumentError: CHECKPOINT_ERROR,
            reference.UnsupportedDtypeError: CHECKPOINT_ERROR,
            reference.StrictLoadError: CHECKPOINT_ERROR,
            FileNotFoundError: FILE_NOT_FOUND,
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

    def checkpoint_inspect(self, path: Path) -> dict[str, TensorSpec]:
        with refusing(self._errors.checkpoint_load):
            findings = self._api.validate_checkpoint(path, deep=False)
            if findings:
                raise Refused(
                    CHECKPOINT_ERROR,
                    "; ".join(str(finding) for finding in findings[:5]),
                    requirements=tuple(dict.fromkeys(finding.requirement for finding in findings)),
                )
            return {
                name: TensorSpec(tensor.dtype, tensor.shape)
                for file in _validated_weights_files(Path(path))
                for name, tensor in self._api.read_safetensors_header(file).tensors.items()
            }


def _validated_weights_files(path: Path) -> list[Path]:
    """The weights files ``validate_checkpoint`` judges at ``path``, as its docstring lists them: the
    file itself; an index's shards; in a directory, the shards of every ``*.safetensors.index.json``,
    else ``model.safetensors``, else the only ``.safetensors`` file. Only for a path without findings."""
    if path.is_dir():
        indexes = sorted(path.glob("*.safetensors.index.json"))
        if not indexes:
            single = path / "model.safetensors"
            return [single] if single.is_file() else [p for p in path.glob("*.safetensors") if p.is_file()]
        return [shard for index in indexes for shard in _validated_weights_files(index)]
    if path.name.endswith(".index.json"):
        weight_map = json.loads(path.read_bytes())["weight_map"]
        return [path.parent / shard for shard in sorted(set(weight_map.values()))]
    return [path]
