"""Every finding of ``validate_dduf`` is complete where it is made (issue 8).

Over every rejected case of the case library, each finding of ``validate_dduf(deep=True)`` has:

- a requirement ID of ``spec/requirements.json`` (never a stand-in such as ``UNSPECIFIED``);
- the archive's path;
- an entry, when its rule is about one entry (names, entry headers, entry bytes);
- an offset inside the file (``0 <= offset < size``), except the pipeline findings of
  ``_WITHOUT_OFFSET``, which have none because no bytes are theirs (see ``reference.dduf.structure``).

And the finding the case expects is among them.
"""

from __future__ import annotations

import pytest

from weightspec import spec
from weightspec.conformance import Case, all_cases
from weightspec.reference import validate_dduf

REJECTED = [case for case in all_cases() if not case.expected.is_valid]

# DDUF-INDEX-001: the index entry is missing; DDUF-INDEX-003/004: a folder, which has no header.
_WITHOUT_OFFSET = frozenset({"DDUF-INDEX-001", "DDUF-INDEX-003", "DDUF-INDEX-004"})
_ABOUT_AN_ENTRY = ("DDUF-NAME-", "DDUF-ENTRY-", "DDUF-DEEP-", "ST-")


@pytest.mark.parametrize("case", REJECTED, ids=[case.id for case in REJECTED])
def test_every_finding_names_requirement_path_entry_and_offset(case: Case, tmp_path):
    path = tmp_path / f"{case.id}.dduf"
    path.write_bytes(case.build())
    size = path.stat().st_size
    known = spec.requirements()

    findings = validate_dduf(path, deep=True)

    assert case.expected.requirement in [finding.requirement for finding in findings]
    for finding in findings:
        assert finding.requirement in known, finding
        assert finding.path == str(path), finding
        if finding.requirement.startswith(_ABOUT_AN_ENTRY):
            assert finding.entry is not None, finding
        if finding.requirement in _WITHOUT_OFFSET:
            assert finding.offset is None, finding
        else:
            assert finding.offset is not None and 0 <= finding.offset < size, finding
