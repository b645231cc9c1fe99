"""What every kind of corruption shares: the kinds and the requirements they break, ``Corruption``,
and the registry that ``mutate`` looks a kind up in (each family module registers its kinds with
``_kind``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ..zip_builder import Archive, ZipSpec

KINDS = (
    "truncation",
    "header-bit-flip",
    "harmless-bit-flip",
    "size-lie",
    "offset-lie",
    "name-mutation",
    "duplicate-entry",
    "overlapping-entries",
    "directory-inconsistency",
    "zip64-inconsistency",
    "compression",
    "encryption",
    "data-descriptor",
    "not-a-regular-file",
    "stray-bytes",
    "data-corruption",
)
VALID_FOR_READERS = ("harmless-bit-flip", "data-corruption")  # the kinds whose archives readers must open
# Every requirement some kind breaks, in spec order (the DDUF-DEEP- ones are the deep scope's).
REQUIREMENTS = (
    *(f"DDUF-ZIP-{n:03d}" for n in range(1, 10)),
    *(f"DDUF-ENTRY-{n:03d}" for n in range(1, 8)),
    *(f"DDUF-NAME-{n:03d}" for n in range(1, 11)),
    "DDUF-LIMIT-001",
    "DDUF-DEEP-001",
)
READER, DEEP, NONE = "reader", "deep", "none"


@dataclass(frozen=True)
class Corruption:
    """One corrupted archive.

    ``kind`` is one of ``KINDS`` and ``variant`` the mutation within it (``dot-dot`` of
    ``name-mutation``); ``requirements`` the IDs of spec/dduf.md it breaks (``()``: the archive is
    still valid); ``data`` the corrupted bytes, ``source`` the valid archive they were made from;
    ``offset`` the first byte where they differ.
    """

    kind: str
    variant: str
    requirements: tuple[str, ...]
    description: str
    data: bytes
    source: bytes

    @property
    def offset(self) -> int:
        common = min(len(self.data), len(self.source))
        return next((i for i in range(common) if self.data[i] != self.source[i]), common)

    @property
    def scope(self) -> str:
        """``reader`` when a reader must refuse the archive, ``deep`` when only a deep validator
        finds something, ``none`` when it is valid."""
        if any(not requirement.startswith("DDUF-DEEP-") for requirement in self.requirements):
            return READER
        return DEEP if self.requirements else NONE

    def hex_excerpt(self, context: int = 16) -> str:
        """The bytes around ``offset`` in hex: ``bytes 40..72 of 389: 504b0304...``."""
        start = max(self.offset - context, 0)
        end = min(self.offset + context, len(self.data))
        return f"bytes {start}..{end} of {len(self.data)}: {self.data[start:end].hex()}"


class _Mutation(NamedTuple):
    """What a kind's function returns: a ``Corruption`` but its kind, with the archive it corrupted
    (for some kinds a variant of the one given: with or without ZIP64 end records)."""

    variant: str
    requirements: tuple[str, ...]
    description: str
    data: bytes
    source: Archive


Mutate = Callable[[Callable, ZipSpec], _Mutation]
_MUTATIONS: dict[str, Mutate] = {}


def mutate(kind: str, draw, spec: ZipSpec) -> Corruption:
    """Apply a corruption of ``kind`` to ``spec`` (a valid archive); ``draw`` draws its choices."""
    m = _MUTATIONS[kind](draw, spec)
    return Corruption(kind, m.variant, m.requirements, m.description, m.data, m.source.data)


def _kind(name: str) -> Callable[[Mutate], Mutate]:
    def register(function: Mutate) -> Mutate:
        _MUTATIONS[name] = function
        return function

    return register
