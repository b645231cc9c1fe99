"""The bytes the DDUF writer emits: alignment records, ZIP64 records, end records.

The ZIP64 end record is tested through the writer with more than 65,535 tiny entries. Values over
4 GiB are tested on ``zip.records``' pure functions, and end to end through real readers on
an archive whose 4 GiB entry is a hole in a sparse file (nothing that large is written); the
writer copying 4 GiB of data is left to the benchmarks.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile

import pytest
from huggingface_hub import read_dduf_file as hub_read_dduf_file
from hypothesis import given
from hypothesis import strategies as st

from weightspec.reference import export_entries_as_dduf, read_dduf_file, validate_dduf
from weightspec.reference.dduf.fast_copy import crc32
from weightspec.reference.dduf.zip.layout import (
    ALIGNMENT_EXTRA_ID,
    CENTRAL_HEADER,
    END,
    LOCAL_HEADER,
    U16_MAX,
    U32_MAX,
    ZIP64_END,
    ZIP64_EXTRA_ID,
    ZIP64_LOCATOR,
    CentralHeader,
    End,
    LocalHeader,
    Zip64End,
    Zip64Locator,
    iter_extra_records,
)
from weightspec.reference.dduf.zip.records import (
    ALIGNMENT,
    PAGE_ALIGNED_MIN_BYTES,
    PAGE_ALIGNMENT,
    EntryRecord,
    central_header,
    data_alignment,
    end_records,
    local_header,
)

MODEL_INDEX = json.dumps({"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0"}).encode()
sizes = st.one_of(st.integers(0, 1 << 20), st.integers(U32_MAX - 2, U32_MAX + 2), st.integers(0, 1 << 40))
offsets = st.one_of(st.integers(0, 1 << 20), st.integers(U32_MAX - 2, U32_MAX + 2), st.integers(0, 1 << 40))
names = st.text(min_size=1, max_size=60).map(lambda text: text.encode("utf-8", "surrogatepass"))


def u64s(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 8}Q", data))


@given(name=names, size=sizes, offset=offsets)
def test_local_header_aligns_the_data_and_holds_zip64_sizes_when_needed(name, size, offset):
    entry = EntryRecord(name, size, crc32=0x12345678, header_offset=offset)
    header = local_header(entry)
    alignment = PAGE_ALIGNMENT if size >= PAGE_ALIGNED_MIN_BYTES else ALIGNMENT
    assert data_alignment(size) == alignment
    assert (offset + len(header)) % alignment == 0
    fields = LocalHeader.unpack(header)
    assert header[LOCAL_HEADER.size : LOCAL_HEADER.size + fields.name_length] == name
    assert LOCAL_HEADER.size + fields.name_length + fields.extra_length == len(header)
    records = list(iter_extra_records(header[LOCAL_HEADER.size + fields.name_length :]))
    assert records[-1][0] == ALIGNMENT_EXTRA_ID
    assert records[-1][1][:2] == struct.pack("<H", alignment)
    assert set(records[-1][1][2:]) <= {0}
    if size >= U32_MAX:
        assert (fields.compressed_size, fields.uncompressed_size) == (U32_MAX, U32_MAX)
        assert records[0][0] == ZIP64_EXTRA_ID
        assert u64s(records[0][1]) == [size, size]
    else:
        assert (fields.compressed_size, fields.uncompressed_size) == (size, size)
        assert len(records) == 1
    needs_zip64 = size >= U32_MAX or offset >= U32_MAX
    assert fields.version_needed == (45 if needs_zip64 else 20)
    assert (fields.method, fields.crc32, fields.mtime, fields.mdate) == (0, 0x12345678, 0, 0x21)
    assert fields.flags == (0 if name.isascii() else 0x800)


@given(name=names, size=sizes, offset=offsets)
def test_central_header_holds_each_saturated_value_in_zip64_order(name, size, offset):
    entry = EntryRecord(name, size, crc32=7, header_offset=offset)
    header = central_header(entry)
    fields = CentralHeader.unpack(header)
    assert header[CENTRAL_HEADER.size : CENTRAL_HEADER.size + fields.name_length] == name
    assert CENTRAL_HEADER.size + fields.name_length + fields.extra_length == len(header)
    expected_zip64 = [size, size] if size >= U32_MAX else []
    expected_zip64 += [offset] if offset >= U32_MAX else []
    records = list(iter_extra_records(header[CENTRAL_HEADER.size + fields.name_length :]))
    assert records == (
        [(ZIP64_EXTRA_ID, struct.pack(f"<{len(expected_zip64)}Q", *expected_zip64))] if expected_zip64 else []
    )
    assert fields.uncompressed_size == fields.compressed_size == min(size, U32_MAX)
    assert fields.local_header_offset == min(offset, U32_MAX)
    assert fields.version_made_by == 3 << 8 | fields.version_needed
    assert fields.external_attributes == 0o100644 << 16
    assert (fields.comment_length, fields.disk_start, fields.internal_attributes) == (0, 0, 0)


@given(count=st.integers(0, 200_000), directory_offset=offsets, directory_size=sizes)
def test_end_records_saturate_what_does_not_fit_and_add_zip64_records(
    count, directory_offset, directory_size
):
    records = end_records(count, directory_offset, directory_size)
    end = End.unpack(records, len(records) - END.size)
    assert end.comment_length == 0
    assert (end.this_disk, end.directory_disk) == (0, 0)
    assert end.entries_on_disk == end.total_entries == min(count, U16_MAX)
    assert end.directory_size == min(directory_size, U32_MAX)
    assert end.directory_offset == min(directory_offset, U32_MAX)
    if count < U16_MAX and directory_offset < U32_MAX and directory_size < U32_MAX:
        assert len(records) == END.size
        return
    assert len(records) == ZIP64_END.size + ZIP64_LOCATOR.size + END.size
    zip64_end = Zip64End.unpack(records)
    assert zip64_end.record_size == ZIP64_END.size - 12
    assert (zip64_end.this_disk, zip64_end.directory_disk) == (0, 0)
    assert zip64_end.entries_on_disk == zip64_end.total_entries == count
    assert (zip64_end.directory_offset, zip64_end.directory_size) == (directory_offset, directory_size)
    locator = Zip64Locator.unpack(records, ZIP64_END.size)
    assert locator == Zip64Locator(end_disk=0, end_offset=directory_offset + directory_size, total_disks=1)


@pytest.mark.slow  # 65,636 entries through the writer and two readers: about 5 s
def test_more_than_65535_entries_get_a_zip64_end_record(tmp_path):
    count = U16_MAX + 100
    entries = [
        ("model_index.json", MODEL_INDEX),
        *((f"{number:05d}.txt", b"%d" % number) for number in range(count)),
    ]
    dduf_path = tmp_path / "many.dduf"
    export_entries_as_dduf(dduf_path, entries)
    data = dduf_path.read_bytes()
    end = End.unpack(data, len(data) - END.size)
    assert end.total_entries == U16_MAX
    locator = Zip64Locator.unpack(data, len(data) - END.size - ZIP64_LOCATOR.size)
    assert Zip64End.unpack(data, locator.end_offset).total_entries == count + 1
    with zipfile.ZipFile(dduf_path) as archive:
        assert len(archive.infolist()) == count + 1
        assert archive.read("65634.txt") == b"65634"
    assert validate_dduf(dduf_path) == []


def test_values_over_4_gib_are_read_back_by_every_reader(tmp_path):
    """Entry sizes, a local header offset and the directory offset over 4 GiB, in a sparse file.

    The archive is assembled from ``zip.records``' functions as the writer does; the big
    entry's data is a hole (zeros), so only a few kilobytes reach the disk.
    """
    big_size = U32_MAX + 4096
    dduf_path = tmp_path / "big.dduf"
    records = []
    with open(dduf_path, "wb") as file:
        for name, size, data in [
            (b"model_index.json", len(MODEL_INDEX), MODEL_INDEX),
            (b"big.safetensors", big_size, None),
            (b"after.txt", 5, b"after"),
        ]:
            crc = crc32(data) if data is not None else _crc32_of_zeros(size)
            record = EntryRecord(name, size, crc, header_offset=file.tell())
            file.write(local_header(record))
            if data is None:
                file.seek(size, os.SEEK_CUR)
            else:
                file.write(data)
            records.append(record)
        directory_offset = file.tell()
        directory = b"".join(central_header(record) for record in records)
        file.write(directory + end_records(len(records), directory_offset, len(directory)))
    if os.stat(dduf_path).st_blocks * 512 > 1 << 30:
        pytest.skip("this filesystem does not keep sparse files sparse")
    assert records[2].header_offset > U32_MAX
    with zipfile.ZipFile(dduf_path) as archive:
        infos = archive.infolist()
        assert [info.file_size for info in infos] == [len(MODEL_INDEX), big_size, 5]
        assert [info.header_offset for info in infos] == [record.header_offset for record in records]
        assert archive.read("after.txt") == b"after"
    for read in (hub_read_dduf_file, read_dduf_file):
        entries = read(dduf_path)
        assert entries["big.safetensors"].length == big_size
        assert entries["after.txt"].read_text() == "after"
        assert all(entry.offset % ALIGNMENT == 0 for entry in entries.values())
    assert validate_dduf(dduf_path) == []


def _crc32_of_zeros(size: int) -> int:
    zeros = bytes(64 << 20)
    crc = 0
    for start in range(0, size, len(zeros)):
        crc = crc32(zeros[: min(len(zeros), size - start)], crc)
    return crc
