"""Regression cases found by fuzzing campaigns: the shrunk archives on which an implementation
failed a corruption property, kept as data in ``found/`` (``python -m
weightspec.conformance.reproducers --adopt DIR`` copies a campaign's reproducers there).

Each ``found/<name>.json`` holds what the campaign knew: the corruption's ``kind`` and ``variant``,
the ``requirements`` it breaks (the first reader-scope one is the one a strict reader must name),
its ``description``, and the ``implementation`` and ``test`` that failed on it; ``<name>.dduf``
holds the bytes. The case id is ``found-`` and the name in lower case. A reproducer that breaks
no rule is not adopted (``adoptable``): a valid archive's case needs a hand-chosen requirement.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from ..cases import Case, Verdict, rejected_by_deep, rejected_by_reader

FOLDER = Path(__file__).with_name("found")


def adoptable(record: dict) -> bool:
    """Whether a reproducer's record can become a case: it breaks at least one rule."""
    return bool(record["requirements"])


def verdict_of(requirements: tuple[str, ...]) -> Verdict:
    """A reader refuses and names the first rule it breaks that is not a deep one; an archive that
    breaks deep rules only is opened, and a deep validator names the first."""
    reader = [r for r in requirements if not r.startswith("DDUF-DEEP-")]
    return rejected_by_reader(reader[0]) if reader else rejected_by_deep(requirements[0])


def _case(record_path: Path) -> Case:
    record = json.loads(record_path.read_text(encoding="utf-8"))
    requirements = tuple(record["requirements"])
    description = (
        f"Found by fuzzing {record['implementation']} ({record['kind']}/{record['variant']}): "
        f"{record['description']}."
    )
    data = record_path.with_suffix(".dduf").read_bytes()
    return Case(
        f"found-{record_path.stem.lower()}",
        requirements,
        description,
        verdict_of(requirements),
        functools.partial(bytes, data),
    )


CASES = tuple(_case(path) for path in sorted(FOLDER.glob("*.json")))
