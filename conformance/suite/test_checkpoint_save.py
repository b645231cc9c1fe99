"""Savers (``checkpoint-save``) on generated state dicts: what they write, and what they must not do.

The state dicts (``strategies.state_dicts``) hold tensors of many dtypes and shapes, empty and
0-rank ones, and tied weights (one tensor under two names, or two tensor objects over all of one
storage); views that cover part of a storage and strings are left to tests of their own, so
that each divergence shows in one test. For each, what the implementation writes:

- ``writes-a-valid-checkpoint``: has no finding of the reference's deep validator;
- ``loads-back-exactly``: loads through the reference's ``load_torch_model`` into a model of
  the same names, with every tensor equal bit for bit;
- ``marks-every-file-as-pt``: every safetensors file has ``"format": "pt"`` in its metadata;
- ``indexes-exactly-when-sharded``: one file ``model.safetensors`` and no index, or n files
  ``model-0000i-of-0000n.safetensors`` and ``model.safetensors.index.json``, whose ``weight_map``
  lists exactly each file's tensors and whose ``total_size`` is the bytes of the tensors written;
- ``records-shared-tensors``: of each set of tied names only the alphabetically first is written,
  and every other one is recorded as ``dropped: kept`` in every file and in the index;
- ``skips-strings``: string values are skipped, not saved and not refused;
- ``leaves-the-state-dict-unchanged``, and ``refuses-an-empty-state-dict`` leaving the
  directory as it was.

Files are read here with ``json`` alone (a safetensors file is an 8-byte header length, the JSON
header, then the data), independently of the reference; a file that cannot be read so fails the
test that reads it.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest

torch = pytest.importorskip(
    "torch", reason="the checkpoint tests need torch: pip install 'weightspec[torch]'"
)

import safetensors.torch
from hypothesis import example, given
from hypothesis import strategies as st

from weightspec.conformance.harness.adapter import CHECKPOINT_SAVE
from weightspec.conformance.harness.judging import (
    FAIL,
    PASSED,
    Judgement,
    expect_acceptance,
    expect_refusal,
    require,
)
from weightspec.conformance.split_model import describe, storage_key, storage_size
from weightspec.conformance.state_dict_snapshots import changes, snapshot
from weightspec.conformance.strategies import state_dicts
from weightspec.conformance.tensor_bytes import tensors_differ
from weightspec.conformance.torch_models import blank_model, loaded_tensors, spec_of

SAVABLE = state_dicts(min_tensors=1, views=False, strings=False, meta=False)
LIMITS = st.integers(min_value=1, max_value=600)
INDEX = "model.safetensors.index.json"
_WEIGHTS_FILE = re.compile(r"model(-\d{5}-of-\d{5})?\.safetensors")


class _Unreadable(Exception):
    """A file the implementation wrote cannot be read as what its name says it is."""


def _json_file(path: Path, data: bytes | None = None) -> dict:
    try:
        value = json.loads(path.read_bytes() if data is None else data)
    except (ValueError, UnicodeDecodeError) as error:
        raise _Unreadable(f"{path.name} does not hold JSON where it must: {error}") from None
    if not isinstance(value, dict):
        raise _Unreadable(f"{path.name} holds a JSON {type(value).__name__} where it must hold an object")
    return value


def _weights_files(directory: Path) -> dict[str, tuple[list[str], dict[str, str], int]]:
    """Each safetensors file of a save: (tensor names, metadata, data buffer bytes), by name."""
    files = {}
    for path in sorted(directory.iterdir()):
        if _WEIGHTS_FILE.fullmatch(path.name):
            data = path.read_bytes()
            length = int.from_bytes(data[:8], "little")
            header = _json_file(path, data[8 : 8 + length])
            metadata = header.pop("__metadata__", {})
            if not isinstance(metadata, dict):
                raise _Unreadable(f"{path.name} has __metadata__ that is not an object")
            files[path.name] = (list(header), metadata, len(data) - 8 - length)
    return files


def _tied_groups(state_dict: dict) -> list[list[str]]:
    """The names of each non-empty storage that has more than one (SHARD-SPLIT-009's identity)."""
    groups: dict[tuple, list[str]] = {}
    for name, tensor in state_dict.items():
        if storage_size(tensor) > 0:
            groups.setdefault(storage_key(tensor), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def _save(conformance, state_dict: dict, limit: int, directory: Path):
    """Save a shallow copy into ``directory`` (created), so that a saver that changes the caller's
    dict fails only ``leaves-the-state-dict-unchanged``."""
    directory.mkdir()
    return conformance.call(dict(state_dict), directory, max_shard_size=limit)


def _tied_across_shards() -> dict[str, torch.Tensor]:
    """Tied weights whose kept name (the alphabetically first) comes later in key order, split by a
    16-byte limit into two shards: an example every run tries first, as it shows the most."""
    tied = torch.arange(4, dtype=torch.float32)
    return {"head.weight": tied, "encoder.0.bias": torch.ones(2), "embed.weight": tied}


def _for_generated_saves(conformance, tmp_path: Path, check, strategy=SAVABLE, first=None) -> None:
    """Save ``first`` (default ``_tied_across_shards()``) with a 16-byte limit, then each generated
    state dict with a generated limit, each into a fresh directory; judge each with
    ``check(state_dict, directory, outcome) -> Judgement``, and conclude."""

    @example(state_dict=_tied_across_shards() if first is None else first, limit=16)
    @given(state_dict=strategy, limit=LIMITS)
    def each(state_dict, limit):
        with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
            directory = Path(scratch) / "checkpoint"
            outcome = _save(conformance, state_dict, limit, directory)
            try:
                judgement = check(state_dict, directory, outcome)
            except _Unreadable as error:
                judgement = Judgement(FAIL, str(error), outcome.describe())
            if not judgement.passed:
                context = f"; limit {limit}, state dict {describe(state_dict)}"
                judgement = Judgement(judgement.status, judgement.reason + context, judgement.outcome)
            require(judgement)

    each()
    conformance.conclude(PASSED)


def _validity(state_dict, directory, outcome) -> Judgement:
    """The checkpoint has no finding of ``weightspec.reference.validate_checkpoint(deep=True)``."""
    from weightspec.reference import validate_checkpoint

    def findings(_):
        found = validate_checkpoint(directory, deep=True)
        listed = "; ".join(f"{f.requirement}: {f.message}" for f in found[:3])
        return found and f"the checkpoint breaks {len(found)} requirement(s): {listed}"

    return expect_acceptance(outcome, findings)


def _round_trip(state_dict, directory, outcome) -> Judgement:
    """The checkpoint loads strictly into a model of the state dict's names, bit for bit."""
    from weightspec.reference import CheckpointError, load_torch_model

    def difference(_):
        model = blank_model(spec_of(state_dict))
        try:
            load_torch_model(model, directory, strict=True)
        except (CheckpointError, RuntimeError) as error:
            return f"the reference cannot load it: {error}"
        return tensors_differ(state_dict, loaded_tensors(model))

    return expect_acceptance(outcome, difference)


def _format_metadata(state_dict, directory, outcome) -> Judgement:
    """Every safetensors file written has ``"format": "pt"`` in its metadata."""

    def unmarked(_):
        files = _weights_files(directory)
        wrong = {
            name: metadata.get("format")
            for name, (_, metadata, _) in files.items()
            if metadata.get("format") != "pt"
        }
        return wrong and f"files without 'format': 'pt' in their metadata (their 'format'): {wrong}"

    return expect_acceptance(outcome, unmarked)


def _index_agreement(state_dict, directory, outcome) -> Judgement:
    """An index exactly when there is more than one file, naming the files by the pattern and
    listing exactly their tensors and bytes."""

    def disagreement(_):
        files = _weights_files(directory)
        count = len(files)
        expected_names = (
            ["model.safetensors"]
            if count == 1
            else [f"model-{i:05d}-of-{count:05d}.safetensors" for i in range(1, count + 1)]
        )
        if sorted(files) != expected_names:
            return f"the weights files are {sorted(files)}, expected {expected_names}"
        index_path = directory / INDEX
        if count == 1:
            return index_path.exists() and f"a single file, but {INDEX} was written"
        if not index_path.exists():
            return f"{count} files, but no {INDEX}"
        index = _json_file(index_path)
        weight_map, metadata = index.get("weight_map"), index.get("metadata")
        if not isinstance(weight_map, dict) or not isinstance(metadata, dict):
            return f"{INDEX} lacks the weight_map and metadata objects"
        for name, (tensors, _, _) in files.items():
            listed = sorted(tensor for tensor, file in weight_map.items() if file == name)
            if listed != sorted(tensors):
                return f"the index lists {listed} in {name}, which holds {sorted(tensors)}"
        if set(weight_map.values()) - set(files):
            return f"the index names files that were not written: {sorted(set(weight_map.values()) - set(files))}"
        written = sum(size for _, _, size in files.values())
        total = metadata.get("total_size")
        return total != written and f"the index's total_size is {total}, but the files hold {written} bytes"

    return expect_acceptance(outcome, disagreement)


def _shared_records(state_dict, directory, outcome) -> Judgement:
    """Of tied names, the alphabetically first is written once; the others are recorded."""

    def problem(_):
        files = _weights_files(directory)
        written = [tensor for tensors, _, _ in files.values() for tensor in tensors]
        if len(written) != len(set(written)):
            return f"tensors written more than once: {sorted({t for t in written if written.count(t) > 1})}"
        index_path = directory / INDEX
        records = {file: metadata for file, (_, metadata, _) in files.items()}
        if index_path.exists():
            metadata = _json_file(index_path).get("metadata")
            records[INDEX] = metadata if isinstance(metadata, dict) else {}
        for names in _tied_groups(state_dict):
            kept, *dropped = sorted(names)
            if set(names) & set(written) != {kept}:
                return f"of the tied names {names}, {sorted(set(names) & set(written))} were written, expected [{kept!r}]"
            for file, record in records.items():
                missing = [name for name in dropped if record.get(name) != kept]
                if missing:
                    return f"{file} does not record {missing} as {kept!r}: its metadata is {record}"
        return None

    return expect_acceptance(outcome, problem)


def _strings_skipped(state_dict, directory, outcome) -> Judgement:
    """The save is accepted and no string value is written as a tensor."""

    def problem(_):
        written = {tensor for tensors, _, _ in _weights_files(directory).values() for tensor in tensors}
        strings = sorted(
            name for name, value in state_dict.items() if isinstance(value, str) and name in written
        )
        return strings and f"string values were written as tensors: {strings}"

    return expect_acceptance(outcome, problem)


@pytest.mark.conformance(CHECKPOINT_SAVE, name="writes-a-valid-checkpoint", requirements=("SHARD-SAVE-003",))
def test_writes_a_valid_checkpoint(conformance, tmp_path: Path) -> None:
    _for_generated_saves(conformance, tmp_path, _validity)


@pytest.mark.conformance(
    CHECKPOINT_SAVE,
    name="loads-back-exactly",
    requirements=("SHARD-SAVE-001", "SHARD-SAVE-008", "SHARD-LOAD-005"),
)
def test_loads_back_exactly(conformance, tmp_path: Path) -> None:
    _for_generated_saves(conformance, tmp_path, _round_trip)


@pytest.mark.conformance(CHECKPOINT_SAVE, name="marks-every-file-as-pt", requirements=("SHARD-SAVE-002",))
def test_marks_every_file_as_pt(conformance, tmp_path: Path) -> None:
    _for_generated_saves(conformance, tmp_path, _format_metadata)


@pytest.mark.conformance(
    CHECKPOINT_SAVE,
    name="indexes-exactly-when-sharded",
    requirements=("SHARD-SAVE-003", "SHARD-SAVE-008", "SHARD-NAME-001", "SHARD-NAME-003", "SHARD-NAME-004"),
)
def test_indexes_exactly_when_sharded(conformance, tmp_path: Path) -> None:
    _for_generated_saves(conformance, tmp_path, _index_agreement)


@pytest.mark.conformance(
    CHECKPOINT_SAVE, name="records-shared-tensors", requirements=("SHARD-SAVE-001", "SHARD-SAVE-008")
)
def test_records_shared_tensors(conformance, tmp_path: Path) -> None:
    _for_generated_saves(conformance, tmp_path, _shared_records)


def _with_string(state_dict: dict, text: str, position: int) -> dict:
    """``state_dict`` with the string ``text`` inserted under "quant_state" at ``position``."""
    items = list(state_dict.items())
    items.insert(min(position, len(items)), ("quant_state", text))
    return dict(items)


@pytest.mark.conformance(CHECKPOINT_SAVE, name="skips-strings", requirements=("SHARD-SPLIT-004",))
def test_skips_strings(conformance, tmp_path: Path) -> None:
    with_strings = st.builds(_with_string, SAVABLE, st.text(max_size=4), st.integers(0, 8))
    example = _with_string(_tied_across_shards(), "nf4", 1)
    _for_generated_saves(conformance, tmp_path, _strings_skipped, with_strings, example)


@pytest.mark.conformance(
    CHECKPOINT_SAVE, name="leaves-the-state-dict-unchanged", requirements=("SHARD-SAVE-006",)
)
def test_leaves_the_state_dict_unchanged(conformance, tmp_path: Path) -> None:
    @example(state_dict=_tied_across_shards(), limit=16)
    @given(state_dict=SAVABLE, limit=LIMITS)
    def check(state_dict, limit):
        with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
            before = snapshot(state_dict)
            outcome = conformance.call(state_dict, Path(directory), max_shard_size=limit)
            require(expect_acceptance(outcome, lambda _: changes(before, state_dict)))

    check()
    conformance.conclude(PASSED)


def _directory_content(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


@pytest.mark.conformance(
    CHECKPOINT_SAVE, name="refuses-an-empty-state-dict", requirements=("SHARD-SAVE-005",)
)
def test_refuses_an_empty_state_dict(conformance, tmp_path: Path) -> None:
    directory = tmp_path / "checkpoint"
    directory.mkdir()
    (directory / "model.safetensors").write_bytes(safetensors.torch.save({"kept": torch.ones(3)}))
    (directory / "notes.txt").write_text("an earlier save")
    before = _directory_content(directory)
    outcome = conformance.call({}, directory, max_shard_size="5GB")
    judgement = expect_refusal(outcome, CHECKPOINT_SAVE, "SHARD-SAVE-005", "the state dict is empty")
    after = _directory_content(directory)
    if after != before:
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        judgement = Judgement(
            FAIL, f"{judgement.reason or 'refused'}, and changed the directory: {changed}", judgement.outcome
        )
    conformance.conclude(judgement)


@pytest.mark.conformance(CHECKPOINT_SAVE, name="saves-slices-compactly", requirements=("SHARD-SAVE-011",))
def test_saves_slices_compactly(conformance, tmp_path: Path) -> None:
    """A slice that shares its storage with nothing else is saved as its own 2 elements (8 bytes),
    and counted so in total_size, not as the 40-byte storage it views."""
    base = torch.arange(10, dtype=torch.float32)
    state_dict = {"a": base[2:4], "b": torch.ones(4)}
    outcome = _save(conformance, state_dict, 12, tmp_path / "checkpoint")

    def check(_):
        files = _weights_files(tmp_path / "checkpoint")
        sizes = {name: size for names, _, size in files.values() for name in names}
        if sizes.get("a") != 8:
            return f"the slice a takes {sizes.get('a')} bytes on disk, not its own 8"
        index = _json_file(tmp_path / "checkpoint" / "model.safetensors.index.json")
        if index["metadata"]["total_size"] != 8 + 16:
            return f"total_size is {index['metadata']['total_size']}, not 24 (the slice counted by its own bytes)"
        return _round_trip(state_dict, tmp_path / "checkpoint", outcome).reason or None

    conformance.conclude(expect_acceptance(outcome, check))
