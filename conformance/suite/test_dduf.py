"""DDUF readers and deep validators against every case of the DDUF case library.

- ``dduf-read``: a case rejected with reader scope must be refused as a corrupt archive (naming
  its requirement, where the implementation names IDs); every other case (valid, or broken only
  in entry contents) must open, with exactly the entries that the layout oracle decodes (the
  parser generated from ``spec/dduf.ksy``, independent of the reference): the same names in
  directory order, at the same data offsets, with the same lengths.
- ``dduf-validate-deep``: a valid case has no finding; a rejected one (reader or deep scope) is
  reported, naming its requirement where the validator names IDs. For a broken ``.safetensors``
  entry, naming DDUF-DEEP-003 is as right as naming the ST- requirement the case expects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weightspec.conformance import Case, all_cases
from weightspec.conformance.entry_lists import entries_differ
from weightspec.conformance.harness.adapter import DDUF_READ, DDUF_VALIDATE_DEEP
from weightspec.conformance.harness.judging import expect_acceptance, expect_refusal
from weightspec.conformance.oracle import decode_entries

CASES = all_cases()
IDS = [case.id for case in CASES]


def _archive(case: Case, directory: Path) -> Path:
    path = directory / f"{case.id}.dduf"
    path.write_bytes(case.build())
    return path


@pytest.mark.conformance(DDUF_READ)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dduf_read(case: Case, conformance, tmp_path: Path) -> None:
    path = _archive(case, tmp_path)
    outcome = conformance.call(path)
    if case.expected.scope == "reader":
        judgement = expect_refusal(outcome, DDUF_READ, case.expected.requirement, case.description)
    else:
        expected = decode_entries(path.read_bytes())
        judgement = expect_acceptance(outcome, lambda entries: entries_differ(expected, entries))
    conformance.conclude(judgement)


@pytest.mark.conformance(DDUF_VALIDATE_DEEP)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dduf_validate_deep(case: Case, conformance, tmp_path: Path) -> None:
    outcome = conformance.call(_archive(case, tmp_path))
    if case.expected.is_valid:
        judgement = expect_acceptance(outcome)
    else:
        also = ("DDUF-DEEP-003",) if "DDUF-DEEP-003" in case.requirements else ()
        judgement = expect_refusal(
            outcome, DDUF_VALIDATE_DEEP, case.expected.requirement, case.description, also=also
        )
    conformance.conclude(judgement)
