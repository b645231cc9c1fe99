"""The rejected cases of the checkpoint case library, against the reference loader and validator.

Each case (``weightspec.conformance.checkpoint_cases``) says what a strict implementation names
when it refuses the checkpoint: the requirement, the file and, where one is concerned, the
tensor. The reference loader must raise exactly that before it changes the model; its
validator (for the cases a validator judges) must list a finding with the same ID, file and
tensor, with and without ``deep``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from weightspec.conformance import all_checkpoint_cases, checkpoint_case_by_id
from weightspec.conformance.checkpoint_cases.baseline import rewrite_shard
from weightspec.conformance.checkpoint_cases.families import PLAIN
from weightspec.conformance.torch_models import blank_model, spec_of
from weightspec.reference import WeightspecError, load_torch_model, validate_checkpoint

REJECTED = [case for case in all_checkpoint_cases() if not case.expected.is_valid]
VALIDATED = [case for case in REJECTED if case.validated]


@pytest.mark.parametrize("case", REJECTED, ids=[case.id for case in REJECTED])
def test_loader_refuses_before_changing_the_model(case, tmp_path):
    path = case.build(tmp_path)
    model = blank_model(spec_of(case.tensors()))
    with pytest.raises(WeightspecError) as caught:
        load_torch_model(model, path, strict=True, safe=case.safe, weights_only=case.weights_only)
    error = caught.value
    assert error.requirement == case.expected.requirement, str(error)
    assert Path(error.path).name == case.file
    assert error.entry == case.entry
    assert all(not tensor.any() for tensor in model.state_dict().values()), "the model was changed"


@pytest.mark.parametrize("deep", [False, True])
@pytest.mark.parametrize("case", VALIDATED, ids=[case.id for case in VALIDATED])
def test_validator_reports_the_rule(case, deep, tmp_path):
    findings = validate_checkpoint(case.build(tmp_path), deep=deep)
    assert (case.expected.requirement, case.file, case.entry) in {
        (finding.requirement, Path(finding.path).name, finding.entry) for finding in findings
    }, findings


def test_validator_reports_every_broken_shard_not_only_the_first(tmp_path):
    checkpoint = checkpoint_case_by_id("valid-sharded-checkpoint").build(tmp_path)
    os.remove(checkpoint / PLAIN.shard(1))
    rewrite_shard(PLAIN, checkpoint, 3, {"c": torch.ones(16)}, format="tf")
    last = checkpoint / PLAIN.shard(4)
    last.write_bytes(last.read_bytes()[:-4])
    findings = validate_checkpoint(checkpoint / PLAIN.index)
    assert {(f.requirement, Path(f.path).name) for f in findings} == {
        ("SHARD-LOAD-001", PLAIN.shard(1)),
        ("SHARD-LOAD-008", PLAIN.shard(3)),
        ("ST-TENSOR-005", PLAIN.shard(4)),
    }
