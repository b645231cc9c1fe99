"""Deliberately broken implementations, each an adapter around the reference that breaks one
requirement, so that tests can show the suite catches it (``--impl mutants:NAME``).

Each factory returns a fresh adapter; ``name`` says what is broken. A mutant in ``MUTANTS`` also
says which requirement it breaks (``breaks``) and which tests must catch it (``caught_by``, a
``-k`` expression): ``test_kill_table.py`` runs the suite against all of them. Every mutant's
factory is its name with ``_`` for ``-`` (``--impl mutants:off_by_one_offsets``).
"""

from __future__ import annotations

import datetime
import json
import re
import struct
from pathlib import Path

from weightspec.conformance.adapters.reference import ReferenceAdapter
from weightspec.conformance.harness.adapter import (
    DDUF_READ,
    EntryInfo,
    Finding,
    ModelSpec,
    SplitResult,
    refusing,
)
from weightspec.conformance.harness.outcomes import Refused
from weightspec.conformance.zip_records import CENTRAL_HEADER, END, FLAG_UTF8, LOCAL_HEADER, ZIP64_END


class Mutant(ReferenceAdapter):
    """Base of the mutants: the reference, broken in one way."""

    breaks: str  # the requirement ID the mutant breaks
    caught_by: str  # a -k expression selecting the tests that must catch it


# -- readers ---------------------------------------------------------------------------------------


class OffByOneOffsets(Mutant):
    """Locates every entry's data one byte late (the data offset comes from the local header,
    DDUF-ENTRY-006; every archive a reader must open shows it)."""

    name = "off-by-one-offsets"
    breaks = "DDUF-ENTRY-006"
    caught_by = "valid-hub-style-local-zip64 or test_corrupt_input_is_refused_or_read_exactly"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        return [EntryInfo(e.name, e.offset + 1, e.length) for e in super().dduf_read(path)]


class AcceptsTrailingBytes(Mutant):
    """Opens archives with bytes after the end record (breaks DDUF-ZIP-001) by cutting them off."""

    name = "accepts-trailing-bytes"
    breaks = "DDUF-ZIP-001"
    caught_by = "zip-trailing-bytes"

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


class CrashesOnEmptyEntries(Mutant):
    """Raises an undocumented IndexError for an archive with a zero-length entry, which lies
    where the next one begins and overlaps nothing (DDUF-ZIP-007)."""

    name = "crashes-on-empty-entries"
    breaks = "DDUF-ZIP-007"
    caught_by = "dduf-read and valid-empty-entry"

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        entries = super().dduf_read(path)
        if any(entry.length == 0 for entry in entries):
            raise IndexError("list index out of range")
        return entries


class _SkipsOneReaderCheck(Mutant):
    """The reference reader without the check of ``breaks``: it opens archives that break only
    that rule, with the entries the reference locates."""

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        from weightspec.reference import DDUFCorruptedFileError
        from weightspec.reference.dduf.reader import list_dduf_entries

        # Every finding and every entry the reader's checks locate: the public way to read past one.
        with refusing(self._errors.dduf_read):
            entries, findings = list_dduf_entries(path)
            for finding in findings:
                if finding.requirement != self.breaks:
                    raise DDUFCorruptedFileError.from_finding(finding)
        return [EntryInfo(entry.filename, entry.offset, entry.length) for entry in entries]


class AcceptsDeflate(_SkipsOneReaderCheck):
    """Opens compressed entries, locating their compressed bytes."""

    name = "accepts-deflate"
    breaks = "DDUF-ENTRY-001"
    caught_by = "entry-method-deflated"


class IgnoresDuplicateNames(_SkipsOneReaderCheck):
    """Opens archives with two entries of one name; the last one wins."""

    name = "ignores-duplicate-names"
    breaks = "DDUF-NAME-010"
    caught_by = "name-exact-duplicate"


class AcceptsDotDotNames(_SkipsOneReaderCheck):
    """Opens archives with ``..`` and ``.`` segments in names (path traversal)."""

    name = "accepts-dot-dot-names"
    breaks = "DDUF-NAME-003"
    caught_by = "name-dot-dot-prefix"


class IgnoresHeaderDisagreement(_SkipsOneReaderCheck):
    """Never compares an entry's local header with its central directory header."""

    name = "ignores-header-disagreement"
    breaks = "DDUF-ENTRY-006"
    caught_by = "entry-local-crc-differs"


