"""reference/safetensors/header.py against real safetensors files and crafted bad headers.

Real files come from ``safetensors.torch``; what the reference parses is compared with what
``safetensors.safe_open`` and ``safetensors.deserialize`` report. Every crafted bad header
breaks one ST- requirement and must raise ``SafetensorsError`` naming exactly that ID.
"""

from __future__ import annotations

import io
import json
import math
import struct

import pytest
import safetensors
import safetensors.torch
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from weightspec.reference.errors import SafetensorsError
from weightspec.reference.safetensors.header import (
    DTYPE_BITS,
    MAX_HEADER_LENGTH,
    SafetensorsHeader,
    TensorInfo,
    _header_validator,
    _is_valid_metadata,
    _is_valid_tensor,
    read_safetensors_header,
    safetensors_findings,
)

TORCH_DTYPES = [
    torch.float64,
    torch.float32,
    torch.float16,
    torch.bfloat16,
    torch.int64,
    torch.int32,
    torch.int16,
    torch.int8,
    torch.uint64,
    torch.uint32,
    torch.uint16,
    torch.uint8,
    torch.bool,
    torch.complex64,
    torch.float8_e4m3fn,
    torch.float8_e5m2,
    torch.float8_e4m3fnuz,
    torch.float8_e5m2fnuz,
    torch.float8_e8m0fnu,
    torch.float4_e2m1fn_x2,
]


