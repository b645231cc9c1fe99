"""DDUF readers on corrupt input: valid generated archives, each with one structure-aware
corruption (``strategies.corruptions()``: every kind of ``corruptions.KINDS``).

- ``corrupt-input-is-refused-or-read-exactly``: where the corruption breaks a reader requirement,
  the reader refuses with its documented category (which rule it names is not judged: a
  corruption may break several, and which one a reader meets first is its own business); where
  the archive is still valid for readers (a field no rule constrains, a data byte that only a deep
  validator notices), it returns exactly the entries the layout oracle decodes, unless it refuses
  the valid archive the corruption was made from as well (the valid-archive tests judge that). A
  crash fails; a call that outlasts ``--call-timeout`` is an error.
- ``corrupt-input-refusals-agree-with-deep-validation``: for an implementation that also validates
  deeply, ``dduf-read`` refuses an archive exactly when ``dduf-validate-deep`` reports a finding
  of reader scope (a DDUF- requirement whose scope in spec/requirements.json is ``reader``; a
  finding that names no requirement counts as one).

The simplest corruption of each kind is tried first, then generated ones. Hypothesis shrinks a
failing generated example; the reason names what the corruption breaks and shows the
bytes around it in hex. With ``--conformance-reproducers DIR`` the shrunk example is saved there
(``reproducers``), and every reproducer already there is replayed first, as a regression case.

Known divergences are per requirement: an expectation file lists each requirement whose
corruptions the implementation gets wrong as an entry for the test. Failures on those are
counted, not stopped at, so the search goes on for failures on requirements no entry lists,
which fail the test (and a fuzzing campaign). An entry for a requirement the implementation now
always gets right is stale: when no listed failure occurs, the test passes unexpectedly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

# The generated archives carry real safetensors payloads, made with torch.
pytest.importorskip("torch", reason="the corruption properties need torch: pip install 'weightspec[torch]'")

from hypothesis import Phase, example, find, given, settings

from weightspec.conformance.corruptions import KINDS, READER, REQUIREMENTS, Corruption
from weightspec.conformance.entry_lists import entries_differ
from weightspec.conformance.harness.adapter import DDUF_READ, DDUF_VALIDATE_DEEP, call
from weightspec.conformance.harness.judging import (
    ERROR,
    FAIL,
    PASSED,
    Judgement,
    JudgementFailed,
    expect_acceptance,
    expect_refusal,
    require,
)
from weightspec.conformance.harness.outcomes import ACCEPTED, REFUSED
from weightspec.conformance.oracle import decode_entries
from weightspec.conformance.reproducers import load_reproducers, save_reproducer
from weightspec.conformance.strategies import corruptions

Judge = Callable[[Corruption, Path], Judgement]


def _explained(judgement: Judgement, corruption: Corruption, saved: Path | None = None) -> str:
    """``judgement``'s reason with what the corruption is: its kind, the rules it breaks, its bytes."""
    breaks = ", ".join(corruption.requirements) or "no rule"
    what = "" if corruption.description in judgement.reason else f"{corruption.description}; "
    where = f"; saved as {saved}" if saved else ""
    return (
        f"{judgement.reason} [{corruption.kind}/{corruption.variant} breaking {breaks}: "
        f"{what}{corruption.hex_excerpt()}{where}]"
    )


@functools.cache
def _simplest_of_each_kind() -> tuple[Corruption, ...]:
    """The first corruption hypothesis draws of each kind, on the simplest archive: tried before
    the generated ones, so that every run, however few its examples, meets every kind."""
    first = settings(max_examples=1, phases=[Phase.generate], database=None, derandomize=True)
    return tuple(find(corruptions((kind,)), lambda corruption: True, settings=first) for kind in KINDS)


