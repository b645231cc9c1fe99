"""The ``diffusers`` adapter: diffusers' ``UNet2DModel.from_pretrained``, in process.

Capability ``checkpoint-load-into-model``, model family ``diffusers-unet``: the checkpoint
directory, which holds a UNet2DModel's ``config.json``, is loaded with
``UNet2DModel.from_pretrained(directory, output_loading_info=True, local_files_only=True,
use_safetensors=...)``. ``use_safetensors`` is True for a safe case (which in diffusers also
forbids pickles) and diffusers' default None otherwise (safetensors first, then pickles).
``low_cpu_mem_usage`` keeps diffusers' default (True where accelerate is installed): the model is
built on ``meta`` and a tensor that no shard holds may stay there. diffusers has no
``weights_only`` option: it unpickles with the weights-only unpickler always.

Refusals, as ``PretrainedAdapter`` applies them: the errors ``from_pretrained`` raises itself
(OSError for a missing config or weights file and for a weights file it cannot read, which it
wraps whatever safetensors or torch raised; ValueError for an index or config it cannot use;
RuntimeError for the error messages of its load) and FileNotFoundError for a shard the index
names that does not exist are refusals, as file-not-found for FileNotFoundError and
checkpoint-error for the rest; anything else is a crash. A non-empty loading info refuses, naming
its list, and so do its WARNINGs that checkpoint weights "were not used" or model weights "were
not initialized from the model checkpoint", quoting them; other warnings are ignored. Its logging
and progress bars are silenced during the call (``diffusers.utils.logging``).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..harness.adapter import DEFAULT_TIMEOUT, UNET_FAMILY
from ..harness.errors import ImplementationUnavailable
from ..harness.outcomes import CHECKPOINT_ERROR, FILE_NOT_FOUND
from .load_reports import Reporting
from .pretrained import PretrainedAdapter


class DiffusersAdapter(PretrainedAdapter):
    name = "diffusers"
    model_family = UNET_FAMILY

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            self.version = version("diffusers")
            from diffusers import UNet2DModel
            from diffusers.utils import logging as diffusers_logging
        except (PackageNotFoundError, ImportError) as error:
            raise ImplementationUnavailable(
                f"diffusers is not installed ({error}): pip install diffusers"
            ) from None
        self._unet = UNet2DModel
        super().__init__(
            {
                FileNotFoundError: FILE_NOT_FOUND,
                OSError: CHECKPOINT_ERROR,
                ValueError: CHECKPOINT_ERROR,
                RuntimeError: CHECKPOINT_ERROR,
            },
            Reporting(
                loggers=("diffusers",),
                patterns=(
                    r"were not used when initializing",
                    r"were not initialized from the model checkpoint",
                ),
                progress=diffusers_logging,
            ),
        )

    def _from_pretrained(self, directory: Path, *, safe: bool, weights_only: bool) -> tuple[Any, Mapping]:
        return self._unet.from_pretrained(
            directory, output_loading_info=True, local_files_only=True, use_safetensors=True if safe else None
        )
