"""Deliberately broken implementations, each an adapter around the reference that breaks one
requirement, so that tests can show the suite catches it (``--impl mutants:NAME``).

Each factory returns a fresh adapter; ``name`` says what is broken. A mutant in ``MUTANTS`` also
says which requirement it breaks (``breaks``) and which tests must catch it (``caught_by``, a
``-k`` expression): ``test_kill_table.py`` runs the suite against all of them. Every mutant's
factory is its name with ``_`` for ``-`` (``--impl mutants:off_by_one_offsets``).

The mutants live in one module per capability they break: ``readers``, ``validators``, ``writers``,
``sharding`` (splitters and savers) and ``loaders``.
"""

from __future__ import annotations

from .loaders import KeepsInitialValues, LeavesAWeightOnMeta, UnpicklesWithoutProtection
from .readers import (
    AcceptsAnyExtension,
    AcceptsBackslashes,
    AcceptsControlCharacters,
    AcceptsDataDescriptors,
    AcceptsDeflate,
    AcceptsDotDotNames,
    AcceptsEncryptedEntries,
    AcceptsGaps,
    AcceptsLongNames,
    AcceptsNestedFolders,
    AcceptsPrefixBytes,
    AcceptsSymbolicLinks,
    AcceptsTrailingBytes,
    CrashesOnEmptyEntries,
    IgnoresDuplicateNames,
    IgnoresHeaderDisagreement,
    IgnoresUndeclaredFolders,
    OffByOneOffsets,
    ReaderOnly,
)
from .sharding import (
    CountsSharedStorageTwice,
    IndexesASingleShard,
    NumbersShardsBackwards,
    ReordersTheStateDict,
    SplitsSharedStorages,
    UnpaddedShardNames,
)
from .validators import IgnoresCrcMismatches, ValidatorMissesLocalHeaders
from .writers import ClearsTheUtf8Flag, NonAtomicWriter, StampsTheTime, WritesNoZip64Records

MUTANTS = (
    OffByOneOffsets,
    AcceptsTrailingBytes,
    CrashesOnEmptyEntries,
    AcceptsDeflate,
    IgnoresDuplicateNames,
    AcceptsDotDotNames,
    IgnoresHeaderDisagreement,
    AcceptsPrefixBytes,
    AcceptsEncryptedEntries,
    AcceptsDataDescriptors,
    AcceptsSymbolicLinks,
    AcceptsBackslashes,
    AcceptsControlCharacters,
    AcceptsAnyExtension,
    AcceptsNestedFolders,
    AcceptsLongNames,
    IgnoresUndeclaredFolders,
    AcceptsGaps,
    IgnoresCrcMismatches,
    ValidatorMissesLocalHeaders,
    NonAtomicWriter,
    WritesNoZip64Records,
    StampsTheTime,
    ClearsTheUtf8Flag,
    SplitsSharedStorages,
    CountsSharedStorageTwice,
    NumbersShardsBackwards,
    UnpaddedShardNames,
    IndexesASingleShard,
    ReordersTheStateDict,
    UnpicklesWithoutProtection,
    KeepsInitialValues,
    LeavesAWeightOnMeta,
)
globals().update({adapter.name.replace("-", "_"): adapter for adapter in (*MUTANTS, ReaderOnly)})


def not_an_adapter() -> object:
    return object()
