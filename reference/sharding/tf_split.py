"""``split_tf_state_dict_into_shards``: the splitter for TensorFlow tensors and variables.

huggingface_hub 0.36 was the last version with this function; its signature and defaults are
kept (``filename_pattern="tf_model{suffix}.h5"``, ``max_shard_size="5GB"``). TensorFlow is
imported when a size is asked for, never at import time. TensorFlow tensors never share storage,
so only sizes matter.

The size of a tensor (SHARD-SIZE-005) is its number of elements times the bytes of one element,
which is what its data occupies when saved. huggingface_hub 0.36 instead derived the bytes from
the digits at the end of the dtype's name, which counts a ``bool`` as 1/8 byte (rounded up per
tensor) although every format stores one byte per bool, counts ``int4`` and ``float8_e5m2`` as 0
bytes, and fails on ``float8_e4m3fn``; those are the only dtypes on which the two splits differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvalidArgumentError
from .sizes import MAX_SHARD_SIZE
from .split import StateDictSplit, split_state_dict_into_shards_factory

if TYPE_CHECKING:
    import tensorflow as tf

TF2_WEIGHTS_FILE_PATTERN = "tf_model{suffix}.h5"


def split_tf_state_dict_into_shards(
    state_dict: dict[str, tf.Tensor],
    *,
    filename_pattern: str = TF2_WEIGHTS_FILE_PATTERN,
    max_shard_size: int | str = MAX_SHARD_SIZE,
) -> StateDictSplit:
    """Split a TensorFlow state dict into shards of at most ``max_shard_size`` (default ``"5GB"``).

    Same rules as ``split_state_dict_into_shards_factory``; a value that is neither a string nor
    a numeric tensor of known shape raises ``InvalidArgumentError`` (SHARD-SPLIT-007) naming its key.
    """
    return split_state_dict_into_shards_factory(
        state_dict,
        max_shard_size=max_shard_size,
        filename_pattern=filename_pattern,
        get_storage_size=get_tf_storage_size,
    )


def get_tf_storage_size(tensor: tf.Tensor) -> int:
    """Bytes of ``tensor``'s data: elements times bytes per element (a bool is one byte).

    Accepts anything with a TensorFlow-convertible ``dtype`` and ``shape``: ``tf.Tensor``,
    ``tf.Variable``, Keras variables, NumPy arrays. Raises ``InvalidArgumentError`` (SHARD-SPLIT-007)
    for anything else, for an unknown shape, and for dtypes that hold no numbers (string,
    resource, variant).
    """
    import tensorflow as tf

    try:
        dtype = tf.as_dtype(tensor.dtype)
        elements = tf.TensorShape(tensor.shape).num_elements()
    except (AttributeError, TypeError, ValueError) as error:
        raise _size_error(
            f"a value of type {type(tensor).__name__} is not a tensor of known dtype and shape: {error}"
        ) from None
    if elements is None:
        raise _size_error(f"a tensor of partly unknown shape {tensor.shape} has no size")
    if dtype.size == 0:
        raise _size_error(f"a {dtype.name} tensor holds no numbers and cannot be saved as weights")
    return elements * dtype.size


def _size_error(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(message, requirement="SHARD-SPLIT-007")
