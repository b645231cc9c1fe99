"""The DDUF conformance cases, one module per section of spec/dduf.md, then the regression cases
that fuzzing campaigns found (``found``), valid archives last.

Every module holds a ``CASES`` tuple; ``CASES`` here is their concatenation, the order that
``weightspec.conformance.all_cases()`` returns.
"""

from __future__ import annotations

from . import container, deep, entries, found, names, structure, valid

CASES = (
    *container.CASES,
    *entries.CASES,
    *names.CASES,
    *structure.CASES,
    *deep.CASES,
    *found.CASES,
    *valid.CASES,
)
