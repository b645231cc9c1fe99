"""Structure-aware corruptions of valid DDUF archives, each tagged with the requirements it breaks.

``mutate(kind, draw, spec)`` applies one corruption of ``kind`` (one of ``KINDS``) to the valid
archive ``spec`` (a ``zip_builder.ZipSpec``) and returns a ``Corruption``. The strategy
``strategies.corruptions()`` draws the archive and the kind; this package holds what each kind does.

Every kind either makes the archive break a reader requirement for certain, or keeps it valid
for readers (``Corruption.scope``), because the mutations are restricted so that their verdict
never depends on chance: a bit flip in a field a reader checks (a CRC-32, a size) always breaks
a rule, one in a field no rule constrains (a timestamp, alignment padding) never does, and a
changed count or offset is never one that means the same (a saturated value where ZIP64 records
hold the real one). ``requirements`` lists the rules broken: all of them are broken where the
kind says one rule; where bytes decide which of several rules a reader meets first (shifted data
overlaps the next entry or runs past the end of the file), it lists each, the most telling first.

The kinds, by family module (each registers its kinds in ``_core``'s registry on import, which
importing this package does for all of them):

- ``archive_bytes``: truncation, stray-bytes, data-corruption;
- ``headers``: header-bit-flip, harmless-bit-flip, size-lie, offset-lie;
- ``names``: name-mutation (its variants: ``NAME_VARIANTS``);
- ``entries``: duplicate-entry, overlapping-entries;
- ``records``: directory-inconsistency, zip64-inconsistency;
- ``features``: compression, encryption, data-descriptor, not-a-regular-file.

What they share: ``_core`` (``Corruption``, ``KINDS``, the registry), ``_fields`` (reading and
writing fields of a built archive) and ``_breaks`` (what a changed header field breaks).

Like ``zip_builder``, this package shares no code with ``weightspec.reference``.
"""

from __future__ import annotations

from . import archive_bytes, entries, features, headers, names, records  # noqa: F401 (they register the kinds)
from ._core import DEEP, KINDS, NONE, READER, REQUIREMENTS, VALID_FOR_READERS, Corruption, mutate
from .names import NAME_VARIANTS

__all__ = [
    "DEEP",
    "KINDS",
    "NAME_VARIANTS",
    "NONE",
    "READER",
    "REQUIREMENTS",
    "VALID_FOR_READERS",
    "Corruption",
    "mutate",
]
