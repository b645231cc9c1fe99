"""validate_dduf(deep=True): CRC-32 (DDUF-DEEP-001), JSON (DDUF-DEEP-002) and safetensors (DDUF-DEEP-003).

The reader checks never read entry data, so each damaged archive here is still read by
``read_dduf_file`` and passes ``validate_dduf`` without ``deep``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from weightspec.reference import read_dduf_file, validate_dduf

INDEX = b'{"_class_name": "Pipeline", "unet": ["diffusers", "UNet2DConditionModel"]}'


def write_archive(path: Path, entries: list[tuple[str, bytes]]) -> dict:
    """A STORED archive (correct CRC-32s) of ``entries``; returns its entries as read_dduf_file sees them."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in [("model_index.json", INDEX), *entries]:
            archive.writestr(name, data)
    return read_dduf_file(path)


def deep_only(path: Path) -> list[tuple[str, str | None]]:
    assert validate_dduf(path) == []
    return [(finding.requirement, finding.entry) for finding in validate_dduf(path, deep=True)]


def test_a_valid_archive_has_no_deep_findings(pipeline_archive):
    assert validate_dduf(pipeline_archive, deep=True) == []


@pytest.mark.parametrize("size", [10, (8 << 20) + 7], ids=["small", "over-one-chunk"])
def test_changed_data_breaks_the_crc(tmp_path, size):
    path = tmp_path / "crc.dduf"
    entry = write_archive(path, [("unet/config.json", b"{}"), ("unet/notes.txt", b"x" * size)])[
        "unet/notes.txt"
    ]
    damaged = bytearray(path.read_bytes())
    damaged[entry.offset + entry.length - 1] ^= 1
    path.write_bytes(damaged)

    findings = validate_dduf(path, deep=True)

    assert [(finding.requirement, finding.entry, finding.offset) for finding in findings] == [
        ("DDUF-DEEP-001", "unet/notes.txt", entry.offset)
    ]
    assert deep_only(path) == [("DDUF-DEEP-001", "unet/notes.txt")]


@pytest.mark.parametrize(
    "content", [b"{", b'{"a": NaN}', b'{"a": "\xff"}'], ids=["truncated", "nan", "not-utf8"]
)
def test_a_json_entry_that_is_not_json_is_reported(tmp_path, content):
    path = tmp_path / "json.dduf"
    write_archive(path, [("unet/config.json", b"{}"), ("unet/extra.json", content)])
    assert deep_only(path) == [("DDUF-DEEP-002", "unet/extra.json")]


def test_a_safetensors_entry_is_checked_with_the_safetensors_rules(tmp_path):
    path = tmp_path / "weights.dduf"
    entry = write_archive(path, [("unet/config.json", b"{}"), ("unet/model.safetensors", b"\x00\x01")])[
        "unet/model.safetensors"
    ]

    findings = validate_dduf(path, deep=True)

    assert [(finding.requirement, finding.entry, finding.offset) for finding in findings] == [
        ("ST-HEADER-001", "unet/model.safetensors", entry.offset)
    ]


def test_compressed_entries_are_not_deep_checked(tmp_path):
    path = tmp_path / "deflated.dduf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model_index.json", INDEX)
        archive.writestr("unet/config.json", b"{" + b" " * 100 + b"}", zipfile.ZIP_DEFLATED)

    requirements = [finding.requirement for finding in validate_dduf(path, deep=True)]

    assert requirements == ["DDUF-ENTRY-001"]  # its stored bytes are not its content: no CRC or JSON finding


def _crc_bytes_read(monkeypatch) -> list[int]:
    """The lengths deep validation computes CRC-32s over, recorded as it runs."""
    from weightspec.reference.dduf import deep

    lengths: list[int] = []
    original = deep._crc32_of_span

    def counting(file, offset, length, buffer):
        lengths.append(length)
        return original(file, offset, length, buffer)

    monkeypatch.setattr(deep, "_crc32_of_span", counting)
    return lengths


def test_deep_validation_reads_each_byte_once_whatever_the_directory_claims(tmp_path, monkeypatch):
    """Finding 4 of issue 11: central headers all pointing at one local header are reported
    (DDUF-ZIP-007), and their shared data is read once, not once per header."""
    from weightspec.conformance import case_by_id
    from weightspec.conformance.dduf_cases.container import AMPLIFIED_DATA, AMPLIFYING_HEADERS

    path = tmp_path / "amplified.dduf"
    path.write_bytes(case_by_id("zip-many-headers-one-local-header").build())
    lengths = _crc_bytes_read(monkeypatch)

    findings = validate_dduf(path, deep=True)

    overlaps = [finding for finding in findings if finding.requirement == "DDUF-ZIP-007"]
    assert len(overlaps) == AMPLIFYING_HEADERS
    assert lengths.count(len(AMPLIFIED_DATA)) == 1
    assert sum(lengths) <= path.stat().st_size


@pytest.mark.slow  # builds a 9 MB archive of 20,000 central headers
def test_deep_validation_of_20000_headers_on_one_entry_takes_under_a_second(tmp_path):
    import time

    from weightspec.conformance.dduf_cases.container import _many_headers_one_entry

    path = tmp_path / "amplified.dduf"
    path.write_bytes(_many_headers_one_entry(20_000, bytes(8 << 20)))

    start = time.perf_counter()
    findings = validate_dduf(path, deep=True)
    elapsed = time.perf_counter() - start

    assert "DDUF-ZIP-007" in {finding.requirement for finding in findings}
    assert elapsed < 1.0, f"deep validation took {elapsed:.2f} s"
