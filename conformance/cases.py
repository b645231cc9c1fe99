"""Conformance cases as data: each one a DDUF archive built byte by byte, plus the verdict it must get.

A ``Case`` has an ``id`` (lower-case words joined by ``-``, also its file name), the requirement
IDs it covers, a one-sentence description, a ``build()`` returning the archive bytes, and an
``expected`` ``Verdict``:

- ``VALID``: every reader accepts the archive and a deep validator reports nothing;
- ``rejected_by_reader(id)``: a reader refuses to open it and names requirement ``id``;
- ``rejected_by_deep(id)``: a reader opens it, a deep validator (which reads every byte) names ``id``.

Convention for ``.safetensors`` entries (DDUF-DEEP-003): such a case lists both DDUF-DEEP-003 and
the ST- requirement it breaks, and expects the ST- ID, the most specific one.

A rejected case breaks one rule and keeps everything else valid; where breaking a rule cannot
help breaking a second one (a name with an empty middle segment also has two ``/``), the case
lists both and expects the one it is about.

``export_cases(directory)`` writes ``<id>.dduf`` for every case and ``manifest.json``: a list of
``{id, file, sha256, requirements, description, expected: {verdict, requirement, scope}}`` (for
valid cases ``requirement`` and ``scope`` are null), so that implementations in any language can
run the suite. ``load_cases(directory)`` reads such an export back as ``Case`` objects.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

MANIFEST = "manifest.json"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Verdict:
    """What a conforming implementation must conclude about a case's archive."""

    verdict: Literal["valid", "rejected"]
    requirement: str | None = None  # for rejected: the ID a strict implementation must name
    scope: Literal["reader", "deep", "loader"] | None = None  # for rejected: who must notice

    def __post_init__(self) -> None:
        rejected = self.verdict == "rejected"
        if self.verdict not in ("valid", "rejected") or rejected != (self.requirement is not None):
            raise ValueError(f"a rejected verdict names a requirement, a valid one does not: {self}")
        if rejected != (self.scope in ("reader", "deep", "loader")):
            raise ValueError(
                f"a rejected verdict has scope 'reader', 'deep' or 'loader', a valid one none: {self}"
            )

    @property
    def is_valid(self) -> bool:
        return self.verdict == "valid"

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "requirement": self.requirement, "scope": self.scope}

    @classmethod
    def from_json(cls, data: dict) -> Verdict:
        return cls(data["verdict"], data.get("requirement"), data.get("scope"))


VALID = Verdict("valid")


def rejected_by_reader(requirement: str) -> Verdict:
    return Verdict("rejected", requirement, "reader")


def rejected_by_deep(requirement: str) -> Verdict:
    return Verdict("rejected", requirement, "deep")


def rejected_by_loader(requirement: str) -> Verdict:
    return Verdict("rejected", requirement, "loader")


def check_case_metadata(kind: str, case_id: str, requirements: tuple[str, ...], expected: Verdict) -> None:
    """The rules every case of every library keeps; ``kind`` names the library in the
    ``ValueError`` raised for a case id that is not lower-case words joined by ``-``, a case that
    covers no requirement, or one that expects a requirement it does not list."""
    if not _ID.match(case_id):
        raise ValueError(f"{kind} id {case_id!r} is not lower-case words joined by '-'")
    if not requirements:
        raise ValueError(f"{kind} {case_id!r} covers no requirement")
    if not expected.is_valid and expected.requirement not in requirements:
        raise ValueError(f"{kind} {case_id!r} expects {expected.requirement}, which it does not list")


@dataclass(frozen=True)
class Case:
    id: str
    requirements: tuple[str, ...]
    description: str
    expected: Verdict
    build: Callable[[], bytes]

    def __post_init__(self) -> None:
        check_case_metadata("case", self.id, self.requirements, self.expected)

    def to_json(self, file: str, data: bytes) -> dict:
        return {
            "id": self.id,
            "file": file,
            "sha256": hashlib.sha256(data).hexdigest(),
            "requirements": list(self.requirements),
            "description": self.description,
            "expected": self.expected.to_json(),
        }


@functools.cache
def _registry() -> dict[str, Case]:
    from .dduf_cases import CASES  # imported here: the case modules import Case from this module

    registry: dict[str, Case] = {}
    for case in CASES:
        if case.id in registry:
            raise ValueError(f"two cases share the id {case.id!r}")
        registry[case.id] = case
    return registry


def all_cases() -> list[Case]:
    """Every case, in a stable order (by spec section, valid cases last)."""
    return list(_registry().values())


def case_by_id(case_id: str) -> Case:
    try:
        return _registry()[case_id]
    except KeyError:
        raise KeyError(f"no conformance case {case_id!r}") from None


def export_cases(directory: str | Path, cases: list[Case] | None = None) -> Path:
    """Write ``<id>.dduf`` for each case (default: all) and ``manifest.json``; return the manifest path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    manifest = []
    for case in all_cases() if cases is None else cases:
        data = case.build()
        file = f"{case.id}.dduf"
        (directory / file).write_bytes(data)
        manifest.append(case.to_json(file, data))
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_cases(directory: str | Path) -> list[Case]:
    """The cases of an export, each building the bytes of its file. Raises ValueError when a file's
    SHA-256 differs from the manifest."""
    directory = Path(directory)
    cases = []
    for item in json.loads((directory / MANIFEST).read_text(encoding="utf-8")):
        data = (directory / item["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != item["sha256"]:
            raise ValueError(f"{item['file']}: content does not match the manifest's sha256")
        cases.append(
            Case(
                id=item["id"],
                requirements=tuple(item["requirements"]),
                description=item["description"],
                expected=Verdict.from_json(item["expected"]),
                build=functools.partial(bytes, data),
            )
        )
    return cases
