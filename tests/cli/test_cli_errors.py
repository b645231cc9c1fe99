"""Exit codes by kind of fault (cli/output.py ``report_error``): a bad input exits 1, anything else 2;
and the fix hint under the error of a common mistake.

An error that blames the request (an impossible argument, a dtype the loader cannot hold, a
strict load's key mismatch) is no verdict on the input, even though it names a requirement.
"""

from __future__ import annotations

import pytest

from weightspec.cli.fix_hints import HINTS
from weightspec.cli.output import EXIT_ERROR, EXIT_INVALID, report_error
from weightspec.reference import (
    CorruptedCheckpointError,
    DDUFCorruptedFileError,
    DDUFExportError,
    DDUFInvalidEntryNameError,
    InvalidArgumentError,
    SafetensorsError,
    StrictLoadError,
    UnsupportedDtypeError,
)

CASES = [
    (CorruptedCheckpointError("is not JSON", requirement="SHARD-INDEX-001"), EXIT_INVALID),
    (SafetensorsError("header too long", requirement="ST-HEADER-002"), EXIT_INVALID),
    (DDUFCorruptedFileError("compressed entry", requirement="DDUF-ZIP-004"), EXIT_INVALID),
    (DDUFInvalidEntryNameError("absolute name", requirement="DDUF-NAME-003"), EXIT_INVALID),
    (DDUFExportError("no model_index.json", requirement="DDUF-INDEX-001"), EXIT_INVALID),
    (DDUFExportError("cannot create the archive: disk full"), EXIT_ERROR),
    (
        InvalidArgumentError("max_shard_size '5 parsecs' has unknown unit", requirement="SHARD-SIZE-002"),
        EXIT_ERROR,
    ),
    (UnsupportedDtypeError("tensor 'w' has dtype F6_E2M3", requirement="ST-LOAD-001"), EXIT_ERROR),
    (
        StrictLoadError("Error(s)", missing_keys=["w"], unexpected_keys=[], requirement="SHARD-LOAD-006"),
        EXIT_ERROR,
    ),
]


@pytest.mark.parametrize(("error", "code"), CASES, ids=[f"{type(e).__name__}-{c}" for e, c in CASES])
def test_only_a_bad_input_exits_1_and_every_error_is_one_line(error, code, capsys):
    assert report_error(error) == code
    hint = f"hint: {HINTS[error.requirement]}\n" if error.requirement in HINTS else ""
    assert capsys.readouterr().err == f"weightspec: error: {error}\n{hint}"


def test_an_error_of_a_common_mistake_says_how_to_fix_it(capsys):
    error = DDUFExportError("missing the root entry model_index.json", requirement="DDUF-INDEX-001", path="f")
    assert report_error(error) == EXIT_INVALID
    error_line, hint_line = capsys.readouterr().err.splitlines()
    assert error_line == "weightspec: error: [DDUF-INDEX-001] f: missing the root entry model_index.json"
    assert hint_line.startswith("hint: ") and "save_pretrained" in hint_line
