"""Checkpoint loaders and validators against every case of the checkpoint case library.

- ``checkpoint-load``: each case's checkpoint is loaded strictly into a blank model (all zeros)
  of the case's ``tensors()``, with the case's ``safe`` and ``weights_only``. A valid case must
  load and give back every tensor with the same dtype, shape and bytes; a load that succeeds but
  leaves a tensor at the model's zeros, or with other bytes, is a silent wrong load. A rejected
  case must be refused as checkpoint-error or file-not-found, naming its requirement where the
  implementation names IDs.
- ``checkpoint-validate``: for every case a validator judges (all but pickle checkpoints, since a
  validator never unpickles), a valid checkpoint has no finding and a rejected one is reported,
  naming its requirement where the validator names IDs (for a broken shard, the ST- requirement).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the checkpoint tests need torch: pip install 'weightspec[torch]'")


from weightspec.conformance import CheckpointCase, all_checkpoint_cases
from weightspec.conformance.harness.adapter import CHECKPOINT_LOAD, CHECKPOINT_VALIDATE
from weightspec.conformance.harness.judging import expect_acceptance, expect_refusal
from weightspec.conformance.tensor_bytes import tensors_differ
from weightspec.conformance.torch_models import spec_of

CASES = all_checkpoint_cases()
VALIDATED = [case for case in CASES if case.validated]


@pytest.mark.conformance(CHECKPOINT_LOAD)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_checkpoint_load(case: CheckpointCase, conformance, tmp_path: Path) -> None:
    expected = case.tensors()
    outcome = conformance.call(
        case.build(tmp_path), model=spec_of(expected), safe=case.safe, weights_only=case.weights_only
    )
    if case.expected.is_valid:
        judgement = expect_acceptance(outcome, lambda loaded: tensors_differ(expected, loaded))
    else:
        judgement = expect_refusal(outcome, CHECKPOINT_LOAD, case.expected.requirement, case.description)
    conformance.conclude(judgement)


@pytest.mark.conformance(CHECKPOINT_VALIDATE)
@pytest.mark.parametrize("case", VALIDATED, ids=[case.id for case in VALIDATED])
def test_checkpoint_validate(case: CheckpointCase, conformance, tmp_path: Path) -> None:
    outcome = conformance.call(case.build(tmp_path))
    if case.expected.is_valid:
        judgement = expect_acceptance(outcome)
    else:
        judgement = expect_refusal(outcome, CHECKPOINT_VALIDATE, case.expected.requirement, case.description)
    conformance.conclude(judgement)