class AcceptsPrefixBytes(_SkipsOneReaderCheck):
    """Opens archives with bytes before the first local header (self-extracting stubs)."""

    name = "accepts-prefix-bytes"
    breaks = "DDUF-ZIP-006"
    caught_by = "zip-prefix-stub"


class AcceptsEncryptedEntries(_SkipsOneReaderCheck):
    """Opens entries flagged as encrypted."""

    name = "accepts-encrypted-entries"
    breaks = "DDUF-ENTRY-003"
    caught_by = "entry-encrypted-flag"


class AcceptsDataDescriptors(_SkipsOneReaderCheck):
    """Opens entries with flag bit 3 set (a data descriptor announced)."""

    name = "accepts-data-descriptors"
    breaks = "DDUF-ENTRY-004"
    caught_by = "entry-data-descriptor-flag"


class AcceptsSymbolicLinks(_SkipsOneReaderCheck):
    """Never looks at an entry's file type: opens symbolic links and directories."""

    name = "accepts-symbolic-links"
    breaks = "DDUF-ENTRY-007"
    caught_by = "entry-unix-symlink"


class AcceptsBackslashes(_SkipsOneReaderCheck):
    """Opens names holding a backslash."""

    name = "accepts-backslashes"
    breaks = "DDUF-NAME-004"
    caught_by = "dduf-read and name-backslash"


class AcceptsControlCharacters(_SkipsOneReaderCheck):
    """Opens names holding NUL or another control character."""

    name = "accepts-control-characters"
    breaks = "DDUF-NAME-005"
    caught_by = "name-nul"


class AcceptsAnyExtension(_SkipsOneReaderCheck):
    """Opens entries of any file type (pickles included)."""

    name = "accepts-any-extension"
    breaks = "DDUF-NAME-007"
    caught_by = "name-extension-bin"


class AcceptsNestedFolders(_SkipsOneReaderCheck):
    """Opens names more than one folder deep."""

    name = "accepts-nested-folders"
    breaks = "DDUF-NAME-009"
    caught_by = "name-two-folders-deep"


class AcceptsLongNames(_SkipsOneReaderCheck):
    """Sets no limit on the length of a name."""

    name = "accepts-long-names"
    breaks = "DDUF-LIMIT-001"
    caught_by = "dduf-read and name-too-long"


class IgnoresUndeclaredFolders(_SkipsOneReaderCheck):
    """Opens archives with a folder that model_index.json does not declare."""

    name = "ignores-undeclared-folders"
    breaks = "DDUF-INDEX-003"
    caught_by = "index-undeclared-folder"


class AcceptsGaps(_SkipsOneReaderCheck):
    """Opens archives with bytes between one entry's data and the next local header."""

    name = "accepts-gaps"
    breaks = "DDUF-ZIP-008"
    caught_by = "zip-gap-between-entries"


# -- deep validators -------------------------------------------------------------------------------


class _DropsFindings(Mutant):
    """The reference's deep validator, leaving out the findings of ``breaks``."""

    def dduf_validate_deep(self, path: Path) -> list[Finding]:
        return [finding for finding in super().dduf_validate_deep(path) if finding.requirement != self.breaks]


class IgnoresCrcMismatches(_DropsFindings):
    """A deep validator that never compares CRC-32s."""

    name = "ignores-crc-mismatches"
    breaks = "DDUF-DEEP-001"
    caught_by = "deep-crc-mismatch"


class ValidatorMissesLocalHeaders(_DropsFindings):
    """A deep validator that never finds a local header missing where the directory points,
    which the reader refuses: the two disagree, as the property of read against deep validation
    shows too."""

    name = "validator-misses-local-headers"
    breaks = "DDUF-ENTRY-005"
    caught_by = "dduf-validate-deep and entry-local-signature-wrong or test_corrupt_input_refusals_agree"


# -- writers ---------------------------------------------------------------------------------------


class NonAtomicWriter(Mutant):
    """Opens the destination for writing before anything else, as a writer that streams into
    it does: a failed write leaves an empty file, or an earlier archive clobbered."""

    name = "non-atomic-writer"
    breaks = "DDUF-WRITE-005"
    caught_by = "test_publishes_atomically"

    def dduf_write(self, entries, path: Path) -> None:
        Path(path).write_bytes(b"")
        super().dduf_write(entries, path)


