"""The public names of ``weightspec.reference``: exactly these, whatever the modules behind them.

Callers import from the package (``from weightspec.reference import read_dduf_file``), as they do
from ``huggingface_hub``; moving a module must change neither the set of names nor what they are.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import weightspec.reference

PUBLIC_NAMES = [
    "CheckpointError",
    "CorruptedCheckpointError",
    "DDUFCorruptedFileError",
    "DDUFEntry",
    "DDUFError",
    "DDUFExportError",
    "DDUFInvalidEntryNameError",
    "Finding",
    "InvalidArgumentError",
    "SafetensorsError",
    "StateDictSplit",
    "StrictLoadError",
    "UnsupportedDtypeError",
    "WeightspecError",
    "collect_folder_entries",
    "export_entries_as_dduf",
    "export_folder_as_dduf",
    "get_tf_storage_size",
    "get_torch_storage_id",
    "get_torch_storage_size",
    "load_safetensors_entry",
    "load_state_dict_from_file",
    "load_torch_model",
    "parse_size_to_int",
    "read_dduf_file",
    "read_safetensors_header",
    "save_torch_model",
    "save_torch_state_dict",
    "split_state_dict_into_shards_factory",
    "split_tf_state_dict_into_shards",
    "split_torch_state_dict_into_shards",
    "validate_checkpoint",
    "validate_dduf",
]


def test_the_public_names_are_exactly_the_committed_list():
    assert weightspec.reference.__all__ == PUBLIC_NAMES
    assert dir(weightspec.reference) == PUBLIC_NAMES


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_public_name_imports_from_the_package_and_is_defined_under_its_name(name):
    value = getattr(importlib.import_module("weightspec.reference"), name)
    assert value.__name__ == name
    assert value.__module__.startswith("weightspec.reference.")


def test_an_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'read_dduf'"):
        weightspec.reference.read_dduf  # noqa: B018


def test_importing_the_package_and_validating_a_dduf_imports_neither_torch_nor_tensorflow():
    code = (
        "import sys, weightspec.reference as r; r.validate_dduf; r.read_dduf_file; r.export_entries_as_dduf; "
        "print(sorted(m for m in ('torch', 'tensorflow') if m in sys.modules))"
    )
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "[]"
