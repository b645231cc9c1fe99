"""How the entries a reader returned differ from the ones it must return (for the suite's
judgements: the expected entries are what the layout oracle, ``weightspec.conformance.oracle``,
decodes)."""

from __future__ import annotations

from .harness.adapter import EntryInfo


def entries_differ(expected: list[EntryInfo], got: list[EntryInfo]) -> str | None:
    """One sentence saying how ``got`` differs from ``expected``, or None when they are equal."""
    got = [EntryInfo(*entry) for entry in got]
    if got == expected:
        return None
    expected_names, got_names = [e.name for e in expected], [e.name for e in got]
    if expected_names != got_names:
        missing = [n for n in expected_names if n not in got_names]
        extra = [n for n in got_names if n not in expected_names]
        if missing or extra:
            return f"returned the wrong entries: missing {missing}, unexpected {extra}"
        return f"returned the entries in another order: {got_names}, expected {expected_names}"
    wrong = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    e, g = wrong[0]
    return (
        f"{len(wrong)} entr{'y' if len(wrong) == 1 else 'ies'} located wrongly, first {e.name!r}: "
        f"offset {g.offset} length {g.length}, expected offset {e.offset} length {e.length}"
    )
