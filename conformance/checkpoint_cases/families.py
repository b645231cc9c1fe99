"""The model families a checkpoint case is built for: each family's model, files and weights.

A ``Family`` (one per name of ``harness.adapter.FAMILIES``) is literal data, so that the case
library builds without transformers or diffusers (tests/conformance/test_case_families.py checks
it against the real libraries):

- ``name``; ``stem``: the weights files' names, as the family's loader looks them up: the single
  file ``<stem>.safetensors``, the index ``<stem>.safetensors.index.json``, the shards
  ``<stem>-0000i-of-0000n.safetensors``; ``pickle_file``: the single pickle weights file
  (transformers 5.23's ``SAFE_WEIGHTS_NAME`` and ``WEIGHTS_NAME``, diffusers 0.42's
  ``SAFETENSORS_WEIGHTS_NAME`` and ``WEIGHTS_NAME``);
- ``config``: the ``config.json`` document written into every checkpoint folder of the family,
  from which its loader builds the model;
- ``shards``: the model's state dict as rows (name, safetensors dtype, shape) in state dict order,
  cut into the four groups that the baseline checkpoint stores in shards 1 to 4.

``tensors()`` fills the rows with consecutive integers from 1 (F32 holds them exactly), so no
two tensors are alike and none holds a zero: a weight a load leaves at its initial values, at
zeros or on ``meta`` is caught. The plain family's tensors are ``a`` .. ``d`` (16 F32 each,
values 1 to 64) and its config the ``torch_models.model_config`` of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..harness.adapter import BERT_FAMILY, FAMILIES, PLAIN_FAMILY, UNET_FAMILY, ModelSpec, TensorSpec
from ..torch_models import TORCH_DTYPES, model_config

CONFIG_FILE = "config.json"
SHARD_COUNT = 4

Row = tuple[str, str, tuple[int, ...]]  # (name, safetensors dtype, shape)


@dataclass(frozen=True)
class Family:
    """One model family's files, config and weights (see the module's docstring)."""

    name: str
    stem: str
    pickle_file: str
    config: dict
    shards: tuple[tuple[Row, ...], ...]

    @property
    def single_file(self) -> str:
        return f"{self.stem}.safetensors"

    @property
    def index(self) -> str:
        return f"{self.stem}.safetensors.index.json"

    @property
    def filename_pattern(self) -> str:
        """The pattern (spec/sharding.md section 2) that names the family's safetensors files."""
        return f"{self.stem}{{suffix}}.safetensors"

    def shard(self, i: int, count: int = SHARD_COUNT) -> str:
        """The name of shard ``i`` (from 1) of ``count``, as SHARD-NAME-001 names it."""
        return f"{self.stem}-{i:05d}-of-{count:05d}.safetensors"

    @property
    def specs(self) -> ModelSpec:
        return _specs(self.shards)

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The names of the tensors that the baseline's shards 1 to 4 hold."""
        return tuple(tuple(name for name, _, _ in rows) for rows in self.shards)

    def first(self, i: int) -> str:
        """The name of the first tensor of shard ``i`` (from 1)."""
        return self.groups[i - 1][0]

    @property
    def total_size(self) -> int:
        """The bytes of all tensors: the baseline index's ``total_size``."""
        return sum(math.prod(shape) * TORCH_DTYPES[dtype].itemsize for dtype, shape in self.specs.values())

    def tensors(self) -> dict[str, torch.Tensor]:
        """The model's weights, a fresh dict each call: consecutive integers from 1 across the rows."""
        tensors, start = {}, 1
        for name, (dtype, shape) in self.specs.items():
            count = math.prod(shape)
            values = torch.arange(start, start + count, dtype=torch.float32)
            tensors[name] = values.reshape(shape).to(TORCH_DTYPES[dtype])
            start += count
        return tensors

    def shard_tensors(self, i: int) -> dict[str, torch.Tensor]:
        """The tensors of shard ``i`` (from 1) of the baseline."""
        tensors = self.tensors()
        return {name: tensors[name] for name in self.groups[i - 1]}