class WritesNoZip64Records(Mutant):
    """Writes no ZIP64 end records: where a count, size or offset does not fit the end record
    (past 65,535 entries or 4 GiB), its 16- and 32-bit fields wrap around."""

    name = "writes-no-zip64-records"
    breaks = "DDUF-WRITE-002"
    caught_by = "test_uses_zip64_for_many_entries"

    def dduf_write(self, entries, path: Path) -> None:
        super().dduf_write(entries, path)
        data = Path(path).read_bytes()
        locator = len(data) - END.size - 20
        if data[locator : locator + 4] != b"PK\x06\x07":
            return
        (zip64_end,) = struct.unpack_from("<Q", data, locator + 8)
        values = {
            field: struct.unpack_from("<Q", data, zip64_end + ZIP64_END.field(field)[0])[0]
            for field in ("entries_on_disk", "total_entries", "directory_size", "directory_offset")
        }
        end = END.pack(
            this_disk=0,
            directory_disk=0,
            entries_on_disk=values["entries_on_disk"] & 0xFFFF,
            total_entries=values["total_entries"] & 0xFFFF,
            directory_size=values["directory_size"] & 0xFFFFFFFF,
            directory_offset=values["directory_offset"] & 0xFFFFFFFF,
            comment_length=0,
        )
        Path(path).write_bytes(data[:zip64_end] + end)


def _rewrite_headers(path: Path, change) -> None:
    """Call ``change(data, record, offset)`` for every central header and its local header of the
    archive at ``path`` (one without ZIP64 end records), then write ``data`` back."""
    data = bytearray(Path(path).read_bytes())
    (count,) = struct.unpack_from("<H", data, len(data) - END.size + END.field("total_entries")[0])
    (position,) = struct.unpack_from("<I", data, len(data) - END.size + END.field("directory_offset")[0])
    for _ in range(count):
        lengths = [
            struct.unpack_from("<H", data, position + CENTRAL_HEADER.field(f)[0])[0]
            for f in ("name_length", "extra_length", "comment_length")
        ]
        (local,) = struct.unpack_from("<I", data, position + CENTRAL_HEADER.field("local_header_offset")[0])
        change(data, CENTRAL_HEADER, position)
        change(data, LOCAL_HEADER, local)
        position += CENTRAL_HEADER.size + sum(lengths)
    Path(path).write_bytes(bytes(data))


class StampsTheTime(Mutant):
    """Stamps every entry with the time of writing instead of 1980-01-01 00:00:00."""

    name = "stamps-the-time"
    breaks = "DDUF-WRITE-004"
    caught_by = "test_is_deterministic"

    def dduf_write(self, entries, path: Path) -> None:
        super().dduf_write(entries, path)
        now = datetime.datetime.now()
        date = ((now.year - 1980) << 9) | (now.month << 5) | now.day
        time = (now.hour << 11) | (now.minute << 5) | (now.second // 2)

        def stamp(data: bytearray, record, offset: int) -> None:
            struct.pack_into("<HH", data, offset + record.field("mtime")[0], time, date)

        _rewrite_headers(path, stamp)


class ClearsTheUtf8Flag(Mutant):
    """Never sets flag bit 11, so non-ASCII names read as CP437."""

    name = "clears-the-utf8-flag"
    breaks = "DDUF-WRITE-006"
    caught_by = "test_keeps_names_and_bytes"

    def dduf_write(self, entries, path: Path) -> None:
        super().dduf_write(entries, path)

        def clear(data: bytearray, record, offset: int) -> None:
            position = offset + record.field("flags")[0]
            (flags,) = struct.unpack_from("<H", data, position)
            struct.pack_into("<H", data, position, flags & ~FLAG_UTF8)

        _rewrite_headers(path, clear)


# -- splitters and savers --------------------------------------------------------------------------


class SplitsSharedStorages(Mutant):
    """Splits as if no two tensors shared storage: tied weights may land in different shards, and
    their storage is counted for each."""

    name = "splits-shared-storages"
    breaks = "SHARD-SPLIT-003"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        import torch

        unshared = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in state_dict.items()}
        return super().checkpoint_split(unshared, **options)


class CountsSharedStorageTwice(Mutant):
    """Splits right, but counts a storage in ``total_size`` once for each tensor that views it."""

    name = "counts-shared-storage-twice"
    breaks = "SHARD-SPLIT-003"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        import torch

        from weightspec.conformance.split_model import storage_size

        split = super().checkpoint_split(state_dict, **options)
        total = sum(storage_size(v) for v in state_dict.values() if isinstance(v, torch.Tensor))
        return split._replace(metadata={**split.metadata, "total_size": total})


