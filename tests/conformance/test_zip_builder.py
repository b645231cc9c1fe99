"""The independent ZIP builder: its layout is what zipfile sees, patches touch one field, and its
huggingface_hub-style records are byte-identical to what zipfile writes with force_zip64=True."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from weightspec.conformance.dduf_cases.baseline import SCHEDULER_CONFIG, baseline
from weightspec.conformance.zip_builder import Entry
from weightspec.conformance.zip_records import CENTRAL_HEADER, HOST_UNIX, LOCAL_HEADER, VERSION_ZIP64

VARIANTS = {
    "plain": {},
    "prefix": {"prefix": b"stub"},
    "zip64": {"zip64_end": True},
    "zip64-saturated": {"zip64_end": True, "saturate_end": True},
    "aligned": {"alignment": 64},
    "reversed-directory": {"directory_order": (3, 2, 1, 0)},
}


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_layout_is_what_zipfile_reads(options):
    archive = baseline().with_options(**options).build()
    with zipfile.ZipFile(io.BytesIO(archive.data)) as reader:
        infos = {info.filename: info for info in reader.infolist()}
        for index, entry in enumerate(baseline().entries):
            info = infos[entry.name]
            assert info.header_offset == archive.layout.local_headers[index]
            start, end = archive.layout.data_spans[index]
            assert archive.data[start:end] == reader.read(entry.name) == entry.data
    if options.get("alignment"):
        assert all(start % 64 == 0 for start, _ in archive.layout.data_spans)
    assert (archive.layout.zip64_end is not None) == bool(options.get("zip64_end"))
    assert archive.layout.end == len(archive.data) - 22


def test_patched_changes_exactly_one_field():
    archive = baseline().build()
    patched = archive.patched("central", "crc32", 0x01020304, entry=SCHEDULER_CONFIG)
    changed = [i for i, (a, b) in enumerate(zip(archive.data, patched.data, strict=True)) if a != b]
    field_start = archive.layout.central_headers[1] + CENTRAL_HEADER.field("crc32")[0]
    assert changed and all(field_start <= i < field_start + 4 for i in changed)
    assert struct.unpack_from("<I", patched.data, field_start) == (0x01020304,)
    with pytest.raises(ValueError, match="no zip64_end"):
        archive.patched("zip64_end", "total_entries", 1)
    with pytest.raises(KeyError):
        archive.patched("local", "no_such_field", 1, entry=0)


def test_hub_style_records_match_zipfile_force_zip64():
    info = zipfile.ZipInfo("scheduler/config.json", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o600 << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as writer, writer.open(info, "w", force_zip64=True) as handle:
        handle.write(b'{"a": 1}\n')
    written = buffer.getvalue()

    entry = Entry(
        "scheduler/config.json",
        b'{"a": 1}\n',
        local_zip64=True,
        version_made_by=(HOST_UNIX << 8) | VERSION_ZIP64,
        external_attributes=0o600 << 16,
    )
    local = entry.local_record() + entry.data
    assert written[: len(local)] == local
    central_at = written.index(CENTRAL_HEADER.signature)
    central = entry.central_record(0)
    # zipfile writes "version needed" 4.5 in the central header too; the builder's 2.0 is what the entry needs.
    version_needed = slice(6, 8)
    assert (
        written[central_at : central_at + len(central)][version_needed.stop :]
        == central[version_needed.stop :]
    )
    assert written[central_at : central_at + 6] == central[:6]
    assert LOCAL_HEADER.field("extra_length") == (28, "H")
