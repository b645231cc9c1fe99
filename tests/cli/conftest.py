"""Fixtures for the CLI tests: the example pipeline, archives built from it, and a CLI runner."""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from weightspec.cli.main import main
from weightspec.reference import collect_folder_entries, export_entries_as_dduf

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tiny-pipeline"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys):
    """Run ``main(argv)`` in-process; return its exit code and the captured stdout and stderr."""

    def run(*argv: object) -> Result:
        code = main([str(arg) for arg in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def example() -> Path:
    """The committed example pipeline folder (read it, never write to it)."""
    return EXAMPLE


@pytest.fixture
def example_files() -> dict[str, bytes]:
    """Every file of the example pipeline: name relative to the folder, with '/' -> content."""
    return {
        path.relative_to(EXAMPLE).as_posix(): path.read_bytes()
        for path in sorted(EXAMPLE.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def packed_example(tmp_path) -> Path:
    """The example pipeline written as a DDUF archive by the reference writer."""
    out = tmp_path / "tiny.dduf"
    entries, _ = collect_folder_entries(EXAMPLE)
    export_entries_as_dduf(out, entries)
    return out


@pytest.fixture
def make_zip(tmp_path, example_files):
    """Build an archive with Python's zipfile: the example's files, changed as asked.

    ``make_zip(name, extra={entry: data}, without=(entry,), compression=zipfile.ZIP_DEFLATED)``
    writes ``tmp_path / name`` holding every example file but ``without``, plus ``extra``, all with
    ``compression``.
    With ``directory_entries=True`` each folder's files follow an entry for the folder itself
    (``"tokenizer/"``, with Unix and MS-DOS directory attributes), as Info-ZIP's ``zip -r`` writes.
    """

    def build(
        name: str,
        *,
        extra: dict[str, bytes] | None = None,
        without: tuple[str, ...] = (),
        compression: int = zipfile.ZIP_STORED,
        directory_entries: bool = False,
    ) -> Path:
        path = tmp_path / name
        folders_seen = set()
        with zipfile.ZipFile(path, "w") as archive:
            for entry, data in (example_files | (extra or {})).items():
                if entry in without:
                    continue
                folder = entry.rpartition("/")[0]
                if directory_entries and folder and folder not in folders_seen:
                    folders_seen.add(folder)
                    directory = zipfile.ZipInfo(f"{folder}/", date_time=(1980, 1, 1, 0, 0, 0))
                    directory.external_attr = (0o40755 << 16) | 0x10
                    archive.writestr(directory, b"")
                info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, data, compress_type=compression)
        return path

    return build


@pytest.fixture
def pipeline(tmp_path, example) -> Path:
    """A writable copy of the example pipeline."""
    return shutil.copytree(example, tmp_path / "pipeline")
