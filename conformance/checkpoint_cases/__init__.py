"""Checkpoint conformance cases as data: sharded and single-file checkpoints, valid and broken.

Each ``CheckpointCase`` (``case``) writes a checkpoint into a directory and says what a strict
load and a validator must conclude; the cases live in one module per part of spec/sharding.md
(``index``: section 5, ``loading``: section 6, ``pickles``: pickle files, ``valid``), each a
recipe built for every model family of ``families`` (a blank module of plain tensors, a small
transformers BertModel, a small diffusers UNet2DModel) from the family's baseline checkpoint of
``baseline``. ``library`` lists them and exports them.
"""

from .case import CheckpointCase
from .library import (
    CHECKPOINT_MANIFEST,
    all_checkpoint_cases,
    checkpoint_case_by_id,
    checkpoint_cases_for,
    export_checkpoint_cases,
)

__all__ = [
    "CHECKPOINT_MANIFEST",
    "CheckpointCase",
    "all_checkpoint_cases",
    "checkpoint_case_by_id",
    "checkpoint_cases_for",
    "export_checkpoint_cases",
]
