"""The plugin's running of suite tests: the ``conformance`` fixture, and each test's result.

A suite test calls the implementation under test through the ``conformance`` fixture
(``Conformance``) and concludes with ``conformance.conclude(judgement)``. ``pytest_runtest_setup``
skips it as not applicable where the implementation does not declare its capability;
``pytest_runtest_makereport`` combines its judgement (or the exception it raised, or the shrunk
example of a property: ``JudgementFailed``) with the implementation's expectation file into the
final status (``harness.results.final_status``), makes pytest's outcome agree (an expected failure
is an xfail, a fail, error or unexpected pass a failure whose text is the reason), and attaches the
``TestResult`` to the report's user_properties, which carry it to the reporting process.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..harness.adapter import Adapter, call
from ..harness.expectations import Expectations, one_line
from ..harness.judging import Judgement, JudgementFailed
from ..harness.outcomes import Outcome
from ..harness.results import (
    ERROR,
    EXPECTED_FAIL,
    NOT_APPLICABLE,
    PASS,
    Implementation,
    TestResult,
    final_status,
)
from ._state import IDENTITY, JUDGEMENT, PROPERTY, RUN, TestIdentity


class Conformance:
    """The ``conformance`` fixture: call the implementation under test, then conclude."""

    def __init__(
        self, item: pytest.Item, adapter: Adapter, timeout: float, expectations: Expectations | None
    ) -> None:
        self._item = item
        self.adapter = adapter
        self.capability = item.stash[IDENTITY].capability
        self.timeout = timeout
        self._expectations = expectations

    def listed_divergences(self) -> frozenset[str]:
        """The requirements the implementation's expectation file lists for this test: a property
        test's examples that break only these are known failures, and it searches on."""
        if self._expectations is None:
            return frozenset()
        identity = self._item.stash[IDENTITY]
        return self._expectations.listed(identity.test, identity.requirements, self.adapter.version)

    def record(self, name: str, value: object) -> None:
        """Keep a number of the test's run (``corruptions-tried``) in its pytest user_properties,
        which xdist carries to the controller and ``--junitxml`` writes."""
        self._item.user_properties.append((name, value))

    def call(self, *args: Any, **kwargs: Any) -> Outcome:
        """Call the test's capability of the implementation; always returns an ``Outcome``."""
        return call(self.adapter, self.capability, *args, timeout=self.timeout, **kwargs)

    def conclude(self, judgement: Judgement) -> None:
        """Record the test's verdict; the report hook turns it into the test's outcome."""
        self._item.stash[JUDGEMENT] = judgement


@pytest.fixture
def conformance(request: pytest.FixtureRequest, implementation: str) -> Conformance:
    run = request.config.stash[RUN]
    return Conformance(
        request.node, run.adapters[implementation], run.timeout, run.expectations.get(implementation)
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    identity = item.stash.get(IDENTITY, None)
    if identity is None:
        return
    adapter = item.config.stash[RUN].adapters[item.callspec.params["implementation"]]
    if identity.capability not in adapter.capabilities:
        pytest.skip(f"not applicable: {adapter.name} does not declare {identity.capability}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    identity = item.stash.get(IDENTITY, None)
    if identity is None:
        return
    run = item.config.stash[RUN]
    adapter = run.adapters[item.callspec.params["implementation"]]
    if report.when == "setup" and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _attach(report, adapter, identity, NOT_APPLICABLE, reason.removeprefix("Skipped: "), "")
        return
    if report.when == "setup" and report.failed:
        _attach(
            report,
            adapter,
            identity,
            ERROR,
            f"the suite could not set this test up: {call.excinfo.value}",
            "",
        )
        return
    if report.when != "call":
        return
    judgement = item.stash.get(JUDGEMENT, None)
    if report.skipped:  # the test skipped itself, e.g. for a component missing here
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _attach(report, adapter, identity, NOT_APPLICABLE, reason.removeprefix("Skipped: "), "")
        return
    if report.failed and isinstance(call.excinfo.value, JudgementFailed):  # a property's shrunk example
        judgement = call.excinfo.value.judgement
    elif report.failed:  # the test itself raised: a fault of the suite or the adapter, not a verdict
        judgement = Judgement(ERROR, f"the suite's test raised {call.excinfo.typename}: {call.excinfo.value}")
    elif judgement is None:
        judgement = Judgement(ERROR, "the test concluded nothing (a bug in the suite)")
    expectations = run.expectations.get(adapter.name)
    divergence = expectations and expectations.lookup(
        identity.test, identity.requirements, adapter.version, judgement.breaks
    )
    status = final_status(judgement.status, divergence is not None)
    reason = judgement.reason
    if divergence and divergence.reason != one_line(reason):  # say what the file expected where it differs
        reason = (
            f"{reason} [expected: {divergence.reason}]"
            if reason
            else f"expected to fail: {divergence.reason}"
        )
    if status == PASS:
        report.outcome = "passed"
    elif status == EXPECTED_FAIL:
        report.outcome, report.wasxfail, report.longrepr = "skipped", reason, None
    else:
        report.outcome, report.longrepr = "failed", f"{status}: {identity.test} on {adapter.name}: {reason}"
    _attach(report, adapter, identity, status, reason, judgement.outcome, judgement.breaks)


def _attach(
    report: pytest.TestReport,
    adapter: Adapter,
    identity: TestIdentity,
    status: str,
    reason: str,
    outcome: str,
    breaks: tuple[str, ...] | None = None,
) -> None:
    result = TestResult(
        implementation=adapter.name,
        test=identity.test,
        capability=identity.capability,
        requirements=identity.requirements,
        status=status,
        reason=reason,
        outcome=outcome,
        case=identity.case,
        breaks=breaks if status != PASS else None,
    )
    implementation = Implementation(adapter.name, adapter.version, tuple(sorted(adapter.capabilities)))
    report.user_properties.append(
        (PROPERTY, {"result": result.to_json(), "implementation": implementation.to_json()})
    )
