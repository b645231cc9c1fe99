"""Campaign findings become regression cases of the case library: ``reproducers --adopt`` copies
a reproducer folder into ``dduf_cases/found/``, and ``dduf_cases.found`` makes each a case whose
verdict follows the rules the corruption breaks."""

from __future__ import annotations

import json

import pytest

from weightspec.conformance import all_cases
from weightspec.conformance.cases import rejected_by_deep, rejected_by_reader
from weightspec.conformance.corruptions import Corruption
from weightspec.conformance.dduf_cases import found
from weightspec.conformance.reproducers import adopt, main, save_reproducer

TRUNCATED = Corruption("truncation", "cut", ("DDUF-ZIP-001",), "cut to 3 bytes", b"PK\x03", b"PK\x03\x04")
HARMLESS = Corruption("harmless-bit-flip", "local.mtime", (), "a timestamp bit", b"PK\x03\x05", b"PK\x03\x04")


def test_adopting_copies_each_reproducer_once_without_its_source(tmp_path, capsys):
    campaign, library = tmp_path / "campaign", tmp_path / "found"
    library.mkdir()
    saved = save_reproducer(campaign, TRUNCATED, test="dduf-read/corrupt", implementation="mutant")
    save_reproducer(campaign, HARMLESS, test="dduf-read/corrupt", implementation="mutant")
    assert adopt(campaign, library) == [f"found-{saved.stem.lower()}"]
    assert "breaks no rule" in capsys.readouterr().err
    record = json.loads((library / saved.name).with_suffix(".json").read_text())
    assert "source" not in record and record["requirements"] == ["DDUF-ZIP-001"]
    assert (library / saved.name).read_bytes() == TRUNCATED.data
    assert adopt(campaign, library) == []  # already adopted


def test_the_command_refuses_a_missing_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as error:
        main(["--adopt", str(tmp_path / "absent")])
    assert error.value.code == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_reader_names_the_first_rule_that_is_not_deep():
    assert found.verdict_of(("DDUF-DEEP-001", "DDUF-ZIP-007")) == rejected_by_reader("DDUF-ZIP-007")
    assert found.verdict_of(("DDUF-DEEP-001",)) == rejected_by_deep("DDUF-DEEP-001")


def test_every_committed_finding_is_a_case_of_the_library():
    stems = sorted(path.stem for path in found.FOLDER.glob("*.json"))
    assert stems, "the campaigns' findings are committed"
    ids = {case.id for case in all_cases()}
    assert {f"found-{stem.lower()}" for stem in stems} <= ids
    assert all((found.FOLDER / f"{stem}.dduf").is_file() for stem in stems)
