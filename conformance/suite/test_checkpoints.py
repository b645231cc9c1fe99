"""Checkpoint loaders and validators against every case of the checkpoint case library.

- ``checkpoint-load``: each case's checkpoint is loaded strictly into a blank model (all zeros)
  of the case's ``tensors()``, with the case's ``safe`` and ``weights_only``. A valid case must
  load and give back every tensor with the same dtype, shape and bytes; a load that succeeds but
  leaves a tensor at the model's zeros, or with other bytes, is a silent wrong load. A rejected
  case must be refused as checkpoint-error or file-not-found, naming its requirement where the
  implementation names IDs.
- ``checkpoint-load-into-model``: each case, built for the model family the implementation
  declares (a blank module, a small transformers BertModel, a small diffusers UNet2DModel; the
  checkpoint folder holds the family's ``config.json``), is loaded the project's own way; judged
  as ``checkpoint-load``. A case not defined for that family is not applicable.
- ``checkpoint-inspect``: for every case a validator judges, a header-only inspection of a valid
  checkpoint reports exactly the tensors its files store (names, dtypes, shapes) and a rejected
  one is refused.
- For every loading capability, a rejected case that is loaded anyway is also checked for a
  silent wrong load, which the failure's reason then names.
- ``checkpoint-validate``: for every case a validator judges (all but pickle checkpoints, since a
  validator never unpickles), a valid checkpoint has no finding and a rejected one is reported,
  naming its requirement where the validator names IDs (for a broken shard, the ST- requirement).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the checkpoint tests need torch: pip install 'weightspec[torch]'")


from weightspec.conformance import (
    CheckpointCase,
    all_checkpoint_cases,
    checkpoint_case_by_id,
    checkpoint_cases_for,
)
from weightspec.conformance.harness.adapter import (
    CHECKPOINT_INSPECT,
    CHECKPOINT_LOAD,
    CHECKPOINT_LOAD_INTO_MODEL,
    CHECKPOINT_VALIDATE,
    FAMILIES,
)
from weightspec.conformance.harness.judging import Judgement, expect_acceptance, expect_refusal
from weightspec.conformance.harness.outcomes import Outcome
from weightspec.conformance.stored_tensors import stored_tensor_specs
from weightspec.conformance.tensor_bytes import tensors_differ
from weightspec.conformance.torch_models import spec_of

CASES = all_checkpoint_cases()
VALIDATED = [case for case in CASES if case.validated]


def _cases_into_model() -> list[CheckpointCase]:
    """Every case that some family loads into a model, once (as the first family that defines it
    builds it: the id, requirements and verdict are the same in every family)."""
    cases: dict[str, CheckpointCase] = {}
    for family in FAMILIES:
        for case in checkpoint_cases_for(family):
            if case.into_model:
                cases.setdefault(case.id, case)
    return list(cases.values())


INTO_MODEL = _cases_into_model()


def _judge_load(outcome: Outcome, case: CheckpointCase, capability: str) -> Judgement:
    """A load's outcome against the case: the exact tensors for a valid case, a refusal otherwise."""
    expected = case.tensors()

    def silently_wrong(loaded: object) -> str | None:
        return tensors_differ(expected, loaded)

    if case.expected.is_valid:
        return expect_acceptance(outcome, silently_wrong)
    return expect_refusal(
        outcome, capability, case.expected.requirement, case.description, check_accepted=silently_wrong
    )


@pytest.mark.conformance(CHECKPOINT_LOAD)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_checkpoint_load(case: CheckpointCase, conformance, tmp_path: Path) -> None:
    outcome = conformance.call(
        case.build(tmp_path), model=spec_of(case.tensors()), safe=case.safe, weights_only=case.weights_only
    )
    conformance.conclude(_judge_load(outcome, case, CHECKPOINT_LOAD))


@pytest.mark.conformance(CHECKPOINT_LOAD_INTO_MODEL)
@pytest.mark.parametrize("case", INTO_MODEL, ids=[case.id for case in INTO_MODEL])
def test_checkpoint_load_into_model(case: CheckpointCase, conformance, tmp_path: Path) -> None:
    family = conformance.adapter.model_family
    try:
        case = checkpoint_case_by_id(case.id, family=family)
    except KeyError:
        pytest.skip(f"not applicable: case {case.id} is not defined for the {family} model family")
    loaded = case.build(tmp_path)
    directory = loaded if loaded.is_dir() else loaded.parent  # the folder that holds config.json
    outcome = conformance.call(directory, family=family, safe=case.safe, weights_only=case.weights_only)
    conformance.conclude(_judge_load(outcome, case, CHECKPOINT_LOAD_INTO_MODEL))


@pytest.mark.conformance(CHECKPOINT_INSPECT)
@pytest.mark.parametrize("case", VALIDATED, ids=[case.id for case in VALIDATED])
def test_checkpoint_inspect(case: CheckpointCase, conformance, tmp_path: Path) -> None:
    path = case.build(tmp_path)
    outcome = conformance.call(path)
    if case.expected.is_valid:
        stored = stored_tensor_specs(path)
        judgement = expect_acceptance(outcome, lambda reported: _specs_differ(stored, reported))
    else:
        judgement = expect_refusal(outcome, CHECKPOINT_INSPECT, case.expected.requirement, case.description)
    conformance.conclude(judgement)


def _specs_differ(stored: dict, reported: object) -> str | None:
    """What is wrong with an inspection's report against the tensors the files store, or None."""
    if not isinstance(reported, dict):
        return f"the inspection returned a {type(reported).__name__}, not a mapping from names to tensors"
    missing = sorted(set(stored) - set(reported))
    extra = sorted(set(reported) - set(stored))
    if missing or extra:
        return f"reported the wrong tensors: missing {missing}, not stored {extra}"
    for name, spec in stored.items():
        got = tuple(reported[name])
        if (got[0], tuple(got[1])) != spec:
            return f"{name} reported as {got[0]} {list(got[1])}, stored as {spec.dtype} {list(spec.shape)}"
    return None


@pytest.mark.conformance(CHECKPOINT_VALIDATE)
@pytest.mark.parametrize("case", VALIDATED, ids=[case.id for case in VALIDATED])
def test_checkpoint_validate(case: CheckpointCase, conformance, tmp_path: Path) -> None:
    outcome = conformance.call(case.build(tmp_path))
    if case.expected.is_valid:
        judgement = expect_acceptance(outcome)
    else:
        judgement = expect_refusal(outcome, CHECKPOINT_VALIDATE, case.expected.requirement, case.description)
    conformance.conclude(judgement)
