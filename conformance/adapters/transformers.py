"""The ``transformers`` adapter: transformers' ``AutoModel.from_pretrained``, in process.

Capability ``checkpoint-load-into-model``, model family ``transformers-bert``: the checkpoint
directory, which holds a BertModel's ``config.json``, is loaded with
``AutoModel.from_pretrained(directory, output_loading_info=True, local_files_only=True,
use_safetensors=..., weights_only=..., dtype="float32")``. ``use_safetensors`` is True for a safe
case (safetensors files only) and transformers' default None otherwise (safetensors first, then
pickles); ``dtype="float32"`` builds the model in the families' F32, so that transformers' dtype
inference (``dtype="auto"``, its default) converts nothing. Reading pickles, transformers loads
every ``.bin`` shard with the weights-only unpickler whatever ``weights_only`` says.

Refusals, as ``PretrainedAdapter`` applies them: the errors ``from_pretrained`` raises itself
(OSError for a directory without weights files, ValueError for a config or index it cannot use,
RuntimeError for error messages, mismatched sizes or conversion errors of its load report) and the
ones it lets through from what it calls (FileNotFoundError for a missing shard; safetensors'
SafetensorError; pickle.UnpicklingError from the weights-only unpickler) are refusals, as
file-not-found for FileNotFoundError and checkpoint-error for the rest; anything else is a crash.
A non-empty loading info refuses, naming its list, and so does the WARNING of its ``LOAD REPORT``
(missing, unexpected, mismatched or skipped keys), quoting it; other warnings are ignored.
Its logging and progress bars are silenced during the call (``transformers.utils.logging``).
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..harness.adapter import BERT_FAMILY, DEFAULT_TIMEOUT
from ..harness.errors import ImplementationUnavailable
from ..harness.outcomes import CHECKPOINT_ERROR, FILE_NOT_FOUND
from .load_reports import Reporting
from .pretrained import PretrainedAdapter


class TransformersAdapter(PretrainedAdapter):
    name = "transformers"
    model_family = BERT_FAMILY

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            self.version = version("transformers")
            from safetensors import SafetensorError
            from transformers import AutoModel
            from transformers.utils import logging as transformers_logging
        except (PackageNotFoundError, ImportError) as error:
            raise ImplementationUnavailable(
                f"transformers is not installed ({error}): pip install transformers"
            ) from None
        self._auto_model = AutoModel
        super().__init__(
            {
                FileNotFoundError: FILE_NOT_FOUND,
                OSError: CHECKPOINT_ERROR,
                ValueError: CHECKPOINT_ERROR,
                RuntimeError: CHECKPOINT_ERROR,
                SafetensorError: CHECKPOINT_ERROR,
                pickle.UnpicklingError: CHECKPOINT_ERROR,
            },
            Reporting(loggers=("transformers",), patterns=(r"LOAD REPORT",), progress=transformers_logging),
        )

    def _from_pretrained(self, directory: Path, *, safe: bool, weights_only: bool) -> tuple[Any, Mapping]:
        return self._auto_model.from_pretrained(
            directory,
            output_loading_info=True,
            local_files_only=True,
            use_safetensors=True if safe else None,
            weights_only=weights_only,
            dtype="float32",
        )
