"""read_dduf_file and validate_dduf on valid archives from every writer, and on bad files and indexes.

Valid archives must be read exactly as huggingface_hub reads them (names, order, offsets,
lengths). Bad ones must raise ``DDUFCorruptedFileError`` naming the broken requirement, and
``validate_dduf`` must report that requirement first.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import huggingface_hub
import pytest

from weightspec.reference import (
    DDUFCorruptedFileError,
    Finding,
    export_entries_as_dduf,
    read_dduf_file,
    validate_dduf,
)
from weightspec.reference.dduf.reader import list_dduf_entries

INDEX = b'{"_class_name": "Pipeline", "unet": ["diffusers", "UNet2DConditionModel"]}'


def write_with_zipfile(path: Path, entries, *, compression=zipfile.ZIP_STORED, force_zip64=False) -> None:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries:
            with archive.open(name, "w", force_zip64=force_zip64) as file:
                file.write(data)


def write_folder_with_hub(path: Path, entries) -> None:
    folder = path.parent / "folder"
    for name, data in entries:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    huggingface_hub.export_folder_as_dduf(path, folder)


WRITERS = {
    "hub-entries": huggingface_hub.export_entries_as_dduf,
    "hub-folder": write_folder_with_hub,
    "zipfile-stored": write_with_zipfile,
    "zipfile-zip64": lambda path, entries: write_with_zipfile(path, entries, force_zip64=True),
    "reference-writer": export_entries_as_dduf,
}


def located(entries: dict) -> list[tuple[str, int, int]]:
    return [(entry.filename, entry.offset, entry.length) for entry in entries.values()]


def assert_rejected(path: Path, requirement: str) -> DDUFCorruptedFileError:
    """read_dduf_file raises ``requirement`` and validate_dduf reports it first."""
    with pytest.raises(DDUFCorruptedFileError) as raised:
        read_dduf_file(path)
    assert raised.value.requirement == requirement, str(raised.value)
    assert raised.value.path == str(path)
    assert str(path) in str(raised.value) and requirement in str(raised.value)
    findings = validate_dduf(path)
    assert findings and findings[0].requirement == requirement
    return raised.value


@pytest.mark.parametrize("writer", WRITERS)
def test_valid_archives_read_as_huggingface_hub_reads_them(writer, tmp_path, pipeline_entries):
    path = tmp_path / "pipeline.dduf"
    WRITERS[writer](path, pipeline_entries)

    entries = read_dduf_file(path)

    hub_entries = huggingface_hub.read_dduf_file(path)
    assert located(entries) == located(hub_entries)
    assert sorted(entries) == sorted(name for name, _ in pipeline_entries)
    for name, data in pipeline_entries:
        assert entries[name].dduf_path == Path(path)
        with entries[name].as_mmap() as mapped:
            assert mapped == data
    assert validate_dduf(path, deep=True) == []


def test_entries_keep_directory_order_and_huggingface_hubs_repr(tmp_path, pipeline_entries):
    path = tmp_path / "pipeline.dduf"
    reordered = [pipeline_entries[2], pipeline_entries[0], pipeline_entries[3], pipeline_entries[1]]
    huggingface_hub.export_entries_as_dduf(path, reordered)

    entries = read_dduf_file(path)

    assert list(entries) == [name for name, _ in reordered]
    hub_entries = huggingface_hub.read_dduf_file(path)
    assert [repr(entry) for entry in entries.values()] == [repr(entry) for entry in hub_entries.values()]


def test_a_missing_path_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_dduf_file(tmp_path / "absent.dduf")
    with pytest.raises(FileNotFoundError):
        validate_dduf(tmp_path / "absent.dduf")


def test_a_directory_is_not_an_archive(tmp_path):
    assert_rejected(tmp_path, "DDUF-ZIP-001")


@pytest.mark.parametrize(
    "content",
    [b"", b"PK", b"PK\x05\x06" + bytes(18), b"not a zip file at all, just some text" * 10],
    ids=["empty", "two-bytes", "end-record-alone-with-garbage", "text"],
)
def test_files_without_an_end_record_are_rejected(tmp_path, content):
    path = tmp_path / "bad.dduf"
    path.write_bytes(content)
    if content.startswith(b"PK\x05\x06"):
        # A lone end record is a well-formed empty ZIP: no model_index.json.
        assert_rejected(path, "DDUF-INDEX-001")
    else:
        assert_rejected(path, "DDUF-ZIP-001")


def test_an_archive_comment_is_rejected(tmp_path, pipeline_entries):
    path = tmp_path / "comment.dduf"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in pipeline_entries:
            archive.writestr(name, data)
        archive.comment = b"hello"
    assert_rejected(path, "DDUF-ZIP-001")


@pytest.mark.parametrize(
    ("index", "requirement"),
    [
        (b'{"_class_name": "caf\xe9"}', "DDUF-INDEX-002"),  # Latin-1, not UTF-8
        (b'{"_class_name": ', "DDUF-INDEX-002"),
        (b'["_class_name"]', "DDUF-INDEX-002"),
        (b'{"_class_name": "P"}', "DDUF-INDEX-003"),  # unet/ is not declared
    ],
    ids=["not-utf8", "not-json", "json-array", "undeclared-folder"],
)
def test_a_bad_model_index_is_rejected(tmp_path, index, requirement):
    path = tmp_path / "bad-index.dduf"
    write_with_zipfile(path, [("model_index.json", index), ("unet/config.json", b"{}")])
    error = assert_rejected(path, requirement)
    if requirement == "DDUF-INDEX-002":
        assert error.entry == "model_index.json"
        assert error.offset == read_offset_with_zipfile(path, "model_index.json")


def read_offset_with_zipfile(path: Path, name: str) -> int:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        header = path.read_bytes()[info.header_offset : info.header_offset + 30]
        return (
            info.header_offset
            + 30
            + int.from_bytes(header[26:28], "little")
            + int.from_bytes(header[28:], "little")
        )


def test_a_missing_model_index_and_a_folder_without_config_are_rejected(tmp_path):
    path = tmp_path / "no-index.dduf"
    write_with_zipfile(path, [("unet/model.safetensors", b"")])
    assert_rejected(path, "DDUF-INDEX-001")

    write_with_zipfile(path, [("model_index.json", INDEX), ("unet/model.safetensors", b"")])
    assert_rejected(path, "DDUF-INDEX-004")


def test_a_model_index_over_1_mib_is_rejected(tmp_path):
    path = tmp_path / "big-index.dduf"
    padding = b" " * (1 << 20)
    write_with_zipfile(path, [("model_index.json", INDEX[:-1] + padding + b"}"), ("unet/config.json", b"{}")])
    assert_rejected(path, "DDUF-LIMIT-003")


def test_a_compressed_entry_is_reported_as_compressed_not_as_a_size_mismatch(tmp_path):
    path = tmp_path / "deflated.dduf"
    entries = [("model_index.json", INDEX), ("unet/config.json", b"{" + b" " * 1000 + b"}")]
    write_with_zipfile(path, entries, compression=zipfile.ZIP_DEFLATED)

    error = assert_rejected(path, "DDUF-ENTRY-001")

    assert error.entry == "model_index.json"
    assert "DDUF-ENTRY-002" not in [finding.requirement for finding in validate_dduf(path)]


def test_validate_reports_every_finding_and_read_raises_the_first(tmp_path):
    path = tmp_path / "many-problems.dduf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.bin", b"pickle")  # DDUF-NAME-007
        archive.writestr(
            zipfile.ZipInfo("vae/config.json"), b"{}" * 100, zipfile.ZIP_DEFLATED
        )  # DDUF-ENTRY-001
        archive.writestr("a/b/c.json", b"{}")  # DDUF-NAME-009
        archive.writestr("Vae/config.json", b"{}")  # DDUF-NAME-010 (case collision)

    findings = validate_dduf(path)

    assert all(isinstance(finding, Finding) and finding.path == str(path) for finding in findings)
    requirements = [finding.requirement for finding in findings]
    assert requirements[:2] == ["DDUF-NAME-007", "DDUF-ENTRY-001"]
    for expected in ("DDUF-NAME-009", "DDUF-NAME-010", "DDUF-INDEX-001"):
        assert expected in requirements
    with pytest.raises(DDUFCorruptedFileError) as raised:
        read_dduf_file(path)
    assert (raised.value.requirement, raised.value.entry) == (findings[0].requirement, findings[0].entry)
    with zipfile.ZipFile(path) as archive:
        first_directory_header = archive.start_dir
    assert raised.value.offset == findings[0].offset == first_directory_header


@pytest.mark.parametrize(
    ("name_bytes", "entry"), [(b"caf\xe9.json", "caf\\xe9.json"), ("café.json".encode(), "café.json")]
)
def test_a_name_that_is_not_utf8_or_lacks_flag_bit_11_is_reported_once(tmp_path, name_bytes, entry):
    path = tmp_path / "name.dduf"
    placeholder = b"cafX" + b"_" * (len(name_bytes) - 9) + b".json"
    write_with_zipfile(path, [("model_index.json", b'{"_class_name": "P"}'), (placeholder.decode(), b"{}")])
    path.write_bytes(
        path.read_bytes().replace(placeholder, name_bytes)
    )  # local and central name, flag 11 clear

    error = assert_rejected(path, "DDUF-NAME-001")

    assert error.entry == entry
    assert [finding.requirement for finding in validate_dduf(path)] == ["DDUF-NAME-001"]


@pytest.mark.parametrize(
    ("name", "requirement"),
    [("../evil.json", "DDUF-NAME-003"), ("C:/evil.json", "DDUF-NAME-006"), ("unet/", "DDUF-NAME-008")],
)
def test_a_broken_name_gives_one_finding_not_findings_about_the_folder_it_seems_to_lie_in(
    tmp_path, pipeline_entries, name, requirement
):
    path = tmp_path / "broken-name.dduf"
    write_with_zipfile(path, [*pipeline_entries, (name, b"")])
    assert [(f.requirement, f.entry) for f in validate_dduf(path)] == [(requirement, name)]


def test_a_folder_is_judged_by_the_names_that_break_no_rule(tmp_path, pipeline_entries):
    """vae/ holds only a badly named file: it is no folder of the pipeline (no DDUF-INDEX-003/004)."""
    path = tmp_path / "bad-folder.dduf"
    write_with_zipfile(path, [*pipeline_entries, ("vae/a:b.json", b"{}"), ("text_encoder/x.json", b"{}")])
    assert [(f.requirement, f.entry) for f in validate_dduf(path)] == [
        ("DDUF-NAME-006", "vae/a:b.json"),
        ("DDUF-INDEX-003", "text_encoder/"),
        ("DDUF-INDEX-004", "text_encoder/"),
    ]


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_list_dduf_entries_locates_the_entries_of_a_broken_archive(tmp_path, pipeline_entries):
    path = tmp_path / "broken.dduf"
    entries = [*pipeline_entries, ("unet/", b""), ("notes.md", b"# notes"), ("notes.md", b"again")]
    write_with_zipfile(path, entries)
    located_entries, findings = list_dduf_entries(path)
    assert [entry.filename for entry in located_entries] == [name for name, _ in entries]
    archive = path.read_bytes()
    for entry, (_, data) in zip(located_entries, entries, strict=True):
        assert archive[entry.offset : entry.offset + entry.length] == data
    assert findings == validate_dduf(path)
    assert {f.requirement for f in findings} >= {"DDUF-NAME-008", "DDUF-NAME-007", "DDUF-NAME-010"}


def test_list_dduf_entries_of_a_file_without_a_directory(tmp_path):
    path = tmp_path / "text.dduf"
    path.write_bytes(b"not a zip file at all" * 10)
    located_entries, findings = list_dduf_entries(path)
    assert located_entries == []
    assert [f.requirement for f in findings] == ["DDUF-ZIP-001"]