def _specs(shards: tuple[tuple[Row, ...], ...]) -> ModelSpec:
    return {name: TensorSpec(dtype, shape) for rows in shards for name, dtype, shape in rows}


_PLAIN_SHARDS = tuple(((name, "F32", (16,)),) for name in "abcd")

PLAIN = Family(PLAIN_FAMILY, "model", "pytorch_model.bin", model_config(_specs(_PLAIN_SHARDS)), _PLAIN_SHARDS)

# transformers 5.23's BertModel with the pooler; its buffers position_ids and token_type_ids are
# not persistent, so not in its state dict.
BERT = Family(
    BERT_FAMILY,
    "model",
    "pytorch_model.bin",
    {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": 32,
        "hidden_size": 8,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 16,
        "max_position_embeddings": 16,
        "type_vocab_size": 2,
    },
    (
        (
            ("embeddings.word_embeddings.weight", "F32", (32, 8)),
            ("embeddings.position_embeddings.weight", "F32", (16, 8)),
            ("embeddings.token_type_embeddings.weight", "F32", (2, 8)),
            ("embeddings.LayerNorm.weight", "F32", (8,)),
            ("embeddings.LayerNorm.bias", "F32", (8,)),
        ),
        (
            ("encoder.layer.0.attention.self.query.weight", "F32", (8, 8)),
            ("encoder.layer.0.attention.self.query.bias", "F32", (8,)),
            ("encoder.layer.0.attention.self.key.weight", "F32", (8, 8)),
            ("encoder.layer.0.attention.self.key.bias", "F32", (8,)),
            ("encoder.layer.0.attention.self.value.weight", "F32", (8, 8)),
            ("encoder.layer.0.attention.self.value.bias", "F32", (8,)),
            ("encoder.layer.0.attention.output.dense.weight", "F32", (8, 8)),
            ("encoder.layer.0.attention.output.dense.bias", "F32", (8,)),
            ("encoder.layer.0.attention.output.LayerNorm.weight", "F32", (8,)),
            ("encoder.layer.0.attention.output.LayerNorm.bias", "F32", (8,)),
        ),
        (
            ("encoder.layer.0.intermediate.dense.weight", "F32", (16, 8)),
            ("encoder.layer.0.intermediate.dense.bias", "F32", (16,)),
            ("encoder.layer.0.output.dense.weight", "F32", (8, 16)),
            ("encoder.layer.0.output.dense.bias", "F32", (8,)),
            ("encoder.layer.0.output.LayerNorm.weight", "F32", (8,)),
            ("encoder.layer.0.output.LayerNorm.bias", "F32", (8,)),
        ),
        (
            ("pooler.dense.weight", "F32", (8, 8)),
            ("pooler.dense.bias", "F32", (8,)),
        ),
    ),
)

