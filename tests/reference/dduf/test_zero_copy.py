"""load_safetensors_entry: the same tensors as safetensors.torch.load, living in a private map of the archive."""

from __future__ import annotations

import gc
import json
import math
import mmap

import pytest

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")
import safetensors  # noqa: E402  (installed with safetensors.torch)

from weightspec.reference import (  # noqa: E402  (after the importorskip of torch)
    SafetensorsError,
    UnsupportedDtypeError,
    export_entries_as_dduf,
    load_safetensors_entry,
    read_dduf_file,
)
from weightspec.reference.safetensors.header import DTYPE_BITS  # noqa: E402

INDEX = b'{"_class_name": "P", "unet": ["d", "U"]}'
WEIGHTS = "unet/model.safetensors"


def archive_with(tmp_path, weights: bytes) -> dict:
    path = tmp_path / "weights.dduf"
    export_entries_as_dduf(
        path, [("model_index.json", INDEX), ("unet/config.json", b"{}"), (WEIGHTS, weights)]
    )
    return read_dduf_file(path)


def raw_safetensors(header: dict, data: bytes, *, padding: int = 0) -> bytes:
    """A safetensors file whose data buffer starts ``padding`` spaces after the compact header."""
    encoded = json.dumps(header, separators=(",", ":")).encode() + b" " * padding
    return len(encoded).to_bytes(8, "little") + encoded + data


@pytest.mark.parametrize("dtype", sorted(DTYPE_BITS))
def test_every_safetensors_dtype_loads_as_safetensors_loads_it(tmp_path, dtype):
    """ST-LOAD-001: the dtypes, shapes and bytes of safetensors.torch.load_file; F6 refused by both.

    (``safetensors.torch.load``, the bytes API, has no torch dtype for F4 and F8_E8M0 in 0.8.)"""
    elements = 8  # whole bytes for every bit width
    data = bytes(range(1, 1 + elements * DTYPE_BITS[dtype] // 8))
    weights = raw_safetensors({"x": {"dtype": dtype, "shape": [2, 4], "data_offsets": [0, len(data)]}}, data)
    entry = archive_with(tmp_path, weights)[WEIGHTS]
    plain = tmp_path / "plain.safetensors"
    plain.write_bytes(weights)

    if dtype in ("F6_E2M3", "F6_E3M2"):
        with pytest.raises(UnsupportedDtypeError, match=dtype) as raised:
            load_safetensors_entry(entry)
        assert raised.value.requirement == "ST-LOAD-001"
        with pytest.raises(safetensors.SafetensorError):  # the library has no torch dtype either
            safetensors_torch.load_file(plain)
        return
    loaded = load_safetensors_entry(entry)["x"]
    expected = safetensors_torch.load_file(plain)["x"]

    assert (loaded.dtype, loaded.shape) == (expected.dtype, expected.shape)
    assert loaded.shape == ((2, 2) if dtype == "F4" else (2, 4))  # F4: two elements per byte
    assert bytes(loaded.reshape(-1).view(torch.uint8).tolist()) == data


@pytest.mark.parametrize("shape", [[2, 3], [1, 2, 1]])
def test_an_f4_tensor_with_an_odd_last_dimension_is_refused(tmp_path, shape):
    """ST-LOAD-001: valid per ST-TENSOR-004 (whole bytes), but torch packs F4 in pairs per row."""
    data = bytes(math.prod(shape) // 2)
    weights = raw_safetensors({"x": {"dtype": "F4", "shape": shape, "data_offsets": [0, len(data)]}}, data)
    entry = archive_with(tmp_path, weights)[WEIGHTS]
    with pytest.raises(UnsupportedDtypeError, match="last dimension") as raised:
        load_safetensors_entry(entry)
    assert (raised.value.requirement, raised.value.entry) == ("ST-LOAD-001", WEIGHTS)


def test_empty_and_scalar_tensors(tmp_path):
    tensors = {"empty": torch.empty(0, 4), "scalar": torch.tensor(3.5), "matrix": torch.ones(2, 3)}
    entry = archive_with(tmp_path, safetensors_torch.save(tensors))[WEIGHTS]

    loaded = load_safetensors_entry(entry)

    assert loaded.keys() == tensors.keys()
    assert all(torch.equal(loaded[name], tensor) for name, tensor in tensors.items())


def test_tensors_are_views_of_the_archives_pages(tmp_path):
    tensors = {f"t{number}": torch.full((256,), float(number)) for number in range(4)}
    weights = safetensors_torch.save(tensors)
    entry = archive_with(tmp_path, weights)[WEIGHTS]
    header_length = int.from_bytes(weights[:8], "little")
    offsets = json.loads(weights[8 : 8 + header_length])

    loaded = load_safetensors_entry(entry)

    for name, tensor in loaded.items():
        file_offset = entry.offset + 8 + header_length + offsets[name]["data_offsets"][0]
        # Mapped memory sits at the same offset within its page as the bytes within the file,
        # and tensors lie as far apart in memory as in the file: one map, no copies.
        assert tensor.data_ptr() % mmap.PAGESIZE == file_offset % mmap.PAGESIZE
        assert tensor.data_ptr() - loaded["t0"].data_ptr() == file_offset - (
            entry.offset + 8 + header_length + offsets["t0"]["data_offsets"][0]
        )


def test_writing_to_a_tensor_never_changes_the_file(tmp_path):
    weights = safetensors_torch.save({"weight": torch.zeros(16)})
    entry = archive_with(tmp_path, weights)[WEIGHTS]
    before = entry.dduf_path.read_bytes()

    loaded = load_safetensors_entry(entry)
    loaded["weight"] += 1

    assert entry.dduf_path.read_bytes() == before
    assert torch.equal(load_safetensors_entry(entry)["weight"], torch.zeros(16))
    assert torch.equal(loaded["weight"], torch.ones(16))


def test_tensors_outlive_the_entry_and_the_map(tmp_path):
    weights = safetensors_torch.save({"weight": torch.arange(1000, dtype=torch.float32)})
    entries = archive_with(tmp_path, weights)
    tensor = load_safetensors_entry(entries.pop(WEIGHTS))["weight"]
    del entries
    gc.collect()
    assert torch.equal(tensor, torch.arange(1000, dtype=torch.float32))


def test_a_misaligned_tensor_is_copied_and_still_correct(tmp_path):
    values = torch.arange(4, dtype=torch.float32)
    header = {"odd": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}
    header["values"] = {"dtype": "F32", "shape": [4], "data_offsets": [1, 17]}
    weights = raw_safetensors(header, b"\x07" + values.numpy().tobytes())
    entry = archive_with(tmp_path, weights)[WEIGHTS]

    loaded = load_safetensors_entry(entry)

    assert torch.equal(loaded["values"], values)
    assert loaded["values"].data_ptr() % 4 == 0
    assert loaded["odd"].tolist() == [7]


def test_a_bad_header_is_refused_before_mapping(tmp_path):
    weights = raw_safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, bytes(4))
    entry = archive_with(tmp_path, weights)[WEIGHTS]
    with pytest.raises(SafetensorsError) as raised:
        load_safetensors_entry(entry)
    assert raised.value.requirement == "ST-TENSOR-004"
    assert raised.value.entry == WEIGHTS


def test_loading_onto_cuda(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    weights = safetensors_torch.save({"weight": torch.arange(8, dtype=torch.float16)})
    entry = archive_with(tmp_path, weights)[WEIGHTS]

    loaded = load_safetensors_entry(entry, device="cuda")

    assert loaded["weight"].device.type == "cuda"
    assert torch.equal(loaded["weight"].cpu(), torch.arange(8, dtype=torch.float16))
