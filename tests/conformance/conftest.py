"""Shared fixtures for the conformance tests.

A test that takes an argument named ``case`` runs once per conformance case, one named
``valid_case`` once per valid case (pytest ids are the case ids). ``write_case`` writes a case's
archive to a temporary ``<id>.dduf``; ``assert_entries_are_zipfiles`` checks that a reader's
``{name: entry}`` result (huggingface_hub's or the reference's) locates the bytes zipfile reads.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from weightspec.conformance import Case, all_cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argument, cases in (
        ("case", all_cases()),
        ("valid_case", [case for case in all_cases() if case.expected.is_valid]),
    ):
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, cases, ids=[case.id for case in cases])


@pytest.fixture
def write_case(tmp_path: Path):
    def write(case: Case) -> Path:
        path = tmp_path / f"{case.id}.dduf"
        path.write_bytes(case.build())
        return path

    return write


@pytest.fixture
def assert_entries_are_zipfiles():
    def check(path: Path, entries: dict) -> None:
        data = path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            assert sorted(entries) == sorted(archive.namelist())
            for name, entry in entries.items():
                assert data[entry.offset : entry.offset + entry.length] == archive.read(name), name

    return check
