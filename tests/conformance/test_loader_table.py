"""The loader table of issue 10, cell by cell, against the expectation files CI holds each project to.

Each row is a corruption (a checkpoint case), each column a loader as its adapter calls it. A
cell says what the project does today: ``REFUSES`` (no divergence may be recorded: the suite
sees it pass), or the start of the recorded reason (``accepts``, ``crashed``) and, for a silent
wrong load, how the load went wrong. The expectation files are checked against the real
projects by the suite's gate (``test_every_built_in_implementation_behaves_as_its_expectation_file_says``
and ``weightspec conformance --impl all`` in CI), so this test ties the published table to what
the installed versions really do: a project that changes moves a cell, and both fail.
"""

from __future__ import annotations

import pytest

from weightspec.conformance.harness.expectations import builtin_expectations

REFUSES = None

# implementation -> the capability its column is about (how its users load a checkpoint)
COLUMNS = {
    "huggingface_hub": "checkpoint-load",  # load_torch_model(strict=True)
    "accelerate": "checkpoint-load",  # load_checkpoint_in_model
    "transformers": "checkpoint-load-into-model",  # from_pretrained
    "diffusers": "checkpoint-load-into-model",  # from_pretrained
    "huggingface.js-hub": "checkpoint-inspect",  # parseSafetensorsMetadata
}
ACCEPTS = "accepts an input that breaks"
KEPT_INITIAL = "with a silent wrong load:"

# (case id, requirement): {implementation: REFUSES or (reason prefix, text the reason holds)}
TABLE = {
    ("tensor-indexed-under-the-wrong-shard", "SHARD-LOAD-002"): {
        "huggingface_hub": (ACCEPTS, ""),
        "accelerate": (ACCEPTS, ""),
        "transformers": (ACCEPTS, ""),
        "diffusers": (ACCEPTS, ""),
        "huggingface.js-hub": (ACCEPTS, ""),
    },
    ("model-tensor-missing-from-its-shard", "SHARD-LOAD-002"): {
        "huggingface_hub": REFUSES,
        "accelerate": (ACCEPTS, "kept its initial values"),  # the random (here: zero) weights stay
        "transformers": REFUSES,  # reports the key missing in its loading info
        "diffusers": (ACCEPTS, "was left on the meta device"),  # and reports nothing
        "huggingface.js-hub": (ACCEPTS, ""),
    },
    ("index-shard-in-the-parent-directory-that-exists", "SHARD-INDEX-002"): {
        "huggingface_hub": REFUSES,
        "accelerate": (ACCEPTS, ""),  # loads ../outside.safetensors
        "transformers": (ACCEPTS, ""),
        "diffusers": REFUSES,
        "huggingface.js-hub": REFUSES,
    },
    ("index-names-a-pickle-shard", "SHARD-INDEX-005"): {
        "huggingface_hub": REFUSES,
        "accelerate": (ACCEPTS, ""),  # unpickles the .bin
        "transformers": (ACCEPTS, ""),
        "diffusers": (ACCEPTS, ""),
        "huggingface.js-hub": REFUSES,
    },
    ("tensor-in-two-shards", "SHARD-LOAD-003"): {  # the last shard read wins, everywhere
        "huggingface_hub": (ACCEPTS, ""),
        "accelerate": (ACCEPTS, ""),
        "transformers": (ACCEPTS, ""),
        "diffusers": (ACCEPTS, ""),
        "huggingface.js-hub": (ACCEPTS, ""),
    },
    ("index-without-metadata", "SHARD-INDEX-001"): {
        "huggingface_hub": (ACCEPTS, ""),
        "accelerate": (ACCEPTS, ""),
        "transformers": ("crashed with an undocumented builtins.KeyError: 'metadata'", ""),
        "diffusers": ("crashed with an undocumented builtins.KeyError: 'metadata'", ""),
        "huggingface.js-hub": (ACCEPTS, ""),
    },
}

CELLS = [
    (case, requirement, implementation, cell)
    for (case, requirement), row in TABLE.items()
    for implementation, cell in row.items()
]


def test_every_row_has_every_column():
    assert all(set(row) == set(COLUMNS) for row in TABLE.values())


@pytest.mark.parametrize(
    ("case_id", "requirement", "loader", "cell"),
    CELLS,
    ids=[f"{implementation}-{case}" for case, _, implementation, _ in CELLS],
)
def test_the_cell_is_recorded_with_its_requirement_and_reason(case_id, requirement, loader, cell):
    expectations = builtin_expectations(loader)
    assert expectations is not None, f"{loader} has no expectation file"
    test = f"{COLUMNS[loader]}/{case_id}"
    divergence = expectations.lookup(test, (requirement,), expectations.checked_with)
    if cell is REFUSES:
        assert divergence is None, f"{test} on {loader} is recorded as diverging: {divergence}"
        return
    prefix, holds = cell
    assert divergence is not None, f"{test} on {loader} is not recorded as diverging"
    assert divergence.requirement == requirement
    assert divergence.reason.startswith(prefix), divergence.reason
    if holds:
        assert divergence.reason.startswith(f"{ACCEPTS} {requirement}, {KEPT_INITIAL}")
        assert holds in divergence.reason, divergence.reason
