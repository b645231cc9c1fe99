"""An outcome against what a test expects: a ``Judgement`` of pass, fail or error, with a reason.

The rules, the same for every implementation:

- a crash is always a failure;
- a timeout, and an ``error`` outcome (the harness got no answer), are errors, kept apart from
  failures;
- an expected refusal passes when the implementation refuses with a category its capability
  documents (``adapter.REFUSAL_CATEGORIES``) and, where it names requirement IDs, names the
  expected one among them;
- an expected acceptance passes when the implementation accepts and ``check(value)`` finds
  nothing wrong with what it returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .adapter import REFUSAL_CATEGORIES
from .outcomes import ACCEPTED, CRASHED, REFUSED, Outcome
from .results import ERROR, FAIL, PASS


@dataclass(frozen=True)
class Judgement:
    status: str  # PASS, FAIL or ERROR
    reason: str  # empty for a pass; otherwise one or two sentences a reader can act on
    outcome: str = ""  # Outcome.describe() of the call judged
    # The requirements a failure is about, where the test knows them better than its own tags:
    # a property test over corruptions that each break other rules. None: the test's own tags.
    # () : rules no expectation can list (an archive that breaks none was misread).
    breaks: tuple[str, ...] | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASS


def _not_answered(outcome: Outcome) -> Judgement | None:
    if outcome.kind == CRASHED:
        return Judgement(
            FAIL, f"crashed with an undocumented {outcome.error_type}: {outcome.message}", outcome.describe()
        )
    if outcome.kind not in (ACCEPTED, REFUSED):
        return Judgement(ERROR, outcome.describe(), outcome.describe())
    return None


def expect_refusal(
    outcome: Outcome,
    capability: str,
    requirement: str,
    why: str,
    *,
    also: tuple[str, ...] = (),
    check_accepted: Callable[[Any], str | None] | None = None,
) -> Judgement:
    """Judge a call that must be refused for breaking ``requirement``; ``why`` says what the input
    breaks; naming one of ``also`` (a more general requirement that the input breaks too) is right too.

    When the call was accepted anyway, ``check_accepted(value)`` may say what else is wrong with
    what it returned (a load that left a weight at its initial values); the failure's reason
    then says that too."""
    unanswered = _not_answered(outcome)
    if unanswered is not None:
        return unanswered
    described = outcome.describe()
    if outcome.kind == ACCEPTED:
        problem = check_accepted(outcome.value) if check_accepted is not None else None
        also_wrong = f", with a {problem}" if problem else ""  # first: reports cut long reasons short
        return Judgement(FAIL, f"accepts an input that breaks {requirement}{also_wrong}: {why}", described)
    allowed = REFUSAL_CATEGORIES[capability]
    if outcome.category not in allowed:
        return Judgement(
            FAIL,
            f"refused as {outcome.category}, but {capability} refuses as {' or '.join(allowed)}",
            described,
        )
    if outcome.requirements and not {requirement, *also} & set(outcome.requirements):
        return Judgement(
            FAIL,
            f"refused for the wrong reason: named {', '.join(outcome.requirements)}, "
            f"but the input breaks {requirement}: {why}",
            described,
        )
    return Judgement(PASS, "", described)


def expect_acceptance(outcome: Outcome, check: Callable[[Any], str | None] = lambda value: None) -> Judgement:
    """Judge a call that must be accepted; ``check(value)`` returns what is wrong with the value, or None."""
    unanswered = _not_answered(outcome)
    if unanswered is not None:
        return unanswered
    described = outcome.describe()
    if outcome.kind == REFUSED:
        return Judgement(FAIL, f"refuses a valid input: {described}", described)
    problem = check(outcome.value)
    if problem:
        return Judgement(FAIL, problem, described)
    return Judgement(PASS, "", described)


class JudgementFailed(AssertionError):
    """Raised by ``require()`` inside a property test, so that hypothesis shrinks the example; the
    plugin reports the judgement of the minimal example as the test's result."""

    def __init__(self, judgement: Judgement) -> None:
        self.judgement = judgement
        super().__init__(f"{judgement.status}: {judgement.reason}")


def require(judgement: Judgement) -> None:
    """Raise ``JudgementFailed`` unless ``judgement`` passed (for use inside ``@given`` tests)."""
    if not judgement.passed:
        raise JudgementFailed(judgement)


PASSED = Judgement(PASS, "")
