"""Fuzzing campaigns (``python -m weightspec.conformance.fuzz``, ``tox -e fuzz``): they run for
the time they are given, and their workers share one example database.

The mutant ``crashes-on-empty-entries`` passes the simplest corruption of each kind, which the
corruption properties try first (none of them holds an empty entry), so only generated examples
catch it: a campaign on two xdist workers finds it, and a later run on one worker that may only
replay the database (``--conformance-profile replay``) finds it again, while the same run with an
empty database finds nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from weightspec.conformance.corruptions import KINDS
from weightspec.conformance.fuzz import corruptions_tried

HERE = Path(__file__).resolve().parent
MUTANT = "mutants:crashes_on_empty_entries"
PROPERTY = "test_corrupt_input_is_refused_or_read_exactly"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=600,
        env={**os.environ, "PYTHONPATH": str(HERE)},
    )  # fmt: skip


def _replay(database: Path, cwd: Path) -> subprocess.CompletedProcess:
    return _run(
        "-m", "pytest", "--pyargs", "weightspec.conformance.suite", "-p", "no:cacheprovider", "-q", "-n", "1",
        "--impl", MUTANT, "-k", PROPERTY, "--conformance-profile", "replay", "--conformance-database", str(database),
        cwd=cwd,
    )  # fmt: skip


def test_two_workers_share_one_example_database(tmp_path):
    database, reproducers = tmp_path / "examples", tmp_path / "reproducers"
    campaign = _run(
        "-m", "weightspec.conformance.fuzz", "--impl", MUTANT, "-k", PROPERTY, "-n", "2", "--seconds", "300",
        "--database", str(database), "--reproducers", str(reproducers), cwd=tmp_path,
    )  # fmt: skip
    assert campaign.returncode == 1, campaign.stdout[-3000:] + campaign.stderr[-3000:]
    assert "IndexError" in campaign.stdout and "saved as" in campaign.stdout
    assert [path for path in database.rglob("*") if path.is_file()], "the campaign saved no example"
    (saved,) = reproducers.glob("*.dduf")
    assert saved.with_suffix(".json").is_file()

    replayed = _replay(database, tmp_path)
    assert replayed.returncode == 1, replayed.stdout[-3000:]
    assert "IndexError" in replayed.stdout
    empty = _replay(tmp_path / "empty", tmp_path)
    assert empty.returncode == 0, empty.stdout[-3000:]


def test_a_campaign_without_failures_stops_when_its_time_is_spent(tmp_path):
    campaign = _run(
        "-m", "weightspec.conformance.fuzz", "--impl", "reference", "-n", "1", "--seconds", "25",
        "--profile", "dev", "--database", str(tmp_path / "examples"), "--reproducers", str(tmp_path / "reproducers"),
        cwd=tmp_path,
    )  # fmt: skip
    assert campaign.returncode == 0, campaign.stdout[-3000:] + campaign.stderr[-3000:]
    assert "fuzz: no failure" in campaign.stderr
    assert not (tmp_path / "reproducers").exists()
    # The summary counts the corruptions the finished rounds judged: the simplest of each kind
    # and the dev profile's examples, for each of the two properties.
    judged = re.search(r"(\d+) corruptions judged \(reference (\d+)\)", campaign.stderr)
    assert judged, campaign.stderr
    assert int(judged[1]) == int(judged[2]) >= 2 * len(KINDS), campaign.stderr
    assert "0 reproducer(s)" in campaign.stderr and "0 example(s)" in campaign.stderr


def test_corruptions_tried_reads_each_implementation_from_junit_xml(tmp_path):
    junit = tmp_path / "round.xml"
    junit.write_text(
        '<testsuites><testsuite><testcase name="test_a[reference]"><properties>'
        '<property name="corruptions-tried" value="40"/></properties></testcase>'
        '<testcase name="test_b[huggingface.js]"><properties><property name="other" value="9"/>'
        '<property name="corruptions-tried" value="7"/></properties></testcase>'
        '<testcase name="test_c[reference]"/></testsuite></testsuites>'
    )
    assert corruptions_tried(junit) == {"reference": 40, "huggingface.js": 7}
    assert corruptions_tried(tmp_path / "cut-off.xml") == {}
