"""The npm implementations: the real packages under the real Node, installed by their factories
with ``npm ci`` into a cache folder of this test module.

``huggingface.js`` (``@huggingface/dduf``): it declares the installed package; it reads every
valid case with the entries the layout oracle decodes; its outcomes over the whole case library
match the shipped expectation file exactly; it tells a documented refusal from a crash; without
node or npm it is unavailable with the reason; and a second factory call reuses the install.

``huggingface.js-hub`` (``@huggingface/hub``'s ``parseSafetensorsMetadata`` over the driver's
local Hub): it declares the installed package; it inspects a single file, a directory, a sharded
directory and an index file to exactly the stored names, dtypes and shapes; it refuses a
truncated header and a missing checkpoint folder, and crashes on a file too short for the
header length; without node it is unavailable naming its package; it installs beside the other.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from weightspec.conformance import Case, case_by_id
from weightspec.conformance.adapters.huggingface_js import INSTALLED_MARKER, huggingface_js
from weightspec.conformance.adapters.huggingface_js_hub import huggingface_js_hub
from weightspec.conformance.adapters.subprocess_driver import SubprocessAdapter
from weightspec.conformance.entry_lists import entries_differ
from weightspec.conformance.harness.adapter import CHECKPOINT_INSPECT, DDUF_READ, TensorSpec, call
from weightspec.conformance.harness.errors import ImplementationUnavailable
from weightspec.conformance.harness.expectations import builtin_expectations
from weightspec.conformance.harness.judging import expect_acceptance, expect_refusal
from weightspec.conformance.harness.outcomes import (
    ACCEPTED,
    CHECKPOINT_ERROR,
    CORRUPT_ARCHIVE,
    CRASHED,
    FILE_NOT_FOUND,
    REFUSED,
)
from weightspec.conformance.oracle import decode_entries

DRIVERS = Path(__file__).resolve().parents[2] / "conformance" / "adapters" / "drivers"
DRIVER_FOLDER = DRIVERS / "huggingface-js"
HUB_DRIVER_FOLDER = DRIVERS / "huggingface-hub"
NODE, NPM = shutil.which("node"), shutil.which("npm")
needs_node = pytest.mark.skipif(
    NODE is None or NPM is None, reason="node or npm is not installed: @huggingface/dduf runs under Node.js"
)
EXPECTATIONS = builtin_expectations("huggingface.js")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty cache folder, set as WEIGHTSPEC_CACHE for the module's tests."""
    root = tmp_path_factory.mktemp("weightspec-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEIGHTSPEC_CACHE", str(root))
        yield root


@pytest.fixture(scope="module")
def adapter(cache: Path) -> Iterator[SubprocessAdapter]:
    adapter = huggingface_js()
    yield adapter
    adapter.close()


@pytest.fixture(scope="module")
def hub_adapter(cache: Path) -> Iterator[SubprocessAdapter]:
    adapter = huggingface_js_hub()
    yield adapter
    adapter.close()


def _installed_folder(adapter: SubprocessAdapter) -> Path:
    return Path(adapter.command[-1]).parent


def _known_divergence(case: Case, version: str):
    return EXPECTATIONS.lookup(f"{DDUF_READ}/{case.id}", case.requirements, version)


