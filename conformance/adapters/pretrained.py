"""``PretrainedAdapter``: a project's ``from_pretrained`` as the ``checkpoint-load-into-model`` capability.

A subclass names the ``model_family`` it builds, the errors its ``from_pretrained`` documents
(mapped to refusal categories), how it warns (``load_reports.Reporting``) and how it calls
``from_pretrained(directory, output_loading_info=True, ...)``. Each call then:

1. refuses exactly the documented errors (``refusing``); anything else is a crash;
2. refuses a non-empty loading info (missing, unexpected or mismatched keys, error messages),
   naming the list (``load_reports.refuse_reported``);
3. refuses a captured warning that reports missing or unexpected keys or skipped files, quoting it;
4. otherwise returns ``model.state_dict()`` as it is: a tensor left on ``meta`` or at its initial
   value is the suite's to judge, as a silent wrong load.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..harness.adapter import CHECKPOINT_LOAD_INTO_MODEL, Adapter, refusing
from .drop_in import ErrorMap
from .load_reports import Reporting, refuse_reported


class PretrainedAdapter(Adapter):
    capabilities = frozenset({CHECKPOINT_LOAD_INTO_MODEL})

    def __init__(self, documented: ErrorMap, reporting: Reporting) -> None:
        self._documented = documented
        self._reporting = reporting

    def checkpoint_load_into_model(
        self, directory: Path, *, family: str, safe: bool = True, weights_only: bool = True
    ) -> dict:
        if family != self.model_family:
            raise ValueError(f"{self.name} builds {self.model_family} models, not {family}")
        with self._reporting.watching() as warned, refusing(self._documented):
            model, info = self._from_pretrained(directory, safe=safe, weights_only=weights_only)
        refuse_reported(info)
        self._reporting.refuse_warned(warned)
        return dict(model.state_dict())

    def _from_pretrained(self, directory: Path, *, safe: bool, weights_only: bool) -> tuple[Any, Mapping]:
        """The project's ``from_pretrained(directory, output_loading_info=True, ...)``: (model, info)."""
        raise NotImplementedError
