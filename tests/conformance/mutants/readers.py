"""Mutants of ``dduf-read``: readers that open what they must refuse, locate entries wrongly or
crash, and ``ReaderOnly``, the reference declaring nothing but ``dduf-read``."""

from __future__ import annotations

from pathlib import Path

from weightspec.conformance.adapters.reference import ReferenceAdapter
from weightspec.conformance.harness.adapter import DDUF_READ, EntryInfo, refusing

from ._base import Mutant


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


class SkipsOneReaderCheck(Mutant):
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


class AcceptsDeflate(SkipsOneReaderCheck):
    """Opens compressed entries, locating their compressed bytes."""

    name = "accepts-deflate"
    breaks = "DDUF-ENTRY-001"
    caught_by = "entry-method-deflated"


class IgnoresDuplicateNames(SkipsOneReaderCheck):
    """Opens archives with two entries of one name; the last one wins."""

    name = "ignores-duplicate-names"
    breaks = "DDUF-NAME-010"
    caught_by = "name-exact-duplicate"


class AcceptsDotDotNames(SkipsOneReaderCheck):
    """Opens archives with ``..`` and ``.`` segments in names (path traversal)."""

    name = "accepts-dot-dot-names"
    breaks = "DDUF-NAME-003"
    caught_by = "name-dot-dot-prefix"


class IgnoresHeaderDisagreement(SkipsOneReaderCheck):
    """Never compares an entry's local header with its central directory header."""

    name = "ignores-header-disagreement"
    breaks = "DDUF-ENTRY-006"
    caught_by = "entry-local-crc-differs"


class AcceptsPrefixBytes(SkipsOneReaderCheck):
    """Opens archives with bytes before the first local header (self-extracting stubs)."""

    name = "accepts-prefix-bytes"
    breaks = "DDUF-ZIP-006"
    caught_by = "zip-prefix-stub"


class AcceptsEncryptedEntries(SkipsOneReaderCheck):
    """Opens entries flagged as encrypted."""

    name = "accepts-encrypted-entries"
    breaks = "DDUF-ENTRY-003"
    caught_by = "entry-encrypted-flag"


class AcceptsDataDescriptors(SkipsOneReaderCheck):
    """Opens entries with flag bit 3 set (a data descriptor announced)."""

    name = "accepts-data-descriptors"
    breaks = "DDUF-ENTRY-004"
    caught_by = "entry-data-descriptor-flag"


class AcceptsSymbolicLinks(SkipsOneReaderCheck):
    """Never looks at an entry's file type: opens symbolic links and directories."""

    name = "accepts-symbolic-links"
    breaks = "DDUF-ENTRY-007"
    caught_by = "entry-unix-symlink"


class AcceptsBackslashes(SkipsOneReaderCheck):
    """Opens names holding a backslash."""

    name = "accepts-backslashes"
    breaks = "DDUF-NAME-004"
    caught_by = "dduf-read and name-backslash"


class AcceptsControlCharacters(SkipsOneReaderCheck):
    """Opens names holding NUL or another control character."""

    name = "accepts-control-characters"
    breaks = "DDUF-NAME-005"
    caught_by = "name-nul"


class AcceptsAnyExtension(SkipsOneReaderCheck):
    """Opens entries of any file type (pickles included)."""

    name = "accepts-any-extension"
    breaks = "DDUF-NAME-007"
    caught_by = "name-extension-bin"


class AcceptsNestedFolders(SkipsOneReaderCheck):
    """Opens names more than one folder deep."""

    name = "accepts-nested-folders"
    breaks = "DDUF-NAME-009"
    caught_by = "name-two-folders-deep"


class AcceptsLongNames(SkipsOneReaderCheck):
    """Sets no limit on the length of a name."""

    name = "accepts-long-names"
    breaks = "DDUF-LIMIT-001"
    caught_by = "dduf-read and name-too-long"


class IgnoresUndeclaredFolders(SkipsOneReaderCheck):
    """Opens archives with a folder that model_index.json does not declare."""

    name = "ignores-undeclared-folders"
    breaks = "DDUF-INDEX-003"
    caught_by = "index-undeclared-folder"


class AcceptsGaps(SkipsOneReaderCheck):
    """Opens archives with bytes between one entry's data and the next local header."""

    name = "accepts-gaps"
    breaks = "DDUF-ZIP-008"
    caught_by = "zip-gap-between-entries"
