"""The suite catches every deliberately broken implementation of ``mutants/`` for the
requirement it breaks, and this test prints the kill table: mutant, requirement, and the tests
that caught it (``pytest -s`` shows it).

One run of the suite tests all the mutants side by side (``--impl`` repeated), each on the
tests its ``caught_by`` selects only (``-k "(name and (caught_by)) or ..."``), with a fixed
hypothesis seed, so that the property tests draw the same examples on every run. The reference
passes every one of these tests: ``test_conformance_command`` runs it on the whole suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutants import MUTANTS
from mutants.readers import SkipsOneReaderCheck

HERE = Path(__file__).resolve().parent


def _run_against_every_mutant(report: Path) -> subprocess.CompletedProcess:
    implementations = [
        arg for mutant in MUTANTS for arg in ("--impl", f"mutants:{mutant.name.replace('-', '_')}")
    ]
    selection = " or ".join(f"({mutant.name} and ({mutant.caught_by}))" for mutant in MUTANTS)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "weightspec.conformance.suite", "-p", "no:cacheprovider",
         "-q", "--tb=no", "-n", "2", "--hypothesis-seed=0", *implementations, "-k", selection,
         "--conformance-report", str(report)],
        capture_output=True, text=True, cwd=report.parent, env={**os.environ, "PYTHONPATH": str(HERE)}, timeout=900,
    )  # fmt: skip


def test_mutant_names_select_only_their_own_tests():
    names = [mutant.name for mutant in MUTANTS]
    assert len(set(names)) == len(names)
    assert not [(a, b) for a in names for b in names if a != b and a in b]


def test_every_mutant_fails_a_test_of_the_requirement_it_breaks(tmp_path, capsys):
    report = tmp_path / "report.json"
    result = _run_against_every_mutant(report)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads(report.read_text())["results"]
    rows, survivors = [], []
    for mutant in MUTANTS:
        ran = [r for r in results if r["implementation"] == mutant.name]
        killers = [r["test"] for r in ran if r["status"] == "fail" and mutant.breaks in r["requirements"]]
        rows.append((mutant.name, mutant.breaks, ", ".join(killers) or f"SURVIVED ({len(ran)} tests ran)"))
        if not killers:
            survivors.append(mutant.name)
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    table = "\n".join(
        f"{name:<{widths[0]}}  {breaks:<{widths[1]}}  {caught}" for name, breaks, caught in rows
    )
    with capsys.disabled():
        print(f"\nkill table: {len(MUTANTS) - len(survivors)} of {len(MUTANTS)} mutants caught\n{table}")
    assert not survivors, table


def _outcome(adapter, path: Path) -> tuple:
    from weightspec.conformance.harness.adapter import DDUF_READ, call

    outcome = call(adapter, DDUF_READ, path, timeout=60)
    return (outcome.kind, outcome.value if outcome.kind == "accepted" else tuple(outcome.requirements))


SKIPPERS = [mutant for mutant in MUTANTS if issubclass(mutant, SkipsOneReaderCheck)]


@pytest.mark.parametrize("mutant", SKIPPERS, ids=[mutant.name for mutant in SKIPPERS])
def test_a_mutant_that_skips_one_check_differs_from_the_reference_on_that_rule_only(mutant, tmp_path):
    """Caught for the right reason: it reads every case as the reference does (the same entries,
    or a refusal naming the same rules), except cases of the rule it skips, some of which it opens."""
    from weightspec.conformance import all_cases
    from weightspec.conformance.adapters.reference import ReferenceAdapter

    reference, broken = ReferenceAdapter(), mutant()
    opened = []
    for case in all_cases():
        path = tmp_path / f"{case.id}.dduf"
        path.write_bytes(case.build())
        ours, theirs = _outcome(reference, path), _outcome(broken, path)
        if mutant.breaks in case.requirements:
            opened += [case.id] if theirs[0] == "accepted" and ours[0] != "accepted" else []
        else:
            assert theirs == ours, case.id
    assert opened, f"{mutant.name} opens no case of {mutant.breaks}"
