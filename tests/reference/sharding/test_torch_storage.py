"""Storage identity and size of torch tensors (SHARD-SPLIT-009, SHARD-SIZE-005, SHARD-SPLIT-007), always
compared with huggingface_hub's ``get_torch_storage_id`` and ``get_torch_storage_size``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributed as dist
from huggingface_hub.serialization._torch import get_torch_storage_id as hub_storage_id
from huggingface_hub.serialization._torch import get_torch_storage_size as hub_storage_size

from weightspec.reference import InvalidArgumentError, get_torch_storage_id, get_torch_storage_size
from weightspec.reference.sharding.torch_storage import torch_storage_id_and_size

ALL_DTYPES = sorted({value for value in vars(torch).values() if isinstance(value, torch.dtype)}, key=str)
QUANTIZED_DTYPES = {torch.qint8, torch.quint8, torch.qint32, torch.quint4x2, torch.quint2x4}
PACKED_DTYPES = {torch.quint4x2, torch.quint2x4}  # several elements per byte: the storage is smaller


def make_tensor(dtype: torch.dtype) -> torch.Tensor | None:
    """A 3x5 tensor of ``dtype``, or None where this torch build cannot make one."""
    try:
        if dtype in QUANTIZED_DTYPES:
            return torch.quantize_per_tensor(torch.zeros(3, 5), 0.1, 0, dtype)
        return torch.empty((3, 5), dtype=dtype)
    except (RuntimeError, TypeError, NotImplementedError):
        return None


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental", "ignore:torch.quantize_per_tensor")
def test_every_dtype_is_sized_by_its_storage_as_in_huggingface_hub():
    made = {}
    for dtype in ALL_DTYPES:
        tensor = make_tensor(dtype)
        if tensor is None:
            continue
        made[dtype] = tensor
        size = get_torch_storage_size(tensor)
        assert size == hub_storage_size(tensor) == tensor.untyped_storage().nbytes(), dtype
        if dtype not in PACKED_DTYPES:
            assert size == 15 * tensor.element_size(), dtype
        assert get_torch_storage_id(tensor) == hub_storage_id(tensor), dtype
        assert torch_storage_id_and_size(tensor)[1] == size
    wanted = [torch.bool, torch.complex64, torch.complex128, torch.uint16, torch.uint32, torch.uint64]
    wanted += [
        getattr(torch, name)
        for name in ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz")
    ]
    wanted += [
        getattr(torch, name) for name in ("float8_e8m0fnu", "float4_e2m1fn_x2") if hasattr(torch, name)
    ]
    assert set(wanted) <= set(made)
    assert get_torch_storage_size(made[torch.bool]) == 15
    assert get_torch_storage_size(made[torch.complex128]) == 240


@pytest.mark.parametrize(
    "view",
    [
        lambda base: base,
        lambda base: base[1:],
        lambda base: base[:, 1],
        lambda base: base[::2],
        lambda base: base.t(),
        lambda base: base.reshape(-1),
        lambda base: base.view(torch.uint8),
        lambda base: base[0].expand(4, 6),
        lambda base: base.detach(),
        lambda base: torch.nn.Parameter(base, requires_grad=False),
        lambda base: base.as_subclass(Tagged),
    ],
    ids=[
        "same",
        "slice",
        "column",
        "strided",
        "transposed",
        "flattened",
        "reinterpreted",
        "expanded",
        "detached",
        "parameter",
        "subclass",
    ],
)
def test_views_share_their_base_storage_and_count_all_of_it(view):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    tensor = view(base)
    assert get_torch_storage_id(tensor) == get_torch_storage_id(base) == hub_storage_id(tensor)
    assert get_torch_storage_size(tensor) == 96 == hub_storage_size(tensor)
    assert torch_storage_id_and_size(tensor) == torch_storage_id_and_size(base)


class Tagged(torch.Tensor):
    """A tensor subclass that is not a wrapper: it has its own storage like any tensor."""


def test_copies_do_not_share_storage():
    base = torch.zeros(4)
    for copy in (base.clone(), base.contiguous().clone(), base + 0, torch.zeros(4)):
        assert get_torch_storage_id(copy) != get_torch_storage_id(base)
        assert torch_storage_id_and_size(copy)[0] != torch_storage_id_and_size(base)[0]


def test_two_tensors_over_the_same_memory_share_storage():
    array = np.zeros(8, dtype=np.float32)
    first, second = torch.from_numpy(array), torch.from_numpy(array)
    assert first.untyped_storage()._cdata != second.untyped_storage()._cdata  # two storage objects ...
    assert (
        get_torch_storage_id(first) == get_torch_storage_id(second) == hub_storage_id(second)
    )  # ... one memory


def test_tensors_over_a_prefix_of_the_same_memory_do_not_share_storage():
    array = np.zeros(8, dtype=np.float32)
    whole, prefix = torch.from_numpy(array), torch.from_numpy(array[:4])
    assert get_torch_storage_id(whole) != get_torch_storage_id(prefix)  # same address, other size
    assert hub_storage_id(whole) != hub_storage_id(prefix)


def test_empty_tensors_all_share_one_storage():
    empties = [torch.empty(0), torch.empty(0, 5, dtype=torch.int8), torch.zeros(3)[3:].clone()]
    assert {get_torch_storage_id(empty) for empty in empties} == {(torch.device("cpu"), 0, 0)}
    assert {hub_storage_id(empty) for empty in empties} == {(torch.device("cpu"), 0, 0)}
    assert len({torch_storage_id_and_size(empty) for empty in empties}) == 1


def test_meta_tensors_have_no_identity_and_count_their_storage():
    base = torch.empty(10, dtype=torch.float16, device="meta")
    for tensor in (base, base[2:5], torch.nn.Parameter(base)):
        assert get_torch_storage_id(tensor) is None is hub_storage_id(tensor)
        assert get_torch_storage_size(tensor) == 20 == hub_storage_size(tensor)
        assert torch_storage_id_and_size(tensor) == (None, 20)


def test_wrapper_subclasses_are_identified_by_their_inner_tensors():
    two_tensor = pytest.importorskip(
        "torch.testing._internal.two_tensor", reason="this torch build has no TwoTensor wrapper subclass"
    )
    a, b = torch.zeros(3), torch.ones(3)
    pair = two_tensor.TwoTensor(a, b)
    assert get_torch_storage_id(pair) == hub_storage_id(pair)
    assert get_torch_storage_id(pair)[1] == (a.untyped_storage().data_ptr(), b.untyped_storage().data_ptr())
    assert get_torch_storage_size(pair) == 24 == hub_storage_size(pair)
    same_inner = two_tensor.TwoTensor(a, b)
    assert torch_storage_id_and_size(pair) == torch_storage_id_and_size(same_inner)
    assert torch_storage_id_and_size(pair)[0] != torch_storage_id_and_size(a)[0]


@pytest.fixture(scope="module")
def one_process_group(tmp_path_factory):
    if not dist.is_available():
        pytest.skip("this torch build has no torch.distributed")
    store = tmp_path_factory.mktemp("dist") / "store"
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=0, world_size=1)
    yield torch.distributed.device_mesh.init_device_mesh("cpu", (1,))
    dist.destroy_process_group()


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")  # huggingface_hub's, for DTensors
def test_dtensors_are_identified_by_their_local_shard_and_sized_globally(one_process_group):
    from torch.distributed.tensor import Shard, distribute_tensor

    dtensor = distribute_tensor(
        torch.arange(12, dtype=torch.float32).reshape(3, 4), one_process_group, [Shard(0)]
    )
    local_address = dtensor.to_local().untyped_storage().data_ptr()
    assert (
        get_torch_storage_id(dtensor) == (torch.device("cpu"), local_address, 48) == hub_storage_id(dtensor)
    )
    assert get_torch_storage_size(dtensor) == 48 == hub_storage_size(dtensor)
    rows = dtensor[1:]  # a DTensor of its own global size, over the same local storage
    assert get_torch_storage_id(rows) == hub_storage_id(rows)
    assert torch_storage_id_and_size(rows) == ((local_address, 32), 32)


@pytest.mark.parametrize(
    "function", [get_torch_storage_id, get_torch_storage_size, torch_storage_id_and_size]
)
@pytest.mark.parametrize(
    ("value", "words"),  # values made lazily: building them at collection warns
    [
        (lambda: torch.zeros(3).to_sparse(), "no storage"),
        (lambda: torch.zeros(2, 2).to_sparse_csr(), "no storage"),
        (lambda: 3, "int"),
        (lambda: np.zeros(3), "ndarray"),
        (lambda: "a string", "str"),
    ],
    ids=["sparse", "sparse-csr", "int", "ndarray", "str"],
)
@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
def test_values_without_storage_are_refused(function, value, words):
    """SHARD-SPLIT-007 (huggingface_hub raises AttributeError or NotImplementedError from inside torch)."""
    with pytest.raises(InvalidArgumentError) as caught:
        function(value())
    assert caught.value.requirement == "SHARD-SPLIT-007"
    assert words in caught.value.message
