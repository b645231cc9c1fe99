"""TensorFlow splits: hand-computed expectations in every environment, and equality with huggingface_hub
0.36 (the last version with TensorFlow support) where that version is installed: ``tox -e hub036-tf``."""

from __future__ import annotations

import inspect
import math

import huggingface_hub
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weightspec.reference import InvalidArgumentError, get_tf_storage_size, split_tf_state_dict_into_shards

from .split_helpers import split_fields

tf = pytest.importorskip("tensorflow", reason="tensorflow is not installed")
ml_dtypes = pytest.importorskip("ml_dtypes", reason="ml_dtypes (installed with tensorflow) is not installed")

HUB_036 = huggingface_hub.__version__.startswith("0.36.")
needs_hub_036 = pytest.mark.skipif(
    not HUB_036,
    reason=f"compares with huggingface_hub 0.36, the last with TensorFlow support; this is "
    f"{huggingface_hub.__version__}: run `tox -e hub036-tf`",
)

# dtype -> bytes per element, as every format stores them.
ELEMENT_BYTES = {
    tf.float16: 2,
    tf.bfloat16: 2,
    tf.float32: 4,
    tf.float64: 8,
    tf.int8: 1,
    tf.uint8: 1,
    tf.int16: 2,
    tf.uint16: 2,
    tf.int32: 4,
    tf.uint32: 4,
    tf.int64: 8,
    tf.uint64: 8,
    tf.complex64: 8,
    tf.complex128: 16,
    tf.bool: 1,
}
# The dtypes that huggingface_hub 0.36 sizes from the digits at the end of their names, and gets wrong.
SUB_BYTE_NAMED = ["float8_e4m3fn", "float8_e5m2", "int4", "uint4"]


def tf_zeros(shape, dtype) -> tf.Tensor:
    return tf.zeros(shape, dtype=dtype)


def ml_tensor(name: str, count: int) -> tf.Tensor:
    """A TensorFlow tensor of an ml_dtypes dtype (tf.zeros cannot cast to them)."""
    return tf.constant(np.zeros(count, dtype=getattr(ml_dtypes, name)))


@pytest.mark.parametrize("dtype", list(ELEMENT_BYTES), ids=lambda dtype: dtype.name)
def test_a_tensor_weighs_its_elements_times_their_bytes(dtype):
    """SHARD-SIZE-005: a bool is one byte (huggingface_hub 0.36: one eighth, rounded up per tensor)."""
    assert get_tf_storage_size(tf_zeros((3, 5), dtype)) == 15 * ELEMENT_BYTES[dtype]
    assert get_tf_storage_size(tf_zeros((0, 5), dtype)) == 0
    assert get_tf_storage_size(tf.Variable(tf_zeros((2,), dtype))) == 2 * ELEMENT_BYTES[dtype]


@pytest.mark.parametrize("name", SUB_BYTE_NAMED)
def test_float8_and_int4_weigh_one_byte_per_element_as_stored(name):
    tensor = ml_tensor(name, 7)
    assert get_tf_storage_size(tensor) == 7 == tensor.numpy().nbytes


def test_variables_of_keras_and_numpy_arrays_are_sized_too():
    keras = pytest.importorskip("keras", reason="keras is not installed")
    assert get_tf_storage_size(keras.Variable(np.zeros((2, 3), dtype="float32"))) == 24
    assert get_tf_storage_size(np.zeros((2, 2), dtype=np.float64)) == 32


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (lambda: tf.constant(["weights?"]), "string"),
        (lambda: tf.TensorSpec([None, 3]), "unknown shape"),
        (lambda: 3, "int"),
        (lambda: [1.0, 2.0], "list"),
    ],
    ids=["string", "unknown-shape", "int", "list"],
)
def test_values_that_are_not_numeric_tensors_of_known_shape_are_refused(value, words):
    """SHARD-SPLIT-007, and the split names the key."""
    with pytest.raises(InvalidArgumentError) as caught:
        split_tf_state_dict_into_shards({"good": tf.zeros(1), "bad.one": value()})
    assert caught.value.requirement == "SHARD-SPLIT-007"
    assert caught.value.entry == "bad.one"
    assert words in caught.value.message


def test_the_defaults():
    parameters = inspect.signature(split_tf_state_dict_into_shards).parameters
    assert parameters["filename_pattern"].default == "tf_model{suffix}.h5"
    assert parameters["max_shard_size"].default == "5GB"
    split = split_tf_state_dict_into_shards({"a": tf.zeros((4,)), "b": tf.zeros((2,), tf.bool)})
    assert split.filename_to_tensors == {"tf_model.h5": ["a", "b"]}
    assert split.metadata == {"total_size": 18}


