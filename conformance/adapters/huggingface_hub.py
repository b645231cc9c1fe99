"""The ``huggingface_hub`` adapter: the installed huggingface_hub, in process.

Capabilities: DDUF read and write (``read_dduf_file``, ``export_entries_as_dduf``), the torch
serialization helpers (split, save, and load with ``load_torch_model``, into a blank model of
the case's tensors or, for ``checkpoint-load-into-model``, of the ``plain`` family's
``config.json``), and the header-only ``checkpoint-inspect`` (``get_local_safetensors_metadata``:
the tensors of every file it parsed). A capability whose function the installed version lacks is
not declared, so an older huggingface_hub gets not-applicable rather than a crash.
huggingface_hub has no validator, so the validate capabilities are not applicable. Each call
maps exactly the errors its function documents (or, for loading, the errors of the functions it
documents it delegates to) to refusal categories; anything else it raises is judged a crash.
huggingface_hub names no requirement IDs.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..harness.adapter import (
    CHECKPOINT_INSPECT,
    CHECKPOINT_LOAD,
    CHECKPOINT_LOAD_INTO_MODEL,
    CHECKPOINT_SAVE,
    CHECKPOINT_SPLIT,
    DDUF_READ,
    DDUF_WRITE,
    DEFAULT_TIMEOUT,
    TensorSpec,
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
from .drop_in import DropInAdapter, Errors

# The capabilities whose function appeared in some huggingface_hub release: declared only when
# the installed one has it.
NEEDED_FUNCTION = {
    CHECKPOINT_LOAD: "load_torch_model",
    CHECKPOINT_LOAD_INTO_MODEL: "load_torch_model",
    CHECKPOINT_INSPECT: "get_local_safetensors_metadata",
}


class HuggingfaceHubAdapter(DropInAdapter):
    name = "huggingface_hub"
    capabilities = frozenset({DDUF_READ, DDUF_WRITE, CHECKPOINT_SPLIT, CHECKPOINT_SAVE, *NEEDED_FUNCTION})

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            self.version = version("huggingface_hub")
            import huggingface_hub
            from huggingface_hub import errors
        except (PackageNotFoundError, ImportError) as error:
            raise ImplementationUnavailable(
                f"huggingface_hub is not installed ({error}): pip install huggingface_hub"
            ) from None
        documented = {FileNotFoundError: FILE_NOT_FOUND, ValueError: CHECKPOINT_ERROR}
        try:
            from safetensors import SafetensorError
        except ImportError:  # without safetensors, hub loads no checkpoint: nothing more to map
            SafetensorError = ValueError
        super().__init__(
            huggingface_hub,
            Errors(
                dduf_read={errors.DDUFCorruptedFileError: CORRUPT_ARCHIVE},
                dduf_write={
                    errors.DDUFInvalidEntryNameError: INVALID_ENTRY_NAME,
                    errors.DDUFExportError: EXPORT_ERROR,
                },
                checkpoint_write=documented,
                # load_torch_model documents FileNotFoundError and ValueError; it reads each file with
                # load_state_dict_from_file, which documents OSError for a file it cannot read, through
                # safetensors (SafetensorError for a broken file), and loads strictly as torch does
                # (RuntimeError for missing or unexpected keys).
                checkpoint_load={
                    **documented,
                    OSError: CHECKPOINT_ERROR,
                    SafetensorError: CHECKPOINT_ERROR,
                    RuntimeError: CHECKPOINT_ERROR,
                },
            ),
        )
        self.capabilities = frozenset(
            capability
            for capability in self.capabilities
            if capability not in NEEDED_FUNCTION or hasattr(huggingface_hub, NEEDED_FUNCTION[capability])
        )

    def checkpoint_inspect(self, path: Path) -> dict[str, TensorSpec]:
        from huggingface_hub.errors import NotASafetensorsRepoError, SafetensorsParsingError

        # What get_local_safetensors_metadata documents (the header parser it calls documents
        # the same SafetensorsParsingError and FileNotFoundError).
        documented = {
            NotASafetensorsRepoError: CHECKPOINT_ERROR,
            SafetensorsParsingError: CHECKPOINT_ERROR,
            FileNotFoundError: FILE_NOT_FOUND,
        }
        with refusing(documented):
            metadata = self._api.get_local_safetensors_metadata(path)
        return {
            name: TensorSpec(tensor.dtype, tuple(tensor.shape))
            for file in metadata.files_metadata.values()
            for name, tensor in file.tensors.items()
        }