def random_tensor(dtype: torch.dtype, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """A tensor of random bytes (0/1 for bool), so that misplaced offsets show up as wrong bytes."""
    count = math.prod(shape)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    item_size = torch.empty((), dtype=dtype).element_size()
    raw = torch.randint(0, 256, (count * item_size,), dtype=torch.uint8, generator=generator)
    return raw.view(dtype).reshape(shape)


def sample_state_dict() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    tensors = {
        f"layer.{i}.{str(dtype).removeprefix('torch.')}": random_tensor(dtype, (2, 3), generator)
        for i, dtype in enumerate(TORCH_DTYPES)
    }
    tensors["empty"] = torch.empty((0, 4), dtype=torch.float32)
    tensors["scalar"] = torch.tensor(1.5, dtype=torch.float64)
    tensors["vector"] = random_tensor(torch.bfloat16, (7,), generator)
    return tensors


METADATA = {"format": "pt", "note": "größe ✓"}


def write_with_save_file(tmp_path, tensors):
    target = tmp_path / "model.safetensors"
    safetensors.torch.save_file(tensors, target, metadata=METADATA)
    return target.read_bytes()


def write_with_save(tmp_path, tensors):
    return safetensors.torch.save(tensors, metadata=METADATA)


def file_of(header: dict | bytes, data: bytes = b"") -> bytes:
    """A safetensors file with the given header (a dict is dumped as JSON) and data buffer."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def tensor(dtype: str = "U8", shape: list | None = None, offsets: list | None = None) -> dict:
    return {"dtype": dtype, "shape": [4] if shape is None else shape, "data_offsets": offsets or [0, 4]}


@pytest.mark.parametrize("writer", [write_with_save_file, write_with_save], ids=["save_file", "save"])
def test_real_files_parse_as_safetensors_reads_them(tmp_path, writer):
    content = writer(tmp_path, sample_state_dict())
    path = tmp_path / "copy.safetensors"
    path.write_bytes(content)

    header = read_safetensors_header(path)

    assert header.header_length == struct.unpack("<Q", content[:8])[0]
    assert header.data_start == 8 + header.header_length
    assert header.data_length == len(content) - header.data_start
    assert header.metadata == METADATA
    stored_order = [key for key in json.loads(content[8 : header.data_start]) if key != "__metadata__"]
    assert list(header.tensors) == stored_order
    with safetensors.safe_open(path, "pt") as opened:
        assert set(opened.keys()) == set(header.tensors)
        assert opened.metadata() == METADATA
        for name, info in header.tensors.items():
            assert info.name == name
            assert info.dtype == opened.get_slice(name).get_dtype()
            assert list(info.shape) == opened.get_slice(name).get_shape()
    for name, view in safetensors.deserialize(content):
        info = header.tensors[name]
        assert content[header.data_start + info.begin : header.data_start + info.end] == bytes(view["data"])
    assert safetensors_findings(path) == []


def test_a_span_inside_a_larger_file_reads_like_the_file_alone(tmp_path):
    content = safetensors.torch.save(sample_state_dict())
    prefix, suffix = b"P" * 1000, b"trailing bytes that belong to something else"
    path = tmp_path / "archive.bin"
    path.write_bytes(prefix + content + suffix)

    alone = read_safetensors_header(io.BytesIO(content))
    inside = read_safetensors_header(
        path, start=len(prefix), length=len(content), entry="unet/model.safetensors"
    )

    assert inside.tensors == alone.tensors
    assert inside.data_start == len(prefix) + alone.data_start
    assert inside.data_length == alone.data_length


def test_errors_inside_a_span_carry_path_entry_and_absolute_offset(tmp_path):
    content = file_of({"a": tensor(), "b": tensor(offsets=[8, 12])}, bytes(12))
    path = tmp_path / "archive.bin"
    path.write_bytes(b"x" * 100 + content)

    with pytest.raises(SafetensorsError) as caught:
        read_safetensors_header(path, start=100, length=len(content), entry="vae/model.safetensors")

    error = caught.value
    assert (error.requirement, error.path, error.entry) == (
        "ST-TENSOR-005",
        str(path),
        "vae/model.safetensors",
    )
    data_start = 100 + len(content) - 12
    assert error.offset == data_start + 4  # the hole starts where tensor a ends
    assert "ST-TENSOR-005" in str(error) and "vae/model.safetensors" in str(error)


def test_a_file_object_and_a_path_read_the_same(tmp_path):
    content = safetensors.torch.save(sample_state_dict())
    path = tmp_path / "m.safetensors"
    path.write_bytes(content)
    with open(path, "rb") as file:
        assert read_safetensors_header(file) == read_safetensors_header(path)
        assert not file.closed


class CountingReader(io.BytesIO):
    """A real in-memory file that remembers the furthest byte any read reached."""

    furthest = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return data


def test_only_the_header_bytes_are_read():
    content = safetensors.torch.save({"big": torch.zeros(1 << 16)})
    source = CountingReader(content)

    header = read_safetensors_header(source)

    assert source.furthest == header.data_start < len(content)


# One crafted file per requirement: (requirement, description, file bytes, whether the
# safetensors library also rejects it). The library is laxer on a few points the spec closes.
BAD_FILES = [
    ("ST-HEADER-001", "shorter than 8 bytes", b"\x02\x00\x00", True),
    ("ST-HEADER-001", "empty", b"", True),
    ("ST-HEADER-001", "header past the end", struct.pack("<Q", 100) + b"{}", True),
    ("ST-HEADER-002", "header over 100 MB", struct.pack("<Q", MAX_HEADER_LENGTH + 1) + b"{}", True),
    ("ST-HEADER-002", "length 2**64-1", b"\xff" * 8 + b"{}", True),
    ("ST-HEADER-003", "not UTF-8", file_of(b'{"\xff": 1}'), True),
    ("ST-HEADER-003", "not JSON", file_of(b'{"a": '), True),
    ("ST-HEADER-003", "empty header", file_of(b""), True),
    ("ST-HEADER-003", "byte order mark", file_of(b"\xef\xbb\xbf{}"), True),
    ("ST-HEADER-003", "NaN", file_of(b'{"__metadata__": {"a": NaN}}'), True),
    ("ST-HEADER-003", "a list, not an object", file_of(b"[]"), True),
    ("ST-HEADER-003", "nested too deep", file_of(b"[" * 100_000 + b"]" * 100_000), True),
    ("ST-HEADER-003", "trailing garbage", file_of(b"{}x"), True),
    (
        "ST-HEADER-004",
        "duplicate tensor",
        file_of(b'{"a": %s, "a": %s}' % ((json.dumps(tensor()).encode(),) * 2), bytes(4)),
        False,
    ),
    ("ST-HEADER-004", "duplicate metadata key", file_of(b'{"__metadata__": {"k": "1", "k": "2"}}'), False),
    ("ST-HEADER-005", "metadata value not a string", file_of({"__metadata__": {"k": 1}}), True),
    ("ST-HEADER-005", "metadata null", file_of({"__metadata__": None}), False),
    ("ST-HEADER-005", "metadata a list", file_of({"__metadata__": ["k"]}), True),
    ("ST-TENSOR-001", "unknown field", file_of({"a": {**tensor(), "extra": 1}}, bytes(4)), False),
    ("ST-TENSOR-001", "missing field", file_of({"a": {"dtype": "U8", "shape": [4]}}, bytes(4)), True),
    ("ST-TENSOR-001", "tensor not an object", file_of({"a": 3}), True),
    ("ST-TENSOR-002", "unknown dtype", file_of({"a": tensor(dtype="F128")}, bytes(4)), True),
    ("ST-TENSOR-002", "lower-case dtype", file_of({"a": tensor(dtype="u8")}, bytes(4)), True),
    ("ST-TENSOR-003", "negative dimension", file_of({"a": tensor(shape=[-4])}, bytes(4)), True),
    ("ST-TENSOR-003", "fractional dimension", file_of({"a": tensor(shape=[4.0])}, bytes(4)), True),
    ("ST-TENSOR-003", "boolean dimension", file_of({"a": tensor(shape=[True])}, bytes(1)), True),
    ("ST-TENSOR-003", "three offsets", file_of({"a": tensor(offsets=[0, 4, 4])}, bytes(4)), True),
    ("ST-TENSOR-003", "begin after end", file_of({"a": tensor(shape=[0], offsets=[4, 0])}, bytes(4)), True),
    ("ST-TENSOR-004", "span too long", file_of({"a": tensor(shape=[3])}, bytes(4)), True),
    (
        "ST-TENSOR-004",
        "F4 in half bytes",
        file_of({"a": tensor(dtype="F4", shape=[3], offsets=[0, 2])}, bytes(2)),
        True,
    ),
    ("ST-TENSOR-004", "huge shape", file_of({"a": tensor(shape=[2**70] * 50)}, bytes(4)), True),
    ("ST-TENSOR-005", "hole", file_of({"a": tensor(), "b": tensor(offsets=[8, 12])}, bytes(12)), True),
    ("ST-TENSOR-005", "overlap", file_of({"a": tensor(), "b": tensor(offsets=[2, 6])}, bytes(6)), True),
    ("ST-TENSOR-005", "bytes after the last tensor", file_of({"a": tensor()}, bytes(5)), True),
    ("ST-TENSOR-005", "tensor past the end", file_of({"a": tensor()}, bytes(3)), True),
    ("ST-TENSOR-005", "no tensor but data", file_of({}, bytes(1)), True),
]


@pytest.mark.parametrize(
    ("requirement", "content", "library_rejects"),
    [pytest.param(req, content, rejects, id=f"{req}-{what}") for req, what, content, rejects in BAD_FILES],
)
def test_each_broken_requirement_raises_its_id(tmp_path, requirement, content, library_rejects):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)

    with pytest.raises(SafetensorsError) as caught:
        read_safetensors_header(path, entry="text_encoder/model.safetensors")

    error = caught.value
    assert error.requirement == requirement
    assert (error.path, error.entry) == (str(path), "text_encoder/model.safetensors")
    assert isinstance(error.offset, int) and 0 <= error.offset <= len(content)
    findings = safetensors_findings(path)
    assert findings[0].requirement == requirement
    assert {finding.requirement for finding in findings} <= {requirement, "ST-TENSOR-005"}
    if library_rejects:
        with pytest.raises(safetensors.SafetensorError):
            safetensors.deserialize(content)


def test_per_tensor_rules_come_before_coverage():
    content = file_of({"a": tensor(shape=[3]), "b": tensor(offsets=[10, 14])}, bytes(14))
    with pytest.raises(SafetensorsError) as caught:
        read_safetensors_header(io.BytesIO(content))
    assert caught.value.requirement == "ST-TENSOR-004"
    assert [finding.requirement for finding in safetensors_findings(io.BytesIO(content))] == [
        "ST-TENSOR-004",
        "ST-TENSOR-005",
    ]


def test_findings_report_every_bad_tensor_and_skip_coverage_when_a_tensor_cannot_be_placed():
    content = file_of({"a": tensor(dtype="X"), "b": {"shape": [1]}, "__metadata__": {"k": []}}, bytes(3))
    findings = safetensors_findings(io.BytesIO(content), path="named.safetensors")
    # b lacks two fields: one finding each
    assert [f.requirement for f in findings] == [
        "ST-TENSOR-002",
        "ST-TENSOR-001",
        "ST-TENSOR-001",
        "ST-HEADER-005",
    ]
    assert all(f.path == "named.safetensors" for f in findings)


def test_trailing_and_leading_whitespace_and_zero_size_tensors_are_accepted():
    raw = b' {"a": {"dtype": "F32", "shape": [0, 5], "data_offsets": [0, 0]},'
    raw += b' "b": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}\n    '
    header = read_safetensors_header(io.BytesIO(file_of(raw, bytes(4))))
    assert header.tensors["a"] == TensorInfo("a", "F32", (0, 5), 0, 0)
    assert header.tensors["b"] == TensorInfo("b", "F32", (), 0, 4)
    assert header.metadata == {}


def test_every_truncation_of_a_real_file_is_a_safetensors_error():
    content = safetensors.torch.save(
        {"w": torch.ones(2, 2, dtype=torch.float16), "b": torch.ones(3)}, {"k": "v"}
    )
    for cut in range(len(content)):
        with pytest.raises(SafetensorsError):
            read_safetensors_header(io.BytesIO(content[:cut]))


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, 10_000), value=st.integers(0, 255))
def test_any_corrupted_byte_is_read_or_refused_with_a_safetensors_error(position, value):
    content = bytearray(safetensors.torch.save({"w": torch.ones(2, 2, dtype=torch.float16)}, {"k": "v"}))
    content[position % len(content)] = value
    try:
        read_safetensors_header(io.BytesIO(bytes(content)))
    except SafetensorsError as error:
        assert error.requirement.startswith("ST-")


def test_dtype_table_matches_the_schema_and_the_safetensors_library():
    schema_dtypes = _header_validator().schema["$defs"]["tensor"]["properties"]["dtype"]["enum"]
    assert sorted(schema_dtypes) == sorted(DTYPE_BITS)
    for dtype, bits in DTYPE_BITS.items():
        count = 8 // math.gcd(bits, 8)  # the fewest elements that fill whole bytes
        content = file_of(
            {"t": tensor(dtype=dtype, shape=[count], offsets=[0, count * bits // 8])},
            bytes(count * bits // 8),
        )
        [(name, view)] = safetensors.deserialize(content)
        assert (name, view["dtype"], len(view["data"])) == ("t", dtype, count * bits // 8)
        assert read_safetensors_header(io.BytesIO(content)).tensors["t"].end == count * bits // 8


@st.composite
def valid_headers(draw) -> tuple[bytes, list[TensorInfo], dict[str, str]]:
    """A random valid safetensors file, and the tensors it must parse back to, in key order."""
    names = draw(
        st.lists(
            st.text(min_size=1, max_size=12).filter(lambda n: n != "__metadata__"), max_size=8, unique=True
        )
    )
    layout, position = [], 0
    for name in names:
        dtype = draw(st.sampled_from(sorted(DTYPE_BITS)))
        shape = draw(st.lists(st.integers(0, 5), max_size=3))
        bits = math.prod(shape) * DTYPE_BITS[dtype]
        if bits % 8:
            shape = [*shape, 8]  # eight elements of any width fill whole bytes
            bits *= 8
        layout.append(TensorInfo(name, dtype, tuple(shape), position, position + bits // 8))
        position += bits // 8
    order = draw(st.permutations(layout))
    metadata = draw(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3))
    header: dict = {"__metadata__": metadata} if metadata else {}
    header.update({t.name: tensor(t.dtype, list(t.shape), [t.begin, t.end]) for t in order})
    raw = json.dumps(header, ensure_ascii=draw(st.booleans())).encode()
    raw += b" " * draw(st.integers(0, 7))
    return file_of(raw, bytes(position)), list(order), metadata


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_headers())
def test_any_valid_header_parses_back_to_its_tensors(case):
    content, tensors, metadata = case
    header = read_safetensors_header(io.BytesIO(content))
    assert isinstance(header, SafetensorsHeader)
    assert list(header.tensors.values()) == tensors
    assert header.metadata == metadata
    assert header.data_start + header.data_length == len(content)


# Values shaped like a tensor entry, valid or not, to compare the fast checks with the schema.
json_scalars = (
    st.none() | st.booleans() | st.integers(-3, 2**65) | st.floats(allow_nan=False) | st.text(max_size=4)
)
tensor_like = st.fixed_dictionaries(
    {},
    optional={
        "dtype": st.sampled_from([*DTYPE_BITS, "u8", "F128"]) | json_scalars,
        "shape": st.lists(st.integers(-2, 9) | json_scalars, max_size=3) | json_scalars,
        "data_offsets": st.lists(st.integers(-2, 9) | json_scalars, max_size=3) | json_scalars,
        "extra": json_scalars,
    },
)


@settings(max_examples=500, deadline=None)
@given(tensor_like | from_schema(_header_validator().schema["$defs"]["tensor"]) | json_scalars)
def test_fast_tensor_check_agrees_with_the_schema(value):
    assert _is_valid_tensor(value) == _header_validator().is_valid({"t": value})


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=3), json_scalars, max_size=3) | json_scalars)
def test_fast_metadata_check_agrees_with_the_schema(value):
    assert _is_valid_metadata(value) == _header_validator().is_valid({"__metadata__": value})
