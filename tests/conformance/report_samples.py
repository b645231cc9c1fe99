"""Sample conformance reports that the report renderer tests (``test_report_*.py``) share.

``sample_report()`` is a fresh ``Report`` on every call: two available implementations with every
status between them, one unavailable implementation, and reasons that hold ``HOSTILE`` text (HTML,
Markdown and table syntax) that a renderer must show literally. ``result()`` makes one of its
results. The requirement IDs it uses are the constants below.
"""

from __future__ import annotations

from weightspec.conformance.harness.adapter import CAPABILITIES
from weightspec.conformance.harness.results import (
    ERROR,
    EXPECTED_FAIL,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    UNEXPECTED_PASS,
    Implementation,
    Report,
)
from weightspec.conformance.harness.results import TestResult as Result  # not collected by pytest

HOSTILE = "<script>alert('x')</script> & \"quoted\" | piped *starred* `ticked`"
# The sample's requirements. They are data here, not what these tests check, so test functions
# use these names: a requirement ID in a test function's literals would list it as that
# requirement's test (spec/traceability.py).
ZIP = "DDUF-ZIP-001"
NAME = "DDUF-NAME-003"
DEEP = "DDUF-DEEP-001"
WRITE = "DDUF-WRITE-006"
SPLIT = "SHARD-SPLIT-001"
UNKNOWN_REQUIREMENT = "DDUF-GONE-999"


def result(impl: str, test: str, requirement: str, status: str, reason: str = "") -> Result:
    """A result of ``impl`` for ``test`` (``capability/case``) that checks ``requirement``."""
    return Result(
        implementation=impl,
        test=test,
        capability=test.split("/")[0],
        requirements=(requirement,),
        status=status,
        reason=reason,
        outcome="accepted" if status in (PASS, UNEXPECTED_PASS) else "refused as corrupt-archive: bad",
        case=test.split("/")[1],
    )


def sample_report() -> Report:
    """Two implementations with every status between them, one unavailable, hostile reasons."""
    return Report(
        suite_version="0.1.0",
        profile="quick",
        seed="1234",
        implementations=[
            Implementation("reference", "0.1.0", CAPABILITIES),
            Implementation(
                "huggingface_hub",
                "2.4.0",
                ("dduf-read", "dduf-write"),
                expectations="conformance/expectations/huggingface_hub.toml",
                expectations_checked_with="2.4.0",
            ),
            Implementation(
                "node-dduf", "unknown", available=False, reason="node not found: install Node.js 18+"
            ),
        ],
        results=[
            result("reference", "dduf-read/zip-comment", ZIP, PASS),
            result("reference", "dduf-read/name-parent-segment", NAME, PASS),
            result("reference", "dduf-write/non-ascii-name", WRITE, FAIL, f"bit 11 clear: {HOSTILE}"),
            result("reference", "dduf-validate-deep/bad-crc", DEEP, PASS),
            result("reference", "checkpoint-split/tied-weights", SPLIT, ERROR, "driver exited"),
            result("reference", "dduf-read/retired", UNKNOWN_REQUIREMENT, PASS),
            result("huggingface_hub", "dduf-read/zip-comment", ZIP, UNEXPECTED_PASS, "listed, passed"),
            result(
                "huggingface_hub",
                "dduf-read/name-parent-segment",
                NAME,
                EXPECTED_FAIL,
                "reads ../x",
            ),
            result("huggingface_hub", "dduf-write/non-ascii-name", WRITE, PASS),
            result("huggingface_hub", "dduf-validate-deep/bad-crc", DEEP, NOT_APPLICABLE),
        ],
    )
