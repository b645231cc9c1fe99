"""The layout oracle (``weightspec.conformance.oracle``): its parser is what ``spec/dduf.ksy``
compiles to; it locates the entries that the reference reader, the case library's ZIP writer
and ``zipfile`` locate, on generated archives and on every valid case; and on damaged bytes it
raises ``OracleError``, never another exception.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weightspec.conformance import Case
from weightspec.conformance.dduf_cases.baseline import baseline
from weightspec.conformance.harness.adapter import EntryInfo
from weightspec.conformance.oracle import OracleError, decode_entries, regenerate
from weightspec.conformance.zip_builder import Archive, Entry, ZipSpec
from weightspec.conformance.zip_records import U32_MAX, zip64_extra
from weightspec.reference import read_dduf_file

needs_node = pytest.mark.skipif(
    bool(regenerate.missing_tools()),
    reason=f"compiling spec/dduf.ksy needs Node.js and npm; missing: {regenerate.missing_tools()}",
)


def _every_entry(spec: ZipSpec, **fields) -> ZipSpec:
    return dataclasses.replace(spec, entries=tuple(dataclasses.replace(e, **fields) for e in spec.entries))


def _with_central_zip64(spec: ZipSpec) -> Archive:
    """``spec`` built with every central header's sizes and offset saturated, their values in a
    ZIP64 information record (the central records come after every entry, so the local offsets
    of a first build stay)."""
    offsets = spec.build().layout.local_headers
    entries = [
        dataclasses.replace(entry, central_extra=zip64_extra(len(entry.data), len(entry.data), offset))
        for entry, offset in zip(spec.entries, offsets, strict=True)
    ]
    archive = dataclasses.replace(spec, entries=tuple(entries)).build()
    for index in range(len(entries)):
        for field in ("uncompressed_size", "compressed_size", "local_header_offset"):
            archive = archive.patched("central", field, U32_MAX, entry=index)
    return archive


# The valid layouts of the case library's writer, each a function of a ZipSpec.
LAYOUTS = {
    "plain": ZipSpec.build,
    "zip64-end-records": lambda spec: spec.with_options(zip64_end=True).build(),
    "zip64-end-records-saturated": lambda spec: spec.with_options(zip64_end=True, saturate_end=True).build(),
    "aligned-64": lambda spec: spec.with_options(alignment=64).build(),
    "aligned-4096": lambda spec: spec.with_options(alignment=4096).build(),
    "hub-local-zip64": lambda spec: _every_entry(spec, local_zip64=True).build(),
    "central-zip64": _with_central_zip64,
}


def _reference_entries(path: Path) -> list[EntryInfo]:
    return [EntryInfo(e.filename, e.offset, e.length) for e in read_dduf_file(path).values()]


def _built(layout: str) -> bytes:
    return LAYOUTS[layout](baseline()).data


# -- the committed parser --------------------------------------------------------------------------


@needs_node
def test_committed_parser_is_what_the_ksy_compiles_to(capsys) -> None:
    assert regenerate.main(["--check"]) == 0, capsys.readouterr().out


@needs_node
def test_check_fails_on_a_stale_parser_and_regenerating_fixes_it(monkeypatch, tmp_path: Path) -> None:
    committed = regenerate.GENERATED.read_bytes()
    stale = tmp_path / regenerate.GENERATED.name
    stale.write_bytes(committed + b"# edited by hand\n")
    monkeypatch.setattr(regenerate, "GENERATED", stale)
    assert regenerate.main(["--check"]) == 1
    assert regenerate.main([]) == 0
    assert stale.read_bytes() == committed


# -- agreement with the reference, the case library's writer and zipfile ---------------------------


def test_agrees_with_the_reference_on_archives_the_reference_writes(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="dduf_entries() makes safetensors payloads with torch")
    from weightspec.conformance.strategies import dduf_entries
    from weightspec.reference import export_entries_as_dduf

    @given(entries=dduf_entries())
    def check(entries):
        with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
            path = Path(directory) / "written.dduf"
            export_entries_as_dduf(path, entries)
            assert decode_entries(path.read_bytes()) == _reference_entries(path)

    check()


def test_agrees_with_the_builder_and_the_reference_on_every_layout(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="dduf_entries() makes safetensors payloads with torch")
    from weightspec.conformance.strategies import dduf_entries

    @given(entries=dduf_entries(), layout=st.sampled_from(sorted(LAYOUTS)), data=st.data())
    def check(entries, layout, data):
        order = tuple(data.draw(st.permutations(range(len(entries))), label="directory order"))
        spec = ZipSpec(tuple(Entry(name, content) for name, content in entries), directory_order=order)
        archive = LAYOUTS[layout](spec)
        spans = archive.layout.data_spans
        laid_out = [EntryInfo(entries[i][0], spans[i][0], spans[i][1] - spans[i][0]) for i in order]
        with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
            path = Path(directory) / f"{layout}.dduf"
            path.write_bytes(archive.data)
            assert decode_entries(archive.data) == laid_out == _reference_entries(path)

    check()


def test_decodes_every_valid_case_as_the_reference_and_zipfile_do(
    valid_case: Case, write_case, assert_entries_are_zipfiles
) -> None:
    path = write_case(valid_case)
    entries = decode_entries(path.read_bytes())
    assert entries == _reference_entries(path)
    assert_entries_are_zipfiles(path, {entry.name: entry for entry in entries})


# -- damaged bytes -----------------------------------------------------------------------------------


@given(layout=st.sampled_from(sorted(LAYOUTS)), data=st.data())
def test_a_truncated_archive_raises_oracle_error(layout: str, data) -> None:
    archive = _built(layout)
    length = data.draw(st.integers(0, len(archive) - 1), label="length kept")
    with pytest.raises(OracleError):
        decode_entries(archive[:length])


@given(
    layout=st.sampled_from(sorted(LAYOUTS)),
    damage=st.one_of(
        st.tuples(st.just("cut-front"), st.integers(1, 2000), st.just(b"")),
        st.tuples(st.just("overwrite"), st.integers(0, 2000), st.binary(min_size=1, max_size=16)),
    ),
)
def test_damaged_bytes_decode_or_raise_oracle_error(layout: str, damage: tuple[str, int, bytes]) -> None:
    archive = _built(layout)
    kind, position, replacement = damage
    position %= len(archive)
    if kind == "cut-front":
        damaged = archive[position:]
    else:
        damaged = archive[:position] + replacement + archive[position + len(replacement) :]
    try:
        entries = decode_entries(damaged)
    except OracleError:
        return
    assert all(entry.offset + entry.length <= len(damaged) for entry in entries)


@given(garbage=st.binary(max_size=200).filter(lambda data: data[-22:-18] != b"PK\x05\x06"))
def test_bytes_without_an_end_record_raise_oracle_error(garbage: bytes) -> None:
    with pytest.raises(OracleError):
        decode_entries(garbage)


def test_every_case_decodes_or_raises_oracle_error(case: Case) -> None:
    data = case.build()
    try:
        entries = decode_entries(data)
    except OracleError:
        return
    assert all(entry.offset + entry.length <= len(data) for entry in entries)
