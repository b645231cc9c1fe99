"""How long the conformance suite takes: the default run (the reference) against its 60 s budget,
``--impl all`` against its 3-minute budget, both on the whole machine (``-n auto``) and on one
process, beside the floor of starting pytest on the suite with nothing selected.

Each variant is a fresh ``weightspec conformance`` process, alternated with the others round by
round. The budgets are expressed as ratios: run time / budget, met at 1.0x or less.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.harness import Row, Timings, alternate, announce, time_ratio

WEIGHTSPEC = str(Path(sys.executable).with_name("weightspec"))
BUDGETS = {"default run": 60.0, "--impl all": 180.0}
VARIANTS = {
    "default run": ["conformance"],
    "default run, -n auto": ["conformance", "-n", "auto"],
    "--impl all": ["conformance", "--impl", "all"],
    "--impl all, -n auto": ["conformance", "--impl", "all", "-n", "auto"],
    "start-up floor": ["conformance", "-k", "no-test-is-named-so"],
}


def _run(args: list[str], workdir: Path) -> None:
    result = subprocess.run([WEIGHTSPEC, *args], cwd=workdir, capture_output=True, text=True)
    if result.returncode not in (0, 2 if "no-test-is-named-so" in args else 0):
        raise RuntimeError(
            f"weightspec {' '.join(args)} exited {result.returncode}:\n{result.stdout[-2000:]}"
        )


def run(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    """``size`` is not used: the suite's inputs are its cases. Rounds are capped at 3 (each takes minutes)."""
    workdir.mkdir(parents=True, exist_ok=True)
    announce(f"conformance suite: {len(VARIANTS)} variants x {min(rounds, 3)} rounds")
    timings = alternate(
        {name: lambda a=args: _run(a, workdir) for name, args in VARIANTS.items()}, rounds=min(rounds, 3)
    )
    rows = []
    for name, budget in BUDGETS.items():
        timings[f"{budget:g} s budget"] = Timings(
            f"{budget:g} s budget", [budget] * len(timings[name].seconds)
        )
        for variant in (name, f"{name}, -n auto"):
            rows.append(
                time_ratio(f"conformance, {name}", timings, variant, f"{budget:g} s budget", at_most=1.0)
            )
    rows.append(time_ratio("conformance, start-up", timings, "start-up floor", "60 s budget", at_most=None))
    return rows
