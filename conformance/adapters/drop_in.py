"""``DropInAdapter``: any in-process implementation of huggingface_hub's serialization API.

The reference keeps huggingface_hub's names (``read_dduf_file``, ``export_entries_as_dduf``,
``split_torch_state_dict_into_shards``, ``save_torch_state_dict``, ``load_torch_model``), so one
adapter drives both, given the module that holds those functions and, per call, the errors
that the function documents (``Errors``). Loading builds a blank model and loads strictly into
it with ``load_torch_model``, as a careful caller would: ``checkpoint-load`` a model of the
case's tensors (``torch_models.blank_model``), ``checkpoint-load-into-model`` (family ``plain``
only) the model that the checkpoint folder's ``config.json`` describes
(``torch_models.blank_model_from_config``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..harness.adapter import PLAIN_FAMILY, Adapter, EntryInfo, ModelSpec, SplitResult, refusing

if TYPE_CHECKING:
    import torch

ErrorMap = Mapping[type[BaseException], str]


@dataclass(frozen=True)
class Errors:
    """The documented errors of each group of calls, mapped to refusal categories."""

    dduf_read: ErrorMap
    dduf_write: ErrorMap
    checkpoint_write: ErrorMap  # split and save
    checkpoint_load: ErrorMap


class DropInAdapter(Adapter):
    def __init__(self, api: ModuleType, errors: Errors) -> None:
        self._api = api
        self._errors = errors

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        with refusing(self._errors.dduf_read):
            entries = self._api.read_dduf_file(path)
        return [EntryInfo(name, entry.offset, entry.length) for name, entry in entries.items()]

    def dduf_write(self, entries: Sequence[tuple[str, bytes | Path]], path: Path) -> None:
        with refusing(self._errors.dduf_write):
            self._api.export_entries_as_dduf(path, entries)

    def checkpoint_split(
        self, state_dict: dict, *, max_shard_size: int | str, filename_pattern: str
    ) -> SplitResult:
        with refusing(self._errors.checkpoint_write):
            split = self._api.split_torch_state_dict_into_shards(
                state_dict, filename_pattern=filename_pattern, max_shard_size=max_shard_size
            )
        return SplitResult(
            split.filename_to_tensors, split.tensor_to_filename, split.metadata, split.is_sharded
        )

    def checkpoint_save(self, state_dict: dict, directory: Path, *, max_shard_size: int | str) -> None:
        with refusing(self._errors.checkpoint_write):
            self._api.save_torch_state_dict(state_dict, directory, max_shard_size=max_shard_size)

    def checkpoint_load(
        self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True
    ) -> dict:
        from ..torch_models import blank_model

        return self._load_strictly(blank_model(model), path, safe=safe, weights_only=weights_only)

    def checkpoint_load_into_model(
        self, directory: Path, *, family: str, safe: bool = True, weights_only: bool = True
    ) -> dict:
        """Only the ``plain`` family (the model family of every drop-in adapter); the suite's
        ``config.json`` is read outside the refusal mapping, so a broken one is never a refusal."""
        from ..torch_models import blank_model_from_config

        if family != PLAIN_FAMILY:
            raise ValueError(f"{self.name} builds {PLAIN_FAMILY!r} models only, not {family!r}")
        document = json.loads((Path(directory) / "config.json").read_text(encoding="utf-8"))
        return self._load_strictly(
            blank_model_from_config(document), directory, safe=safe, weights_only=weights_only
        )

    def _load_strictly(self, module: torch.nn.Module, path: Path, *, safe: bool, weights_only: bool) -> dict:
        """``load_torch_model(module, path, strict=True)`` under the documented load errors; what
        ``module`` holds afterwards."""
        from ..torch_models import loaded_tensors

        with refusing(self._errors.checkpoint_load):
            self._api.load_torch_model(module, path, strict=True, safe=safe, weights_only=weights_only)
        return loaded_tensors(module)