class _Known:
    """The failures an implementation's expectation file lists for a property test: those on
    corruptions that break a listed requirement. They do not stop the search, so that a campaign
    against an implementation with known divergences still finds its new ones."""

    def __init__(self, listed: frozenset[str]) -> None:
        self.listed = listed
        self.seen: dict[str, tuple[int, str]] = {}  # requirement -> (count, first reason)

    def about(self, corruption: Corruption) -> tuple[str, ...]:
        """The listed requirements ``corruption`` breaks (none: a failure on it is new)."""
        return tuple(r for r in corruption.requirements if r in self.listed)

    def note(self, corruption: Corruption, judgement: Judgement) -> None:
        requirement = self.about(corruption)[0]
        if requirement not in self.seen:  # explained once: a campaign meets thousands
            self.seen[requirement] = (0, _explained(judgement, corruption))
        count, first = self.seen[requirement]
        self.seen[requirement] = (count + 1, first)

    def judgement(self, tried: int) -> Judgement:
        """An expected failure naming every listed requirement that failed, with an example each."""
        parts = [
            f"{requirement} on {count} of {tried} corruptions, first: {first}"
            for requirement, (count, first) in self.seen.items()
        ]
        return Judgement(
            FAIL, "fails only where its expectations say: " + "; ".join(parts), "", tuple(self.seen)
        )


def _check_corruptions(conformance, request, tmp_path: Path, test: str, judge: Judge) -> None:
    """Judge every saved reproducer, then generated corruptions, and conclude.

    A failure on a corruption that breaks a requirement the implementation's expectation file
    lists for this test is known (``_Known``): it is counted and the search goes on. The first
    other failure is new: hypothesis shrinks it, it is saved as a reproducer where asked, and the
    test fails naming the requirements it breaks (``Judgement.breaks``), which no entry lists.
    Without a new failure the test fails as expected when known ones were met, and else passes.
    The number of corruptions judged is recorded as ``corruptions-tried``.

    A call that gets no answer (a timeout) ends the search at once, unshrunk: each try of
    shrinking would wait for the timeout again."""
    folder = request.config.getoption("conformance_reproducers")
    reproducers = Path(folder) if folder else None
    path = tmp_path / "corrupt.dduf"
    known = _Known(conformance.listed_divergences())
    tried = 0

    def judged(corruption: Corruption) -> Judgement:
        nonlocal tried
        tried += 1
        path.write_bytes(corruption.data)
        return judge(corruption, path)

    def conclude(
        judgement: Judgement, corruption: Corruption | None = None, saved: Path | None = None
    ) -> None:
        conformance.record("corruptions-tried", tried)
        if corruption is not None:
            judgement = Judgement(
                judgement.status,
                _explained(judgement, corruption, saved),
                judgement.outcome,
                corruption.requirements,
            )
        conformance.conclude(judgement)

    for corruption in load_reproducers(reproducers) if reproducers else []:
        judgement = judged(corruption)
        if judgement.passed:
            continue
        if not known.about(corruption):
            conclude(judgement, corruption)
            return
        known.note(corruption, judgement)
    new: list[tuple[Corruption, Judgement]] = []
    # What ends the search: a timeout, or hypothesis' shrunk new failure.
    ending: list[tuple[Corruption, Judgement]] = []

    def check(corruption: Corruption) -> None:
        if ending:
            return
        judgement = judged(corruption)
        if judgement.status == ERROR:
            ending.append((corruption, judgement))
        elif not judgement.passed and known.about(corruption):
            known.note(corruption, judgement)
        elif not judgement.passed:
            new.append((corruption, judgement))
            require(judgement)

    # One example database key per test and implementation (hypothesis keys a test by its source,
    # the same here for both tests): an example that fails for one must not be dropped from the
    # database because it passes for another.
    check._hypothesis_internal_add_digest = f"{test}@{conformance.adapter.name}".encode()
    checked = given(corruption=corruptions())(check)
    for corruption in _simplest_of_each_kind():
        checked = example(corruption=corruption)(checked)
    try:
        checked()
    except JudgementFailed:
        ending.append(new[-1])  # hypothesis runs the shrunk example last
    if not ending:
        conclude(known.judgement(tried) if known.seen else PASSED)
        return
    corruption, judgement = ending[0]
    saved = None
    if reproducers is not None:
        saved = save_reproducer(
            reproducers, corruption, test=f"{DDUF_READ}/{test}", implementation=conformance.adapter.name
        )
    conclude(judgement, corruption, saved)


