"""The base of the mutants: the reference adapter, with the requirement a mutant breaks and the
tests that must catch it."""

from __future__ import annotations

from weightspec.conformance.adapters.reference import ReferenceAdapter


class Mutant(ReferenceAdapter):
    """Base of the mutants: the reference, broken in one way."""

    breaks: str  # the requirement ID the mutant breaks
    caught_by: str  # a -k expression selecting the tests that must catch it
