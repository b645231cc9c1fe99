"""The state the plugin's modules share: the stash keys, the per-test identity and the run.

``Run`` is what one pytest process knows about the conformance run (``options`` builds it at
configure time and registers it as a plugin, so that it also gathers the results reported to
this process); ``TestIdentity`` is a suite test's conformance identity (``collection`` stashes it on
each suite item). ``PROFILES`` maps ``--conformance-profile`` to hypothesis settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ..harness.adapter import Adapter
from ..harness.expectations import Expectations
from ..harness.judging import Judgement

PROFILES = {  # hypothesis settings per --conformance-profile: time traded for depth
    "dev": {"max_examples": 15},
    "ci": {"max_examples": 40},
    "thorough": {"max_examples": 500},
    "replay": {"phases": ("reuse",)},  # only the examples saved in the database: no new ones
}
PROPERTY = "weightspec"  # the user_properties key that carries a TestResult to the controller
IDENTITY = pytest.StashKey["TestIdentity"]()
JUDGEMENT = pytest.StashKey[Judgement]()
RUN = pytest.StashKey["Run"]()


@dataclass(frozen=True)
class TestIdentity:
    test: str
    capability: str
    requirements: tuple[str, ...]
    case: str | None


@dataclass(eq=False)  # registered as a plugin, so hashed by identity
class Run:
    """What one pytest process knows about the conformance run."""

    adapters: dict[str, Adapter]  # available implementations, by name
    unavailable: dict[str, str]  # name -> why it cannot run here
    expectations: dict[str, Expectations]
    timeout: float
    received: list[dict]  # the TestResults (with their implementation) this process received
    active: bool = False  # a suite test was collected or a result received

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """On the process that reports (the xdist controller, or the only process)."""
        for key, value in report.user_properties:
            if key == PROPERTY:
                self.received.append(value)
                self.active = True

    def pytest_testnodedown(self, node, error) -> None:
        """xdist: a worker's unavailable implementations reach the controller in its workeroutput."""
        self.unavailable.update(getattr(node, "workeroutput", {}).get(PROPERTY, {}))