READ_EXACTLY = "corrupt-input-is-refused-or-read-exactly"
AGREE = "corrupt-input-refusals-agree-with-deep-validation"


@pytest.mark.conformance(DDUF_READ, name=READ_EXACTLY, requirements=REQUIREMENTS)
def test_corrupt_input_is_refused_or_read_exactly(conformance, request, tmp_path: Path) -> None:
    def judge(corruption: Corruption, path: Path) -> Judgement:
        read = conformance.call(path)
        if corruption.scope == READER:  # any rule the refusal names is right: see the module docstring
            return expect_refusal(
                read, DDUF_READ, corruption.requirements[0], corruption.description, also=read.requirements
            )
        expected = decode_entries(corruption.data)
        judgement = expect_acceptance(read, lambda entries: entries_differ(expected, entries))
        if read.kind == REFUSED and not judgement.passed:
            # Refusing the valid archive the corruption was made from too says nothing about the
            # corruption: the valid-archive tests judge that (huggingface.js refuses .model files).
            source = path.with_name("source.dduf")
            source.write_bytes(corruption.source)
            if conformance.call(source).kind == REFUSED:
                return PASSED
        return judgement

    _check_corruptions(conformance, request, tmp_path, READ_EXACTLY, judge)


@pytest.mark.conformance(DDUF_READ, name=AGREE, requirements=REQUIREMENTS)
def test_corrupt_input_refusals_agree_with_deep_validation(conformance, request, tmp_path: Path) -> None:
    from weightspec.spec import requirements

    adapter = conformance.adapter
    if DDUF_VALIDATE_DEEP not in adapter.capabilities:
        pytest.skip(f"not applicable: {adapter.name} does not declare {DDUF_VALIDATE_DEEP}")
    # A deep validator names the ST- rules (reader scope for a safetensors file) of a broken
    # .safetensors entry: for a DDUF archive those are DDUF-DEEP-003, so only DDUF- IDs count.
    reader_rules = {
        i
        for i, requirement in requirements().items()
        if i.startswith("DDUF-") and requirement.scope == "reader"
    }

    def judge(corruption: Corruption, path: Path) -> Judgement:
        read = conformance.call(path)
        deep = call(adapter, DDUF_VALIDATE_DEEP, path, timeout=conformance.timeout)
        for capability, outcome in ((DDUF_READ, read), (DDUF_VALIDATE_DEEP, deep)):
            if outcome.kind not in (ACCEPTED, REFUSED):  # a crash fails, a timeout is an error
                unanswered = expect_acceptance(outcome)
                return Judgement(unanswered.status, f"{capability} {unanswered.reason}", unanswered.outcome)
        reader_findings = deep.kind == REFUSED and (
            not deep.requirements or bool(reader_rules & set(deep.requirements))
        )
        if read.kind == REFUSED and not reader_findings:
            reason = (
                f"{DDUF_READ} {read.describe()}, but {DDUF_VALIDATE_DEEP} reports no reader-scope finding"
            )
            return Judgement(FAIL, f"{reason} ({deep.describe()})", read.describe())
        if read.kind == ACCEPTED and reader_findings:
            reason = f"{DDUF_READ} opens the archive, but {DDUF_VALIDATE_DEEP} {deep.describe()}"
            return Judgement(FAIL, reason, read.describe())
        return PASSED

    _check_corruptions(conformance, request, tmp_path, AGREE, judge)
