"""weightspec.conformance: cases as data, run against any implementation.

A case is a DDUF archive built byte by byte (``zip_builder``, ``safetensors_builder``; neither
imports the reference, so the suite can catch a broken reference) plus the requirement IDs it
covers and the verdict it must get (``cases``). ``export_cases(directory)`` writes every case as
``<id>.dduf`` with a ``manifest.json`` so that implementations in other languages can run them.

Checkpoint cases (``checkpoint_cases``) are checkpoints written into a directory, with the model
they are loaded into and the verdicts of a load and a validator, built for each model family
(``checkpoint_cases_for(family)``); ``export_checkpoint_cases(directory)`` writes them with a
``checkpoint-manifest.json``. They need torch (an optional dependency), so their names are
imported on first use.
"""

from __future__ import annotations

import importlib

from .cases import VALID, Case, Verdict, all_cases, case_by_id, export_cases, load_cases

_CHECKPOINT_NAMES = (
    "CheckpointCase",
    "all_checkpoint_cases",
    "checkpoint_case_by_id",
    "checkpoint_cases_for",
    "export_checkpoint_cases",
)

__all__ = [
    "VALID",
    "Case",
    "Verdict",
    "all_cases",
    "case_by_id",
    "export_cases",
    "load_cases",
    *_CHECKPOINT_NAMES,
]


def __getattr__(name: str):
    if name not in _CHECKPOINT_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.checkpoint_cases"), name)
    globals()[name] = value
    return value
