"""Start-up time of the ``weightspec`` command: ``weightspec --version`` and ``weightspec validate``
of a 10 KB archive (the example pipeline, packed), against ``python -c pass``.

Target (issue 12): each within 1.5x of ``python -c pass`` plus the work itself. ``--version``
has no work, so its baseline is ``python -c pass``. The work of ``validate`` is what the library
does for it: ``python -c`` importing ``validate_dduf`` and calling it on the archive, which is
``python -c pass`` plus that work in one process; the ratio is then what the command adds
(argparse, its own modules, the report). ``weightspec validate`` against ``python -c pass`` is
shown too, without a target. Every variant is a fresh process of this interpreter (so all share
its site packages), alternated round by round.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.harness import Row, alternate, announce, time_ratio
from weightspec.reference import export_folder_as_dduf

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tiny-pipeline"
WEIGHTSPEC = str(Path(sys.executable).with_name("weightspec"))
RUNS_PER_ROUND = 5  # process starts are short: more samples per round, same alternation


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def run(workdir: Path, *, rounds: int, size: int) -> list[Row]:
    """``size`` is not used: the archive is the example pipeline's."""
    workdir.mkdir(parents=True, exist_ok=True)
    archive = workdir / "tiny.dduf"
    export_folder_as_dduf(archive, EXAMPLE)
    library = f"from weightspec.reference import validate_dduf; assert validate_dduf({str(archive)!r}) == []"
    runs = rounds * RUNS_PER_ROUND
    announce(f"cli start-up: 4 variants x {runs} runs ({archive.stat().st_size:,}-byte archive)")
    timings = alternate(
        {
            "python -c pass": lambda: _run([sys.executable, "-c", "pass"]),
            "python -c validate_dduf": lambda: _run([sys.executable, "-c", library]),
            "weightspec --version": lambda: _run([WEIGHTSPEC, "--version"]),
            "weightspec validate": lambda: _run([WEIGHTSPEC, "validate", str(archive)]),
        },
        rounds=runs,
    )
    return [
        time_ratio("cli --version", timings, "weightspec --version", "python -c pass", at_most=1.5),
        time_ratio(
            "cli validate 10 KB archive",
            timings,
            "weightspec validate",
            "python -c validate_dduf",
            at_most=1.5,
        ),
        time_ratio(
            "cli validate 10 KB archive", timings, "weightspec validate", "python -c pass", at_most=None
        ),
    ]
