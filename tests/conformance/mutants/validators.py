"""Mutants of ``dduf-validate-deep``: deep validators that leave out the findings of one
requirement."""

from __future__ import annotations

from pathlib import Path

from weightspec.conformance.harness.adapter import Finding

from ._base import Mutant


class _DropsFindings(Mutant):
    """The reference's deep validator, leaving out the findings of ``breaks``."""

    def dduf_validate_deep(self, path: Path) -> list[Finding]:
        return [finding for finding in super().dduf_validate_deep(path) if finding.requirement != self.breaks]


class IgnoresCrcMismatches(_DropsFindings):
    """A deep validator that never compares CRC-32s."""

    name = "ignores-crc-mismatches"
    breaks = "DDUF-DEEP-001"
    caught_by = "deep-crc-mismatch"


class ValidatorMissesLocalHeaders(_DropsFindings):
    """A deep validator that never finds a local header missing where the directory points,
    which the reader refuses: the two disagree, as the property of read against deep validation
    shows too."""

    name = "validator-misses-local-headers"
    breaks = "DDUF-ENTRY-005"
    caught_by = "dduf-validate-deep and entry-local-signature-wrong or test_corrupt_input_refusals_agree"
