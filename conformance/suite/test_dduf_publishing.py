"""DDUF writers publish atomically (``dduf-write``, DDUF-WRITE-005): a write that fails part way
leaves the destination's folder as it was, with neither a partial archive, nor an earlier archive
changed, nor a temporary file left beside it.

The write fails after some entries: its last entry is a second entry of a name already written,
or a source file that does not exist, which every writer refuses (with any documented
category, naming any requirement: what is judged here is what the failure leaves behind). Each
is tried with no file at the destination, and over an earlier archive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightspec.conformance.harness.adapter import DDUF_WRITE
from weightspec.conformance.harness.judging import FAIL, PASSED, Judgement, expect_refusal

INDEX = json.dumps({"_class_name": "Pipeline", "unet": ["diffusers", "UNet"]}).encode()
ENTRIES = [("model_index.json", INDEX), ("unet/config.json", b"{}"), ("unet/notes.txt", bytes(4096))]
EARLIER = b"the bytes of an earlier archive"


def _failing_last_entries(folder: Path) -> dict[str, tuple]:
    return {
        "a name already written": ("unet/config.json", b"{}"),
        "a source file that does not exist": ("unet/vocab.txt", folder / "no-such-file.txt"),
    }


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.conformance(DDUF_WRITE, name="publishes-atomically", requirements=("DDUF-WRITE-005",))
def test_publishes_atomically(conformance, tmp_path: Path) -> None:
    for number, (why, last) in enumerate(_failing_last_entries(tmp_path).items()):
        for earlier in (None, EARLIER):
            folder = tmp_path / f"write-{number}-{'over' if earlier else 'new'}"
            folder.mkdir()
            destination = folder / "pipeline.dduf"
            if earlier is not None:
                destination.write_bytes(earlier)
            before = _contents(folder)
            outcome = conformance.call([*ENTRIES, last], destination)
            situation = (
                f"the last entry is {why}, {'over an earlier archive' if earlier else 'to a new file'}"
            )
            judgement = expect_refusal(
                outcome, DDUF_WRITE, "DDUF-WRITE-005", situation, also=outcome.requirements
            )
            after = _contents(folder)
            if judgement.passed and after != before:
                changed = sorted(name for name in {*before, *after} if before.get(name) != after.get(name))
                reason = f"a failed write changed the folder ({situation}): {', '.join(changed)}"
                judgement = Judgement(FAIL, reason, judgement.outcome)
            if not judgement.passed:
                conformance.conclude(judgement)
                return
    conformance.conclude(PASSED)