def _renamed_shards(split: SplitResult, rename) -> SplitResult:
    names = {name: rename(name, list(split.filename_to_tensors)) for name in split.filename_to_tensors}
    return split._replace(
        filename_to_tensors={names[name]: tensors for name, tensors in split.filename_to_tensors.items()},
        tensor_to_filename={tensor: names[name] for tensor, name in split.tensor_to_filename.items()},
    )


class NumbersShardsBackwards(Mutant):
    """Numbers shards from the last one closed to the first."""

    name = "numbers-shards-backwards"
    breaks = "SHARD-SPLIT-005"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        split = super().checkpoint_split(state_dict, **options)
        return _renamed_shards(split, lambda name, names: names[len(names) - 1 - names.index(name)])


class UnpaddedShardNames(Mutant):
    """Names shards ``-1-of-3`` instead of ``-00001-of-00003``."""

    name = "unpadded-shard-names"
    breaks = "SHARD-NAME-001"
    caught_by = "test_matches_the_spec"

    def checkpoint_split(self, state_dict: dict, **options) -> SplitResult:
        split = super().checkpoint_split(state_dict, **options)
        unpadded = lambda name, names: re.sub(r"-0*(\d+)-of-0*(\d+)", r"-\1-of-\2", name)  # noqa: E731
        return _renamed_shards(split, unpadded)


class IndexesASingleShard(Mutant):
    """Writes ``model.safetensors.index.json`` for a checkpoint of one shard too."""

    name = "indexes-a-single-shard"
    breaks = "SHARD-NAME-003"
    caught_by = "test_indexes_exactly_when_sharded"

    def checkpoint_save(self, state_dict: dict, directory: Path, **options) -> None:
        super().checkpoint_save(state_dict, directory, **options)
        single = Path(directory) / "model.safetensors"
        if single.is_file():
            data = single.read_bytes()
            (length,) = struct.unpack_from("<Q", data)
            header = json.loads(data[8 : 8 + length])
            names = [name for name in header if name != "__metadata__"]
            index = {
                "metadata": {"total_size": len(data) - 8 - length},
                "weight_map": dict.fromkeys(names, single.name),
            }
            (Path(directory) / "model.safetensors.index.json").write_text(json.dumps(index))


class ReordersTheStateDict(Mutant):
    """Moves the first key of the caller's state dict to the end while saving."""

    name = "reorders-the-state-dict"
    breaks = "SHARD-SAVE-006"
    caught_by = "checkpoint-save and test_leaves_the_state_dict_unchanged"

    def checkpoint_save(self, state_dict: dict, directory: Path, **options) -> None:
        super().checkpoint_save(state_dict, directory, **options)
        first = next(iter(state_dict))
        state_dict[first] = state_dict.pop(first)


# -- loaders ---------------------------------------------------------------------------------------


class UnpicklesWithoutProtection(Mutant):
    """Unpickles with ``weights_only=False`` whatever the caller asks: any object a pickle holds
    is built (and its code run)."""

    name = "unpickles-without-protection"
    breaks = "SHARD-PICKLE-001"
    caught_by = "checkpoint-load and pickle-refused-by-the-weights-only-unpickler"

    def checkpoint_load(self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True):
        return super().checkpoint_load(path, model=model, safe=safe, weights_only=False)


class KeepsInitialValues(Mutant):
    """A careless loader: where the reference refuses a checkpoint, returns the blank model it was
    to load into, as a non-strict loader that skips what it cannot find does."""

    name = "keeps-initial-values"
    breaks = "SHARD-LOAD-002"
    caught_by = "checkpoint-load and model-tensor-missing-from-its-shard"

    def checkpoint_load(self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True):
        from weightspec.conformance.torch_models import blank_model, loaded_tensors

        try:
            return super().checkpoint_load(path, model=model, safe=safe, weights_only=weights_only)
        except Refused:
            return loaded_tensors(blank_model(model))


class LeavesAWeightOnMeta(Mutant):
    """Loads into a model as the reference does, then hands back its last tensor on ``meta``, as a
    loader that creates the model on ``meta`` and forgets to fill one weight."""

    name = "leaves-a-weight-on-meta"
    breaks = "SHARD-LOAD-002"
    caught_by = "checkpoint-load-into-model and valid-sharded-checkpoint"

    def checkpoint_load_into_model(self, directory: Path, **options) -> dict:
        loaded = super().checkpoint_load_into_model(directory, **options)
        name = list(loaded)[-1]
        return {**loaded, name: loaded[name].to("meta")}


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
