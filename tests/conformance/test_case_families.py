"""The model families of the checkpoint case library: their committed data against the real libraries.

The families' tensor specs and configs are literal data, so that the case library builds without
transformers or diffusers; these tests build each model from its config with the real library
and check that the data has not drifted from it, and that the weights catch a silent wrong load.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from weightspec.conformance.checkpoint_cases.families import (
    ALL_FAMILIES,
    BERT,
    CONFIG_FILE,
    PLAIN,
    UNET,
    Family,
    family_named,
)
from weightspec.conformance.harness.adapter import FAMILIES
from weightspec.conformance.torch_models import (
    SAFETENSORS_DTYPES,
    blank_model_from_config,
    model_config,
    spec_of,
)


def _rows(state_dict: dict[str, torch.Tensor]) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(name, SAFETENSORS_DTYPES[t.dtype], tuple(t.shape)) for name, t in state_dict.items()]


def _committed_rows(family: Family) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(name, dtype, tuple(shape)) for name, (dtype, shape) in family.specs.items()]


def _saved_config(family: Family, directory: Path) -> Path:
    (directory / CONFIG_FILE).write_text(json.dumps(family.config), encoding="utf-8")
    return directory


def test_bert_family_is_the_state_dict_of_the_bert_model_its_config_builds(tmp_path):
    transformers = pytest.importorskip("transformers", reason="checking the bert family needs transformers")
    config = transformers.AutoConfig.from_pretrained(_saved_config(BERT, tmp_path))
    model = getattr(transformers, config.architectures[0])(config)
    assert type(model).__name__ == "BertModel"
    assert _rows(model.state_dict()) == _committed_rows(BERT)


def test_bert_family_names_the_files_transformers_looks_up():
    transformers = pytest.importorskip("transformers", reason="checking the bert family needs transformers")
    names = transformers.utils
    assert (BERT.single_file, BERT.index, BERT.pickle_file, CONFIG_FILE) == (
        names.SAFE_WEIGHTS_NAME,
        names.SAFE_WEIGHTS_INDEX_NAME,
        names.WEIGHTS_NAME,
        names.CONFIG_NAME,
    )


def test_unet_family_is_the_state_dict_of_the_unet_model_its_config_builds(tmp_path):
    diffusers = pytest.importorskip("diffusers", reason="checking the unet family needs diffusers")
    model_class = getattr(diffusers, UNET.config["_class_name"])
    model = model_class.from_config(model_class.load_config(_saved_config(UNET, tmp_path)))
    assert type(model).__name__ == "UNet2DModel"
    assert _rows(model.state_dict()) == _committed_rows(UNET)


def test_unet_family_names_the_files_diffusers_looks_up():
    pytest.importorskip("diffusers", reason="checking the unet family needs diffusers")
    from diffusers.utils import constants

    assert (UNET.single_file, UNET.index, UNET.pickle_file, CONFIG_FILE) == (
        constants.SAFETENSORS_WEIGHTS_NAME,
        constants.SAFE_WEIGHTS_INDEX_NAME,
        constants.WEIGHTS_NAME,
        constants.CONFIG_NAME,
    )
    # diffusers' save_pretrained names shards by putting the suffix before the extension.
    assert UNET.filename_pattern == constants.SAFETENSORS_WEIGHTS_NAME.replace(
        ".safetensors", "{suffix}.safetensors"
    )


def test_plain_family_is_the_model_its_config_describes():
    assert _rows(blank_model_from_config(PLAIN.config).state_dict()) == _committed_rows(PLAIN)
    assert PLAIN.config == model_config(PLAIN.specs)
    assert PLAIN.config["weightspec_model"]["tensors"]["a"] == {"dtype": "F32", "shape": [16]}


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"weightspec_model": []},
        {"weightspec_model": {"tensors": {"a": {"dtype": "F33", "shape": [2]}}}},
        {"weightspec_model": {"tensors": {"a": {"dtype": "F32", "shape": [-1]}}}},
        {"weightspec_model": {"tensors": {"a": {"dtype": ["F32"], "shape": [2]}}}},
        {"weightspec_model": {"tensors": {"a": {"dtype": "F32", "shape": [True]}}}},
    ],
)
def test_a_plain_config_that_describes_no_model_is_refused(document):
    with pytest.raises(ValueError, match="plain model config"):
        blank_model_from_config(document)


def test_families_are_those_of_the_adapter_contract_and_found_by_name():
    assert tuple(family.name for family in ALL_FAMILIES) == FAMILIES
    assert all(family_named(family.name) is family for family in ALL_FAMILIES)
    with pytest.raises(ValueError, match="unknown model family"):
        family_named("keras")


def test_plain_family_is_the_old_baseline():
    """Four F32 tensors a..d of 16 elements holding 1 to 64, one per shard, 256 bytes in all."""
    tensors = PLAIN.tensors()
    assert list(tensors) == list("abcd") and PLAIN.groups == (("a",), ("b",), ("c",), ("d",))
    assert torch.equal(torch.cat(list(tensors.values())), torch.arange(1, 65, dtype=torch.float32))
    assert (PLAIN.shard(2), PLAIN.index, PLAIN.total_size) == (
        "model-00002-of-00004.safetensors",
        "model.safetensors.index.json",
        256,
    )


@pytest.mark.parametrize("family", ALL_FAMILIES, ids=FAMILIES)
def test_weights_are_distinct_non_zero_exact_and_as_specified(family):
    tensors = family.tensors()
    assert spec_of(tensors) == family.specs
    values = torch.cat([tensor.to(torch.float64).reshape(-1) for tensor in tensors.values()])
    # Consecutive integers from 1: exact in F32, no zero, and no two tensors (nor elements) alike.
    assert torch.equal(values, torch.arange(1, len(values) + 1, dtype=torch.float64))
    assert family.total_size == sum(tensor.nbytes for tensor in tensors.values())


@pytest.mark.parametrize("family", ALL_FAMILIES, ids=FAMILIES)
def test_the_four_shard_groups_partition_the_tensors(family):
    groups = family.groups
    assert len(groups) == 4 and all(groups)
    names = [name for group in groups for name in group]
    assert names == list(family.specs) and len(set(names)) == len(names)
    assert [list(family.shard_tensors(i)) for i in range(1, 5)] == [list(group) for group in groups]
    assert [family.first(i) for i in range(1, 5)] == [group[0] for group in groups]
