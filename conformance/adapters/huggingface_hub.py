"""The ``huggingface_hub`` adapter: the installed huggingface_hub, in process.

Capabilities: DDUF read and write (``read_dduf_file``, ``export_entries_as_dduf``) and the
torch serialization helpers (split, save, load). huggingface_hub has no validator, so the
validate capabilities are not applicable. Each call maps exactly the errors its function
documents (or, for loading, the errors of the libraries it documents it delegates to) to refusal
categories; anything else it raises is judged a crash. huggingface_hub names no requirement IDs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..harness.adapter import (
    CHECKPOINT_LOAD,
    CHECKPOINT_SAVE,
    CHECKPOINT_SPLIT,
    DDUF_READ,
    DDUF_WRITE,
    DEFAULT_TIMEOUT,
    Adapter,
    EntryInfo,
    ModelSpec,
    SplitResult,
    refusing,
)
from ..harness.errors import ImplementationUnavailable
from ..harness.outcomes import (
    CHECKPOINT_ERROR,
    CORRUPT_ARCHIVE,
    EXPORT_ERROR,
    FILE_NOT_FOUND,
    INVALID_ENTRY_NAME,
)


class HuggingfaceHubAdapter(Adapter):
    name = "huggingface_hub"
    capabilities = frozenset({DDUF_READ, DDUF_WRITE, CHECKPOINT_SPLIT, CHECKPOINT_SAVE, CHECKPOINT_LOAD})

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            self.version = version("huggingface_hub")
            import huggingface_hub
            from huggingface_hub import errors, serialization
        except (PackageNotFoundError, ImportError) as error:
            raise ImplementationUnavailable(
                f"huggingface_hub is not installed ({error}): pip install huggingface_hub"
            ) from None
        self._hub = huggingface_hub
        self._serialization = serialization
        self._dduf_read_errors = {errors.DDUFCorruptedFileError: CORRUPT_ARCHIVE}
        self._dduf_write_errors = {
            errors.DDUFInvalidEntryNameError: INVALID_ENTRY_NAME,
            errors.DDUFExportError: EXPORT_ERROR,
        }
        self._checkpoint_errors = {FileNotFoundError: FILE_NOT_FOUND, ValueError: CHECKPOINT_ERROR}

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        with refusing(self._dduf_read_errors):
            entries = self._hub.read_dduf_file(path)
        return [EntryInfo(name, entry.offset, entry.length) for name, entry in entries.items()]

    def dduf_write(self, entries: Sequence[tuple[str, bytes | Path]], path: Path) -> None:
        with refusing(self._dduf_write_errors):
            self._hub.export_entries_as_dduf(path, entries)

    def checkpoint_split(
        self, state_dict: dict, *, max_shard_size: int | str, filename_pattern: str
    ) -> SplitResult:
        with refusing(self._checkpoint_errors):
            split = self._serialization.split_torch_state_dict_into_shards(
                state_dict, filename_pattern=filename_pattern, max_shard_size=max_shard_size
            )
        return SplitResult(
            split.filename_to_tensors, split.tensor_to_filename, split.metadata, split.is_sharded
        )

    def checkpoint_save(self, state_dict: dict, directory: Path, *, max_shard_size: int | str) -> None:
        with refusing(self._checkpoint_errors):
            self._serialization.save_torch_state_dict(state_dict, directory, max_shard_size=max_shard_size)

    def checkpoint_load(
        self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True
    ) -> dict:
        from safetensors import SafetensorError

        from ..torch_models import blank_model, loaded_tensors

        module = blank_model(model)
        # load_torch_model documents FileNotFoundError and ValueError; it reads each file with
        # load_state_dict_from_file, which documents OSError for a file it cannot read, through
        # safetensors (SafetensorError for a broken file), and loads strictly as torch does
        # (RuntimeError for missing or unexpected keys).
        documented = {
            **self._checkpoint_errors,
            OSError: CHECKPOINT_ERROR,
            SafetensorError: CHECKPOINT_ERROR,
            RuntimeError: CHECKPOINT_ERROR,
        }
        with refusing(documented):
            self._serialization.load_torch_model(
                module, path, strict=True, safe=safe, weights_only=weights_only
            )
        return loaded_tensors(module)
