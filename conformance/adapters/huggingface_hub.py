"""The ``huggingface_hub`` adapter: the installed huggingface_hub, in process.

Capabilities: DDUF read and write (``read_dduf_file``, ``export_entries_as_dduf``) and the
torch serialization helpers (split, save, load). huggingface_hub has no validator, so the
validate capabilities are not applicable. Each call maps exactly the errors its function
documents (or, for loading, the errors of the functions it documents it delegates to) to
refusal categories; anything else it raises is judged a crash. huggingface_hub names no
requirement IDs.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ..harness.adapter import (
    CHECKPOINT_LOAD,
    CHECKPOINT_SAVE,
    CHECKPOINT_SPLIT,
    DDUF_READ,
    DDUF_WRITE,
    DEFAULT_TIMEOUT,
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


class HuggingfaceHubAdapter(DropInAdapter):
    name = "huggingface_hub"
    capabilities = frozenset({DDUF_READ, DDUF_WRITE, CHECKPOINT_SPLIT, CHECKPOINT_SAVE, CHECKPOINT_LOAD})

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
