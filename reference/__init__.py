"""weightspec.reference: the reference implementation of the DDUF and sharding specs.

Drop-in names for ``huggingface_hub``'s serialization API; stricter where the spec says so.
Names are imported lazily so that ``import weightspec.reference`` (and validating a DDUF)
never imports torch or tensorflow.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    # errors
    "WeightspecError": "errors",
    "DDUFError": "errors",
    "DDUFCorruptedFileError": "errors",
    "DDUFExportError": "errors",
    "DDUFInvalidEntryNameError": "errors",
    "SafetensorsError": "errors",
    "CheckpointError": "errors",
    "CorruptedCheckpointError": "errors",
    "InvalidArgumentError": "errors",
    "UnsupportedDtypeError": "errors",
    "StrictLoadError": "errors",
    "Finding": "errors",
    # DDUF
    "DDUFEntry": "dduf.entry",
    "read_dduf_file": "dduf.reader",
    "validate_dduf": "dduf.reader",
    "export_entries_as_dduf": "dduf.writer",
    "export_folder_as_dduf": "dduf.writer",
    "collect_folder_entries": "dduf.folder",
    "load_safetensors_entry": "dduf.zero_copy",
    # safetensors
    "read_safetensors_header": "safetensors.header",
    # sharded checkpoints
    "StateDictSplit": "sharding.split",
    "split_state_dict_into_shards_factory": "sharding.split",
    "split_torch_state_dict_into_shards": "sharding.torch_split",
    "split_tf_state_dict_into_shards": "sharding.tf_split",
    "parse_size_to_int": "sharding.sizes",
    "get_torch_storage_id": "sharding.torch_storage",
    "get_torch_storage_size": "sharding.torch_storage",
    "get_tf_storage_size": "sharding.tf_split",
    "save_torch_model": "sharding.save",
    "save_torch_state_dict": "sharding.save",
    "load_torch_model": "sharding.load",
    "load_state_dict_from_file": "sharding.load",
    "validate_checkpoint": "sharding.validate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
