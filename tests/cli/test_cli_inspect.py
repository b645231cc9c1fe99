"""``weightspec inspect``: the entry table and its JSON form."""

from __future__ import annotations

import json
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from weightspec.cli.inspect import alignment, entry_kind

KIND_OF_EXAMPLE_FILE = {".json": "json", ".safetensors": "safetensors", ".txt": "text"}


def test_table_lists_every_entry_with_alignment_64(cli, packed_example, example_files):
    result = cli("inspect", packed_example)
    assert result.code == 0
    header, *lines = result.out.splitlines()
    assert header.split() == ["name", "offset", "length", "alignment", "kind"]
    rows = {line.split()[0]: line.split(maxsplit=4)[1:] for line in lines}
    assert set(rows) == set(example_files)
    for name, (offset, length, align, kind) in rows.items():
        assert int(offset) % 64 == 0
        assert int(length) == len(example_files[name])
        assert align == "64"
        assert kind == KIND_OF_EXAMPLE_FILE["." + name.rsplit(".", 1)[1]]


def test_json_entries_locate_each_file_s_bytes(cli, packed_example, example_files):
    result = cli("inspect", "--json", packed_example)
    assert result.code == 0
    entries = json.loads(result.out)
    assert {entry["name"] for entry in entries} == set(example_files)
    archive = packed_example.read_bytes()
    for entry in entries:
        assert set(entry) == {"name", "offset", "length", "alignment", "kind"}
        assert entry["alignment"] == 64
        assert archive[entry["offset"] : entry["offset"] + entry["length"]] == example_files[entry["name"]]


def test_unaligned_archive_shows_the_real_alignment(cli, make_zip):
    archive = make_zip("unaligned.dduf")  # zipfile does not pad: data follows the 30-byte header and name
    with zipfile.ZipFile(archive) as opened:
        expected = {
            info.filename: 30 + len(info.filename.encode()) + info.header_offset for info in opened.infolist()
        }
    result = cli("inspect", "--json", archive)
    assert result.code == 0
    shown = {entry["name"]: (entry["offset"], entry["alignment"]) for entry in json.loads(result.out)}
    assert shown == {name: (offset, alignment(offset)) for name, offset in expected.items()}
    assert any(align < 64 for _, align in shown.values())


def test_invalid_archive_exits_1_naming_the_requirement(cli, make_zip):
    result = cli("inspect", make_zip("traversal.dduf", extra={"../config.json": b"{}"}))
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("weightspec: error: ")
    assert "DDUF-NAME-003" in result.err


def test_missing_archive_exits_2(cli, tmp_path):
    result = cli("inspect", tmp_path / "missing.dduf")
    assert result.code == 2
    assert str(tmp_path / "missing.dduf") in result.err


def test_directory_or_non_archive_exits_2(cli, tmp_path, example):
    folder = tmp_path / "pipeline.dduf"
    folder.mkdir()
    assert cli("inspect", folder).code == 2
    weights = example / "text_encoder" / "model.safetensors"
    result = cli("inspect", weights)
    assert result.code == 2
    assert result.err == f"weightspec: error: {weights}: not a DDUF archive\n"


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
