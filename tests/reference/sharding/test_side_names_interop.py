"""A checkpoint indexed through side names loads in transformers' ``from_pretrained`` (SHARD-SAVE-012, 013).

The kill test finds shards as transformers does; this test runs ``from_pretrained`` itself, on a
tiny BERT whose shards are reachable only under their side names, as a killed save leaves them.
"""

from __future__ import annotations

import json
import os

import pytest
import torch
from safetensors import safe_open
from transformers import BertConfig, BertModel

from weightspec.reference import save_torch_state_dict
from weightspec.reference.sharding.checkpoint_names import incoming_name, previous_name

from .checkpoint_helpers import state_dicts_equal

PATTERN = "model{suffix}.safetensors"
INDEX = "model.safetensors.index.json"


def tiny_bert() -> BertModel:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=32,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
    )
    return BertModel(config).eval()


@pytest.mark.parametrize("side", ["previous", "incoming"])
def test_from_pretrained_loads_shards_under_their_side_names(tmp_path, side):
    model = tiny_bert()
    model.config.save_pretrained(tmp_path)
    sharded = side == "previous"
    save_torch_state_dict(model.state_dict(), tmp_path, max_shard_size=1_000 if sharded else "1GB")
    if sharded:
        index = json.loads((tmp_path / INDEX).read_text())
        renamed = {shard: previous_name(PATTERN, shard) for shard in set(index["weight_map"].values())}
        assert len(renamed) > 1
    else:  # one file, reachable only through an index naming its side name
        with safe_open(tmp_path / "model.safetensors", "pt") as single:
            tensors = list(single.keys())
        index = {"metadata": {"total_size": 0}, "weight_map": dict.fromkeys(tensors, "model.safetensors")}
        renamed = {"model.safetensors": incoming_name(PATTERN)}
    for original, side_name in renamed.items():
        os.rename(tmp_path / original, tmp_path / side_name)
    weight_map = {tensor: renamed[shard] for tensor, shard in index["weight_map"].items()}
    (tmp_path / INDEX).write_text(json.dumps({**index, "weight_map": weight_map}))

    loaded, info = BertModel.from_pretrained(tmp_path, output_loading_info=True, local_files_only=True)

    assert not any(info.values()), info
    assert state_dicts_equal(dict(loaded.state_dict()), dict(model.state_dict()))
