"""``strategies.corruptions()`` reaches every kind of corruption, every name mutation and every
requirement it claims to break, and its tags are right.

Reachability is shown with ``hypothesis.find`` among the first examples, without shrinking and
derandomized, so each check gives the same answer on every run. The tags are checked against the
reference's validator, which the suite itself never consults: a corruption that breaks a reader
rule gets a finding of one of its requirements, one left valid for readers gets no reader finding.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.errors import NoSuchExample

from weightspec import spec
from weightspec.conformance.corruptions import (
    DEEP,
    KINDS,
    NAME_VARIANTS,
    NONE,
    READER,
    REQUIREMENTS,
    Corruption,
)
from weightspec.conformance.corruptions._core import _MUTATIONS
from weightspec.conformance.oracle import decode_entries
from weightspec.conformance.reproducers import load_reproducers, reproducer_name, save_reproducer
from weightspec.conformance.strategies import corruptions
from weightspec.reference import validate_dduf

FIND = settings(
    max_examples=2000,
    phases=[Phase.generate],
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# For a DDUF archive the ST- findings of a broken .safetensors entry are DDUF-DEEP-003's.
READER_RULES = {i for i, r in spec.requirements().items() if i.startswith("DDUF-") and r.scope == "reader"}


def scan(strategy, classes, targets: set) -> set:
    """The ``classes(corruption)`` of the examples of ``strategy`` up to the first one by which all
    of ``targets`` were seen (``hypothesis.find`` stops there), or of every example it draws."""
    seen: set = set()

    def reached_all(corruption: Corruption) -> bool:
        seen.update(classes(corruption))
        return targets <= seen

    try:
        find(strategy, reached_all, settings=FIND)
    except NoSuchExample:
        pass  # the tests below say what is missing
    return seen


NAME_REQUIREMENTS = {r for r in REQUIREMENTS if r.startswith("DDUF-NAME-")} | {"DDUF-LIMIT-001"}


@pytest.fixture(scope="module")
def reached() -> set:
    """Kinds, scopes and requirements among all corruptions; variants and the requirements of
    names among the name mutations (one kind of sixteen, too rare in the first scan to reach
    every variant soon)."""
    names = scan(
        corruptions(("name-mutation",)),
        lambda c: {f"name:{c.variant}", *c.requirements},
        {*(f"name:{variant}" for variant in NAME_VARIANTS), *NAME_REQUIREMENTS},
    )
    everything = scan(
        corruptions(),
        lambda c: {c.kind, c.scope, *c.requirements},
        {*KINDS, READER, DEEP, NONE, *(set(REQUIREMENTS) - NAME_REQUIREMENTS)},
    )
    return names | everything


def test_every_kind_has_a_mutation():
    """Importing the package imports every family module, which registers its kinds: those of
    ``KINDS``, no other."""
    assert sorted(_MUTATIONS) == sorted(KINDS)


def test_corruptions_do_not_import_the_reference():
    """Independence: the suite must be able to catch a broken reference, so drawing a corruption
    of every kind never imports it."""
    program = textwrap.dedent(
        """
        import sys
        from hypothesis import Phase, find, settings
        from weightspec.conformance.corruptions import KINDS
        from weightspec.conformance.strategies import corruptions
        once = settings(database=None, derandomize=True, phases=[Phase.generate])
        for kind in KINDS:
            find(corruptions((kind,)), lambda corruption: True, settings=once)
        print(sorted(name for name in sys.modules if name.startswith("weightspec.reference")))
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_reachable(kind, reached):
    assert kind in reached


@pytest.mark.parametrize("variant", NAME_VARIANTS)
def test_every_name_mutation_is_reachable(variant, reached):
    assert f"name:{variant}" in reached


@pytest.mark.parametrize("requirement", REQUIREMENTS)
def test_every_requirement_is_broken_by_some_corruption(requirement, reached):
    assert requirement in reached


@pytest.mark.parametrize("scope", [READER, DEEP, NONE])
def test_corruptions_of_every_scope_are_reachable(scope, reached):
    assert scope in reached


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruption=corruptions())
def test_tags_are_what_the_reference_finds(corruption, tmp_path_factory):
    """The source is valid; the corruption differs from it, names only known requirements and
    kinds, and its scope and requirements agree with the reference's deep validator."""
    directory = tmp_path_factory.mktemp("corruption")
    source, corrupted = directory / "source.dduf", directory / "corrupted.dduf"
    source.write_bytes(corruption.source)
    corrupted.write_bytes(corruption.data)
    assert corruption.data != corruption.source
    assert corruption.kind in KINDS and set(corruption.requirements) <= set(REQUIREMENTS)
    assert validate_dduf(source, deep=True) == []
    found = {finding.requirement for finding in validate_dduf(corrupted, deep=True)}
    reader = found & READER_RULES
    if corruption.scope == READER:
        assert reader and found & set(corruption.requirements), (corruption.description, found)
        return
    if corruption.scope == DEEP:
        assert not reader and found & set(corruption.requirements), (corruption.description, found)
    else:
        assert not found, (corruption.description, found)
    decode_entries(corruption.data)  # the oracle decodes what readers must open


def test_the_first_difference_is_shown_in_hex():
    corruption = Corruption(
        "stray-bytes", "after-end", ("DDUF-ZIP-001",), "", b"PK\x05\x06" + bytes(20), b"PK\x05\x06"
    )
    assert corruption.offset == 4
    assert corruption.hex_excerpt(context=2) == "bytes 2..6 of 24: 05060000"


def test_reproducers_round_trip_under_a_name_that_says_what_they_break(tmp_path):
    corruption = find(corruptions(("truncation",)), lambda c: True, settings=FIND)
    path = save_reproducer(tmp_path, corruption, test="dduf-read/x", implementation="mutant")
    assert path.name == f"{reproducer_name(corruption)}.dduf"
    assert path.name.startswith("DDUF-ZIP-001-truncation-") and path.read_bytes() == corruption.data
    assert save_reproducer(tmp_path, corruption, test="dduf-read/x", implementation="mutant") == path
    assert load_reproducers(tmp_path) == [corruption]
    assert load_reproducers(tmp_path / "absent") == []
