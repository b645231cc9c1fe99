"""The plugin's results: the run's ``Report``, the terminal summary, and the files written at the end.

Only the reporting process (the xdist controller, or the only process) of a session in which the
suite ran does this: it builds the ``Report`` from the ``TestResult``s it received (``Run``), with
each implementation's expectation file and the unavailable ones; prints the requirement x
implementation matrix in the terminal summary; and at session finish writes each
``--conformance-report`` and the ``--write-expectations`` file (over an existing file of the same
implementation, keeping its hand-written parts: ``harness.expectations.render_expectations``).
An xdist worker instead hands its unavailable implementations to the controller in its workeroutput.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from ..harness.expectations import render_expectations
from ..harness.report_files import write_atomically, write_report
from ..harness.results import Implementation, Report, TestResult
from ._state import PROPERTY, RUN


def _report(config: pytest.Config) -> Report:
    run = config.stash[RUN]
    implementations: dict[str, Implementation] = {}
    results = []
    for item in run.received:
        implementation = Implementation.from_json(item["implementation"])
        expectations = run.expectations.get(implementation.name)
        implementations.setdefault(
            implementation.name,
            Implementation(
                **{
                    **implementation.__dict__,
                    "expectations": expectations.source if expectations else None,
                    "expectations_checked_with": expectations.checked_with if expectations else None,
                }
            ),
        )
        results.append(TestResult.from_json(item["result"]))
    for name, reason in run.unavailable.items():
        implementations[name] = Implementation(name, "unknown", available=False, reason=reason)
    seed = config.getoption("hypothesis_seed", None)
    return Report(
        suite_version=version("weightspec"),
        profile=config.getoption("conformance_profile"),
        seed=str(seed) if seed is not None else "random",
        implementations=list(implementations.values()),
        results=sorted(results, key=lambda r: (r.implementation, r.test)),
    )


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _suite_ran(config: pytest.Config) -> bool:
    return config.stash[RUN].active


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _is_worker(config) or not _suite_ran(config):
        return
    from weightspec.spec import requirements

    from ..harness.render_text import render_text

    report = _report(config)
    terminalreporter.write_sep("=", "weightspec conformance")
    terminalreporter.write(render_text(report, requirements(), color=terminalreporter.hasmarkup))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _is_worker(config):
        config.workeroutput[PROPERTY] = config.stash[RUN].unavailable
        return
    if not _suite_ran(config):
        return
    report = _report(config)
    for path in config.getoption("conformance_report"):
        write_report(Path(path), report)
    target = config.getoption("write_expectations")
    if target:
        ((name, adapter),) = config.stash[RUN].adapters.items()
        path = Path(target)
        previous = path.read_text(encoding="utf-8") if path.is_file() else None
        write_atomically(path, render_expectations(name, adapter.version, report.results, previous=previous))
