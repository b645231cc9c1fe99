"""``split_torch_state_dict_into_shards``: the splitter with torch's storage identity and size.

Same signature, defaults and result as huggingface_hub's function of the same name (which is
``split_state_dict_into_shards_factory`` with ``get_torch_storage_id`` and
``get_torch_storage_size``); see ``split`` for the rules and ``torch_storage`` for what "the
same storage" and "its size" mean for a torch tensor.
"""

from __future__ import annotations

import torch

from .checkpoint_names import SAFETENSORS_PATTERN
from .sizes import MAX_SHARD_SIZE
from .split import StateDictSplit, split_state_dict
from .torch_storage import torch_storage_id_and_size


def split_torch_state_dict_into_shards(
    state_dict: dict[str, torch.Tensor],
    *,
    filename_pattern: str = SAFETENSORS_PATTERN,
    max_shard_size: int | str = MAX_SHARD_SIZE,
) -> StateDictSplit:
    """Split a torch state dict into shards of at most ``max_shard_size`` (default ``"5GB"``).

    Tensors that share storage (tied weights, views) go to the shard of the first of them and
    are counted once; each tensor counts the whole storage it views. Raises ``InvalidArgumentError``
    as ``split_state_dict_into_shards_factory`` does, and for a value that is neither a string
    nor a tensor with storage (SHARD-SPLIT-007).

    >>> state_dict = {"a": torch.zeros(4), "b": torch.zeros(4)}
    >>> split_torch_state_dict_into_shards(state_dict, max_shard_size=16).filename_to_tensors
    {'model-00001-of-00002.safetensors': ['a'], 'model-00002-of-00002.safetensors': ['b']}
    """
    return split_state_dict(
        state_dict,
        storage_of=torch_storage_id_and_size,
        filename_pattern=filename_pattern,
        max_shard_size=max_shard_size,
    )
