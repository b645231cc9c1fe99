"""Helpers for the split tests: comparing splits exactly, and generated torch state dicts."""

from __future__ import annotations

import torch
from hypothesis import strategies as st

# Every kind of dtype a state dict holds in practice: floats of each width, float8, ints and
# unsigned ints of each width, bool, complex.
DTYPES = [
    torch.float32,
    torch.float16,
    torch.bfloat16,
    torch.float64,
    torch.float8_e4m3fn,
    torch.float8_e5m2,
    torch.int8,
    torch.uint8,
    torch.int16,
    torch.uint16,
    torch.int32,
    torch.uint32,
    torch.int64,
    torch.uint64,
    torch.bool,
    torch.complex64,
    torch.complex128,
]


def split_fields(split) -> tuple:
    """Everything a ``StateDictSplit`` holds, with every order made visible (lists of pairs)."""
    return (
        split.is_sharded,
        split.metadata,
        [(filename, list(names)) for filename, names in split.filename_to_tensors.items()],
        list(split.tensor_to_filename.items()),
    )


def storage_bytes(tensor) -> int:
    return tensor.untyped_storage().nbytes()


@st.composite
def torch_state_dicts(draw, max_entries: int = 12) -> dict:
    """State dicts of plain tensors, Parameters, meta tensors, strings, and tensors that share
    storage with an earlier one (the same object, a slice, a transpose), in random key order."""
    names = draw(
        st.lists(st.text("abcxyz.0123456789", min_size=1, max_size=5), max_size=max_entries, unique=True)
    )
    state_dict: dict = {}
    made: list[torch.Tensor] = []
    for name in names:
        kind = draw(st.sampled_from(["new", "new", "new", "shared", "shared", "string", "meta", "parameter"]))
        if kind == "shared" and made:
            state_dict[name] = _sharing(draw, draw(st.sampled_from(made)))
            continue
        if kind == "string":
            state_dict[name] = draw(st.text(max_size=4))
            continue
        shape = draw(st.lists(st.integers(0, 4), max_size=3))
        dtype = draw(st.sampled_from(DTYPES))
        device = "meta" if kind == "meta" else "cpu"
        tensor = torch.zeros(shape, dtype=dtype, device=device)
        if kind == "parameter":
            tensor = torch.nn.Parameter(tensor, requires_grad=False)
        made.append(tensor)
        state_dict[name] = tensor
    return state_dict


def _sharing(draw, base: torch.Tensor) -> torch.Tensor:
    """A tensor that shares ``base``'s storage."""
    how = draw(st.sampled_from(["same", "slice", "transpose"]))
    if how == "slice" and base.numel() > 0:
        start = draw(st.integers(0, base.numel() - 1))
        return base.detach().view(-1)[start:]
    if how == "transpose" and base.dim() >= 2:
        return base.detach().transpose(0, 1)
    return base
