"""The ``accelerate`` and ``accelerate.strict`` adapters: accelerate's ``load_checkpoint_in_model``.

Capability ``checkpoint-load``: the checkpoint is loaded into a blank model of the case's tensors
(``torch_models.blank_model``) with ``load_checkpoint_in_model(model, path, strict=...)``, which
takes a weights file, an index file or a checkpoint directory; ``accelerate`` passes accelerate's
default ``strict=False``, ``accelerate.strict`` passes ``strict=True``. It returns the model's
state dict afterwards, as it is (a tensor left at the blank model's zeros is the suite's to judge).
The path is passed as a ``str``: accelerate documents ``os.PathLike`` too, but accelerate 1.15
fails on a ``Path`` to a weights file (``load_state_dict`` calls ``checkpoint_file.endswith``).

accelerate has no ``safe`` or ``weights_only`` option, so neither is passed on: in a directory it
prefers ``pytorch_model.bin`` to ``model.safetensors``, and it reads every file that does not end
in ``.safetensors`` with ``torch.load(weights_only=True)``.

Refusals: the errors that ``load_checkpoint_in_model`` raises itself (ValueError for a path that is
no checkpoint, several index files or a non-``pt`` safetensors format; OSError for safetensors
metadata it rejects) or lets through from what it calls (FileNotFoundError for a missing file;
safetensors' SafetensorError; torch's RuntimeError for a size mismatch, or with ``strict=True`` for
unexpected keys; pickle.UnpicklingError from the weights-only unpickler) are refusals, as
file-not-found for FileNotFoundError and checkpoint-error for the rest. Anything else is a crash.
Its WARNING that checkpoint weights "were not used" (the unexpected keys of a lenient load) is a
refusal too, quoting the warning (``load_reports``); its other warnings are ignored. A tensor
that the model has and the checkpoint lacks is not reported by a lenient load; with
``strict=True`` torch's ``set_model_state_dict`` raises a ValueError from ``torch.distributed``
("Default process group has not been initialized") outside a process group: an error about
the process, not the checkpoint, so it is a crash, not a refusal.
"""

from __future__ import annotations

import os
import pickle
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..harness.adapter import CHECKPOINT_LOAD, DEFAULT_TIMEOUT, Adapter, ModelSpec, refusing
from ..harness.errors import ImplementationUnavailable
from ..harness.outcomes import CHECKPOINT_ERROR, FILE_NOT_FOUND, Refused
from .load_reports import Reporting

REPORTING = Reporting(loggers=("accelerate",), patterns=(r"were not used when initializing",))


class AccelerateAdapter(Adapter):
    capabilities = frozenset({CHECKPOINT_LOAD})

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, *, strict: bool = False) -> None:
        try:
            self.version = version("accelerate")
            from accelerate import load_checkpoint_in_model
            from safetensors import SafetensorError
        except (PackageNotFoundError, ImportError) as error:
            raise ImplementationUnavailable(
                f"accelerate is not installed ({error}): pip install accelerate"
            ) from None
        self.name = "accelerate.strict" if strict else "accelerate"
        self._strict = strict
        self._load_checkpoint_in_model = load_checkpoint_in_model
        self._documented = {
            FileNotFoundError: FILE_NOT_FOUND,
            OSError: CHECKPOINT_ERROR,
            ValueError: CHECKPOINT_ERROR,
            SafetensorError: CHECKPOINT_ERROR,
            RuntimeError: CHECKPOINT_ERROR,
            pickle.UnpicklingError: CHECKPOINT_ERROR,
        }

    def checkpoint_load(
        self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True
    ) -> dict:
        from ..torch_models import blank_model, loaded_tensors

        module = blank_model(model)
        try:
            with REPORTING.watching() as warned, refusing(self._documented):
                self._load_checkpoint_in_model(module, os.fspath(path), strict=self._strict)
        except Refused as refusal:
            if _raised_in_torch_distributed(refusal.__cause__):
                raise refusal.__cause__ from None
            raise
        REPORTING.refuse_warned(warned)
        return loaded_tensors(module)


def _raised_in_torch_distributed(error: BaseException | None) -> bool:
    """Whether ``error`` was raised inside ``torch.distributed`` (its innermost frame is there)."""
    frame = error.__traceback__ if error is not None else None
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and f"torch{os.sep}distributed{os.sep}" in frame.tb_frame.f_code.co_filename


def accelerate_strict(timeout: float = DEFAULT_TIMEOUT) -> AccelerateAdapter:
    """The ``accelerate.strict`` adapter: ``load_checkpoint_in_model(..., strict=True)``."""
    return AccelerateAdapter(timeout, strict=True)