def test_a_split_by_hand():
    """SHARD-SPLIT-001, 002, 004, 005 with TensorFlow sizes; nothing is shared, even the same variable twice."""
    variable = tf.Variable(tf.zeros((2,)))  # 8 bytes
    state_dict = {
        "a": tf.zeros((1,)),  # 4
        "mask": tf.zeros((5,), tf.bool),  # 5
        "big": tf.zeros((3,), tf.float64),  # 24 > 10: alone, numbered first
        "s": "bitsandbytes",  # skipped
        "v": variable,  # 8: does not fit after 9 bytes
        "v_again": variable,  # 8 again: TensorFlow tensors share nothing
        "h": tf.zeros((1,), tf.bfloat16),  # 2
    }
    split = split_tf_state_dict_into_shards(state_dict, max_shard_size=10, filename_pattern="w{suffix}.h5")
    assert split.filename_to_tensors == {
        "w-00001-of-00004.h5": ["big"],
        "w-00002-of-00004.h5": ["a", "mask"],
        "w-00003-of-00004.h5": ["v"],
        "w-00004-of-00004.h5": ["v_again", "h"],
    }
    assert split.metadata == {"total_size": 4 + 5 + 24 + 8 + 8 + 2}
    assert "s" not in split.tensor_to_filename


def test_a_bad_pattern_or_size_is_refused():
    with pytest.raises(InvalidArgumentError) as caught:
        split_tf_state_dict_into_shards({"a": tf.zeros(1)}, filename_pattern="tf_model.h5")
    assert caught.value.requirement == "SHARD-NAME-002"
    with pytest.raises(InvalidArgumentError) as caught:
        split_tf_state_dict_into_shards({"a": tf.zeros(1)}, max_shard_size=-1)
    assert caught.value.requirement == "SHARD-SIZE-002"


# --- huggingface_hub 0.36 ------------------------------------------------------------------------------

comparable_dtypes = st.sampled_from([dtype for dtype in ELEMENT_BYTES if dtype != tf.bool])


@st.composite
def tf_state_dicts(draw):
    names = draw(st.lists(st.text("abc.01", min_size=1, max_size=4), max_size=10, unique=True))
    state_dict = {}
    for name in names:
        shape = draw(st.lists(st.integers(0, 4), max_size=2))
        tensor = tf_zeros(shape, draw(comparable_dtypes))
        state_dict[name] = tf.Variable(tensor) if draw(st.booleans()) else tensor
    return state_dict


@needs_hub_036
def test_signature_is_huggingface_hubs():
    theirs = inspect.signature(huggingface_hub.split_tf_state_dict_into_shards).parameters
    ours = inspect.signature(split_tf_state_dict_into_shards).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]


@needs_hub_036
@given(state_dict=tf_state_dicts(), limit=st.integers(1, 200))
def test_split_equals_huggingface_hubs(state_dict, limit):
    ours = split_tf_state_dict_into_shards(state_dict, max_shard_size=limit)
    theirs = huggingface_hub.split_tf_state_dict_into_shards(state_dict, max_shard_size=limit)
    assert split_fields(ours) == split_fields(theirs)


@needs_hub_036
def test_where_huggingface_hub_036_differs():
    """The differences, stated: bool, float8 and int4 sizes (SHARD-SIZE-005), and strings in a single shard."""
    from huggingface_hub.serialization._tensorflow import get_tf_storage_size as hub_size

    bools = tf.zeros((9,), tf.bool)
    assert hub_size(bools) == math.ceil(9 / 8) == 2
    assert get_tf_storage_size(bools) == 9
    assert hub_size(ml_tensor("float8_e5m2", 4)) == 0  # "...m2": 2 bits // 8
    assert hub_size(ml_tensor("int4", 4)) == 0
    with pytest.raises(ValueError):
        hub_size(ml_tensor("float8_e4m3fn", 4))  # no digits at the end of its name
    with_string = {"a": tf.zeros(1), "s": "bitsandbytes"}
    hub_split = huggingface_hub.split_tf_state_dict_into_shards(with_string)
    assert hub_split.filename_to_tensors == {"tf_model.h5": ["a", "s"]}  # 0.36 lists strings with one shard
    assert split_tf_state_dict_into_shards(with_string).filename_to_tensors == {"tf_model.h5": ["a"]}