# diffusers 0.42's UNet2DModel with one down and one up block and no mid block.
UNET = Family(
    UNET_FAMILY,
    "diffusion_pytorch_model",
    "diffusion_pytorch_model.bin",
    {
        "_class_name": "UNet2DModel",
        "_diffusers_version": "0.42.1",
        "sample_size": 8,
        "in_channels": 1,
        "out_channels": 1,
        "down_block_types": ["DownBlock2D"],
        "up_block_types": ["UpBlock2D"],
        "mid_block_type": None,
        "block_out_channels": [4],
        "layers_per_block": 1,
        "norm_num_groups": 2,
    },
    (
        (
            ("conv_in.weight", "F32", (4, 1, 3, 3)),
            ("conv_in.bias", "F32", (4,)),
            ("time_embedding.linear_1.weight", "F32", (16, 4)),
            ("time_embedding.linear_1.bias", "F32", (16,)),
            ("time_embedding.linear_2.weight", "F32", (16, 16)),
            ("time_embedding.linear_2.bias", "F32", (16,)),
        ),
        (
            ("down_blocks.0.resnets.0.norm1.weight", "F32", (4,)),
            ("down_blocks.0.resnets.0.norm1.bias", "F32", (4,)),
            ("down_blocks.0.resnets.0.conv1.weight", "F32", (4, 4, 3, 3)),
            ("down_blocks.0.resnets.0.conv1.bias", "F32", (4,)),
            ("down_blocks.0.resnets.0.time_emb_proj.weight", "F32", (4, 16)),
            ("down_blocks.0.resnets.0.time_emb_proj.bias", "F32", (4,)),
            ("down_blocks.0.resnets.0.norm2.weight", "F32", (4,)),
            ("down_blocks.0.resnets.0.norm2.bias", "F32", (4,)),
            ("down_blocks.0.resnets.0.conv2.weight", "F32", (4, 4, 3, 3)),
            ("down_blocks.0.resnets.0.conv2.bias", "F32", (4,)),
        ),
        (
            ("up_blocks.0.resnets.0.norm1.weight", "F32", (8,)),
            ("up_blocks.0.resnets.0.norm1.bias", "F32", (8,)),
            ("up_blocks.0.resnets.0.conv1.weight", "F32", (4, 8, 3, 3)),
            ("up_blocks.0.resnets.0.conv1.bias", "F32", (4,)),
            ("up_blocks.0.resnets.0.time_emb_proj.weight", "F32", (4, 16)),
            ("up_blocks.0.resnets.0.time_emb_proj.bias", "F32", (4,)),
            ("up_blocks.0.resnets.0.norm2.weight", "F32", (4,)),
            ("up_blocks.0.resnets.0.norm2.bias", "F32", (4,)),
            ("up_blocks.0.resnets.0.conv2.weight", "F32", (4, 4, 3, 3)),
            ("up_blocks.0.resnets.0.conv2.bias", "F32", (4,)),
            ("up_blocks.0.resnets.0.conv_shortcut.weight", "F32", (4, 8, 1, 1)),
            ("up_blocks.0.resnets.0.conv_shortcut.bias", "F32", (4,)),
            ("up_blocks.0.resnets.1.norm1.weight", "F32", (8,)),
            ("up_blocks.0.resnets.1.norm1.bias", "F32", (8,)),
            ("up_blocks.0.resnets.1.conv1.weight", "F32", (4, 8, 3, 3)),
            ("up_blocks.0.resnets.1.conv1.bias", "F32", (4,)),
            ("up_blocks.0.resnets.1.time_emb_proj.weight", "F32", (4, 16)),
            ("up_blocks.0.resnets.1.time_emb_proj.bias", "F32", (4,)),
            ("up_blocks.0.resnets.1.norm2.weight", "F32", (4,)),
            ("up_blocks.0.resnets.1.norm2.bias", "F32", (4,)),
            ("up_blocks.0.resnets.1.conv2.weight", "F32", (4, 4, 3, 3)),
            ("up_blocks.0.resnets.1.conv2.bias", "F32", (4,)),
            ("up_blocks.0.resnets.1.conv_shortcut.weight", "F32", (4, 8, 1, 1)),
            ("up_blocks.0.resnets.1.conv_shortcut.bias", "F32", (4,)),
        ),
        (
            ("conv_norm_out.weight", "F32", (4,)),
            ("conv_norm_out.bias", "F32", (4,)),
            ("conv_out.weight", "F32", (1, 4, 3, 3)),
            ("conv_out.bias", "F32", (1,)),
        ),
    ),
)

ALL_FAMILIES = (PLAIN, BERT, UNET)  # in the order of harness.adapter.FAMILIES
_BY_NAME = {family.name: family for family in ALL_FAMILIES}


def family_named(name: str) -> Family:
    """The family called ``name``; ValueError for a name not in ``FAMILIES``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; expected one of {FAMILIES}") from None
