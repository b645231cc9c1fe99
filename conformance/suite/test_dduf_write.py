"""DDUF writers (``dduf-write``): generated valid entries, and entries that break one rule each.

For valid entries (``strategies.dduf_entries()``), the archive written:

- ``writes-valid-archives``: has no finding of the reference's deep validator, which stands
  here for the spec's reader and deep requirements;
- ``keeps-names-and-bytes``: reads back with Python's ``zipfile``, and decodes with the layout
  oracle (the parser generated from ``spec/dduf.ksy``), to exactly the names and bytes given
  (non-ASCII names included, which needs flag bit 11);
- ``is-deterministic``: is the same bytes when written twice, with every timestamp
  1980-01-01 00:00:00 (so that it is also the same bytes on another day);
- ``writes-files-like-bytes``: is the same archive (entries at the same offsets, as the layout
  oracle decodes them, with the same bytes) whether the entries' contents are given as files or
  as bytes.

Then one test per rule of entry names and pipeline structure: an otherwise valid archive with a
name (or ``model_index.json``) that breaks that rule must be refused.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

# The generated entries carry real safetensors payloads, made with torch.
pytest.importorskip("torch", reason="the writer properties need torch: pip install 'weightspec[torch]'")

from hypothesis import given

from weightspec.conformance.entry_lists import entries_differ
from weightspec.conformance.harness.adapter import DDUF_WRITE
from weightspec.conformance.harness.judging import (
    PASSED,
    expect_acceptance,
    expect_refusal,
    require,
)
from weightspec.conformance.oracle import OracleError, decode_entries
from weightspec.conformance.strategies import CONFIG_FILES, MODEL_INDEX, dduf_entries

FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def _write(conformance, entries, directory: Path, name: str = "written.dduf"):
    """Call the writer; returns (outcome, the archive's path)."""
    path = directory / name
    return conformance.call(entries, path), path


def _content_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _decoded_content_of(path: Path) -> dict[str, bytes]:
    """Each entry's bytes where the layout oracle locates them; raises ``OracleError``."""
    data = path.read_bytes()
    return {entry.name: data[entry.offset : entry.offset + entry.length] for entry in decode_entries(data)}


@pytest.mark.conformance(DDUF_WRITE, name="writes-valid-archives", requirements=("DDUF-WRITE-001",))
def test_writes_valid_archives(conformance, tmp_path: Path) -> None:
    from weightspec.reference import validate_dduf

    @given(entries=dduf_entries())
    def check(entries):
        with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
            outcome, path = _write(conformance, entries, Path(directory))

            def findings(_):
                found = validate_dduf(path, deep=True)
                listed = "; ".join(f"{f.requirement} ({f.entry}): {f.message}" for f in found[:3])
                return found and f"the archive breaks {len(found)} requirement(s): {listed}"

            require(expect_acceptance(outcome, findings))

    check()
    conformance.conclude(PASSED)


@pytest.mark.conformance(
    DDUF_WRITE, name="keeps-names-and-bytes", requirements=("DDUF-WRITE-001", "DDUF-WRITE-006")
)
def test_keeps_names_and_bytes(conformance, tmp_path: Path) -> None:
    @given(entries=dduf_entries())
    def check(entries):
        with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
            outcome, path = _write(conformance, entries, Path(directory))

            def differences(_):
                try:
                    readings = {"zipfile": _content_of(path), "the layout oracle": _decoded_content_of(path)}
                except OracleError as error:
                    return f"the layout oracle cannot decode the archive: {error}"
                expected_names = sorted(name for name, _ in entries)
                for reader, read in readings.items():
                    if sorted(read) != expected_names:
                        return f"{reader} reads the names {sorted(read)}, expected {expected_names}"
                    wrong = [name for name, data in entries if read[name] != data]
                    if wrong:
                        return f"{reader} reads other bytes for {wrong}"
                return None

            require(expect_acceptance(outcome, differences))

    check()
    conformance.conclude(PASSED)


@pytest.mark.conformance(DDUF_WRITE, name="is-deterministic", requirements=("DDUF-WRITE-004",))
def test_is_deterministic(conformance, tmp_path: Path) -> None:
    @given(entries=dduf_entries())
    def check(entries):
        with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
            first, first_path = _write(conformance, entries, Path(directory), "first.dduf")
            second, second_path = _write(conformance, entries, Path(directory), "second.dduf")

            def nondeterminism(_):
                with zipfile.ZipFile(first_path) as archive:
                    stamped = [i.filename for i in archive.infolist() if i.date_time != FIXED_TIMESTAMP]
                if stamped:
                    return f"entries {stamped[:3]} have a timestamp other than 1980-01-01 00:00:00"
                if first_path.read_bytes() != second_path.read_bytes():
                    return "writing the same entries twice gave different bytes"
                return None

            require(expect_acceptance(first))
            require(expect_acceptance(second, nondeterminism))

    check()
    conformance.conclude(PASSED)


@pytest.mark.conformance(DDUF_WRITE, name="writes-files-like-bytes", requirements=("DDUF-WRITE-004",))
def test_writes_files_like_bytes(conformance, tmp_path: Path) -> None:
    @given(entries=dduf_entries())
    def check(entries):
        with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
            directory = Path(directory)
            as_files = []
            for number, (name, data) in enumerate(entries):
                source = directory / f"source-{number}"
                source.write_bytes(data)
                as_files.append((name, source))
            from_bytes, bytes_path = _write(conformance, entries, directory, "from-bytes.dduf")
            from_files, files_path = _write(conformance, as_files, directory, "from-files.dduf")

            def differences(_):
                try:
                    expected = decode_entries(bytes_path.read_bytes())
                    located = entries_differ(expected, decode_entries(files_path.read_bytes()))
                except OracleError as error:
                    return f"the layout oracle cannot decode the archive: {error}"
                if located:
                    return f"from files, the archive {located}"
                if _content_of(files_path) != _content_of(bytes_path):
                    return "from files, the archive holds other bytes than from bytes"
                return None

            require(expect_acceptance(from_bytes))
            require(expect_acceptance(from_files, differences))

    check()
    conformance.conclude(PASSED)


# -- refusals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule of names or structure, and examples of what breaks it.

    ``examples``: each is a list of extra entries (a name, or a (name, bytes) pair) added to a
    valid pipeline of ``model_index.json`` and ``unet/config.json``, whose index declares every
    folder the entries use, each given a ``config.json`` where it has none; so an example breaks
    this rule and no other, except those of ``also``. ``index``: the bytes of
    ``model_index.json`` instead, as given, when the rule is about them; ``without_index``: the
    extra entries alone.
    """

    test: str
    requirement: str
    why: str
    examples: tuple[tuple, ...]
    also: tuple[str, ...] = ()
    index: bytes | None = None
    without_index: bool = False


NAME_RULES = (
    Rule(
        "refuses-names-that-are-not-unicode",
        "DDUF-NAME-001",
        "holds a lone surrogate, which has no UTF-8 encoding",
        (["unet/\udc80.json"],),
    ),
    Rule(
        "refuses-empty-absolute-or-empty-segment-names",
        "DDUF-NAME-002",
        "is empty, absolute or has an empty segment",
        (["/abs.json"], ["/unet/weights.safetensors"], ["unet//config.json"], [""]),
        also=("DDUF-NAME-009", "DDUF-NAME-007"),
    ),
    Rule(
        "refuses-dot-segments",
        "DDUF-NAME-003",
        "has a '.' or '..' segment (path traversal)",
        (["../config.json"], ["./config.json"], ["../x.json"]),
    ),
    Rule(
        "refuses-backslashes",
        "DDUF-NAME-004",
        "holds a backslash",
        (["unet\\config.json"], ["a\\..\\b.json"]),
    ),
    Rule(
        "refuses-control-characters",
        "DDUF-NAME-005",
        "holds NUL or a control character",
        (["unet/evil.json\x00.txt"], ["unet/a\x01.json"], ["unet/\x7f.json"], ["unet/\x85.json"]),
    ),
    Rule("refuses-colons", "DDUF-NAME-006", "holds a colon", (["unet/a.json:b.json"], ["C:config.json"])),
    Rule(
        "refuses-other-file-types",
        "DDUF-NAME-007",
        "has an extension DDUF does not allow",
        (["unet/model.bin"], ["unet/config.JSON"], ["unet/model.gguf"], ["unet/config"], ["unet/x.json.bak"]),
    ),
    Rule("refuses-directory-entries", "DDUF-NAME-008", "is a directory entry", (["unet/"],)),
    Rule(
        "refuses-nested-folders",
        "DDUF-NAME-009",
        "lies more than one folder deep",
        (["unet/sub/config.json"], ["a/b/c.safetensors"]),
    ),
    Rule(
        "refuses-colliding-names",
        "DDUF-NAME-010",
        "collides with another name, exactly or after NFC normalisation and case folding",
        (["unet/config.json"], ["unet/CONFIG.json"], ["unet/\u00e9.json", "unet/e\u0301.json"]),
    ),
    Rule(
        "refuses-names-over-512-bytes",
        "DDUF-LIMIT-001",
        "is longer than 512 bytes",
        ([f"unet/{'n' * 504}.txt"], [f"unet/{'é' * 252}.txt"]),
    ),
)
STRUCTURE_RULES = (
    Rule(
        "refuses-archives-without-model-index",
        "DDUF-INDEX-001",
        "has no root model_index.json",
        ([("config.json", b"{}")], [("Model_Index.json", b'{"_class_name": "P"}')]),
        without_index=True,
    ),
    Rule(
        "refuses-a-model-index-that-is-not-json",
        "DDUF-INDEX-002",
        "model_index.json is not UTF-8 JSON",
        ([],),
        index=b'{"_class_name": "P", "unet": ["diffusers", "U"]',
    ),
    Rule(
        "refuses-a-model-index-without-class-name",
        "DDUF-INDEX-002",
        "model_index.json has no string _class_name (schemas/model_index.schema.json)",
        ([],),
        index=b'{"unet": ["diffusers", "U"]}',
    ),
    Rule(
        "refuses-a-model-index-with-nan",
        "DDUF-INDEX-002",
        "model_index.json holds NaN, which is not JSON (RFC 8259)",
        ([],),
        index=b'{"_class_name": "P", "unet": ["diffusers", "U"], "scale": NaN}',
    ),
    Rule(
        "refuses-undeclared-folders",
        "DDUF-INDEX-003",
        "has a folder that model_index.json does not declare",
        ([("vae/config.json", b"{}")],),
        index=b'{"_class_name": "P", "unet": ["diffusers", "U"]}',
    ),
    Rule(
        "refuses-folders-without-configuration",
        "DDUF-INDEX-004",
        "has a folder without config.json or another configuration file",
        ([("vae/vocab.txt", b"")],),
        index=b'{"_class_name": "P", "unet": ["diffusers", "U"], "vae": ["diffusers", "V"]}',
    ),
)


def _pipeline_with(rule: Rule, extra: list) -> list[tuple[str, bytes]]:
    """The valid base pipeline plus ``extra`` (see ``Rule``); ``extra`` alone for ``without_index``."""
    extra = [
        item if isinstance(item, tuple) else (item, b"{}" if item.endswith(".json") else b"")
        for item in extra
    ]
    if rule.without_index:
        return extra
    entries = [("unet/config.json", b"{}"), *extra]
    if rule.index is not None:
        return [(MODEL_INDEX, rule.index), *entries]
    # Folders as a writer may see them: "/unet/x.json" is in "" as it is, in "unet" with its
    # leading "/" stripped (as huggingface_hub does); both are declared, so that neither reading
    # finds another rule broken.
    seen = [name for name, _ in entries] + [name.lstrip("/") for name, _ in entries]
    folders = dict.fromkeys(name.split("/", 1)[0] for name in seen if "/" in name)
    index = {"_class_name": "P", **{folder: ["diffusers", "C"] for folder in folders}}
    names = {name for name, _ in entries}
    configs = [(f"{folder}/config.json", b"{}") for folder in folders if not _has_config(folder, names)]
    return [(MODEL_INDEX, json.dumps(index).encode()), *configs, *entries]


def _has_config(folder: str, names: set[str]) -> bool:
    return any(f"{folder}/{config}" in names for config in CONFIG_FILES)


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(
            rule,
            id=rule.test,
            marks=pytest.mark.conformance(
                DDUF_WRITE, name=rule.test, requirements=(rule.requirement, "DDUF-WRITE-001")
            ),
        )
        for rule in NAME_RULES + STRUCTURE_RULES
    ],
)
def test_refuses(rule: Rule, conformance, tmp_path: Path) -> None:
    for number, extra in enumerate(rule.examples):
        entries = _pipeline_with(rule, list(extra))
        outcome, _ = _write(conformance, entries, tmp_path, f"example-{number}.dduf")
        names = [name for name, _ in entries]
        why = f"the entries {names!r}: {rule.why}"
        judgement = expect_refusal(
            outcome, DDUF_WRITE, rule.requirement, why, also=(*rule.also, "DDUF-WRITE-001")
        )
        if not judgement.passed:
            conformance.conclude(judgement)
            return
    conformance.conclude(PASSED)


ZIP64_ENTRY_COUNT = 0xFFFF + 1  # one more than the end record's 16-bit count can hold


@pytest.mark.conformance(DDUF_WRITE, name="uses-zip64-for-many-entries", requirements=("DDUF-WRITE-002",))
def test_uses_zip64_for_many_entries(conformance, tmp_path: Path) -> None:
    """65,536 entries do not fit the end record's count: the archive needs ZIP64 end records, and
    the layout oracle must still decode every entry."""
    index = json.dumps({"_class_name": "Pipeline", "notes": ["diffusers", "Notes"]}).encode()
    entries = [("model_index.json", index), ("notes/config.json", b"{}")]
    entries += [(f"notes/{number:05d}.txt", b"") for number in range(ZIP64_ENTRY_COUNT - 2)]
    outcome, path = _write(conformance, entries, tmp_path)

    def check(_):
        data = path.read_bytes()
        if data[-42:-38] != b"PK\x06\x07" or data[-22:-18] != b"PK\x05\x06":
            return f"{len(entries)} entries, but no ZIP64 end locator right before the end record"
        try:
            found = decode_entries(data)
        except OracleError as error:
            return f"the layout oracle cannot decode the archive: {error}"
        if len(found) != len(entries):
            return f"the layout oracle finds {len(found)} of {len(entries)} entries"
        return None

    conformance.conclude(expect_acceptance(outcome, check))
