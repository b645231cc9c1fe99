"""Every conformance case against the reference reader and validator.

- valid: ``read_dduf_file`` opens it, every entry's bytes are what zipfile reads, and
  ``validate_dduf(deep=True)`` finds nothing;
- rejected, scope reader: ``read_dduf_file`` raises ``DDUFCorruptedFileError`` naming the expected
  requirement, and ``validate_dduf`` reports it;
- rejected, scope deep: ``read_dduf_file`` opens it and ``validate_dduf(deep=False)`` finds
  nothing, while ``validate_dduf(deep=True)`` reports the expected requirement.
"""

from __future__ import annotations

import pytest

from weightspec.conformance import Case
from weightspec.reference import DDUFCorruptedFileError, read_dduf_file, validate_dduf


def _found(path, *, deep: bool) -> list[str]:
    return [finding.requirement for finding in validate_dduf(path, deep=deep)]


def test_reference_gives_the_expected_verdict(case: Case, write_case, assert_entries_are_zipfiles):
    path = write_case(case)
    expected = case.expected
    if expected.is_valid:
        assert_entries_are_zipfiles(path, read_dduf_file(path))
        assert validate_dduf(path, deep=True) == []
    elif expected.scope == "reader":
        with pytest.raises(DDUFCorruptedFileError) as raised:
            read_dduf_file(path)
        assert raised.value.requirement == expected.requirement, str(raised.value)
        assert raised.value.path == str(path)
        assert expected.requirement in _found(path, deep=False)
    else:
        read_dduf_file(path)
        assert _found(path, deep=False) == []
        assert expected.requirement in _found(path, deep=True)
