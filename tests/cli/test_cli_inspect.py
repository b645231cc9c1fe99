"""``weightspec inspect``: the entry table and its JSON form."""

from __future__ import annotations

import json
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from weightspec.cli.inspect import alignment, entry_kind

KIND_OF_EXAMPLE_FILE = {".json": "json", ".safetensors": "safetensors", ".txt": "text"}


def table_rows(out: str) -> dict[str, list[str]]:
    """The table's rows by name: offset, length, alignment, kind, findings (the table ends at a blank line)."""
    header, *lines = out.split("\n\n", 1)[0].splitlines()
    assert header.split() == ["name", "offset", "length", "alignment", "kind", "findings"]
    return {
        line.split()[0]: [*line.split()[1:4], " ".join(line.split()[4:-1]), line.split()[-1]]
        for line in lines
    }


def test_table_lists_every_entry_with_alignment_64(cli, packed_example, example_files):
    result = cli("inspect", packed_example)
    assert result.code == 0
    rows = table_rows(result.out)
    assert set(rows) == set(example_files)
    for name, (offset, length, align, kind, findings) in rows.items():
        assert int(offset) % 64 == 0
        assert int(length) == len(example_files[name])
        assert align == "64"
        assert kind == KIND_OF_EXAMPLE_FILE["." + name.rsplit(".", 1)[1]]
        assert findings == "-"
    assert "\n\n" not in result.out  # a valid archive: the table alone


def test_json_entries_locate_each_file_s_bytes(cli, packed_example, example_files):
    result = cli("inspect", "--json", packed_example)
    assert result.code == 0
    document = json.loads(result.out)
    assert document == {**document, "path": str(packed_example), "findings": [], "valid": True}
    entries = document["entries"]
    assert {entry["name"] for entry in entries} == set(example_files)
    archive = packed_example.read_bytes()
    for entry in entries:
        assert set(entry) == {"name", "offset", "length", "alignment", "kind", "findings"}
        assert entry["alignment"] == 64 and entry["findings"] == []
        assert archive[entry["offset"] : entry["offset"] + entry["length"]] == example_files[entry["name"]]


def test_unaligned_archive_shows_the_real_alignment(cli, make_zip):
    archive = make_zip("unaligned.dduf")  # zipfile does not pad: data follows the 30-byte header and name
    with zipfile.ZipFile(archive) as opened:
        expected = {
            info.filename: 30 + len(info.filename.encode()) + info.header_offset for info in opened.infolist()
        }
    result = cli("inspect", "--json", archive)
    assert result.code == 0
    entries = json.loads(result.out)["entries"]
    shown = {entry["name"]: (entry["offset"], entry["alignment"]) for entry in entries}
    assert shown == {name: (offset, alignment(offset)) for name, offset in expected.items()}
    assert any(align < 64 for _, align in shown.values())


def test_an_info_zip_archive_is_listed_with_its_findings(cli, make_zip, example_files):
    """`zip -0 -r`: a directory entry before each folder's files; listed, marked, and explained."""
    archive = make_zip("info-zip.dduf", directory_entries=True)
    folders = {name.split("/")[0] + "/" for name in example_files if "/" in name}
    result = cli("inspect", archive)
    assert result.code == 1
    rows = table_rows(result.out)
    assert set(rows) == set(example_files) | folders
    for name, row in rows.items():
        assert row[-1] == ("DDUF-NAME-008,DDUF-ENTRY-007" if name in folders else "-")
    findings = result.out.split("\n\n", 1)[1].splitlines()
    assert findings[-1] == f"{archive}: {2 * len(folders)} findings"
    assert findings[0].startswith(f"DDUF-NAME-008 {archive} [")
    assert findings[1].startswith("  fix: made by `zip -r`?") and "zip -0 -r -D" in findings[1]
    assert sum(line.startswith("  fix: ") for line in findings) == 2  # once per requirement


def test_json_of_an_archive_with_findings(cli, make_zip):
    archive = make_zip("traversal.dduf", extra={"../config.json": b"{}"})
    result = cli("inspect", "--json", archive)
    assert result.code == 1
    document = json.loads(result.out)
    assert set(document) == {"path", "entries", "findings", "valid"} and document["valid"] is False
    (broken,) = [entry for entry in document["entries"] if entry["findings"]]
    assert broken["name"] == "../config.json" and broken["findings"] == ["DDUF-NAME-003"]
    (finding,) = document["findings"]
    assert set(finding) == {"requirement", "path", "entry", "offset", "message", "hint"}
    assert finding["requirement"] == "DDUF-NAME-003" and finding["hint"] is None


def test_an_archive_whose_directory_cannot_be_found_lists_no_entry(cli, tmp_path):
    garbage = tmp_path / "garbage.dduf"
    garbage.write_bytes(b"this is not a zip archive" * 4)
    result = cli("inspect", garbage)
    assert result.code == 1
    assert table_rows(result.out) == {}
    assert "DDUF-ZIP-001" in result.out


def test_missing_archive_exits_2(cli, tmp_path):
    result = cli("inspect", tmp_path / "missing.dduf")
    assert result.code == 2
    assert str(tmp_path / "missing.dduf") in result.err


def test_a_folder_or_another_kind_of_file_gets_inspect_s_own_message(cli, tmp_path, example):
    folder = tmp_path / "pipeline.dduf"
    folder.mkdir()
    assert cli("inspect", folder).code == 2
    weights = example / "text_encoder" / "model.safetensors"
    notes = tmp_path / "notes.txt"
    notes.write_text("not an archive")
    for path, says in (
        (example, f"`weightspec pack {example} OUT.dduf`"),
        (weights, f"`weightspec validate {weights}`"),
        (notes, "inspect lists a .dduf file or a file starting with a ZIP signature"),
    ):
        result = cli("inspect", path)
        assert result.code == 2
        assert result.err.startswith(f"weightspec: error: {path}: ") and says in result.err
        assert "checkpoint directory" not in result.err  # validate's text


@given(st.integers(min_value=0, max_value=2**64))
def test_alignment_is_the_largest_power_of_two_dividing_the_offset_capped_at_64(offset):
    align = alignment(offset)
    assert align & (align - 1) == 0 and 1 <= align <= 64
    assert offset % align == 0
    assert align == 64 or offset % (2 * align) != 0


def test_entry_kind_by_extension():
    assert entry_kind("model_index.json") == "json"
    assert entry_kind("unet/diffusion_pytorch_model.safetensors") == "safetensors"
    assert entry_kind("tokenizer/spiece.model") == "tokenizer model"
    assert entry_kind("tokenizer/merges.txt") == "text"
    assert entry_kind("text_encoder/pytorch_model.bin") == "other"
