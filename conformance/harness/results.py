"""A conformance run's results: every test's final status, and the requirement x implementation matrix.

A test is identified by ``<capability>/<name>`` (``dduf-read/zip-comment``), the same for every
implementation, so that expectation files and reports of different runs can be compared. Its
final status is one of ``STATUSES``:

- ``pass`` / ``fail`` / ``error``: the judgement, where no expectation file mentions the test;
- ``expected-fail``: a fail or error that the implementation's expectation file lists;
- ``unexpected-pass``: a pass that the expectation file lists as a divergence;
- ``not-applicable``: the implementation does not declare the capability the test needs.

A run *conforms to its expectations* when no test is ``fail``, ``error`` or ``unexpected-pass``.
Each ``Implementation`` names the expectation file used and the version that file was checked
with; ``version_note`` is the sentence reports print when the running version is another.
``Report.to_json()`` is valid against ``spec/schemas/conformance-report.schema.json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from packaging.version import InvalidVersion, Version

PASS = "pass"
FAIL = "fail"
ERROR = "error"
EXPECTED_FAIL = "expected-fail"
UNEXPECTED_PASS = "unexpected-pass"
NOT_APPLICABLE = "not-applicable"
STATUSES = (PASS, FAIL, ERROR, EXPECTED_FAIL, UNEXPECTED_PASS, NOT_APPLICABLE)
GATING = (FAIL, ERROR, UNEXPECTED_PASS)  # statuses that make a run fail
# A matrix cell shows the most telling status of its tests, in this order.
_PRECEDENCE = (ERROR, FAIL, UNEXPECTED_PASS, EXPECTED_FAIL, PASS, NOT_APPLICABLE)


def final_status(judged: str, divergence_listed: bool) -> str:
    """Combine a judgement (pass, fail, error) with whether an expectation file lists the test."""
    if not divergence_listed:
        return judged
    return UNEXPECTED_PASS if judged == PASS else EXPECTED_FAIL


@dataclass(frozen=True)
class TestResult:
    implementation: str
    test: str  # <capability>/<name>
    capability: str
    requirements: tuple[str, ...]
    status: str
    reason: str = ""  # why it is not a pass; for expected-fail the expectation's reason is appended
    outcome: str = ""  # what the implementation did, in one line
    case: str | None = None  # the case id, for tests driven by a case of the library
    breaks: tuple[str, ...] | None = None  # what a failure is about, where not all of requirements

    @property
    def about(self) -> tuple[str, ...]:
        """The requirements this result is about: the ones its failure breaks, or its tags."""
        return self.breaks if self.breaks else self.requirements

    def to_json(self) -> dict:
        data = asdict(self)
        data["requirements"] = list(self.requirements)
        data["breaks"] = None if self.breaks is None else list(self.breaks)
        return data

    @classmethod
    def from_json(cls, data: dict) -> TestResult:
        breaks = data.get("breaks")
        return cls(
            **{
                **data,
                "requirements": tuple(data["requirements"]),
                "breaks": None if breaks is None else tuple(breaks),
            }
        )


@dataclass(frozen=True)
class Implementation:
    name: str
    version: str
    capabilities: tuple[str, ...] = ()
    available: bool = True
    reason: str = ""  # why it is unavailable
    expectations: str | None = None  # the expectation file used, if any
    expectations_checked_with: str | None = None  # the version that file was last checked against

    @property
    def version_note(self) -> str:
        """One sentence when the expectation file was checked with another version than this run's, else ""."""
        checked = self.expectations_checked_with
        if not self.available or checked is None or _same_version(checked, self.version):
            return ""
        return (
            f"expectations for {self.name} were checked with {checked}; running {self.version}: "
            "behaviour changes show as unexpected passes or failures"
        )

    def to_json(self) -> dict:
        data = asdict(self)
        data["capabilities"] = list(self.capabilities)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Implementation:
        return cls(**{**data, "capabilities": tuple(data["capabilities"])})


@dataclass
class Report:
    suite_version: str
    profile: str
    seed: str
    implementations: list[Implementation] = field(default_factory=list)
    results: list[TestResult] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when no test failed, errored or passed unexpectedly."""
        return not any(result.status in GATING for result in self.results)

    def matrix(self) -> dict[str, dict[str, str]]:
        """``{requirement: {implementation: status}}``, requirements sorted, each cell the most
        telling status of the tests tagged with that requirement. A property test whose failure
        breaks some of its requirements (``breaks``) passed for the others."""
        cells: dict[str, dict[str, list[str]]] = {}
        for result in self.results:
            for requirement in result.requirements:
                status = PASS if result.breaks and requirement not in result.breaks else result.status
                cells.setdefault(requirement, {}).setdefault(result.implementation, []).append(status)
        return {
            requirement: {impl: worst(statuses) for impl, statuses in by_impl.items()}
            for requirement, by_impl in sorted(cells.items(), key=lambda item: requirement_sort_key(item[0]))
        }

    def counts(self, implementation: str) -> dict[str, int]:
        counted = dict.fromkeys(STATUSES, 0)
        for result in self.results:
            if result.implementation == implementation:
                counted[result.status] += 1
        return counted

    def non_passing(self) -> list[TestResult]:
        return [r for r in self.results if r.status not in (PASS, NOT_APPLICABLE)]

    def to_json(self) -> dict:
        return {
            "suite_version": self.suite_version,
            "profile": self.profile,
            "seed": self.seed,
            "conforms": self.conforms,
            "implementations": [impl.to_json() for impl in self.implementations],
            "matrix": self.matrix(),
            "results": [result.to_json() for result in self.results],
        }

    @classmethod
    def from_json(cls, data: dict) -> Report:
        return cls(
            suite_version=data["suite_version"],
            profile=data["profile"],
            seed=data["seed"],
            implementations=[Implementation.from_json(item) for item in data["implementations"]],
            results=[TestResult.from_json(item) for item in data["results"]],
        )


def _same_version(one: str, other: str) -> bool:
    """PEP 440 equality (``2.4`` is ``2.4.0``) where both parse, else string equality."""
    try:
        return Version(one) == Version(other)
    except InvalidVersion:
        return one == other


def worst(statuses: Iterable[str]) -> str:
    present = set(statuses)
    return next(status for status in _PRECEDENCE if status in present)


def requirement_sort_key(requirement: str) -> tuple:
    """DDUF-ZIP-002 before DDUF-ZIP-010: the numeric parts compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in requirement.split("-"))
