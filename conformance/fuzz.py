"""A fuzzing campaign: the corruption properties against implementations for a given time
(``python -m weightspec.conformance.fuzz``, which ``tox -e fuzz`` runs).

The campaign is rounds of ``pytest --pyargs weightspec.conformance.suite -k corrupt`` with the
``thorough`` profile on pytest-xdist workers, one after another until ``--seconds`` are spent
(the round still running then is stopped). Every round and worker shares one hypothesis example
database (``--database DIR``), so each replays first what any other found, and one reproducer
folder (``--reproducers DIR``), where each failure is saved shrunk and from which every later run
of the suite given that folder replays it as a regression case. Several machines share a campaign
by giving each the same shared ``--database`` and ``--reproducers`` folders, or by running the
workers on them with pytest-xdist (``-- --tx ssh=host//python=python3``).

The campaign stops at the first round that fails (a failure its implementation's expectation
file does not list), whose output says which test, why and where the reproducer lies. Failures
the file lists for a requirement do not stop it: the properties count them and search on. At the
end it prints what it did: rounds, corruptions tried per implementation (each round's
``--junitxml`` carries every test's ``corruptions-tried``), archives per second, reproducers
saved and examples in the database (hypothesis writes only failing examples there, so a
campaign that finds nothing leaves it empty). Exit status: 0 when no round failed, else the
failed round's pytest status (1 for failed tests).

Example, two workers for half an hour against the reference::

    python -m weightspec.conformance.fuzz --impl reference --seconds 1800 -n 2
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m weightspec.conformance.fuzz", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--impl", action="append", default=[], metavar="NAME", help="implementation (default: reference)"
    )
    parser.add_argument(
        "--seconds", type=float, default=600.0, help="how long the campaign runs (default 600)"
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(".hypothesis/fuzz/examples"),
        metavar="DIR",
        help="the example database, shared by every round and worker (default .hypothesis/fuzz/examples)",
    )
    parser.add_argument(
        "--reproducers",
        type=Path,
        default=Path(".hypothesis/fuzz/reproducers"),
        metavar="DIR",
        help="where failures are saved, and replayed from (default .hypothesis/fuzz/reproducers)",
    )
    parser.add_argument("-n", dest="workers", default="auto", help="pytest-xdist workers (default auto)")
    parser.add_argument(
        "-k", dest="keyword", default="corrupt", help="the tests (default: the corruption properties)"
    )
    parser.add_argument(
        "--profile", default="thorough", help="hypothesis profile of each round (default thorough)"
    )
    parser.add_argument(
        "pytest_args", nargs="*", metavar="-- PYTEST-ARGS", help="more pytest arguments (--tx ...)"
    )
    return parser


def round_command(args: argparse.Namespace, config: Path, junit: Path) -> list[str]:
    """The pytest command line of one round; ``config`` is an empty ini file that isolates it,
    ``junit`` the XML report it writes."""
    command = [sys.executable, "-m", "pytest", "--pyargs", "weightspec.conformance.suite", "-c", str(config)]
    command += ["--junitxml", str(junit)]
    command += ["--rootdir", str(config.parent), "-p", "no:cacheprovider", "-q", "-rN", "--tb=no"]
    command += ["-k", args.keyword, "-n", args.workers, "--conformance-profile", args.profile]
    command += ["--conformance-database", str(args.database.resolve())]
    command += ["--conformance-reproducers", str(args.reproducers.resolve())]
    for name in args.impl or ["reference"]:
        command += ["--impl", name]
    return [*command, *args.pytest_args]


def _run_round(command: list[str], seconds: float) -> int | None:
    """The round's exit status, or None when it was stopped after ``seconds``. It runs in a
    session of its own, so that stopping it stops its xdist workers too: first as Ctrl-C would,
    so that pytest still writes what the finished tests found, then for good."""
    process = subprocess.Popen(command, start_new_session=True)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return None


def corruptions_tried(junit: Path) -> Counter:
    """``{implementation: corruptions judged}`` from one round's JUnit XML (empty when the round
    was stopped before writing it). A test's id ends in ``[<implementation>]``."""
    tried: Counter = Counter()
    try:
        tree = ElementTree.parse(junit)
    except (OSError, ElementTree.ParseError):
        return tried
    for case in tree.iter("testcase"):
        implementation = case.get("name", "").rpartition("[")[2].rstrip("]")
        for prop in case.iter("property"):
            if prop.get("name") == "corruptions-tried":
                tried[implementation] += int(prop.get("value", "0"))
    return tried


def _summary(rounds: int, seconds: float, tried: Counter, args: argparse.Namespace) -> str:
    """One line of what the campaign did; the round cut off at the deadline counts only its
    finished tests."""
    total = sum(tried.values())
    per = ", ".join(f"{name} {count}" for name, count in sorted(tried.items())) or "none"
    reproducers = len(list(args.reproducers.glob("*.dduf"))) if args.reproducers.is_dir() else 0
    examples = sum(1 for p in args.database.rglob("*") if p.is_file()) if args.database.is_dir() else 0
    return (
        f"fuzz: {rounds} round(s) in {seconds:.0f} s; {total} corruptions judged ({per}), "
        f"{total / max(seconds, 1e-9):.1f} per second; {reproducers} reproducer(s) in {args.reproducers}; "
        f"{examples} example(s) in {args.database}"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    start = time.monotonic()
    deadline = start + args.seconds
    rounds, tried, status = 0, Counter(), 0
    with tempfile.TemporaryDirectory(prefix="weightspec-fuzz-") as scratch:
        config = Path(scratch) / "pytest.ini"
        config.write_text("[pytest]\n", encoding="utf-8")
        while (left := deadline - time.monotonic()) > 0:
            rounds += 1
            junit = Path(scratch) / f"round-{rounds}.xml"
            status = _run_round(round_command(args, config, junit), left) or 0
            tried += corruptions_tried(junit)
            if status:
                print(f"fuzz: round {rounds} failed; reproducers in {args.reproducers}", file=sys.stderr)
                break
    if not status:
        print("fuzz: no failure", file=sys.stderr)
    print(_summary(rounds, time.monotonic() - start, tried, args), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
