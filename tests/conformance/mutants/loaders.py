"""Mutants of ``checkpoint-load`` and ``checkpoint-load-into-model``: loaders that unpickle
unprotected, keep a blank model's values or leave a weight on ``meta``."""

from __future__ import annotations

from pathlib import Path

from weightspec.conformance.harness.adapter import ModelSpec
from weightspec.conformance.harness.outcomes import Refused

from ._base import Mutant


class UnpicklesWithoutProtection(Mutant):
    """Unpickles with ``weights_only=False`` whatever the caller asks: any object a pickle holds
    is built (and its code run)."""

    name = "unpickles-without-protection"
    breaks = "SHARD-PICKLE-001"
    caught_by = "checkpoint-load and pickle-refused-by-the-weights-only-unpickler"

    def checkpoint_load(self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True):
        return super().checkpoint_load(path, model=model, safe=safe, weights_only=False)


class KeepsInitialValues(Mutant):
    """A careless loader: where the reference refuses a checkpoint, returns the blank model it was
    to load into, as a non-strict loader that skips what it cannot find does."""

    name = "keeps-initial-values"
    breaks = "SHARD-LOAD-002"
    caught_by = "checkpoint-load and model-tensor-missing-from-its-shard"

    def checkpoint_load(self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True):
        from weightspec.conformance.torch_models import blank_model, loaded_tensors

        try:
            return super().checkpoint_load(path, model=model, safe=safe, weights_only=weights_only)
        except Refused:
            return loaded_tensors(blank_model(model))


class LeavesAWeightOnMeta(Mutant):
    """Loads into a model as the reference does, then hands back its last tensor on ``meta``, as a
    loader that creates the model on ``meta`` and forgets to fill one weight."""

    name = "leaves-a-weight-on-meta"
    breaks = "SHARD-LOAD-002"
    caught_by = "checkpoint-load-into-model and valid-sharded-checkpoint"

    def checkpoint_load_into_model(self, directory: Path, **options) -> dict:
        loaded = super().checkpoint_load_into_model(directory, **options)
        name = list(loaded)[-1]
        return {**loaded, name: loaded[name].to("meta")}
