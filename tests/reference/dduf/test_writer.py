"""export_entries_as_dduf: round trips through huggingface_hub, zipfile and our reader; refusals.

Every refusal leaves no file behind: neither the destination nor the temporary file.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from huggingface_hub import read_dduf_file as hub_read_dduf_file

from weightspec.reference import (
    DDUFExportError,
    DDUFInvalidEntryNameError,
    export_entries_as_dduf,
    read_dduf_file,
    validate_dduf,
)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def assert_round_trip(dduf_path: Path, entries: list[tuple[str, bytes]]) -> None:
    """Every reader sees exactly ``entries``, in order, aligned, with good CRCs."""
    with zipfile.ZipFile(dduf_path) as archive:
        assert archive.testzip() is None
        assert [info.filename for info in archive.infolist()] == [name for name, _ in entries]
        assert [archive.read(name) for name, _ in entries] == [data for _, data in entries]
    for read in (hub_read_dduf_file, read_dduf_file):
        read_entries = read(dduf_path)
        assert list(read_entries) == [name for name, _ in entries]
        for name, data in entries:
            assert read_entries[name].offset % 64 == 0
            with read_entries[name].as_mmap() as mapped:
                assert bytes(mapped) == data
    assert validate_dduf(dduf_path, deep=True) == []


def test_round_trip_of_bytes_entries(tmp_path, pipeline_entries):
    export_entries_as_dduf(tmp_path / "pipe.dduf", pipeline_entries)
    assert_round_trip(tmp_path / "pipe.dduf", pipeline_entries)
    assert files_in(tmp_path) == ["pipe.dduf"]


def test_str_path_and_bytes_contents_give_the_same_archive(tmp_path, pipeline_entries):
    sources = tmp_path / "sources"
    sources.mkdir()
    mixed = []
    for number, (name, data) in enumerate(pipeline_entries):
        source = sources / f"{number}.bin"
        source.write_bytes(data)
        content = [str(source), source, data, bytearray(data)][number % 4]
        mixed.append((name, content))
    export_entries_as_dduf(tmp_path / "bytes.dduf", pipeline_entries)
    export_entries_as_dduf(tmp_path / "mixed.dduf", iter(mixed))
    assert (tmp_path / "mixed.dduf").read_bytes() == (tmp_path / "bytes.dduf").read_bytes()


def test_output_is_deterministic_and_host_independent(tmp_path, pipeline_entries):
    export_entries_as_dduf(tmp_path / "a.dduf", pipeline_entries)
    os.utime(tmp_path, (0, 0))
    export_entries_as_dduf(tmp_path / "b.dduf", pipeline_entries)
    assert (tmp_path / "a.dduf").read_bytes() == (tmp_path / "b.dduf").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.dduf") as archive:
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.create_system == 3
            assert info.external_attr >> 16 == 0o100644
            assert info.flag_bits == 0
            assert info.extract_version == 20
            assert info.comment == b""


def test_non_ascii_names_set_flag_bit_11(tmp_path, pipeline_entries):
    entries = [*pipeline_entries, ("légende_日本.txt", "légende".encode())]
    export_entries_as_dduf(tmp_path / "pipe.dduf", entries)
    assert_round_trip(tmp_path / "pipe.dduf", entries)
    with zipfile.ZipFile(tmp_path / "pipe.dduf") as archive:
        flags = {info.filename: info.flag_bits & 0x800 for info in archive.infolist()}
    assert flags.pop("légende_日本.txt") == 0x800
    assert set(flags.values()) == {0}


def test_large_file_is_copied_exactly(tmp_path, pipeline_entries):
    """Over fast_copy's kernel-copy threshold and its chunk size: several chunks, CRC in a thread.

    The entry is large, so its data starts on a page boundary (``data_alignment``)."""
    weights = os.urandom((16 << 20) + 12345)
    source = tmp_path / "big.safetensors"
    source.write_bytes(weights)
    export_entries_as_dduf(tmp_path / "pipe.dduf", [*pipeline_entries, ("big.safetensors", source)])
    with zipfile.ZipFile(tmp_path / "pipe.dduf") as archive:
        assert archive.testzip() is None
        assert archive.read("big.safetensors") == weights
    entries = read_dduf_file(tmp_path / "pipe.dduf")
    assert entries["big.safetensors"].offset % 4096 == 0


def test_progress_adds_up_to_the_data_size(tmp_path, pipeline_entries):
    source = tmp_path / "big.txt"
    source.write_bytes(b"x" * ((16 << 20) * 2 + 7))
    entries = [*pipeline_entries, ("big.txt", source), ("bytes.txt", b"y" * (17 << 20))]
    calls = []
    export_entries_as_dduf(tmp_path / "pipe.dduf", entries, progress=calls.append)
    total = sum(len(data) for _, data in pipeline_entries) + source.stat().st_size + (17 << 20)
    assert sum(calls) == total
    assert len(calls) > len(entries)  # big entries report chunk by chunk
    assert all(call > 0 for call in calls)


def test_model_index_from_a_path_is_read_once_and_written(tmp_path, pipeline_entries):
    index_path = tmp_path / "model_index.json"
    index_path.write_bytes(pipeline_entries[0][1])
    export_entries_as_dduf(tmp_path / "pipe.dduf", [("model_index.json", index_path), *pipeline_entries[1:]])
    assert_round_trip(tmp_path / "pipe.dduf", pipeline_entries)


BAD_NAMES = [
    ("\udcff.json", "DDUF-NAME-001"),
    ("", "DDUF-NAME-002"),
    ("/model.json", "DDUF-NAME-002"),
    ("unet//config.json", "DDUF-NAME-002"),
    ("../config.json", "DDUF-NAME-003"),
    ("./config.json", "DDUF-NAME-003"),
    ("unet\\config.json", "DDUF-NAME-004"),
    ("con\x00fig.json", "DDUF-NAME-005"),
    ("config\x7f.json", "DDUF-NAME-005"),
    ("C:config.json", "DDUF-NAME-006"),
    ("config.json:stream.txt", "DDUF-NAME-006"),
    ("model.bin", "DDUF-NAME-007"),
    ("weights.pkl", "DDUF-NAME-007"),
    ("config.JSON", "DDUF-NAME-007"),
    ("unet/", "DDUF-NAME-008"),
    ("unet/nested/config.json", "DDUF-NAME-009"),
    ("a" * 600 + ".json", "DDUF-LIMIT-001"),
]


@pytest.mark.parametrize(("name", "requirement"), BAD_NAMES)
def test_bad_names_are_refused_and_nothing_is_written(tmp_path, pipeline_entries, name, requirement):
    with pytest.raises(DDUFInvalidEntryNameError) as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", [*pipeline_entries, (name, b"{}")])
    assert raised.value.requirement == requirement
    assert raised.value.entry == name
    assert raised.value.path == str(tmp_path / "pipe.dduf")
    assert requirement in str(raised.value)
    assert files_in(tmp_path) == []


def test_a_name_that_is_not_a_str_is_refused(tmp_path, pipeline_entries):
    with pytest.raises(DDUFInvalidEntryNameError, match="not a str") as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", [*pipeline_entries, (b"notes.txt", b"")])
    assert raised.value.requirement == "DDUF-NAME-001"
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("unet/config.json", "unet/config.json"),
        ("notes.txt", "NOTES.txt"),
        ("caf\u00e9.txt", "cafe\u0301.txt"),  # NFC and NFD spellings of one name
        ("\u017f\u0323.json", "\u1e62.json"),  # equal only under NFD(casefold(NFD(x)))
    ],
)
def test_colliding_names_are_refused_when_they_arrive(tmp_path, pipeline_entries, earlier, later):
    consumed = []

    def entries():
        for entry in [*pipeline_entries, (earlier, b"1"), (later, b"2"), ("never.txt", b"")]:
            consumed.append(entry[0])
            yield entry

    with pytest.raises(DDUFExportError) as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", entries())
    assert raised.value.requirement == "DDUF-NAME-010"
    assert raised.value.entry == later
    assert consumed[-1] == later  # refused on arrival, before the next entry was asked for
    assert files_in(tmp_path) == []


@pytest.mark.slow  # 100,000 entries through the writer: about 5 s
def test_more_than_the_entry_limit_is_refused(tmp_path, pipeline_entries):
    many = ((f"{number:06d}.txt", b"") for number in range(100_000))
    with pytest.raises(DDUFExportError) as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", [*pipeline_entries, *many])
    assert raised.value.requirement == "DDUF-LIMIT-002"
    assert files_in(tmp_path) == []


def index_bytes(**folders) -> bytes:
    return json.dumps(
        {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0", **folders}
    ).encode()


@pytest.mark.parametrize(
    ("entries", "requirement"),
    [
        ([("notes.txt", b"")], "DDUF-INDEX-001"),
        ([("model_index.json", b"{not json")], "DDUF-INDEX-002"),
        ([("model_index.json", b"[1, 2]")], "DDUF-INDEX-002"),
        ([("model_index.json", b"\xff{}")], "DDUF-INDEX-002"),
        ([("model_index.json", index_bytes()), ("vae/config.json", b"{}")], "DDUF-INDEX-003"),
        (
            [
                ("model_index.json", index_bytes(vae=["diffusers", "AutoencoderKL"])),
                ("vae/weights.safetensors", b""),
            ],
            "DDUF-INDEX-004",
        ),
        ([("model_index.json", b"{}" + b" " * (1 << 20))], "DDUF-LIMIT-003"),
    ],
)
def test_bad_pipeline_structure_is_refused(tmp_path, entries, requirement):
    with pytest.raises(DDUFExportError) as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", entries)
    assert raised.value.requirement == requirement
    assert files_in(tmp_path) == []


def test_a_bad_model_index_is_refused_before_later_entries_are_written(tmp_path):
    consumed = []

    def entries():
        for entry in [("model_index.json", b"{not json"), ("notes.txt", b"")]:
            consumed.append(entry[0])
            yield entry

    with pytest.raises(DDUFExportError, match="DDUF-INDEX-002"):
        export_entries_as_dduf(tmp_path / "pipe.dduf", entries())
    assert consumed == ["model_index.json"]


def test_an_exception_from_the_callers_generator_propagates_and_leaves_the_destination(
    tmp_path, pipeline_entries
):
    class Interrupted(Exception):
        pass

    destination = tmp_path / "pipe.dduf"
    destination.write_bytes(b"the previous archive")

    def entries():
        yield from pipeline_entries
        raise Interrupted

    with pytest.raises(Interrupted):
        export_entries_as_dduf(destination, entries())
    assert destination.read_bytes() == b"the previous archive"
    assert files_in(tmp_path) == ["pipe.dduf"]


def test_an_invalid_content_type_is_refused(tmp_path, pipeline_entries):
    with pytest.raises(DDUFExportError, match="invalid content type int") as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", [*pipeline_entries, ("notes.txt", 42)])
    assert raised.value.entry == "notes.txt"
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("source", ["missing.txt", "folder"])
def test_an_unreadable_source_is_an_export_error(tmp_path, pipeline_entries, source):
    (tmp_path / "folder").mkdir()
    with pytest.raises(DDUFExportError, match="cannot add the entry") as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", [*pipeline_entries, ("notes.txt", tmp_path / source)])
    assert isinstance(raised.value.__cause__, OSError)
    assert raised.value.entry == "notes.txt"
    assert not (tmp_path / "pipe.dduf").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and character devices")
@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_a_source_that_is_not_a_regular_file_is_refused_without_reading_it(
    tmp_path, pipeline_entries, source
):
    os.mkfifo(tmp_path / "fifo")  # opening it for reading would wait for a writer
    with pytest.raises(DDUFExportError) as raised:
        export_entries_as_dduf(tmp_path / "pipe.dduf", [*pipeline_entries, ("notes.txt", tmp_path / source)])
    assert raised.value.requirement == "DDUF-ENTRY-007"
    assert files_in(tmp_path) == ["fifo"]


@pytest.mark.parametrize("change", ["grow", "shrink"])
def test_a_source_that_changes_while_it_is_copied_is_refused(tmp_path, pipeline_entries, change):
    source = tmp_path / "big.txt"
    source.write_bytes(b"x" * (40 << 20))
    written = []

    def change_the_source(count: int) -> None:
        written.append(count)
        if len(written) == len(pipeline_entries) + 1:  # the first chunk of big.txt
            with open(source, "r+b") as file:
                if change == "grow":
                    file.seek(0, os.SEEK_END)
                    file.write(b"more")
                else:
                    file.truncate(1 << 20)

    with pytest.raises(DDUFExportError, match="changed while it was copied") as raised:
        export_entries_as_dduf(
            tmp_path / "pipe.dduf", [*pipeline_entries, ("big.txt", source)], progress=change_the_source
        )
    assert raised.value.requirement == "DDUF-WRITE-001"
    assert files_in(tmp_path) == ["big.txt"]


def test_overwrite_false_refuses_an_existing_destination_before_any_work(tmp_path, pipeline_entries):
    destination = tmp_path / "pipe.dduf"
    destination.write_bytes(b"keep me")

    def entries():
        raise AssertionError("the entries must not be read")
        yield

    with pytest.raises(DDUFExportError, match="overwrite=False") as raised:
        export_entries_as_dduf(destination, entries(), overwrite=False)
    assert raised.value.path == str(destination)
    assert destination.read_bytes() == b"keep me"
    assert files_in(tmp_path) == ["pipe.dduf"]


def test_overwrite_false_refuses_a_destination_created_during_the_export(tmp_path, pipeline_entries):
    destination = tmp_path / "pipe.dduf"

    def entries():
        yield from pipeline_entries
        destination.write_bytes(b"written by someone else meanwhile")

    with pytest.raises(DDUFExportError, match="overwrite=False"):
        export_entries_as_dduf(destination, entries(), overwrite=False)
    assert destination.read_bytes() == b"written by someone else meanwhile"
    assert files_in(tmp_path) == ["pipe.dduf"]


def test_overwrite_false_writes_an_absent_destination_and_overwrite_true_replaces(tmp_path, pipeline_entries):
    destination = tmp_path / "pipe.dduf"
    export_entries_as_dduf(destination, pipeline_entries, overwrite=False)
    assert_round_trip(destination, pipeline_entries)
    entries = [*pipeline_entries, ("notes.txt", b"second")]
    export_entries_as_dduf(destination, entries)
    assert_round_trip(destination, entries)
    assert files_in(tmp_path) == ["pipe.dduf"]


@pytest.mark.parametrize("destination", ["missing-folder/pipe.dduf", "."])
def test_an_impossible_destination_is_an_export_error(tmp_path, pipeline_entries, destination):
    with pytest.raises(DDUFExportError, match="cannot create the archive") as raised:
        export_entries_as_dduf(tmp_path / destination, pipeline_entries)
    assert isinstance(raised.value.__cause__, OSError)
    assert raised.value.path == str(tmp_path / destination)
    assert ".tmp" not in str(raised.value)  # the temporary file is no name the caller knows