@needs_node
def test_declares_the_locked_package_version(adapter: SubprocessAdapter) -> None:
    lock = json.loads((DRIVER_FOLDER / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/@huggingface/dduf"]["version"]
    installed = _installed_folder(adapter) / "node_modules" / "@huggingface" / "dduf" / "package.json"
    assert adapter.name == "huggingface.js"
    assert adapter.capabilities == {DDUF_READ}
    assert adapter.version == locked == json.loads(installed.read_text(encoding="utf-8"))["version"]


@needs_node
def test_reads_a_valid_case_with_the_entries_the_oracle_decodes(
    adapter: SubprocessAdapter, valid_case: Case, write_case
) -> None:
    path = write_case(valid_case)
    outcome = call(adapter, DDUF_READ, path)
    if _known_divergence(valid_case, adapter.version):
        assert outcome.kind == REFUSED, f"listed in huggingface.js.toml as refused, but {outcome.describe()}"
        return
    assert outcome.kind == ACCEPTED, outcome.describe()
    assert outcome.value == decode_entries(path.read_bytes())


@needs_node
def test_expectation_file_lists_exactly_the_failing_cases(
    adapter: SubprocessAdapter, case: Case, write_case
) -> None:
    """The dduf-read rule of the suite, applied to one case, fails iff huggingface.js.toml lists it."""
    path = write_case(case)
    outcome = call(adapter, DDUF_READ, path)
    if case.expected.scope == "reader":
        judgement = expect_refusal(outcome, DDUF_READ, case.expected.requirement, case.description)
    else:
        expected = decode_entries(path.read_bytes())
        judgement = expect_acceptance(outcome, lambda entries: entries_differ(expected, entries))
    listed = _known_divergence(case, adapter.version) is not None
    assert listed == (not judgement.passed), (
        f"huggingface.js.toml {'lists' if listed else 'does not list'} {case.id}, "
        f"but the package {'passes' if judgement.passed else 'fails'}: {judgement.outcome}"
    )


@needs_node
def test_a_deliberate_error_is_a_refusal(adapter: SubprocessAdapter, tmp_path: Path) -> None:
    junk = tmp_path / "junk.dduf"
    junk.write_bytes(b"\0" * 64)
    outcome = call(adapter, DDUF_READ, junk)
    assert (outcome.kind, outcome.category, outcome.error_type) == (REFUSED, CORRUPT_ARCHIVE, "Error")
    assert outcome.message == "DDUF footer not found in last 100kB of file"


@needs_node
def test_an_error_from_inside_the_library_is_a_crash(adapter: SubprocessAdapter, write_case) -> None:
    # The end record counts 5 entries, the directory holds 4: checkDDUF reads past its DataView.
    outcome = call(adapter, DDUF_READ, write_case(case_by_id("zip-directory-count-too-large")))
    assert (outcome.kind, outcome.error_type) == (CRASHED, "RangeError")


@needs_node
def test_a_missing_file_is_a_crash(adapter: SubprocessAdapter, tmp_path: Path) -> None:
    outcome = call(adapter, DDUF_READ, tmp_path / "missing.dduf")
    assert outcome.kind == CRASHED


def test_without_node_it_is_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ImplementationUnavailable, match="node was not found on PATH; install it"):
        huggingface_js()


@needs_node
def test_without_npm_it_is_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "node").symlink_to(NODE)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("WEIGHTSPEC_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ImplementationUnavailable, match="npm was not found on PATH; install it"):
        huggingface_js()


@needs_node
def test_a_second_call_reuses_the_install_without_npm(
    adapter: SubprocessAdapter, cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = _installed_folder(adapter)
    marker = folder / INSTALLED_MARKER
    before = (folder.stat().st_ino, marker.stat().st_mtime_ns)
    (tmp_path / "node").symlink_to(NODE)
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm to run
    second = huggingface_js()
    try:
        assert _installed_folder(second) == folder
        assert (folder.stat().st_ino, marker.stat().st_mtime_ns) == before
        assert [path.name for path in cache.iterdir() if ".partial-" in path.name] == []
        assert second.version == adapter.version
    finally:
        second.close()


# --- huggingface.js-hub -------------------------------------------------------------------------

HUB_TENSORS = {
    "embed.weight": TensorSpec("F32", (4, 3)),
    "layer.0.bias": TensorSpec("BF16", (5,)),
    "layer.0.step": TensorSpec("I64", ()),
    "head.mask": TensorSpec("BOOL", (2, 0, 3)),
}
SHARDS = {"model-00001-of-00002.safetensors": 2, "model-00002-of-00002.safetensors": 2}  # file: tensors


def _write_checkpoint(directory: Path, *, sharded: bool) -> None:
    """``HUB_TENSORS`` as ``model.safetensors``, or in the two shards of ``SHARDS`` with their index."""
    import safetensors.torch
    import torch

    from weightspec.conformance.torch_models import TORCH_DTYPES

    tensors = {
        name: torch.zeros(spec.shape, dtype=TORCH_DTYPES[spec.dtype]) for name, spec in HUB_TENSORS.items()
    }
    if not sharded:
        safetensors.torch.save_file(tensors, directory / "model.safetensors")
        return
    names, weight_map = iter(tensors), {}
    for file, count in SHARDS.items():
        shard = {name: tensors[name] for name in [next(names) for _ in range(count)]}
        safetensors.torch.save_file(shard, directory / file)
        weight_map.update(dict.fromkeys(shard, file))
    index = {"metadata": {"total_size": sum(t.nbytes for t in tensors.values())}, "weight_map": weight_map}
    (directory / "model.safetensors.index.json").write_text(json.dumps(index), encoding="utf-8")


@needs_node
def test_hub_declares_the_locked_package_version(hub_adapter: SubprocessAdapter) -> None:
    lock = json.loads((HUB_DRIVER_FOLDER / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/@huggingface/hub"]["version"]
    installed = _installed_folder(hub_adapter) / "node_modules" / "@huggingface" / "hub" / "package.json"
    assert hub_adapter.name == "huggingface.js-hub"
    assert hub_adapter.capabilities == {CHECKPOINT_INSPECT}
    assert hub_adapter.version == locked == json.loads(installed.read_text(encoding="utf-8"))["version"]


@needs_node
@pytest.mark.parametrize(
    ("sharded", "given"),
    [
        (False, "model.safetensors"),
        (False, "."),
        (True, "."),
        (True, "model.safetensors.index.json"),
    ],
    ids=["single-file", "directory", "sharded-directory", "index-file"],
)
def test_hub_inspects_exactly_the_stored_tensors(
    hub_adapter: SubprocessAdapter, tmp_path: Path, sharded: bool, given: str
) -> None:
    _write_checkpoint(tmp_path, sharded=sharded)
    outcome = call(hub_adapter, CHECKPOINT_INSPECT, tmp_path / given)
    assert outcome.kind == ACCEPTED, outcome.describe()
    assert outcome.value == HUB_TENSORS


@needs_node
def test_hub_refuses_a_truncated_header(hub_adapter: SubprocessAdapter, tmp_path: Path) -> None:
    _write_checkpoint(tmp_path, sharded=False)
    path = tmp_path / "model.safetensors"
    path.write_bytes(path.read_bytes()[:20])  # the length prefix and 12 bytes of a longer header
    outcome = call(hub_adapter, CHECKPOINT_INSPECT, path)
    assert (outcome.kind, outcome.category, outcome.error_type) == (
        REFUSED,
        CHECKPOINT_ERROR,
        "SafetensorParseError",
    ), outcome.describe()


@needs_node
def test_hub_refuses_a_checkpoint_in_a_missing_folder_as_not_found(
    hub_adapter: SubprocessAdapter, tmp_path: Path
) -> None:
    outcome = call(hub_adapter, CHECKPOINT_INSPECT, tmp_path / "missing" / "model.safetensors")
    assert (outcome.kind, outcome.category, outcome.error_type) == (REFUSED, FILE_NOT_FOUND, "HubApiError")


@needs_node
def test_hub_crashes_on_a_file_too_short_for_the_header_length(
    hub_adapter: SubprocessAdapter, tmp_path: Path
) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"\x08\0\0")  # the package reads a u64 from the 3 bytes it got
    outcome = call(hub_adapter, CHECKPOINT_INSPECT, path)
    assert (outcome.kind, outcome.error_type) == (CRASHED, "RangeError"), outcome.describe()


def test_hub_without_node_is_unavailable_naming_its_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ImplementationUnavailable, match="run @huggingface/hub: node was not found") as raised:
        huggingface_js_hub()
    assert "or drop --impl huggingface.js-hub" in str(raised.value)


@needs_node
def test_hub_installs_beside_the_dduf_driver(
    adapter: SubprocessAdapter, hub_adapter: SubprocessAdapter, cache: Path
) -> None:
    folders = {_installed_folder(adapter), _installed_folder(hub_adapter)}
    assert {folder.parent for folder in folders} == {cache}
    assert sorted(folder.name.rsplit("-", 1)[0] for folder in folders) == [
        "huggingface-hub",
        "huggingface-js",
    ]
    assert all((folder / INSTALLED_MARKER).is_file() for folder in folders)
