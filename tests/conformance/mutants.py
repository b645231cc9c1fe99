"""Deliberately broken implementations, each an adapter around the reference that breaks one
requirement, so that tests can show the suite catches it (``--impl mutants:NAME``).

Each factory returns a fresh adapter; ``name`` says what is broken.
"""

from __future__ import annotations

from pathlib import Path

from weightspec.conformance.adapters.reference import ReferenceAdapter
from weightspec.conformance.harness.adapter import DDUF_READ, EntryInfo, ModelSpec
from weightspec.conformance.harness.outcomes import Refused


class OffByOneOffsets(ReferenceAdapter):
    """Locates every entry's data one byte late (breaks what every valid case checks)."""

    name = "off-by-one-offsets"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        return [EntryInfo(e.name, e.offset + 1, e.length) for e in super().dduf_read(path)]


class AcceptsTrailingBytes(ReferenceAdapter):
    """Opens archives with bytes after the end record (breaks DDUF-ZIP-001) by cutting them off."""

    name = "accepts-trailing-bytes"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        data = path.read_bytes()
        end = data.rfind(b"PK\x05\x06")
        if end != -1 and end + 22 < len(data):
            trimmed = path.with_suffix(".trimmed")
            trimmed.write_bytes(data[: end + 22])
            return super().dduf_read(trimmed)
        return super().dduf_read(path)


class ReaderOnly(ReferenceAdapter):
    """The reference, declaring nothing but dduf-read: every other test is not applicable."""

    name = "reader-only"
    capabilities = frozenset({DDUF_READ})


class CrashesOnEmptyEntries(ReferenceAdapter):
    """Raises an undocumented IndexError for an archive with a zero-length entry."""

    name = "crashes-on-empty-entries"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        entries = super().dduf_read(path)
        if any(entry.length == 0 for entry in entries):
            raise IndexError("list index out of range")
        return entries


class KeepsInitialValues(ReferenceAdapter):
    """A careless loader: where the reference refuses a checkpoint, returns the blank model it was
    to load into, as a non-strict loader that skips what it cannot find does."""

    name = "keeps-initial-values"

    def checkpoint_load(self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True):
        from weightspec.conformance.torch_models import blank_model, loaded_tensors

        try:
            return super().checkpoint_load(path, model=model, safe=safe, weights_only=weights_only)
        except Refused:
            return loaded_tensors(blank_model(model))


class LeavesAWeightOnMeta(ReferenceAdapter):
    """Loads into a model as the reference does, then hands back its last tensor on ``meta``, as a
    loader that creates the model on ``meta`` and forgets to fill one weight."""

    name = "leaves-a-weight-on-meta"

    def checkpoint_load_into_model(self, directory: Path, **options) -> dict:
        loaded = super().checkpoint_load_into_model(directory, **options)
        name = list(loaded)[-1]
        return {**loaded, name: loaded[name].to("meta")}


off_by_one_offsets = OffByOneOffsets
accepts_trailing_bytes = AcceptsTrailingBytes
reader_only = ReaderOnly
crashes_on_empty_entries = CrashesOnEmptyEntries
keeps_initial_values = KeepsInitialValues
leaves_a_weight_on_meta = LeavesAWeightOnMeta


def not_an_adapter() -> object:
    return object()
