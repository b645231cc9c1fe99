"""fast_copy: every path (small reads, kernel copy with a checksum thread, fallback) appends the
exact bytes and returns their CRC-32, as zlib computes it."""

from __future__ import annotations

import os
import zlib
from array import array

import pytest

from weightspec.reference.dduf.fast_copy import (
    CHUNK_BYTES,
    KERNEL_COPY_MIN_BYTES,
    append_bytes,
    append_file,
    crc32,
)

SIZES = [0, 1, KERNEL_COPY_MIN_BYTES - 1, KERNEL_COPY_MIN_BYTES, 2 * CHUNK_BYTES + 3]


@pytest.fixture(scope="module")
def data() -> bytes:
    return os.urandom(2 * CHUNK_BYTES + 3)


def copy(tmp_path, data: bytes, size: int, *, flags: int = 0) -> tuple[int, bytes, list[int]]:
    """append_file of the first ``size`` bytes of ``data`` after a 3-byte prefix: (crc, output, progress calls)."""
    source_path = tmp_path / "source"
    source_path.write_bytes(data)
    output_path = tmp_path / "output"
    calls: list[int] = []
    fd = os.open(output_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | flags)
    try:
        os.write(fd, b"pre")
        with open(source_path, "rb", buffering=0) as source:
            source.seek(7)  # append_file reads from offset 0 whatever the position
            crc = append_file(source, fd, size, calls.append)
    finally:
        os.close(fd)
    return crc, output_path.read_bytes(), calls


def test_crc32_is_zlibs(data):
    assert crc32(data) == zlib.crc32(data)
    assert crc32(data[100:], crc32(data[:100])) == zlib.crc32(data)


@pytest.mark.parametrize("size", SIZES)
def test_append_file_copies_exactly_size_bytes(tmp_path, data, size):
    crc, output, calls = copy(tmp_path, data, size)
    assert output == b"pre" + data[:size]
    assert crc == zlib.crc32(data[:size])
    assert sum(calls) == size


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="no copy_file_range on this platform")
def test_append_file_falls_back_when_the_kernel_refuses(tmp_path, data):
    """copy_file_range refuses an output opened with O_APPEND (EBADF): the read-and-write path takes over."""
    with open(tmp_path / "a", "wb") as a, open(tmp_path / "b", "ab") as b:
        a.write(b"x")
        a.flush()
        with pytest.raises(OSError), open(tmp_path / "a", "rb") as source:
            os.copy_file_range(source.fileno(), b.fileno(), 1, 0)
    crc, output, calls = copy(tmp_path, data, len(data), flags=os.O_APPEND)
    assert output == b"pre" + data
    assert crc == zlib.crc32(data)
    assert sum(calls) == len(data)


@pytest.mark.parametrize("size", [10, KERNEL_COPY_MIN_BYTES + 1])
def test_append_file_raises_eof_when_the_source_is_shorter(tmp_path, data, size):
    with pytest.raises(EOFError, match="ended"):
        copy(tmp_path, data[: size - 1], size)


def test_append_bytes_takes_any_bytes_like_object(tmp_path, data):
    floats = array("f", range(1000))
    path = tmp_path / "output"
    calls: list[int] = []
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        crcs = [append_bytes(fd, content, calls.append) for content in (data, bytearray(b"ab"), floats, b"")]
    finally:
        os.close(fd)
    expected = [data, b"ab", floats.tobytes(), b""]
    assert path.read_bytes() == b"".join(expected)
    assert crcs == [zlib.crc32(part) for part in expected]
    assert sum(calls) == sum(map(len, expected))
