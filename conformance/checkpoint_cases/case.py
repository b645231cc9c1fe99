"""A checkpoint case: a checkpoint written into a directory, the model it is loaded into, and its verdicts.

A ``CheckpointCase`` has:

- ``id``: lower-case words joined by ``-`` (the rule of DDUF case ids), also its export folder;
- ``requirements``: the requirement IDs it covers; ``description``: one sentence;
- ``expected``: what a strict load (``strict=True``, with ``safe`` and ``weights_only``) must
  conclude: ``VALID``, or ``rejected_by_loader(id)``, where ``id`` is a loader requirement of
  ``sharding.md`` or, for a broken shard, the ST- reader requirement it breaks;
- ``validated``: whether a checkpoint validator judges the case, and must then conclude
  ``expected`` too; False for checkpoints of pickle files, since a validator never unpickles;
- ``build(directory)``: writes the checkpoint into the empty, existing ``directory`` and returns
  the path a loader is given (the checkpoint directory, its index file or its weights file);
- ``tensors()``: what the intended model holds: for a valid case exactly what a load must give
  back, for a rejected one the model it is loaded into. Values are non-zero and distinct, so a
  tensor left at a blank model's zeros is caught;
- ``safe``, ``weights_only``: the load options;
- ``file``, ``entry``: what a strict implementation's refusal names: the name of the file (or
  directory) at fault and the tensor concerned, None where it names none;
- ``family``: the model family it is built for (one of ``harness.adapter.FAMILIES``); the
  folder holding the path ``build`` returns has that family's ``config.json``;
- ``into_model``: whether loading that folder into the family's model (capability
  ``checkpoint-load-into-model``) tests what the case means; False for cases about the path a
  loader is given (an index file's or a weights file's), which that folder does not show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from ..cases import Verdict, check_case_metadata
from ..harness.adapter import FAMILIES, PLAIN_FAMILY


@dataclass(frozen=True)
class CheckpointCase:
    id: str
    requirements: tuple[str, ...]
    description: str
    expected: Verdict
    build: Callable[[Path], Path]
    tensors: Callable[[], dict[str, torch.Tensor]]
    safe: bool = True
    weights_only: bool = True
    validated: bool = True
    file: str | None = None
    entry: str | None = None
    family: str = PLAIN_FAMILY
    into_model: bool = True

    def __post_init__(self) -> None:
        check_case_metadata("checkpoint case", self.id, self.requirements, self.expected)
        if self.family not in FAMILIES:
            raise ValueError(f"checkpoint case {self.id!r}: unknown model family {self.family!r}")
        if not self.expected.is_valid and self.expected.scope != "loader":
            raise ValueError(
                f"checkpoint case {self.id!r} is rejected with scope {self.expected.scope!r}, not 'loader'"
            )
        if self.expected.is_valid and (self.file or self.entry):
            raise ValueError(f"checkpoint case {self.id!r} is valid, so no refusal names a file or entry")
